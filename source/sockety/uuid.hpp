// Sockety message ids: 16 raw bytes on the wire, in the same order as the text form (byte 0 is
// the first hex pair of the text). Peers must send real v4 UUIDs: sockety-js forces the v4
// bits of every id it reads and replies with the changed id (WIRE.md §0), so anything else cannot
// be matched to its replies. This file makes v4 ids from caller-supplied randomness (no RNG in
// here, so it stays sans-I/O and testable) and converts to and from the 36-character text form.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tickwire::detail::sockety {

struct Uuid {
    uint8_t bytes[16] = {};
};

bool operator==(const Uuid& a, const Uuid& b) noexcept;
inline bool operator!=(const Uuid& a, const Uuid& b) noexcept { return !(a == b); }

constexpr size_t kUuidTextSize = 36;  // 8-4-4-4-12 hex digits with dashes, no terminator

// Turns 16 random bytes into a v4 UUID: version nibble 4 (byte 6) and variant 10 (byte 8).
Uuid uuid_v4_from_random(const uint8_t random[16]) noexcept;

// Fills `out` with a fresh v4 UUID from any source with `bool fill(void*, size_t)` (for example
// detail::Random). Returns false, leaving `out` unchanged, when the source fails.
template <typename RandomSource>
bool generate_uuid_v4(RandomSource& source, Uuid& out) noexcept {
    uint8_t random[16];
    if (!source.fill(random, sizeof random)) return false;
    out = uuid_v4_from_random(random);
    return true;
}

// True when the version nibble is 4 and the variant bits are 10.
bool uuid_is_v4(const Uuid& id) noexcept;

// Writes the lowercase text form into `out` (room for kUuidTextSize chars; no terminator).
void uuid_to_text(const Uuid& id, char out[kUuidTextSize]) noexcept;

// Parses the 36-character text form (either hex case). Returns false, leaving `out` unchanged, on
// a wrong length, a misplaced dash or a non-hex digit. Any version is accepted.
bool uuid_from_text(const char* text, size_t len, Uuid& out) noexcept;

} // namespace tickwire::detail::sockety
