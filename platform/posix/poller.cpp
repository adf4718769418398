// The poller front: dispatches to the epoll back end (Linux) or the poll() back end.
#include "../poller.hpp"

#include "fault_injection.hpp"
#include "poller_backends.hpp"

namespace tickwire::platform {

PollerBackend Poller::default_backend() noexcept {
    return backends::epoll_available() ? PollerBackend::Epoll : PollerBackend::Poll;
}

size_t Poller::memory_needed(PollerBackend backend, uint32_t capacity) noexcept {
    return backend == PollerBackend::Epoll ? backends::epoll_memory(capacity) : backends::poll_memory(capacity);
}

Error Poller::init(PollerBackend backend, uint32_t capacity, void* memory) noexcept {
    if (backend == PollerBackend::Epoll && !backends::epoll_available()) return Error::InvalidArgument;
    backend_ = backend;
    capacity_ = capacity;
    memory_ = memory;
    count_ = 0;
    if (backend == PollerBackend::Epoll) return backends::epoll_init(os_handle_);
    backends::poll_init(memory, capacity);
    return Error::Ok;
}

void Poller::destroy() noexcept {
    if (backend_ == PollerBackend::Epoll) backends::epoll_destroy(os_handle_);
    os_handle_ = -1;
}

Error Poller::add(SocketHandle s, uint32_t token, uint8_t interest) noexcept {
    fault::note_token(this, s, token);
    if (backend_ == PollerBackend::Epoll) return backends::epoll_add(os_handle_, s, token);
    return backends::poll_add(memory_, capacity_, count_, s, token, interest);
}

void Poller::set_interest(SocketHandle s, uint32_t token, uint8_t interest) noexcept {
    if (backend_ == PollerBackend::Poll) backends::poll_set_interest(memory_, capacity_, s, token, interest);
}

void Poller::remove(SocketHandle s, uint32_t token) noexcept {
    if (backend_ == PollerBackend::Epoll) backends::epoll_remove(os_handle_, s);
    else backends::poll_remove(memory_, capacity_, count_, token);
}

int Poller::wait(int timeout_ms, Readiness* out, int max) noexcept {
    // Sockets that got an injected EAGAIN are reported ready again (see fault_injection.hpp).
    const int spurious = fault::take_spurious(this, out, max);
    if (spurious > 0) timeout_ms = 0;
    int n = backend_ == PollerBackend::Epoll
                ? backends::epoll_wait_ready(os_handle_, memory_, capacity_, timeout_ms, out + spurious, max - spurious)
                : backends::poll_wait_ready(memory_, capacity_, count_, timeout_ms, out + spurious, max - spurious);
    if (n < 0) return n;
    return n + spurious;
}

} // namespace tickwire::platform
