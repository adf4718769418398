// WebSocket (RFC 6455 §5) frame headers and masking: the byte-level pieces shared by the
// message reader (ws/reader.hpp) and the send path. Sans-I/O: callers own every buffer.
//
// Frame header layout (§5.2):
//   byte 0: FIN | RSV1 | RSV2 | RSV3 | opcode(4)
//   byte 1: MASK | len7            len7 <= 125: the payload length
//                                  len7 == 126: a 16-bit length follows (network order)
//                                  len7 == 127: a 64-bit length follows (top bit must be 0)
//   then the 4-byte masking key when MASK is set, then the payload.
// So a header is 2..14 bytes. Clients mask every frame they send; servers never mask.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tickwire::detail::ws {

enum class Opcode : uint8_t {
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
};

// Opcodes 3-7 and 0xB-0xF are reserved (no extension defines them here).
constexpr bool is_reserved_opcode(uint8_t op) noexcept {
    return (op >= 0x3 && op <= 0x7) || op >= 0xB;
}
constexpr bool is_control_opcode(uint8_t op) noexcept { return (op & 0x8) != 0; }

constexpr size_t kMaxHeaderSize = 14;
constexpr size_t kMaxControlPayload = 125;
// Largest encodable payload length: the 64-bit length must have its top bit clear.
constexpr uint64_t kMaxPayloadLength = 0x7FFFFFFFFFFFFFFFull;

// The 4-byte masking key, in wire order.
struct MaskKey {
    uint8_t bytes[4];
};

// Header bytes for a payload of `payload_len` bytes (2, 4 or 10, plus 4 when masked).
constexpr size_t header_size(uint64_t payload_len, bool masked) noexcept {
    return (payload_len <= 125 ? 2u : payload_len <= 0xFFFF ? 4u : 10u) + (masked ? 4u : 0u);
}

// Header size announced by the second header byte alone (MASK bit and len7).
constexpr size_t header_size_from_byte1(uint8_t b1) noexcept {
    const unsigned len7 = b1 & 0x7Fu;
    return 2u + (len7 == 126 ? 2u : len7 == 127 ? 8u : 0u) + ((b1 & 0x80u) ? 4u : 0u);
}

// The payload length of a header, from its len7 field and, for 126/127, the extended length that
// follows (header[2..4) or header[2..10), which the caller must have). Top bit not checked.
inline uint64_t payload_length(const uint8_t* header, unsigned len7) noexcept {
    if (len7 < 126) return len7;
    if (len7 == 126) return (uint64_t{header[2]} << 8) | header[3];
    uint64_t n = 0;
    for (int i = 0; i < 8; ++i) n = (n << 8) | header[2 + i];
    return n;
}

// Writes a frame header into `out` and returns its size (2..14), or 0 when the frame would be
// invalid and nothing is written: a reserved opcode, a control frame without FIN or with more
// than 125 payload bytes, or `payload_len` > kMaxPayloadLength. `mask` null = unmasked (server
// side); otherwise the MASK bit and the key are written (client side: the caller draws a fresh
// key from the CSPRNG for every frame, §5.3) and the caller masks the payload with apply_mask.
// Lengths always use the minimal encoding (§5.2).
size_t encode_header(uint8_t out[kMaxHeaderSize], bool fin, Opcode opcode, uint64_t payload_len,
                     const MaskKey* mask) noexcept;

// A decoded header, exactly as on the wire (no protocol rule applied; see ws::Reader for those).
struct FrameHeader {
    uint64_t payload_len;
    MaskKey mask;          // valid when `masked`
    uint8_t opcode;        // raw 4 bits, may be reserved
    uint8_t rsv;           // RSV1..RSV3 as bits 2..0
    uint8_t size;          // header bytes (2..14)
    bool fin;
    bool masked;
    bool minimal_length;   // false when a shorter length encoding existed (e.g. 126, 0, 124)
};

// Decodes the header at `data` (`len` bytes available). Returns the header size (2..14) and
// fills `out` when `len` holds the whole header; returns 0 and leaves `out` alone otherwise
// (with 2 bytes or more, header_size_from_byte1(data[1]) says how many it needs).
size_t decode_header(const uint8_t* data, size_t len, FrameHeader& out) noexcept;

// XORs `len` bytes with the masking key (§5.3). `offset` is the position of data[0] within the
// frame payload, so a payload can be (un)masked in pieces: apply_mask(p, n, k, 0) then
// apply_mask(p + n, m, k, n). Masking twice restores the input. Works a 64-bit word at a time.
void apply_mask(uint8_t* data, size_t len, MaskKey key, uint64_t offset) noexcept;

// The key as seen from payload position `offset` (i.e. rotated left by offset % 4 bytes), so that
// apply_mask(p, n, rotate_mask(k, off), 0) == apply_mask(p, n, k, off).
constexpr MaskKey rotate_mask(MaskKey k, uint64_t offset) noexcept {
    const unsigned r = static_cast<unsigned>(offset & 3u);
    return MaskKey{{k.bytes[r & 3u], k.bytes[(r + 1) & 3u], k.bytes[(r + 2) & 3u],
                    k.bytes[(r + 3) & 3u]}};
}

// Splits one outgoing message into frames of at most `max_frame_payload` bytes (0 = no limit)
// and writes each frame's header: the first carries the opcode, the rest are continuations, the
// last has FIN. An empty message is one empty FIN frame. Control opcodes are never fragmented
// (§5.5): a Ping/Pong/Close gives one frame, or an error if longer than 125 bytes.
//
//   Fragmenter f(Opcode::Binary, size, 16384);
//   while (!f.done()) {
//       uint8_t hdr[kMaxHeaderSize];
//       Fragment fr = f.next(hdr, key_or_null);   // fresh key per frame on the client
//       send(hdr, fr.header_size); send(payload + fr.offset, fr.size) (masked if client)
//   }
struct Fragment {
    uint64_t offset;     // where this frame's payload starts in the message
    uint64_t size;       // payload bytes in this frame
    uint8_t header_size; // bytes written to the header buffer; 0 = error or already done
    bool last;           // FIN
};

class Fragmenter {
public:
    Fragmenter(Opcode opcode, uint64_t message_size, uint64_t max_frame_payload) noexcept;

    // False when the message cannot be sent this way (reserved opcode, Continuation, a control
    // message over 125 bytes, or a size over kMaxPayloadLength); next() then returns errors.
    bool valid() const noexcept { return valid_; }
    bool done() const noexcept { return done_; }
    Fragment next(uint8_t out[kMaxHeaderSize], const MaskKey* mask) noexcept;

private:
    uint64_t remaining_;
    uint64_t offset_ = 0;
    uint64_t max_frame_;
    Opcode opcode_;
    bool valid_;
    bool done_ = false;
};

} // namespace tickwire::detail::ws
