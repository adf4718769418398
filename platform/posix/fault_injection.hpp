// The POSIX back end's side of platform/fault_injection.hpp: hooks called before each syscall.
// The plan, its dice and the re-reports are shared (platform/fault_injection_state.hpp).
// Compiled out with TICKWIRE_NO_FAULT_INJECTION (the constrained-device profile).
#pragma once
#include <cstddef>
#include <sys/uio.h>

#include "../fault_injection_state.hpp"

namespace tickwire::platform::fault {

#ifndef TICKWIRE_NO_FAULT_INJECTION
bool before_io_slow(SocketHandle s, bool write, iovec* iov, int count, size_t want, int& injected_errno) noexcept;
bool should_fail_accept_slow() noexcept;
bool should_drop_connect_slow(SocketHandle& out) noexcept;

// True when the call must fail with `injected_errno`; may also shorten the iovecs in place.
inline bool before_io(SocketHandle s, bool write, iovec* iov, int count, size_t want, int& injected_errno) noexcept {
    return g_enabled && before_io_slow(s, write, iov, count, want, injected_errno);
}
inline bool should_fail_accept() noexcept { return g_enabled && should_fail_accept_slow(); }
// When true, `out` is a descriptor that never becomes ready: the connect hangs.
inline bool should_drop_connect(SocketHandle& out) noexcept { return g_enabled && should_drop_connect_slow(out); }
#else
inline bool before_io(SocketHandle, bool, iovec*, int, size_t, int&) noexcept { return false; }
inline bool should_fail_accept() noexcept { return false; }
inline bool should_drop_connect(SocketHandle&) noexcept { return false; }
#endif

} // namespace tickwire::platform::fault
