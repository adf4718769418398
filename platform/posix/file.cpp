#include "../file.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace tickwire::platform {

FileHandle open_file_for_reading(const char* path, uint64_t& size) noexcept {
    const int fd = ::open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return kInvalidFile;
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return kInvalidFile;
    }
    size = static_cast<uint64_t>(st.st_size);
    return fd;
}

long read_file(FileHandle f, void* buf, size_t cap) noexcept {
    for (;;) {
        const ssize_t n = ::read(static_cast<int>(f), buf, cap);
        if (n >= 0) return static_cast<long>(n);
        if (errno != EINTR) return -1;
    }
}

void close_file(FileHandle f) noexcept {
    if (f != kInvalidFile) ::close(static_cast<int>(f));
}

} // namespace tickwire::platform
