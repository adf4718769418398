// How an injected fault looks on POSIX: errno values, iovecs cut short, a connect that hangs.
#include "fault_injection.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace tickwire::platform::fault {

#ifndef TICKWIRE_NO_FAULT_INJECTION

namespace {
// A pipe whose write end stays open: its read end never becomes readable or writable, which
// is exactly a connect that never completes.
int g_black_hole[2] = {-1, -1};
} // namespace

bool before_io_slow(SocketHandle s, bool write, iovec* iov, int count, size_t want, int& injected_errno) noexcept {
    if (want == 0) return false;
    const Plan& p = plan();
    if (roll(p.would_block) && add_spurious(s, write ? kWritable : kReadable)) {
        injected_errno = EAGAIN;
        return true;
    }
    if (roll(p.reset)) {
        injected_errno = write ? EPIPE : ECONNRESET;
        return true;
    }
    if (roll(p.short_io) && add_spurious(s, write ? kWritable : kReadable)) {
        // Keep exactly one byte of the first non-empty span. A short transfer tells the core
        // the socket is drained (or full), so it is reported ready again, like an EAGAIN.
        bool kept = false;
        for (int i = 0; i < count; ++i) {
            if (!kept && iov[i].iov_len) { iov[i].iov_len = 1; kept = true; }
            else iov[i].iov_len = 0;
        }
    }
    return false;
}

bool should_fail_accept_slow() noexcept { return roll(plan().accept_emfile); }

bool should_drop_connect_slow(SocketHandle& out) noexcept {
    if (!roll(plan().connect_drop)) return false;
    if (g_black_hole[0] < 0 && pipe2(g_black_hole, O_CLOEXEC | O_NONBLOCK) != 0) return false;
    const int fd = fcntl(g_black_hole[0], F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return false;
    out = fd;
    return true;
}

#endif

} // namespace tickwire::platform::fault
