// SHA-1 and base64, backed by mbedTLS (never hand-written). The only users are the WebSocket
// handshake and tests; the functions are small wrappers so that no other file includes mbedTLS.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tickwire::detail {

constexpr size_t kSha1Size = 20;

// SHA-1 of `len` bytes at `data` into `out`.
void sha1(const void* data, size_t len, uint8_t out[kSha1Size]) noexcept;

// Base64 (RFC 4648, with padding) of `len` bytes into `out`, which has room for `cap` chars.
// Returns the number of characters written (no terminator), or 0 when `out` is too small.
size_t base64_encode(const uint8_t* data, size_t len, char* out, size_t cap) noexcept;

// Decodes base64 into `out` (room for `cap` bytes). Returns the byte count, or -1 on malformed
// input or too small `out`. Strict: only canonical RFC 4648 text with padding is accepted (no
// whitespace or line breaks, '=' only as final padding, zero bits in the padded-away part), so
// that encode(decode(x)) == x for every accepted x.
long base64_decode(const char* text, size_t len, uint8_t* out, size_t cap) noexcept;

} // namespace tickwire::detail
