// /etc/resolv.conf, read the way glibc's res_init reads it, from text the core loaded at
// start-up (this code opens no file).
//
// Understood:
//   nameserver ADDR   IPv4 dotted quad or IPv6, optionally with a zone ("fe80::1%eth0");
//                     at most 3 (glibc's MAXNS), later ones ignored; bad addresses skipped.
//   options timeout:N attempts:N rotate
//                     timeout seconds per datagram (default 5, clamped to 1..30), attempts
//                     rounds over all servers (default 2, clamped to 1..5), rotate: start each
//                     lookup on the next server. Other options (ndots, edns0, single-request,
//                     inet6...) are ignored: we always send A and AAAA together, without EDNS0.
// Ignored on purpose: `search` and `domain` (and so `ndots`). Every name is resolved as the
// fully qualified name it is given; a game or device connects to names it was configured
// with, and search-list expansion would multiply queries and surprises.
// Lines starting with '#' or ';' are comments. No nameserver at all means 127.0.0.1:53, as glibc.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tickwire::detail::dns {

struct NameServer {
    uint8_t family = 0;      // 4 or 6
    uint8_t addr[16] = {};   // network order; IPv4 in addr[0..4)
    uint16_t port = 53;      // resolv.conf has no port syntax; tests set their own
    char zone[16] = {};      // IPv6 zone as written after '%' (interface name or number), NUL-
                             // terminated; empty if none. The core maps it to a scope id.
};

struct ResolvConf {
    static constexpr size_t kMaxServers = 3;
    static constexpr uint32_t kDefaultTimeoutMs = 5000;
    static constexpr uint8_t kDefaultAttempts = 2;

    NameServer servers[kMaxServers];
    uint8_t server_count = 0;
    uint32_t timeout_ms = kDefaultTimeoutMs;  // per datagram; the resolver waits this long
    uint8_t attempts = kDefaultAttempts;      // rounds: each lookup sends at most attempts * servers
    bool rotate = false;

    // Parses resolv.conf text. Never fails: unknown or bad lines are skipped, and a file
    // without a usable nameserver gives the default 127.0.0.1:53.
    static ResolvConf parse(const char* text, size_t len) noexcept;

    // Appends a server; false when kMaxServers are already there.
    bool add_server(const NameServer& s) noexcept;
};

// Parses "ADDR" or "ADDR%zone" (IPv4 or IPv6) into a NameServer with port 53.
bool parse_nameserver(const char* text, size_t len, NameServer& out) noexcept;

} // namespace tickwire::detail::dns
