// The platform contract for sockets: what every OS back end (platform/posix, later
// platform/windows) provides, with OS errors already mapped to tickwire::Error. The rest of the
// library uses only this header and has no #ifdef for operating systems.
#pragma once
#include <cstddef>
#include <cstdint>

#include "tickwire/error.hpp"

namespace tickwire::platform {

// A socket: an int fd on POSIX, a SOCKET on Windows. Both fit.
using SocketHandle = intptr_t;
constexpr SocketHandle kInvalidSocket = -1;

// An address of any family we use (IPv4, IPv6, Unix domain), as the OS wants it.
struct Address {
    alignas(8) uint8_t storage[112];
    uint32_t length = 0;
};

enum class Family : uint8_t { IPv4, IPv6, Unix };

// Fills `out` from a numeric host ("127.0.0.1", "::1", "*" for any; "*" means IPv6-any with
// dual stack when `prefer_v6`, IPv4-any otherwise) and port. False if `host` is not numeric.
bool make_ip_address(const char* host, size_t host_len, uint16_t port, bool any_v6, Address& out) noexcept;
// From 4 or 16 raw address bytes (DNS answers) and a port.
void make_ip_address_raw(const uint8_t* bytes, size_t len, uint16_t port, Address& out) noexcept;
// A Unix domain socket path. Error: NameTooLong.
Error make_unix_address(const char* path, size_t path_len, Address& out) noexcept;
uint16_t address_port(const Address& a) noexcept;
Family address_family(const Address& a) noexcept;
// "1.2.3.4:80", "[::1]:80" or the socket path; for logs.
void format_address(const Address& a, char* out, size_t cap) noexcept;

struct Span {
    uint8_t* data;
    size_t size;
};

struct IoResult {
    size_t bytes = 0;
    Error error = Error::Ok;  // Ok, WouldBlock, PeerClosed (read EOF), ConnectionReset, ...
};

// Listening stream socket (TCP or Unix), non-blocking, SO_REUSEADDR (TCP). For Unix sockets a
// stale socket file at the path is replaced.
Error listen_stream(const Address& addr, int backlog, SocketHandle& out) noexcept;
// Accepts one connection, non-blocking, TCP_NODELAY for TCP. WouldBlock when none is waiting.
Error accept_stream(SocketHandle listener, SocketHandle& out) noexcept;
// Starts a non-blocking connect. Ok: connected already; WouldBlock: in progress (wait for
// writable, then connect_result); anything else: failed.
Error connect_stream(const Address& addr, SocketHandle& out) noexcept;
// The outcome of a connect that was in progress (SO_ERROR), mapped.
Error connect_result(SocketHandle s) noexcept;
// Local address of a socket (to learn the port of a port-0 listener).
Error local_address(SocketHandle s, Address& out) noexcept;

// Scatter read of up to two spans / gather write of up to kMaxWriteSpans. Writes never raise
// SIGPIPE.
constexpr int kMaxWriteSpans = 16;
IoResult read_stream(SocketHandle s, const Span* spans, int count) noexcept;
IoResult write_stream(SocketHandle s, const Span* spans, int count) noexcept;
Error shutdown_write(SocketHandle s) noexcept;
// Closes; with `reset` the peer sees RST instead of FIN (SO_LINGER 0).
void close_socket(SocketHandle s, bool reset = false) noexcept;
// Removes a Unix socket file left by a listener we created.
void unlink_path(const char* path) noexcept;

// Datagram sockets (the DNS client).
Error open_datagram(Family family, SocketHandle& out) noexcept;
Error send_datagram(SocketHandle s, const Address& to, const uint8_t* data, size_t len) noexcept;
IoResult receive_datagram(SocketHandle s, uint8_t* buf, size_t cap, Address& from) noexcept;
bool same_address(const Address& a, const Address& b) noexcept;

// Reads a small text file whole (/etc/resolv.conf, /etc/hosts) into `buf`. Returns bytes, or -1.
long read_small_file(const char* path, char* buf, size_t cap) noexcept;

} // namespace tickwire::platform
