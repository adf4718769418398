// WSAPoll back end: a dense WSAPOLLFD array plus a token -> position map, both in the arena, as
// the POSIX poll() back end. Asks only for the directions the core still waits for, which gives
// the edge-style contract of platform/poller.hpp.
//
// WSAPoll does not report a connect that fails (refused, unreachable) on many Windows versions:
// the socket just never becomes writable. So while a socket waits for writable, every wait also
// asks the socket itself (SO_ERROR) and reports a failure it finds, and WSAPoll sleeps at most
// kConnectCheckMs at a time then. The engine's own connect timeout (Config::connect_timeout_ms)
// stays the backstop for connects that neither succeed nor fail.
#include "../poller.hpp"

#include "fault_injection.hpp"
#include "winsock_headers.hpp"

namespace tickwire::platform {

namespace {
constexpr uint32_t kNone = 0xffffffffu;
constexpr int kConnectCheckMs = 50;

struct PollMemory {
    WSAPOLLFD* fds;     // [capacity], dense: [0, count)
    uint32_t* tokens;   // [capacity], token of fds[i]
    uint32_t* where;    // [capacity], position of a token in fds, or kNone
};

PollMemory view(void* memory, uint32_t capacity) noexcept {
    auto* fds = static_cast<WSAPOLLFD*>(memory);
    auto* tokens = reinterpret_cast<uint32_t*>(fds + capacity);
    return {fds, tokens, tokens + capacity};
}

SHORT to_events(uint8_t interest) noexcept {
    SHORT e = 0;
    if (interest & kReadable) e |= POLLRDNORM;
    if (interest & kWritable) e |= POLLWRNORM;
    return e;
}

// The pending error of a socket (a failed connect), 0 if none.
int pending_error(SOCKET s) noexcept {
    int err = 0;
    int len = sizeof err;
    if (getsockopt(s, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&err), &len) != 0) return 0;
    return err;
}
} // namespace

PollerBackend Poller::default_backend() noexcept { return PollerBackend::Poll; }

size_t Poller::memory_needed(PollerBackend, uint32_t capacity) noexcept {
    return static_cast<size_t>(capacity) * (sizeof(WSAPOLLFD) + 2 * sizeof(uint32_t));
}

Error Poller::init(PollerBackend backend, uint32_t capacity, void* memory) noexcept {
    if (backend != PollerBackend::Poll) return Error::InvalidArgument;  // no epoll on Windows
    backend_ = backend;
    capacity_ = capacity;
    memory_ = memory;
    count_ = 0;
    PollMemory m = view(memory, capacity);
    for (uint32_t i = 0; i < capacity; ++i) m.where[i] = kNone;
    return Error::Ok;
}

void Poller::destroy() noexcept { os_handle_ = -1; }

Error Poller::add(SocketHandle s, uint32_t token, uint8_t interest) noexcept {
    fault::note_token(this, s, token);
    PollMemory m = view(memory_, capacity_);
    if (token >= capacity_ || count_ >= capacity_) return Error::InvalidArgument;
    m.fds[count_].fd = static_cast<SOCKET>(s);
    m.fds[count_].events = to_events(interest);
    m.fds[count_].revents = 0;
    m.tokens[count_] = token;
    m.where[token] = count_;
    ++count_;
    return Error::Ok;
}

void Poller::set_interest(SocketHandle, uint32_t token, uint8_t interest) noexcept {
    PollMemory m = view(memory_, capacity_);
    if (token >= capacity_ || m.where[token] == kNone) return;
    m.fds[m.where[token]].events = to_events(interest);
}

void Poller::remove(SocketHandle, uint32_t token) noexcept {
    PollMemory m = view(memory_, capacity_);
    if (token >= capacity_ || m.where[token] == kNone) return;
    const uint32_t pos = m.where[token];
    const uint32_t last = count_ - 1;
    if (pos != last) {  // keep the array dense: move the last entry into the hole
        m.fds[pos] = m.fds[last];
        m.tokens[pos] = m.tokens[last];
        m.where[m.tokens[pos]] = pos;
    }
    m.where[token] = kNone;
    --count_;
}

int Poller::wait(int timeout_ms, Readiness* out, int max) noexcept {
    // Sockets that got an injected WouldBlock are reported ready again (fault_injection.hpp).
    const int spurious = fault::take_spurious(this, out, max);
    if (spurious > 0) timeout_ms = 0;
    out += spurious;
    max -= spurious;
    PollMemory m = view(memory_, capacity_);
    bool awaiting_writable = false;
    // WSAPoll ignores sockets that ask for nothing, but fails on an empty set, and with every
    // socket idle it would still need a valid set: sleep instead.
    uint32_t asking = 0;
    for (uint32_t i = 0; i < count_; ++i) {
        m.fds[i].revents = 0;
        if (m.fds[i].events) ++asking;
        if (m.fds[i].events & POLLWRNORM) awaiting_writable = true;
    }
    if (awaiting_writable && (timeout_ms < 0 || timeout_ms > kConnectCheckMs)) timeout_ms = kConnectCheckMs;
    int n = 0;
    if (asking == 0) {
        if (timeout_ms != 0) Sleep(timeout_ms < 0 ? INFINITE : static_cast<DWORD>(timeout_ms));
    } else {
        n = WSAPoll(m.fds, count_, timeout_ms);
        if (n == SOCKET_ERROR) return WSAGetLastError() == WSAEINTR ? spurious : -1;
    }
    int written = 0;
    for (uint32_t i = 0; i < count_ && written < max; ++i) {
        const SHORT r = m.fds[i].revents;
        uint8_t f = 0;
        if (r & (POLLRDNORM | POLLRDBAND)) f |= kReadable;
        if (r & POLLWRNORM) f |= kWritable;
        if (r & POLLHUP) f |= kHangup | kReadable;
        if (r & (POLLERR | POLLNVAL)) f |= kFailed | kReadable | kWritable;
        if (f == 0 && (m.fds[i].events & POLLWRNORM) && pending_error(m.fds[i].fd) != 0)
            f = kFailed | kReadable | kWritable;  // the failed connect WSAPoll did not report
        if (f == 0) continue;
        out[written].token = m.tokens[i];
        out[written].flags = f;
        ++written;
    }
    return written + spurious;
}

} // namespace tickwire::platform
