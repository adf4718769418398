// poll() back end: a dense pollfd array plus a token -> position map, both in the arena. Asks
// only for the directions the core still waits for, which gives the same edge-style contract as
// the epoll back end.
#include "poller_backends.hpp"

#include <cerrno>
#include <poll.h>

namespace tickwire::platform::backends {

namespace {
struct PollMemory {
    pollfd* fds;        // [capacity], dense: [0, count)
    uint32_t* tokens;   // [capacity], token of fds[i]
    uint32_t* where;    // [capacity], position of a token in fds, or kNone
};
constexpr uint32_t kNone = 0xffffffffu;

PollMemory view(void* memory, uint32_t capacity) noexcept {
    auto* fds = static_cast<pollfd*>(memory);
    auto* tokens = reinterpret_cast<uint32_t*>(fds + capacity);
    return {fds, tokens, tokens + capacity};
}

short to_events(uint8_t interest) noexcept {
    short e = 0;
    if (interest & kReadable) e |= POLLIN;
    if (interest & kWritable) e |= POLLOUT;
    return e;
}
} // namespace

size_t poll_memory(uint32_t capacity) noexcept {
    return static_cast<size_t>(capacity) * (sizeof(pollfd) + 2 * sizeof(uint32_t));
}

void poll_init(void* memory, uint32_t capacity) noexcept {
    PollMemory m = view(memory, capacity);
    for (uint32_t i = 0; i < capacity; ++i) m.where[i] = kNone;
}

Error poll_add(void* memory, uint32_t capacity, uint32_t& count, SocketHandle s, uint32_t token, uint8_t interest) noexcept {
    PollMemory m = view(memory, capacity);
    if (token >= capacity || count >= capacity) return Error::InvalidArgument;
    m.fds[count].fd = static_cast<int>(s);
    m.fds[count].events = to_events(interest);
    m.fds[count].revents = 0;
    m.tokens[count] = token;
    m.where[token] = count;
    ++count;
    return Error::Ok;
}

void poll_set_interest(void* memory, uint32_t capacity, SocketHandle, uint32_t token, uint8_t interest) noexcept {
    PollMemory m = view(memory, capacity);
    if (token >= capacity || m.where[token] == kNone) return;
    m.fds[m.where[token]].events = to_events(interest);
}

void poll_remove(void* memory, uint32_t capacity, uint32_t& count, uint32_t token) noexcept {
    PollMemory m = view(memory, capacity);
    if (token >= capacity || m.where[token] == kNone) return;
    const uint32_t pos = m.where[token];
    const uint32_t last = count - 1;
    if (pos != last) {  // keep the array dense: move the last entry into the hole
        m.fds[pos] = m.fds[last];
        m.tokens[pos] = m.tokens[last];
        m.where[m.tokens[pos]] = pos;
    }
    m.where[token] = kNone;
    --count;
}

int poll_wait_ready(void* memory, uint32_t capacity, uint32_t count, int timeout_ms, Readiness* out, int max) noexcept {
    PollMemory m = view(memory, capacity);
    int n = ::poll(m.fds, count, timeout_ms);
    if (n < 0) return errno == EINTR ? 0 : -1;
    int written = 0;
    for (uint32_t i = 0; i < count && written < max && n > 0; ++i) {
        const short r = m.fds[i].revents;
        if (!r) continue;
        --n;
        uint8_t f = 0;
        if (r & POLLIN) f |= kReadable;
        if (r & POLLOUT) f |= kWritable;
        if (r & POLLHUP) f |= kHangup | kReadable;
        if (r & (POLLERR | POLLNVAL)) f |= kFailed | kReadable | kWritable;
        out[written].token = m.tokens[i];
        out[written].flags = f;
        ++written;
    }
    return written;
}

} // namespace tickwire::platform::backends
