// POSIX sockets behind platform/socket.hpp: non-blocking, close-on-exec, no SIGPIPE, errno
// mapped to tickwire::Error in one place (map_errno).
#include "../socket.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "fault_injection.hpp"

namespace tickwire::platform {

static_assert(sizeof(sockaddr_storage) >= sizeof(sockaddr_un), "storage");
static_assert(sizeof(Address::storage) >= sizeof(sockaddr_un), "Address too small for sockaddr_un");
static_assert(sizeof(Address::storage) >= sizeof(sockaddr_in6), "Address too small for sockaddr_in6");

static Error map_errno(int e) noexcept {
    switch (e) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case EINPROGRESS: return Error::WouldBlock;
    case ECONNREFUSED: return Error::ConnectRefused;
    case ECONNRESET: return Error::ConnectionReset;
    case EPIPE: return Error::BrokenPipe;
    case ETIMEDOUT: return Error::TimedOut;
    case EHOSTUNREACH: return Error::HostUnreachable;
    case ENETUNREACH: return Error::NetworkUnreachable;
    case EADDRINUSE: return Error::AddressInUse;
    case EADDRNOTAVAIL: return Error::AddressNotAvailable;
    case EMFILE:
    case ENFILE: return Error::TooManyFiles;
    case EACCES:
    case EPERM: return Error::PermissionDenied;
    case ENAMETOOLONG: return Error::NameTooLong;
    case ENOENT: return Error::ConnectRefused;  // ipc:// path without a listener
    case ENOMEM:
    case ENOBUFS: return Error::OutOfMemory;
    default: return Error::SystemError;
    }
}

static const sockaddr* sa(const Address& a) noexcept { return reinterpret_cast<const sockaddr*>(a.storage); }

bool make_ip_address(const char* host, size_t host_len, uint16_t port, bool any_v6, Address& out) noexcept {
    char buf[64];
    if (host_len >= sizeof buf) return false;
    std::memcpy(buf, host, host_len);
    buf[host_len] = 0;
    std::memset(out.storage, 0, sizeof out.storage);
    if (host_len == 0 || (host_len == 1 && buf[0] == '*')) {
        if (any_v6) {
            auto* s6 = reinterpret_cast<sockaddr_in6*>(out.storage);
            s6->sin6_family = AF_INET6;
            s6->sin6_addr = in6addr_any;
            s6->sin6_port = htons(port);
            out.length = sizeof(sockaddr_in6);
        } else {
            auto* s4 = reinterpret_cast<sockaddr_in*>(out.storage);
            s4->sin_family = AF_INET;
            s4->sin_addr.s_addr = htonl(INADDR_ANY);
            s4->sin_port = htons(port);
            out.length = sizeof(sockaddr_in);
        }
        return true;
    }
    auto* s4 = reinterpret_cast<sockaddr_in*>(out.storage);
    if (inet_pton(AF_INET, buf, &s4->sin_addr) == 1) {
        s4->sin_family = AF_INET;
        s4->sin_port = htons(port);
        out.length = sizeof(sockaddr_in);
        return true;
    }
    auto* s6 = reinterpret_cast<sockaddr_in6*>(out.storage);
    if (inet_pton(AF_INET6, buf, &s6->sin6_addr) == 1) {
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons(port);
        out.length = sizeof(sockaddr_in6);
        return true;
    }
    return false;
}

void make_ip_address_raw(const uint8_t* bytes, size_t len, uint16_t port, Address& out) noexcept {
    std::memset(out.storage, 0, sizeof out.storage);
    if (len == 4) {
        auto* s4 = reinterpret_cast<sockaddr_in*>(out.storage);
        s4->sin_family = AF_INET;
        std::memcpy(&s4->sin_addr, bytes, 4);
        s4->sin_port = htons(port);
        out.length = sizeof(sockaddr_in);
    } else {
        auto* s6 = reinterpret_cast<sockaddr_in6*>(out.storage);
        s6->sin6_family = AF_INET6;
        std::memcpy(&s6->sin6_addr, bytes, 16);
        s6->sin6_port = htons(port);
        out.length = sizeof(sockaddr_in6);
    }
}

Error make_unix_address(const char* path, size_t path_len, Address& out) noexcept {
    std::memset(out.storage, 0, sizeof out.storage);
    auto* su = reinterpret_cast<sockaddr_un*>(out.storage);
    if (path_len == 0) return Error::InvalidUrl;
    if (path_len >= sizeof su->sun_path) return Error::NameTooLong;
    su->sun_family = AF_UNIX;
    std::memcpy(su->sun_path, path, path_len);
    out.length = static_cast<uint32_t>(offsetof(sockaddr_un, sun_path) + path_len + 1);
    return Error::Ok;
}

