// Textual IP addresses: strict parsers for the nameserver lines of resolv.conf and the address
// column of /etc/hosts, and the test that keeps IP literals out of DNS queries.
// Pure functions on (pointer, length) text; nothing is allocated or read from the system.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tickwire::detail::dns {

// Dotted quad "a.b.c.d", each part 0..255 in decimal without leading zeros (as inet_pton: a
// leading zero would be read as octal by inet_aton, so it is refused rather than guessed).
// Writes 4 bytes in network order. Returns false and leaves `out` unspecified on bad input.
bool parse_ipv4(const char* text, size_t len, uint8_t out[4]) noexcept;

// RFC 4291 §2.2 text form: eight groups of 1..4 hex digits, one "::" for a run of zero groups,
// optionally ending in a dotted quad ("::ffff:10.0.0.1"). No zone ("%eth0"): split it off first.
// Writes 16 bytes in network order. Returns false on bad input.
bool parse_ipv6(const char* text, size_t len, uint8_t out[16]) noexcept;

// True when `text` would be taken as an address by inet_aton or inet_pton rather than as a
// host name: anything with ':' (IPv6), or 1..4 dot-separated numbers in decimal, octal or hex
// ("10.0.0.1", "127.1", "0x7f000001", "017.0.0.1"). Such names must never be sent to DNS.
bool looks_like_ip_literal(const char* text, size_t len) noexcept;

} // namespace tickwire::detail::dns
