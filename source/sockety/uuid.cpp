#include "sockety/uuid.hpp"
#include "common/hex_digit.hpp"

#include <cstring>

namespace tickwire::detail::sockety {

namespace {

constexpr char kHex[] = "0123456789abcdef";

// Positions of the dashes in the text form; every other position holds a hex digit.
bool is_dash_position(size_t i) noexcept { return i == 8 || i == 13 || i == 18 || i == 23; }

} // namespace

bool operator==(const Uuid& a, const Uuid& b) noexcept {
    return std::memcmp(a.bytes, b.bytes, sizeof a.bytes) == 0;
}

Uuid uuid_v4_from_random(const uint8_t random[16]) noexcept {
    Uuid id;
    std::memcpy(id.bytes, random, sizeof id.bytes);
    id.bytes[6] = static_cast<uint8_t>((id.bytes[6] & 0x0f) | 0x40);
    id.bytes[8] = static_cast<uint8_t>((id.bytes[8] & 0x3f) | 0x80);
    return id;
}

bool uuid_is_v4(const Uuid& id) noexcept {
    return (id.bytes[6] & 0xf0) == 0x40 && (id.bytes[8] & 0xc0) == 0x80;
}

void uuid_to_text(const Uuid& id, char out[kUuidTextSize]) noexcept {
    size_t byte = 0;
    for (size_t i = 0; i < kUuidTextSize; ++i) {
        if (is_dash_position(i)) {
            out[i] = '-';
            continue;
        }
        out[i] = kHex[id.bytes[byte] >> 4];
        out[++i] = kHex[id.bytes[byte] & 0x0f];
        ++byte;
    }
}

bool uuid_from_text(const char* text, size_t len, Uuid& out) noexcept {
    if (text == nullptr || len != kUuidTextSize) return false;
    Uuid parsed;
    size_t byte = 0;
    for (size_t i = 0; i < kUuidTextSize; ++i) {
        if (is_dash_position(i)) {
            if (text[i] != '-') return false;
            continue;
        }
        // Hex pairs never straddle a dash, so i + 1 is the pair's second digit.
        const int hi = hex_value(text[i]);
        const int lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) return false;
        parsed.bytes[byte++] = static_cast<uint8_t>((hi << 4) | lo);
        ++i;
    }
    out = parsed;
    return true;
}

} // namespace tickwire::detail::sockety