uint16_t address_port(const Address& a) noexcept {
    switch (sa(a)->sa_family) {
    case AF_INET: return ntohs(reinterpret_cast<const sockaddr_in*>(a.storage)->sin_port);
    case AF_INET6: return ntohs(reinterpret_cast<const sockaddr_in6*>(a.storage)->sin6_port);
    default: return 0;
    }
}

Family address_family(const Address& a) noexcept {
    switch (sa(a)->sa_family) {
    case AF_INET: return Family::IPv4;
    case AF_INET6: return Family::IPv6;
    default: return Family::Unix;
    }
}

void format_address(const Address& a, char* out, size_t cap) noexcept {
    char host[INET6_ADDRSTRLEN] = "?";
    switch (sa(a)->sa_family) {
    case AF_INET:
        inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(a.storage)->sin_addr, host, sizeof host);
        std::snprintf(out, cap, "%s:%u", host, address_port(a));
        break;
    case AF_INET6:
        inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(a.storage)->sin6_addr, host, sizeof host);
        std::snprintf(out, cap, "[%s]:%u", host, address_port(a));
        break;
    case AF_UNIX:
        std::snprintf(out, cap, "%s", reinterpret_cast<const sockaddr_un*>(a.storage)->sun_path);
        break;
    default: std::snprintf(out, cap, "?");
    }
}

