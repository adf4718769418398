// Hex digits, shared by the parsers that read them (percent-escapes, UUID text, IPv6 literals).
#pragma once

namespace tickwire::detail {

// Value of a hex digit (either case), or -1.
constexpr int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

} // namespace tickwire::detail
