// The soak's unit of traffic: a record with a sequence number, a length and a checksum in front
// of random bytes. A record that comes back verifies itself end to end: the checksum covers the
// payload, the sequence number proves order (one record in flight per client) and nothing lost.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace soak {

// xorshift64*: fast, seedable, good enough for sizes and payload bytes.
struct Rng {
    uint64_t state;
    explicit Rng(uint64_t seed) : state(seed ? seed : 0x9E3779B97F4A7C15ull) {}
    uint64_t next() {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        return state * 0x2545F4914F6CDD1Dull;
    }
    uint32_t below(uint32_t n) { return n ? static_cast<uint32_t>(next() % n) : 0; }
};

constexpr uint32_t kMagic = 0x4B414F53;  // "SOAK"
constexpr size_t kHeaderSize = 16;       // magic, sequence, payload length, checksum (little-endian)

inline void put32(uint8_t* p, uint32_t v) {
    p[0] = static_cast<uint8_t>(v); p[1] = static_cast<uint8_t>(v >> 8);
    p[2] = static_cast<uint8_t>(v >> 16); p[3] = static_cast<uint8_t>(v >> 24);
}
inline uint32_t get32(const uint8_t* p) {
    return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

inline uint32_t fnv1a(const uint8_t* p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
    return h;
}

// Sizes lean small (most traffic is small messages) but reach `max`: a random power-of-two
// range, then a random size inside it.
inline uint32_t random_size(Rng& rng, uint32_t max) {
    const uint32_t range = 1u << rng.below(15);
    const uint32_t n = rng.below(range + 1);
    return n > max ? max : n;
}

// Writes a record of `len` random payload bytes into `out` (kHeaderSize + len bytes).
inline size_t make_record(uint8_t* out, uint32_t seq, uint32_t len, Rng& rng) {
    uint8_t* payload = out + kHeaderSize;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        const uint64_t r = rng.next();
        std::memcpy(payload + i, &r, 8);
    }
    for (; i < len; ++i) payload[i] = static_cast<uint8_t>(rng.next());
    put32(out, kMagic);
    put32(out + 4, seq);
    put32(out + 8, len);
    put32(out + 12, fnv1a(payload, len));
    return kHeaderSize + len;
}

enum class Verdict : uint8_t { Ok, BadMagic, BadSequence, BadLength, BadChecksum, Count_ };

inline const char* to_string(Verdict v) {
    switch (v) {
    case Verdict::Ok: return "ok";
    case Verdict::BadMagic: return "bad magic";
    case Verdict::BadSequence: return "out of order / lost";
    case Verdict::BadLength: return "bad length";
    case Verdict::BadChecksum: return "bad checksum";
    default: return "?";
    }
}

// The full record length a received header announces (0 if the header is not a record's).
inline size_t record_size(const uint8_t* p) { return get32(p) == kMagic ? kHeaderSize + get32(p + 8) : 0; }

// Checks that p[0..n) is exactly the record with sequence `seq` and payload length `len`.
inline Verdict check_record(const uint8_t* p, size_t n, uint32_t seq, uint32_t len) {
    if (n < kHeaderSize || get32(p) != kMagic) return Verdict::BadMagic;
    if (get32(p + 4) != seq) return Verdict::BadSequence;
    if (get32(p + 8) != len || n != kHeaderSize + len) return Verdict::BadLength;
    if (get32(p + 12) != fnv1a(p + kHeaderSize, len)) return Verdict::BadChecksum;
    return Verdict::Ok;
}

} // namespace soak
