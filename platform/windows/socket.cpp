// Winsock2 sockets behind platform/socket.hpp: non-blocking (FIONBIO), not inherited by child
// processes, WSA errors mapped to tickwire::Error in one place (map_wsa). WSAEWOULDBLOCK is
// WouldBlock for every call, including the reads and writes the TLS layer makes through the
// core. Winsock is started once, on first use (WSAStartup 2.2), and left running.
//
// ipc:// is AF_UNIX, which Windows has since Windows 10 1803 (afunix.h): a path in the file
// system, as on POSIX. Where the OS lacks it, socket() fails with WSAEAFNOSUPPORT, reported as
// Error::UnsupportedScheme.
#include "../socket.hpp"

#include "winsock_headers.hpp"

#include <afunix.h>
#include <cstdio>
#include <cstring>

#include "fault_injection.hpp"

namespace tickwire::platform {

static_assert(sizeof(Address::storage) >= sizeof(SOCKADDR_UN), "Address too small for sockaddr_un");
static_assert(sizeof(Address::storage) >= sizeof(sockaddr_in6), "Address too small for sockaddr_in6");
static_assert(sizeof(SocketHandle) >= sizeof(SOCKET), "SocketHandle too small for SOCKET");

static Error map_wsa(int e) noexcept {
    switch (e) {
    case WSAEWOULDBLOCK:
    case WSAEINPROGRESS:
    case WSAEALREADY: return Error::WouldBlock;
    case WSAECONNREFUSED: return Error::ConnectRefused;
    case WSAECONNRESET:
    case WSAECONNABORTED:
    case WSAENETRESET: return Error::ConnectionReset;
    case WSAESHUTDOWN: return Error::BrokenPipe;
    case WSAETIMEDOUT: return Error::TimedOut;
    case WSAEHOSTUNREACH:
    case WSAEHOSTDOWN: return Error::HostUnreachable;
    case WSAENETUNREACH:
    case WSAENETDOWN: return Error::NetworkUnreachable;
    case WSAEADDRINUSE: return Error::AddressInUse;
    case WSAEADDRNOTAVAIL: return Error::AddressNotAvailable;
    case WSAEMFILE: return Error::TooManyFiles;
    case WSAEACCES: return Error::PermissionDenied;
    case WSAENAMETOOLONG: return Error::NameTooLong;
    case WSAENOBUFS: return Error::OutOfMemory;
    case WSAEAFNOSUPPORT:
    case WSAEPROTONOSUPPORT:
    case WSAESOCKTNOSUPPORT: return Error::UnsupportedScheme;
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND: return Error::ConnectRefused;  // ipc:// path without a listener
    default: return Error::SystemError;
    }
}

static Error last_error() noexcept { return map_wsa(WSAGetLastError()); }

// WSAStartup once per process (thread-safe: contexts may live on several threads); false if
// Winsock is unavailable.
static bool winsock_ready() noexcept {
    static const bool ready = [] {
        WSADATA data;
        return WSAStartup(MAKEWORD(2, 2), &data) == 0;
    }();
    return ready;
}

static SOCKET sock(SocketHandle s) noexcept { return static_cast<SOCKET>(s); }
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
    auto* su = reinterpret_cast<SOCKADDR_UN*>(out.storage);
    if (path_len == 0) return Error::InvalidUrl;
    if (path_len >= sizeof su->sun_path) return Error::NameTooLong;
    su->sun_family = AF_UNIX;
    std::memcpy(su->sun_path, path, path_len);
    out.length = static_cast<uint32_t>(offsetof(SOCKADDR_UN, sun_path) + path_len + 1);
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
        std::snprintf(out, cap, "%s", reinterpret_cast<const SOCKADDR_UN*>(a.storage)->sun_path);
        break;
    default: std::snprintf(out, cap, "?");
    }
}

// A non-blocking, non-inheritable socket, or INVALID_SOCKET with the WSA error set.
static SOCKET new_socket(int family, int type) noexcept {
    if (!winsock_ready()) {
        WSASetLastError(WSANOTINITIALISED);
        return INVALID_SOCKET;
    }
    const int protocol = family == AF_UNIX ? 0 : (type == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP);
    SOCKET s = WSASocketW(family, type, protocol, nullptr, 0, WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) return s;
    u_long one = 1;
    if (ioctlsocket(s, FIONBIO, &one) != 0) {
        const int e = WSAGetLastError();
        closesocket(s);
        WSASetLastError(e);
        return INVALID_SOCKET;
    }
    return s;
}

static void set_nodelay(SOCKET s) noexcept {
    BOOL one = TRUE;
    (void)setsockopt(s, IPPROTO_TCP, TCP_NODELAY, reinterpret_cast<const char*>(&one), sizeof one);
}

