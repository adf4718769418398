#include "transport/dns/resolv_conf.hpp"

#include <cstring>

#include "transport/dns/config_text.hpp"
#include "transport/dns/ip_literal.hpp"

namespace tickwire::detail::dns {
namespace {

constexpr uint32_t kMaxTimeoutS = 30;  // glibc RES_MAXRETRANS
constexpr uint8_t kMaxAttempts = 5;    // glibc RES_MAXRETRY

// Reads the leading decimal digits of an option value, saturating, as atoi would but bounded.
uint32_t option_number(const char* text, size_t len) noexcept {
    uint32_t v = 0;
    for (size_t i = 0; i < len && text[i] >= '0' && text[i] <= '9'; ++i) {
        v = v * 10 + static_cast<uint32_t>(text[i] - '0');
        if (v > 1000) return 1000;
    }
    return v;
}

bool has_prefix(const Token& t, const char* prefix, size_t n) noexcept {
    return t.len >= n && std::memcmp(t.text, prefix, n) == 0;
}

void parse_options(ConfigText& text, ResolvConf& conf) noexcept {
    for (Token t = text.next_word(); !t.empty(); t = text.next_word()) {
        if (has_prefix(t, "timeout:", 8)) {
            uint32_t s = option_number(t.text + 8, t.len - 8);
            if (s < 1) s = 1;
            if (s > kMaxTimeoutS) s = kMaxTimeoutS;
            conf.timeout_ms = s * 1000;
        } else if (has_prefix(t, "attempts:", 9)) {
            uint32_t n = option_number(t.text + 9, t.len - 9);
            if (n < 1) n = 1;
            if (n > kMaxAttempts) n = kMaxAttempts;
            conf.attempts = static_cast<uint8_t>(n);
        } else if (t.equals("rotate")) {
            conf.rotate = true;
        }
    }
}

} // namespace

bool parse_nameserver(const char* text, size_t len, NameServer& out) noexcept {
    if (text == nullptr || len == 0) return false;
    NameServer s;
    const char* percent = static_cast<const char*>(std::memchr(text, '%', len));
    size_t addr_len = percent ? static_cast<size_t>(percent - text) : len;
    if (parse_ipv4(text, addr_len, s.addr)) {
        if (percent) return false;  // zones are for IPv6 only
        s.family = 4;
    } else if (parse_ipv6(text, addr_len, s.addr)) {
        s.family = 6;
        if (percent) {
            size_t zone_len = len - addr_len - 1;
            if (zone_len == 0 || zone_len >= sizeof s.zone) return false;
            std::memcpy(s.zone, percent + 1, zone_len);
        }
    } else {
        return false;
    }
    out = s;
    return true;
}

bool ResolvConf::add_server(const NameServer& s) noexcept {
    if (server_count >= kMaxServers) return false;
    servers[server_count++] = s;
    return true;
}

ResolvConf ResolvConf::parse(const char* text, size_t len) noexcept {
    ResolvConf conf;
    ConfigText lines(text, len);
    while (lines.next_line()) {
        Token keyword = lines.next_word();
        if (keyword.empty() || keyword.text[0] == ';') continue;
        if (keyword.equals("nameserver")) {
            Token addr = lines.next_word();
            NameServer s;
            if (!addr.empty() && parse_nameserver(addr.text, addr.len, s)) conf.add_server(s);
        } else if (keyword.equals("options")) {
            parse_options(lines, conf);
        }
        // "search", "domain", "sortlist" and anything unknown: ignored (see the header).
    }
    if (conf.server_count == 0) {
        NameServer local;
        local.family = 4;
        const uint8_t loopback[4] = {127, 0, 0, 1};
        std::memcpy(local.addr, loopback, 4);
        conf.add_server(local);
    }
    return conf;
}

} // namespace tickwire::detail::dns
