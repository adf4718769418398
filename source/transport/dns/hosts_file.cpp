#include "transport/dns/hosts_file.hpp"

#include <cstring>

#include "transport/dns/config_text.hpp"
#include "transport/dns/ip_literal.hpp"

namespace tickwire::detail::dns {
namespace {

size_t without_trailing_dot(const char* s, size_t len) noexcept {
    return (len > 0 && s[len - 1] == '.') ? len - 1 : len;
}

} // namespace

bool same_host_name(const char* a, size_t alen, const char* b, size_t blen) noexcept {
    alen = without_trailing_dot(a, alen);
    blen = without_trailing_dot(b, blen);
    if (alen != blen || alen == 0) return false;
    for (size_t i = 0; i < alen; ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x + 32);
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y + 32);
        if (x != y) return false;
    }
    return true;
}

size_t HostsFile::lookup(const char* name, size_t len, Family family, DnsAddress* out,
                         size_t cap) const noexcept {
    if (name == nullptr || out == nullptr) return 0;
    size_t count = 0;
    ConfigText lines(text_, len_);
    while (count < cap && lines.next_line()) {
        Token addr = lines.next_word();
        if (addr.empty()) continue;
        DnsAddress a;
        if (parse_ipv4(addr.text, addr.len, a.bytes))
            a.family = 4;
        else if (parse_ipv6(addr.text, addr.len, a.bytes))
            a.family = 6;
        else
            continue;
        if ((family == Family::V4 && a.family != 4) || (family == Family::V6 && a.family != 6)) continue;
        for (Token host = lines.next_word(); !host.empty(); host = lines.next_word()) {
            if (same_host_name(host.text, host.len, name, len)) {
                out[count++] = a;
                break;
            }
        }
    }
    return count;
}

} // namespace tickwire::detail::dns
