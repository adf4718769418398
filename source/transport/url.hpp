// Endpoint URLs: "tcp://127.0.0.1:9000", "tcp://[::1]:9000", "tcp://*:9000", "ipc:///tmp/x.sock",
// "inproc://name", "ws://host:port/path?query", "wss://...", "tls+tcp://..." (or "tls://"),
// "sockety://host:port", "sockety+tls://...". Parsing only: no lookups, views into the text.
#pragma once
#include <cstddef>
#include <cstdint>

#include "tickwire/error.hpp"

namespace tickwire::detail {

enum class Scheme : uint8_t { Tcp, Ipc, Inproc, Ws, Wss, TlsTcp, Sockety, SocketyTls };

struct StringView {
    const char* data = nullptr;
    size_t size = 0;
    bool equals(const char* s) const noexcept;
};

struct Url {
    Scheme scheme = Scheme::Tcp;
    StringView host;      // without IPv6 brackets; "*" for any; empty for ipc/inproc
    uint16_t port = 0;
    bool has_port = false;
    StringView path;      // ipc: the socket path; inproc: the name; ws: "/..." (default "/")
    StringView query;     // after '?', without it
    bool host_is_ipv6_literal = false;
};

// Errors: InvalidUrl (malformed, bad port, empty host), UnsupportedScheme.
Error parse_url(const char* text, size_t len, Url& out) noexcept;

// Whether a scheme runs over TLS, and whether it uses the network (tcp) underneath.
bool scheme_uses_tls(Scheme s) noexcept;
const char* scheme_name(Scheme s) noexcept;

} // namespace tickwire::detail
