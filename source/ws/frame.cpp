#include "ws/frame.hpp"

#include <cstring>

namespace tickwire::detail::ws {

size_t encode_header(uint8_t out[kMaxHeaderSize], bool fin, Opcode opcode, uint64_t payload_len,
                     const MaskKey* mask) noexcept {
    const auto op = static_cast<uint8_t>(opcode);
    if (is_reserved_opcode(op) || payload_len > kMaxPayloadLength) return 0;
    if (is_control_opcode(op) && (!fin || payload_len > kMaxControlPayload)) return 0;

    out[0] = static_cast<uint8_t>((fin ? 0x80u : 0u) | op);
    const uint8_t mask_bit = mask ? 0x80 : 0x00;
    size_t n;
    if (payload_len <= 125) {
        out[1] = static_cast<uint8_t>(mask_bit | payload_len);
        n = 2;
    } else if (payload_len <= 0xFFFF) {
        out[1] = static_cast<uint8_t>(mask_bit | 126u);
        out[2] = static_cast<uint8_t>(payload_len >> 8);
        out[3] = static_cast<uint8_t>(payload_len);
        n = 4;
    } else {
        out[1] = static_cast<uint8_t>(mask_bit | 127u);
        for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<uint8_t>(payload_len >> (56 - 8 * i));
        n = 10;
    }
    if (mask) {
        std::memcpy(out + n, mask->bytes, 4);
        n += 4;
    }
    return n;
}

size_t decode_header(const uint8_t* data, size_t len, FrameHeader& out) noexcept {
    if (len < 2) return 0;
    const uint8_t b0 = data[0];
    const uint8_t b1 = data[1];
    const size_t size = header_size_from_byte1(b1);
    if (len < size) return 0;

    const unsigned len7 = b1 & 0x7Fu;
    const uint64_t payload_len = payload_length(data, len7);
    const bool minimal = len7 < 126 || (len7 == 126 ? payload_len > 125 : payload_len > 0xFFFF);
    out.payload_len = payload_len;
    out.masked = (b1 & 0x80u) != 0;
    if (out.masked) std::memcpy(out.mask.bytes, data + size - 4, 4); // the key ends the header
    else std::memset(out.mask.bytes, 0, 4);
    out.opcode = b0 & 0x0Fu;
    out.rsv = static_cast<uint8_t>((b0 >> 4) & 0x07u);
    out.fin = (b0 & 0x80u) != 0;
    out.size = static_cast<uint8_t>(size);
    out.minimal_length = minimal;
    return size;
}

namespace {
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
constexpr bool kLittleEndian = false;
#else
constexpr bool kLittleEndian = true; // x86, ARM, RISC-V as configured everywhere we run; MSVC
#endif
} // namespace

void apply_mask(uint8_t* data, size_t len, MaskKey key, uint64_t offset) noexcept {
    if (len == 0) return;
    // The key as a 32-bit word in memory order, rotated so that its first byte in memory is the
    // one for data[0]; then repeated over a 64-bit word. Shifts, not byte shuffles: this runs
    // for every chunk.
    uint32_t k;
    std::memcpy(&k, key.bytes, 4);
    const unsigned r = static_cast<unsigned>(offset & 3u) * 8u;
    if (r != 0) k = kLittleEndian ? (k >> r) | (k << (32u - r)) : (k << r) | (k >> (32u - r));
    uint64_t w = (uint64_t{k} << 32) | k;

    size_t i = 0;
    // Four words per step: simple enough for the compiler to vectorise.
    for (; i + 32 <= len; i += 32) {
        uint64_t a, b, c, d;
        std::memcpy(&a, data + i, 8);
        std::memcpy(&b, data + i + 8, 8);
        std::memcpy(&c, data + i + 16, 8);
        std::memcpy(&d, data + i + 24, 8);
        a ^= w; b ^= w; c ^= w; d ^= w;
        std::memcpy(data + i, &a, 8);
        std::memcpy(data + i + 8, &b, 8);
        std::memcpy(data + i + 16, &c, 8);
        std::memcpy(data + i + 24, &d, 8);
    }
    for (; i + 8 <= len; i += 8) {
        uint64_t a;
        std::memcpy(&a, data + i, 8);
        a ^= w;
        std::memcpy(data + i, &a, 8);
    }
    // Fewer than 8 bytes left, starting at a multiple of 8, so at the word's first byte.
    for (; i < len; ++i) {
        data[i] ^= static_cast<uint8_t>(kLittleEndian ? w : w >> 56);
        w = kLittleEndian ? w >> 8 : w << 8;
    }
}

Fragmenter::Fragmenter(Opcode opcode, uint64_t message_size, uint64_t max_frame_payload) noexcept
    : remaining_(message_size), max_frame_(max_frame_payload), opcode_(opcode) {
    const auto op = static_cast<uint8_t>(opcode);
    valid_ = !is_reserved_opcode(op) && opcode != Opcode::Continuation &&
             message_size <= kMaxPayloadLength &&
             !(is_control_opcode(op) && message_size > kMaxControlPayload);
    // Control frames are never fragmented, whatever the frame limit.
    if (is_control_opcode(op) || max_frame_ == 0) max_frame_ = kMaxPayloadLength;
}

Fragment Fragmenter::next(uint8_t out[kMaxHeaderSize], const MaskKey* mask) noexcept {
    if (!valid_ || done_) return Fragment{offset_, 0, 0, false};
    const uint64_t size = remaining_ < max_frame_ ? remaining_ : max_frame_;
    const bool last = size == remaining_;
    const Opcode op = offset_ == 0 ? opcode_ : Opcode::Continuation;
    const size_t n = encode_header(out, last, op, size, mask);
    Fragment f{offset_, size, static_cast<uint8_t>(n), last};
    offset_ += size;
    remaining_ -= size;
    done_ = last;
    return f;
}

} // namespace tickwire::detail::ws
