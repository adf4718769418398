// The POSIX back end's side of platform/fault_injection.hpp: hooks called before each syscall.
// Compiled out with TICKWIRE_NO_FAULT_INJECTION (the constrained-device profile).
#pragma once
#include <cstddef>
#include <sys/uio.h>

#include "../fault_injection.hpp"
#include "../poller.hpp"

namespace tickwire::platform::fault {

#ifndef TICKWIRE_NO_FAULT_INJECTION
extern bool g_enabled;

bool before_io_slow(SocketHandle s, bool write, iovec* iov, int count, size_t want, int& injected_errno) noexcept;
bool should_fail_accept_slow() noexcept;
bool should_drop_connect_slow(SocketHandle& out) noexcept;
void note_token_slow(const void* poller, SocketHandle s, uint32_t token) noexcept;
int take_spurious_slow(const void* poller, Readiness* out, int max) noexcept;
bool has_spurious() noexcept;

// True when the call must fail with `injected_errno`; may also shorten the iovecs in place.
inline bool before_io(SocketHandle s, bool write, iovec* iov, int count, size_t want, int& injected_errno) noexcept {
    return g_enabled && before_io_slow(s, write, iov, count, want, injected_errno);
}
inline bool should_fail_accept() noexcept { return g_enabled && should_fail_accept_slow(); }
// When true, `out` is a descriptor that never becomes ready: the connect hangs.
inline bool should_drop_connect(SocketHandle& out) noexcept { return g_enabled && should_drop_connect_slow(out); }
// The poller tells which token a socket has, so that an injected EAGAIN can be reported ready
// again: a real EAGAIN means "not ready", an injected one must not strand the socket. Tokens are
// per poller (one per Context, and a process may have several), so each re-report goes back to
// the poller that registered the socket.
inline void note_token(const void* poller, SocketHandle s, uint32_t token) noexcept { note_token_slow(poller, s, token); }
inline int take_spurious(const void* poller, Readiness* out, int max) noexcept {
    return has_spurious() ? take_spurious_slow(poller, out, max) : 0;
}
#else
inline bool before_io(SocketHandle, bool, iovec*, int, size_t, int&) noexcept { return false; }
inline bool should_fail_accept() noexcept { return false; }
inline bool should_drop_connect(SocketHandle&) noexcept { return false; }
inline void note_token(const void*, SocketHandle, uint32_t) noexcept {}
inline int take_spurious(const void*, Readiness*, int) noexcept { return 0; }
inline bool has_spurious() noexcept { return false; }
#endif

} // namespace tickwire::platform::fault
