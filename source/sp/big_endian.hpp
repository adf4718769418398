// Big-endian loads and stores for the SP codec. Every integer on the SP wire is big-endian
// (handshake protocol id, tcp/ipc length prefixes, backtrace words, pair v1 hop counts).
// Byte-wise so that they work on unaligned pointers into receive rings and on any host.
#pragma once
#include <cstdint>

namespace tickwire::detail::sp {

inline uint16_t load_be16(const uint8_t* p) noexcept {
    return static_cast<uint16_t>((p[0] << 8) | p[1]);
}

inline uint32_t load_be32(const uint8_t* p) noexcept {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

inline uint64_t load_be64(const uint8_t* p) noexcept {
    return (uint64_t{load_be32(p)} << 32) | uint64_t{load_be32(p + 4)};
}

inline void store_be16(uint16_t v, uint8_t* out) noexcept {
    out[0] = static_cast<uint8_t>(v >> 8);
    out[1] = static_cast<uint8_t>(v);
}

inline void store_be32(uint32_t v, uint8_t* out) noexcept {
    out[0] = static_cast<uint8_t>(v >> 24);
    out[1] = static_cast<uint8_t>(v >> 16);
    out[2] = static_cast<uint8_t>(v >> 8);
    out[3] = static_cast<uint8_t>(v);
}

inline void store_be64(uint64_t v, uint8_t* out) noexcept {
    store_be32(static_cast<uint32_t>(v >> 32), out);
    store_be32(static_cast<uint32_t>(v), out + 4);
}

} // namespace tickwire::detail::sp
