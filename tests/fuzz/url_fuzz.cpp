// libFuzzer target: the endpoint URL parser. Views must stay inside the input, ports must be
// in range, and a parsed URL printed back must parse to the same fields.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "transport/url.hpp"

using namespace tickwire;
using namespace tickwire::detail;

static bool inside(const StringView& v, const char* base, size_t len) {
    if (v.size == 0) return true;
    return v.data >= base && v.data + v.size <= base + len;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const char* text = reinterpret_cast<const char*>(data);
    Url u;
    if (parse_url(text, size, u) != Error::Ok) return 0;
    if (!inside(u.host, text, size) || !inside(u.query, text, size)) std::abort();
    if (!inside(u.path, text, size) && !(u.path.size == 1 && u.path.data[0] == '/')) std::abort();
    if (u.scheme == Scheme::Ipc || u.scheme == Scheme::Inproc) return 0;
    if (u.host.size == 0) std::abort();
    // Round trip: scheme://host:port/path?query parses to the same fields.
    char again[1024];
    const char* open = u.host_is_ipv6_literal ? "[" : "";
    const char* close = u.host_is_ipv6_literal ? "]" : "";
    const int n = std::snprintf(again, sizeof again, "%s://%s%.*s%s:%u%.*s%s%.*s", scheme_name(u.scheme), open,
                                static_cast<int>(u.host.size), u.host.data, close, u.port,
                                static_cast<int>(u.path.size), u.path.data, u.query.size ? "?" : "",
                                static_cast<int>(u.query.size), u.query.data);
    if (n <= 0 || static_cast<size_t>(n) >= sizeof again) return 0;
    Url v;
    if (parse_url(again, static_cast<size_t>(n), v) != Error::Ok) std::abort();
    if (v.port != u.port || v.host.size != u.host.size || std::memcmp(v.host.data, u.host.data, u.host.size) != 0 ||
        v.path.size != u.path.size || v.query.size != u.query.size)
        std::abort();
    return 0;
}
