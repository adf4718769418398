// The Windows back end's side of platform/fault_injection.hpp: hooks called before each Winsock
// call, the same as platform/posix/fault_injection.hpp with WSABUFs and WSA error codes. The plan,
// its dice and the re-reports are shared (platform/fault_injection_state.hpp).
// Compiled out with TICKWIRE_NO_FAULT_INJECTION.
#pragma once
#include <cstddef>

#include "../fault_injection_state.hpp"
#include "winsock_headers.hpp"

namespace tickwire::platform::fault {

#ifndef TICKWIRE_NO_FAULT_INJECTION
bool before_io_slow(SocketHandle s, bool write, WSABUF* bufs, int count, size_t want, int& injected_error) noexcept;
bool should_fail_accept_slow() noexcept;
bool should_drop_connect_slow(SocketHandle& out) noexcept;

// True when the call must fail with `injected_error` (a WSAE* code); may shorten the buffers.
inline bool before_io(SocketHandle s, bool write, WSABUF* bufs, int count, size_t want, int& injected_error) noexcept {
    return g_enabled && before_io_slow(s, write, bufs, count, want, injected_error);
}
inline bool should_fail_accept() noexcept { return g_enabled && should_fail_accept_slow(); }
// When true, `out` is a socket that never becomes ready: the connect hangs.
inline bool should_drop_connect(SocketHandle& out) noexcept { return g_enabled && should_drop_connect_slow(out); }
#else
inline bool before_io(SocketHandle, bool, WSABUF*, int, size_t, int&) noexcept { return false; }
inline bool should_fail_accept() noexcept { return false; }
inline bool should_drop_connect(SocketHandle&) noexcept { return false; }
#endif

} // namespace tickwire::platform::fault