static void delete_socket_file(const char* path) noexcept {
    wchar_t wide[MAX_PATH + 1];
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, wide, MAX_PATH + 1) <= 0) return;
    // AF_UNIX socket files are reparse points; never delete anything else.
    const DWORD attrs = GetFileAttributesW(wide);
    if (attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_REPARSE_POINT)) (void)DeleteFileW(wide);
}

Error listen_stream(const Address& addr, int backlog, SocketHandle& out) noexcept {
    const int family = sa(addr)->sa_family;
    SOCKET s = new_socket(family, SOCK_STREAM);
    if (s == INVALID_SOCKET) return last_error();
    if (family == AF_UNIX) {
        delete_socket_file(reinterpret_cast<const SOCKADDR_UN*>(addr.storage)->sun_path);
    } else {
        // Windows' SO_REUSEADDR lets another socket steal a bound port; exclusive use is the
        // equivalent of POSIX's default. TIME_WAIT does not block a Windows listener anyway.
        BOOL one = TRUE;
        (void)setsockopt(s, SOL_SOCKET, SO_EXCLUSIVEADDRUSE, reinterpret_cast<const char*>(&one), sizeof one);
        if (family == AF_INET6) {
            DWORD zero = 0;  // "*" on IPv6 also takes IPv4 clients
            (void)setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, reinterpret_cast<const char*>(&zero), sizeof zero);
        }
    }
    if (::bind(s, sa(addr), static_cast<int>(addr.length)) != 0 || ::listen(s, backlog) != 0) {
        const Error e = last_error();
        closesocket(s);
        return e;
    }
    out = static_cast<SocketHandle>(s);
    return Error::Ok;
}

Error accept_stream(SocketHandle listener, SocketHandle& out) noexcept {
    if (fault::should_fail_accept()) return Error::TooManyFiles;
    for (;;) {
        sockaddr_storage ss;
        int len = sizeof ss;
        SOCKET s = ::accept(sock(listener), reinterpret_cast<sockaddr*>(&ss), &len);
        if (s != INVALID_SOCKET) {
            // Accepted sockets inherit the listener's non-blocking mode; set it anyway, and
            // keep the handle out of child processes.
            u_long one = 1;
            (void)ioctlsocket(s, FIONBIO, &one);
            (void)SetHandleInformation(reinterpret_cast<HANDLE>(s), HANDLE_FLAG_INHERIT, 0);
            if (ss.ss_family != AF_UNIX) set_nodelay(s);
            out = static_cast<SocketHandle>(s);
            return Error::Ok;
        }
        const int e = WSAGetLastError();
        // A connection that died in the backlog is not the listener's failure: take the next.
        if (e == WSAECONNRESET || e == WSAECONNABORTED || e == WSAEINTR) continue;
        return map_wsa(e);
    }
}

Error connect_stream(const Address& addr, SocketHandle& out) noexcept {
    if (fault::should_drop_connect(out)) return Error::WouldBlock;  // never completes: a timeout
    const int family = sa(addr)->sa_family;
    SOCKET s = new_socket(family, SOCK_STREAM);
    if (s == INVALID_SOCKET) return last_error();
    if (family != AF_UNIX) set_nodelay(s);
    out = static_cast<SocketHandle>(s);
    if (::connect(s, sa(addr), static_cast<int>(addr.length)) == 0) return Error::Ok;
    const int e = WSAGetLastError();
    if (e == WSAEWOULDBLOCK || e == WSAEINPROGRESS || e == WSAEINTR) return Error::WouldBlock;
    return map_wsa(e);
}

Error connect_result(SocketHandle s) noexcept {
    int err = 0;
    int len = sizeof err;
    if (getsockopt(sock(s), SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&err), &len) != 0) return last_error();
    return err == 0 ? Error::Ok : map_wsa(err);
}

Error local_address(SocketHandle s, Address& out) noexcept {
    int len = sizeof out.storage;
    if (getsockname(sock(s), reinterpret_cast<sockaddr*>(out.storage), &len) != 0) return last_error();
    out.length = static_cast<uint32_t>(len);
    return Error::Ok;
}

// The spans as WSABUFs, after the fault-injection hook had its say. False: fail with `r`.
static bool prepare_io(SocketHandle s, bool write, const Span* spans, int count, WSABUF* bufs, IoResult& r) noexcept {
    size_t want = 0;
    for (int i = 0; i < count; ++i) {
        // ULONG lengths: a span beyond 4 GiB is cut (a short transfer, which the core handles).
        bufs[i].buf = reinterpret_cast<char*>(spans[i].data);
        bufs[i].len = spans[i].size > 0xffffffffu ? 0xffffffffu : static_cast<ULONG>(spans[i].size);
        want += spans[i].size;
    }
    int injected = 0;
    if (fault::before_io(s, write, bufs, count, want, injected)) {
        r.error = map_wsa(injected);
        return false;
    }
    return true;
}

