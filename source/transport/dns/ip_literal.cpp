#include "transport/dns/ip_literal.hpp"
#include "common/hex_digit.hpp"

#include <cstring>

namespace tickwire::detail::dns {
namespace {

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

} // namespace

bool parse_ipv4(const char* text, size_t len, uint8_t out[4]) noexcept {
    size_t i = 0;
    for (int part = 0; part < 4; ++part) {
        if (part > 0) {
            if (i >= len || text[i] != '.') return false;
            ++i;
        }
        size_t start = i;
        unsigned value = 0;
        while (i < len && is_digit(text[i]) && i - start < 3) {
            value = value * 10 + static_cast<unsigned>(text[i] - '0');
            ++i;
        }
        size_t digits = i - start;
        if (digits == 0 || value > 255) return false;
        if (digits > 1 && text[start] == '0') return false;
        out[part] = static_cast<uint8_t>(value);
    }
    return i == len;
}

bool parse_ipv6(const char* text, size_t len, uint8_t out[16]) noexcept {
    uint8_t buf[16] = {};
    size_t pos = 0;     // bytes of `buf` filled
    long gap = -1;      // where "::" stood, as a byte offset into buf
    size_t i = 0;
    if (len < 2) return false;
    if (text[0] == ':') {
        if (text[1] != ':') return false;
        gap = 0;
        i = 2;
    }
    while (i < len) {
        size_t start = i;
        unsigned value = 0;
        while (i < len && hex_value(text[i]) >= 0 && i - start < 5) {
            value = value * 16 + static_cast<unsigned>(hex_value(text[i]));
            ++i;
        }
        if (i < len && text[i] == '.') {
            // A dotted quad may only end the address and fills its last 4 bytes.
            if (pos > 12 || !parse_ipv4(text + start, len - start, buf + pos)) return false;
            pos += 4;
            i = len;
            break;
        }
        size_t digits = i - start;
        if (digits == 0 || digits > 4 || pos > 14) return false;
        buf[pos++] = static_cast<uint8_t>(value >> 8);
        buf[pos++] = static_cast<uint8_t>(value & 0xFF);
        if (i == len) break;
        if (text[i] != ':') return false;
        ++i;
        if (i < len && text[i] == ':') {
            if (gap >= 0) return false;  // only one "::"
            gap = static_cast<long>(pos);
            ++i;
        } else if (i == len) {
            return false;  // a single trailing ':'
        }
    }
    if (gap >= 0) {
        if (pos == 16) return false;  // "::" must stand for at least one zero group
        size_t g = static_cast<size_t>(gap);
        size_t tail = pos - g;
        std::memmove(buf + 16 - tail, buf + g, tail);
        std::memset(buf + g, 0, 16 - tail - g);
    } else if (pos != 16) {
        return false;
    }
    std::memcpy(out, buf, 16);
    return true;
}

bool looks_like_ip_literal(const char* text, size_t len) noexcept {
    if (len == 0) return false;
    if (std::memchr(text, ':', len) != nullptr) return true;
    // inet_aton's grammar: 1..4 parts, each "0x" + hex digits, or decimal/octal digits.
    size_t i = 0;
    int parts = 0;
    while (true) {
        if (++parts > 4) return false;
        if (i + 1 < len && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
            i += 2;
            while (i < len && hex_value(text[i]) >= 0) ++i;
        } else {
            size_t start = i;
            while (i < len && is_digit(text[i])) ++i;
            if (i == start) return false;
        }
        if (i == len) return true;
        if (text[i] != '.') return false;
        ++i;
        if (i == len) return false;
    }
}

} // namespace tickwire::detail::dns
