#include "transport/url.hpp"

#include <cstring>

namespace tickwire::detail {

bool StringView::equals(const char* s) const noexcept {
    const size_t n = std::strlen(s);
    return n == size && std::memcmp(data, s, n) == 0;
}

namespace {

struct SchemeName {
    const char* name;
    Scheme scheme;
};

constexpr SchemeName kSchemes[] = {
    {"tcp", Scheme::Tcp},         {"ipc", Scheme::Ipc},         {"inproc", Scheme::Inproc},
    {"ws", Scheme::Ws},           {"wss", Scheme::Wss},         {"tls+tcp", Scheme::TlsTcp},
    {"tls", Scheme::TlsTcp},      {"sockety", Scheme::Sockety}, {"sockety+tls", Scheme::SocketyTls},
};

bool lookup_scheme(const char* s, size_t n, Scheme& out) noexcept {
    for (const SchemeName& e : kSchemes) {
        if (std::strlen(e.name) == n && std::memcmp(e.name, s, n) == 0) {
            out = e.scheme;
            return true;
        }
    }
    return false;
}

bool parse_port(const char* s, size_t n, uint16_t& out) noexcept {
    if (n == 0 || n > 5) return false;
    uint32_t v = 0;
    for (size_t i = 0; i < n; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + static_cast<uint32_t>(s[i] - '0');
    }
    if (v > 65535) return false;
    out = static_cast<uint16_t>(v);
    return true;
}

bool valid_host_char(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '*';
}

} // namespace

bool scheme_uses_tls(Scheme s) noexcept {
    return s == Scheme::Wss || s == Scheme::TlsTcp || s == Scheme::SocketyTls;
}

const char* scheme_name(Scheme s) noexcept {
    for (const SchemeName& e : kSchemes)
        if (e.scheme == s) return e.name;
    return "?";
}

Error parse_url(const char* text, size_t len, Url& out) noexcept {
    out = Url{};
    if (!text) return Error::InvalidUrl;
    const char* sep = nullptr;
    for (size_t i = 0; i + 2 < len; ++i) {
        if (text[i] == ':' && text[i + 1] == '/' && text[i + 2] == '/') { sep = text + i; break; }
        if (text[i] == '/' || text[i] == '?') break;
    }
    if (!sep || sep == text) return Error::InvalidUrl;
    if (!lookup_scheme(text, static_cast<size_t>(sep - text), out.scheme)) return Error::UnsupportedScheme;
    const char* p = sep + 3;
    const char* end = text + len;

    for (const char* q = p; q < end; ++q)
        if (*q == '\0' || static_cast<unsigned char>(*q) < 0x20) return Error::InvalidUrl;

    if (out.scheme == Scheme::Ipc || out.scheme == Scheme::Inproc) {
        // Everything after "://" is the path or the name ("ipc:///tmp/x" -> "/tmp/x").
        if (p == end) return Error::InvalidUrl;
        out.path = {p, static_cast<size_t>(end - p)};
        return Error::Ok;
    }

    // authority = host [":" port], host may be "[v6]"
    const char* auth_end = p;
    while (auth_end < end && *auth_end != '/' && *auth_end != '?') ++auth_end;
    const char* host_end;
    if (p < auth_end && *p == '[') {
        const char* close = static_cast<const char*>(std::memchr(p, ']', static_cast<size_t>(auth_end - p)));
        if (!close || close == p + 1) return Error::InvalidUrl;
        out.host = {p + 1, static_cast<size_t>(close - p - 1)};
        out.host_is_ipv6_literal = true;
        for (const char* c = p + 1; c < close; ++c) {
            const char ch = *c;
            const bool ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F') ||
                            ch == ':' || ch == '.';
            if (!ok) return Error::InvalidUrl;
        }
        host_end = close + 1;
        if (host_end < auth_end && *host_end != ':') return Error::InvalidUrl;
    } else {
        host_end = p;
        while (host_end < auth_end && *host_end != ':') ++host_end;
        out.host = {p, static_cast<size_t>(host_end - p)};
        for (const char* c = p; c < host_end; ++c)
            if (!valid_host_char(*c)) return Error::InvalidUrl;
        if (out.host.size > 253) return Error::InvalidUrl;
    }
    if (out.host.size == 0) return Error::InvalidUrl;
    if (host_end < auth_end) {  // ":" port
        if (!parse_port(host_end + 1, static_cast<size_t>(auth_end - host_end - 1), out.port)) return Error::InvalidUrl;
        out.has_port = true;
    }
    if (!out.has_port) {
        switch (out.scheme) {
        case Scheme::Ws: out.port = 80; break;
        case Scheme::Wss: out.port = 443; break;
        default: return Error::InvalidUrl;  // raw tcp, tls and sockety need a port
        }
    }
    const char* path = auth_end;
    const char* qmark = static_cast<const char*>(std::memchr(path, '?', static_cast<size_t>(end - path)));
    const char* path_end = qmark ? qmark : end;
    if (path == path_end) out.path = {"/", 1};
    else out.path = {path, static_cast<size_t>(path_end - path)};
    if (qmark) out.query = {qmark + 1, static_cast<size_t>(end - qmark - 1)};
    return Error::Ok;
}

} // namespace tickwire::detail
