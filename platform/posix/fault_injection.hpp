// The POSIX back end's side of platform/fault_injection.hpp: hooks called before each syscall.
#pragma once
#include <cstddef>
#include <sys/uio.h>

#include "../fault_injection.hpp"

namespace tickwire::platform::fault {

extern bool g_enabled;

bool before_io_slow(iovec* iov, int count, size_t want, int& injected_errno) noexcept;
bool should_fail_accept_slow() noexcept;
bool should_drop_connect_slow() noexcept;

// True when the call must fail with `injected_errno`; may also shorten the iovecs in place.
inline bool before_io(iovec* iov, int count, size_t want, int& injected_errno) noexcept {
    return g_enabled && before_io_slow(iov, count, want, injected_errno);
}
inline bool should_fail_accept() noexcept { return g_enabled && should_fail_accept_slow(); }
inline bool should_drop_connect() noexcept { return g_enabled && should_drop_connect_slow(); }

} // namespace tickwire::platform::fault
