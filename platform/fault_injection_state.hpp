// The OS-neutral half of fault injection (platform/fault_injection.hpp), shared by the back ends
// (platform/posix/fault_injection.*, platform/windows/fault_injection.*): the plan, its seeded
// dice, and the sockets an injected EAGAIN or short transfer must report ready again.
// Internal to platform/: the core and the application never include it.
#pragma once
#include <cstdint>

#include "fault_injection.hpp"
#include "poller.hpp"
#include "socket.hpp"

namespace tickwire::platform::fault {

#ifndef TICKWIRE_NO_FAULT_INJECTION
extern bool g_enabled;

const Plan& plan() noexcept;
// True with `chance` per mille; each true counts one injected fault.
bool roll(uint16_t chance) noexcept;

// The poller tells which token a socket has, so that an injected EAGAIN can be reported ready
// again: a real EAGAIN means "not ready", an injected one must not strand the socket. Tokens are
// per poller (one per Context, and a process may have several), so each re-report goes back to
// the poller that registered the socket.
void note_token_slow(const void* poller, SocketHandle s, uint32_t token) noexcept;
// Queues `s` to be reported ready (`flags`) by its poller's next wait. False when the socket is
// unknown or the queue is full: then nothing may be injected.
bool add_spurious(SocketHandle s, uint8_t flags) noexcept;
bool has_spurious() noexcept;
int take_spurious_slow(const void* poller, Readiness* out, int max) noexcept;

inline void note_token(const void* poller, SocketHandle s, uint32_t token) noexcept {
    note_token_slow(poller, s, token);
}
inline int take_spurious(const void* poller, Readiness* out, int max) noexcept {
    return has_spurious() ? take_spurious_slow(poller, out, max) : 0;
}
#else
inline void note_token(const void*, SocketHandle, uint32_t) noexcept {}
inline int take_spurious(const void*, Readiness*, int) noexcept { return 0; }
#endif

} // namespace tickwire::platform::fault
