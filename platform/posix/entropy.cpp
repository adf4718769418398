#include "../entropy.hpp"

#include <cerrno>
#include <sys/random.h>

namespace tickwire::platform {

bool fill_entropy(void* out, size_t len) noexcept {
    auto* p = static_cast<unsigned char*>(out);
    while (len > 0) {
        ssize_t n = getrandom(p, len, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        p += n;
        len -= static_cast<size_t>(n);
    }
    return true;
}

} // namespace tickwire::platform