static int new_socket(int family, int type) noexcept {
    return ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

static void set_nodelay(int fd) noexcept {
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Error listen_stream(const Address& addr, int backlog, SocketHandle& out) noexcept {
    const int family = sa(addr)->sa_family;
    int fd = new_socket(family, SOCK_STREAM);
    if (fd < 0) return map_errno(errno);
    if (family == AF_UNIX) {
        // A socket file left by a dead process would make bind fail; replace it, but never
        // anything that is not a socket.
        const char* path = reinterpret_cast<const sockaddr_un*>(addr.storage)->sun_path;
        struct stat st;
        if (stat(path, &st) == 0 && S_ISSOCK(st.st_mode)) (void)unlink(path);
    } else {
        int one = 1;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (family == AF_INET6) {
            int zero = 0;  // "*" on IPv6 also takes IPv4 clients
            (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        }
    }
    if (::bind(fd, sa(addr), addr.length) != 0 || ::listen(fd, backlog) != 0) {
        Error e = map_errno(errno);
        ::close(fd);
        return e;
    }
    out = fd;
    return Error::Ok;
}

Error accept_stream(SocketHandle listener, SocketHandle& out) noexcept {
    if (fault::should_fail_accept()) return Error::TooManyFiles;
    for (;;) {
        sockaddr_storage ss;
        socklen_t len = sizeof ss;
        int fd = ::accept4(static_cast<int>(listener), reinterpret_cast<sockaddr*>(&ss), &len,
                           SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            if (ss.ss_family != AF_UNIX) set_nodelay(fd);
            out = fd;
            return Error::Ok;
        }
        // A connection that died in the backlog is not the listener's failure: take the next.
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
        return map_errno(errno);
    }
}

Error connect_stream(const Address& addr, SocketHandle& out) noexcept {
    if (fault::should_drop_connect(out)) return Error::WouldBlock;  // never completes: a timeout
    const int family = sa(addr)->sa_family;
    int fd = new_socket(family, SOCK_STREAM);
    if (fd < 0) return map_errno(errno);
    if (family != AF_UNIX) set_nodelay(fd);
    out = fd;
    if (::connect(fd, sa(addr), addr.length) == 0) return Error::Ok;
    if (errno == EINPROGRESS || errno == EAGAIN || errno == EINTR) return Error::WouldBlock;
    return map_errno(errno);
}

Error connect_result(SocketHandle s) noexcept {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(static_cast<int>(s), SOL_SOCKET, SO_ERROR, &err, &len) != 0) return map_errno(errno);
    return err == 0 ? Error::Ok : map_errno(err);
}

Error local_address(SocketHandle s, Address& out) noexcept {
    socklen_t len = sizeof out.storage;
    if (getsockname(static_cast<int>(s), reinterpret_cast<sockaddr*>(out.storage), &len) != 0)
        return map_errno(errno);
    out.length = len;
    return Error::Ok;
}

// The spans as iovecs, after the fault-injection hook had its say. False: fail with `r`.
static bool prepare_io(SocketHandle s, bool write, const Span* spans, int count, iovec* iov, IoResult& r) noexcept {
    size_t want = 0;
    for (int i = 0; i < count; ++i) {
        iov[i].iov_base = spans[i].data;
        iov[i].iov_len = spans[i].size;
        want += spans[i].size;
    }
    int injected = 0;
    if (fault::before_io(s, write, iov, count, want, injected)) {
        r.error = map_errno(injected);
        return false;
    }
    return true;
}

IoResult read_stream(SocketHandle s, const Span* spans, int count) noexcept {
    IoResult r;
    iovec iov[2];
    if (!prepare_io(s, false, spans, count, iov, r)) return r;
    for (;;) {
        ssize_t n = count == 1 ? ::recv(static_cast<int>(s), iov[0].iov_base, iov[0].iov_len, 0)
                               : ::readv(static_cast<int>(s), iov, count);
        if (n > 0) { r.bytes = static_cast<size_t>(n); return r; }
        if (n == 0) { r.error = Error::PeerClosed; return r; }
        if (errno == EINTR) continue;
        r.error = map_errno(errno);
        return r;
    }
}

IoResult write_stream(SocketHandle s, const Span* spans, int count) noexcept {
    IoResult r;
    iovec iov[kMaxWriteSpans];
    if (!prepare_io(s, true, spans, count, iov, r)) return r;
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(count);
    for (;;) {
        ssize_t n = ::sendmsg(static_cast<int>(s), &msg, MSG_NOSIGNAL);
        if (n >= 0) { r.bytes = static_cast<size_t>(n); return r; }
        if (errno == EINTR) continue;
        r.error = map_errno(errno);
        return r;
    }
}

Error shutdown_write(SocketHandle s) noexcept {
    if (::shutdown(static_cast<int>(s), SHUT_WR) != 0) return map_errno(errno);
    return Error::Ok;
}

void close_socket(SocketHandle s, bool reset) noexcept {
    if (s == kInvalidSocket) return;
    if (reset) {
        linger lg{1, 0};
        (void)setsockopt(static_cast<int>(s), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    ::close(static_cast<int>(s));
}

void unlink_path(const char* path) noexcept { (void)::unlink(path); }

Error open_datagram(Family family, SocketHandle& out) noexcept {
    int fd = new_socket(family == Family::IPv6 ? AF_INET6 : AF_INET, SOCK_DGRAM);
    if (fd < 0) return map_errno(errno);
    out = fd;
    return Error::Ok;
}

Error send_datagram(SocketHandle s, const Address& to, const uint8_t* data, size_t len) noexcept {
    ssize_t n = ::sendto(static_cast<int>(s), data, len, MSG_NOSIGNAL, sa(to), to.length);
    if (n < 0) return map_errno(errno);
    return Error::Ok;
}

IoResult receive_datagram(SocketHandle s, uint8_t* buf, size_t cap, Address& from) noexcept {
    IoResult r;
    socklen_t len = sizeof from.storage;
    ssize_t n = ::recvfrom(static_cast<int>(s), buf, cap, 0, reinterpret_cast<sockaddr*>(from.storage), &len);
    if (n < 0) { r.error = map_errno(errno); return r; }
    from.length = len;
    r.bytes = static_cast<size_t>(n);
    return r;
}

bool same_address(const Address& a, const Address& b) noexcept {
    if (sa(a)->sa_family != sa(b)->sa_family) return false;
    if (sa(a)->sa_family == AF_INET) {
        auto* x = reinterpret_cast<const sockaddr_in*>(a.storage);
        auto* y = reinterpret_cast<const sockaddr_in*>(b.storage);
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (sa(a)->sa_family == AF_INET6) {
        auto* x = reinterpret_cast<const sockaddr_in6*>(a.storage);
        auto* y = reinterpret_cast<const sockaddr_in6*>(b.storage);
        return x->sin6_port == y->sin6_port && std::memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
    }
    return a.length == b.length && std::memcmp(a.storage, b.storage, a.length) == 0;
}

long read_small_file(const char* path, char* buf, size_t cap) noexcept {
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t total = 0;
    while (total < cap) {
        ssize_t n = ::read(fd, buf + total, cap - total);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        total += static_cast<size_t>(n);
    }
    ::close(fd);
    return static_cast<long>(total);
}

} // namespace tickwire::platform