IoResult read_stream(SocketHandle s, const Span* spans, int count) noexcept {
    IoResult r;
    WSABUF bufs[2];
    if (!prepare_io(s, false, spans, count, bufs, r)) return r;
    DWORD got = 0, flags = 0;
    if (WSARecv(sock(s), bufs, static_cast<DWORD>(count), &got, &flags, nullptr, nullptr) != 0) {
        const int e = WSAGetLastError();
        // A graceful close seen as an error on some stacks.
        r.error = e == WSAEDISCON ? Error::PeerClosed : map_wsa(e);
        return r;
    }
    if (got == 0) {
        r.error = Error::PeerClosed;
        return r;
    }
    r.bytes = got;
    return r;
}

IoResult write_stream(SocketHandle s, const Span* spans, int count) noexcept {
    IoResult r;
    WSABUF bufs[kMaxWriteSpans];
    if (!prepare_io(s, true, spans, count, bufs, r)) return r;
    DWORD sent = 0;  // Winsock raises no signal on a broken connection: nothing to suppress
    if (WSASend(sock(s), bufs, static_cast<DWORD>(count), &sent, 0, nullptr, nullptr) != 0) {
        r.error = last_error();
        return r;
    }
    r.bytes = sent;
    return r;
}

Error shutdown_write(SocketHandle s) noexcept {
    if (::shutdown(sock(s), SD_SEND) != 0) return last_error();
    return Error::Ok;
}

void close_socket(SocketHandle s, bool reset) noexcept {
    if (s == kInvalidSocket) return;
    if (reset) {
        linger lg{1, 0};
        (void)setsockopt(sock(s), SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&lg), sizeof lg);
    }
    closesocket(sock(s));
}

void unlink_path(const char* path) noexcept { delete_socket_file(path); }

Error open_datagram(Family family, SocketHandle& out) noexcept {
    SOCKET s = new_socket(family == Family::IPv6 ? AF_INET6 : AF_INET, SOCK_DGRAM);
    if (s == INVALID_SOCKET) return last_error();
    // An ICMP port-unreachable must not make every later recvfrom fail with WSAECONNRESET.
    BOOL off = FALSE;
    DWORD ignored = 0;
    (void)WSAIoctl(s, _WSAIOW(IOC_VENDOR, 12) /* SIO_UDP_CONNRESET */, &off, sizeof off, nullptr, 0, &ignored,
                   nullptr, nullptr);
    out = static_cast<SocketHandle>(s);
    return Error::Ok;
}

Error send_datagram(SocketHandle s, const Address& to, const uint8_t* data, size_t len) noexcept {
    if (len > 0x7fffffff) return Error::TooLarge;
    const int n = ::sendto(sock(s), reinterpret_cast<const char*>(data), static_cast<int>(len), 0, sa(to),
                           static_cast<int>(to.length));
    if (n < 0) return last_error();
    return Error::Ok;
}

IoResult receive_datagram(SocketHandle s, uint8_t* buf, size_t cap, Address& from) noexcept {
    IoResult r;
    int len = sizeof from.storage;
    const int want = cap > 0x7fffffff ? 0x7fffffff : static_cast<int>(cap);
    const int n = ::recvfrom(sock(s), reinterpret_cast<char*>(buf), want, 0,
                             reinterpret_cast<sockaddr*>(from.storage), &len);
    if (n < 0) {
        const int e = WSAGetLastError();
        // A datagram larger than the buffer: the part that fit is there; DNS sees it truncated.
        if (e == WSAEMSGSIZE) {
            from.length = static_cast<uint32_t>(len);
            r.bytes = cap;
            return r;
        }
        r.error = map_wsa(e);
        return r;
    }
    from.length = static_cast<uint32_t>(len);
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
    wchar_t wide[MAX_PATH + 1];
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, wide, MAX_PATH + 1) <= 0) return -1;
    HANDLE h = CreateFileW(wide, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, nullptr, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL, nullptr);
    if (h == INVALID_HANDLE_VALUE) return -1;
    size_t total = 0;
    while (total < cap) {
        DWORD got = 0;
        const size_t left = cap - total;
        const DWORD want = left > 0x40000000u ? 0x40000000u : static_cast<DWORD>(left);
        if (!ReadFile(h, buf + total, want, &got, nullptr) || got == 0) break;
        total += got;
    }
    CloseHandle(h);
    return static_cast<long>(total);
}

} // namespace tickwire::platform
