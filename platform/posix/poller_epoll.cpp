// epoll back end (Linux): every socket registered once, edge-triggered, for both directions.
// The core keeps readiness flags, so nothing is re-armed and no epoll_ctl runs per message.
#include "poller_backends.hpp"

#ifdef __linux__
#include <cerrno>
#include <sys/epoll.h>
#include <unistd.h>

namespace tickwire::platform::backends {

// epoll_wait fills at most this many records per call; more wait for the next update.
constexpr uint32_t kEpollBatch = 512;

bool epoll_available() noexcept { return true; }

size_t epoll_memory(uint32_t) noexcept { return sizeof(epoll_event) * kEpollBatch; }

Error epoll_init(intptr_t& handle) noexcept {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    if (fd < 0) return Error::SystemError;
    handle = fd;
    return Error::Ok;
}

void epoll_destroy(intptr_t handle) noexcept {
    if (handle >= 0) ::close(static_cast<int>(handle));
}

Error epoll_add(intptr_t handle, SocketHandle s, uint32_t token) noexcept {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    ev.data.u32 = token;
    if (epoll_ctl(static_cast<int>(handle), EPOLL_CTL_ADD, static_cast<int>(s), &ev) != 0)
        return errno == ENOMEM || errno == ENOSPC ? Error::OutOfMemory : Error::SystemError;
    return Error::Ok;
}

void epoll_remove(intptr_t handle, SocketHandle s) noexcept {
    epoll_event ev{};
    (void)epoll_ctl(static_cast<int>(handle), EPOLL_CTL_DEL, static_cast<int>(s), &ev);
}

int epoll_wait_ready(intptr_t handle, void* memory, uint32_t, int timeout_ms, Readiness* out, int max) noexcept {
    auto* events = static_cast<epoll_event*>(memory);
    int limit = max < static_cast<int>(kEpollBatch) ? max : static_cast<int>(kEpollBatch);
    int n = epoll_wait(static_cast<int>(handle), events, limit, timeout_ms);
    if (n < 0) return errno == EINTR ? 0 : -1;
    for (int i = 0; i < n; ++i) {
        uint8_t f = 0;
        const uint32_t e = events[i].events;
        if (e & EPOLLIN) f |= kReadable;
        if (e & EPOLLRDHUP) f |= kReadable | kHangup;
        if (e & EPOLLOUT) f |= kWritable;
        if (e & EPOLLHUP) f |= kHangup | kReadable | kWritable;
        if (e & EPOLLERR) f |= kFailed | kReadable | kWritable;
        out[i].token = events[i].data.u32;
        out[i].flags = f;
    }
    return n;
}

} // namespace tickwire::platform::backends
#else
namespace tickwire::platform::backends {
bool epoll_available() noexcept { return false; }
size_t epoll_memory(uint32_t) noexcept { return 0; }
Error epoll_init(intptr_t&) noexcept { return Error::InvalidArgument; }
void epoll_destroy(intptr_t) noexcept {}
Error epoll_add(intptr_t, SocketHandle, uint32_t) noexcept { return Error::InvalidArgument; }
void epoll_remove(intptr_t, SocketHandle) noexcept {}
int epoll_wait_ready(intptr_t, void*, uint32_t, int, Readiness*, int) noexcept { return -1; }
} // namespace tickwire::platform::backends
#endif
