// The platform contract for readiness polling. Readiness is reported edge-style: after a socket
// is reported readable (or writable) the core keeps a flag and works until the OS says
// WouldBlock; the poller does not report it again before that. The epoll back end gets this
// from EPOLLET; the poll() back end from the interest the core passes in set_interest().
#pragma once
#include <cstddef>
#include <cstdint>

#include "socket.hpp"

namespace tickwire::platform {

enum : uint8_t { kReadable = 1, kWritable = 2, kHangup = 4, kFailed = 8 };

struct Readiness {
    uint32_t token;  // what the core registered the socket with
    uint8_t flags;   // kReadable | kWritable | kHangup | kFailed
};

enum class PollerBackend : uint8_t { Epoll, Poll };

class Poller {
public:
    // Bytes of memory the poller needs for `capacity` sockets (taken from the context's arena).
    static size_t memory_needed(PollerBackend backend, uint32_t capacity) noexcept;
    // The back end "Auto" means on this OS.
    static PollerBackend default_backend() noexcept;

    Error init(PollerBackend backend, uint32_t capacity, void* memory) noexcept;
    void destroy() noexcept;

    Error add(SocketHandle s, uint32_t token, uint8_t interest) noexcept;
    // The poll() back end asks the OS only for what the core still waits for; epoll ignores it.
    void set_interest(SocketHandle s, uint32_t token, uint8_t interest) noexcept;
    void remove(SocketHandle s, uint32_t token) noexcept;

    // Waits up to timeout_ms (0: just look) and writes at most `max` readiness records.
    // Returns how many, or -1 on an error other than EINTR (EINTR gives 0).
    int wait(int timeout_ms, Readiness* out, int max) noexcept;

    PollerBackend backend() const noexcept { return backend_; }

private:
    PollerBackend backend_ = PollerBackend::Epoll;
    intptr_t os_handle_ = -1;   // epoll fd
    void* memory_ = nullptr;    // epoll: event array; poll: pollfd array + tokens + slot map
    uint32_t capacity_ = 0;
    uint32_t count_ = 0;        // poll(): registered sockets
};

} // namespace tickwire::platform
