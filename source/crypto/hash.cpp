// SHA-1 and base64 on top of mbedTLS. base64_decode is stricter than mbedTLS (which tolerates
// line breaks, spaces and non-canonical trailing bits): the callers decode protocol fields, where
// anything but canonical RFC 4648 text is malformed input.
#include "crypto/hash.hpp"

#include "crypto/mbedtls_compat.hpp"
#include "mbedtls/base64.h"

#include <climits>
#include <cstdint>
#include <cstring>

namespace tickwire::detail {

void sha1(const void* data, size_t len, uint8_t out[kSha1Size]) noexcept {
    static const unsigned char kEmpty = 0;
    const auto* p = data ? static_cast<const unsigned char*>(data) : &kEmpty;
    if (data == nullptr) len = 0;
    if (mbedtls_compat::sha1(p, len, out) != 0) std::memset(out, 0, kSha1Size);
}

size_t base64_encode(const uint8_t* data, size_t len, char* out, size_t cap) noexcept {
    if (len == 0) return 0;
    if (data == nullptr || out == nullptr) return 0;
    if (len > (SIZE_MAX / 4) * 3 - 3) return 0; // the output size would overflow
    const size_t needed = 4 * ((len + 2) / 3);
    if (cap < needed) return 0;
    // mbedTLS always writes a terminating NUL, which `out` need not have room for: encode all but
    // the last (1..3 byte) group in place, where the NUL lands on room the last group overwrites,
    // and the last group through a small scratch buffer.
    const size_t tail = len % 3 ? len % 3 : 3;
    const size_t head = len - tail;
    size_t written = 0;
    if (head > 0) {
        if (mbedtls_base64_encode(reinterpret_cast<unsigned char*>(out), cap, &written, data, head) != 0)
            return 0;
    }
    unsigned char last[8];
    size_t last_len = 0;
    if (mbedtls_base64_encode(last, sizeof last, &last_len, data + head, tail) != 0 || last_len != 4)
        return 0;
    std::memcpy(out + written, last, 4);
    return written + 4;
}

namespace {

// Value of a base64 alphabet character, or -1.
int b64_value(char c) noexcept {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// Canonical RFC 4648 base64: whole quanta, alphabet only, '=' only as 1 or 2 final pad chars,
// and zero bits in the part of the last character that padding discards.
bool is_canonical_base64(const char* text, size_t len) noexcept {
    if (len % 4 != 0) return false;
    if (len == 0) return true;
    size_t pad = 0;
    if (text[len - 1] == '=') pad = (text[len - 2] == '=') ? 2 : 1;
    for (size_t i = 0; i < len - pad; ++i)
        if (b64_value(text[i]) < 0) return false;
    if (pad == 2) return (b64_value(text[len - 3]) & 0x0F) == 0;
    if (pad == 1) return (b64_value(text[len - 2]) & 0x03) == 0;
    return true;
}

} // namespace

long base64_decode(const char* text, size_t len, uint8_t* out, size_t cap) noexcept {
    if (len == 0) return 0;
    if (text == nullptr || !is_canonical_base64(text, len)) return -1;
    size_t decoded = len / 4 * 3;
    if (text[len - 1] == '=') --decoded;
    if (text[len - 2] == '=') --decoded;
    if (decoded > cap || out == nullptr) return -1;
    if (decoded > static_cast<size_t>(LONG_MAX)) return -1;
    size_t olen = 0;
    if (mbedtls_base64_decode(out, cap, &olen, reinterpret_cast<const unsigned char*>(text), len) != 0)
        return -1;
    if (olen != decoded) return -1;
    return static_cast<long>(olen);
}

} // namespace tickwire::detail
