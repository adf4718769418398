// Sockety wire format: packet types, bit layouts, field widths and limits, shared by the decoder
// and the encoder. Source: SPECIFICATION.md of sockety/protocol (commit 4e30bcb) and, where the
// specification is silent, what sockety-js really sends (/work/shared/sockety/WIRE.md).
//
// All integers are unsigned little-endian, except the two 12-bit fields (Switch Channel id and the
// high Fast Reply code): high 4 bits in the low nibble of the first byte, low 8 bits in the second.
#pragma once
#include <cstddef>
#include <cstdint>

#include "sockety/uuid.hpp"

namespace tickwire::detail::sockety {

// A read-only view of bytes owned by someone else (the decoder's input, usually a ring buffer).
struct ByteView {
    const uint8_t* data = nullptr;
    size_t size = 0;
};

// The top nibble of a packet's first byte. 0xF is unused; receiving it is an error.
enum class PacketType : uint8_t {
    SwitchChannelLow = 0x0,  // 0000AAAA: channel 0-15
    SwitchChannel = 0x1,     // 0001AAAA AAAAAAAA: channel 0-4095 (12-bit, high nibble first)
    Message = 0x2,           // 0010AABC size content
    FastReplyLow = 0x3,      // 0011AAAA uuid: code 0-15
    FastReply = 0x4,         // 0100AAAA AAAAAAAA uuid: code 0-4095 (12-bit, high nibble first)
    Response = 0x5,          // 0101AABC size content
    Continue = 0x6,          // 0110AA00 size content (more header bytes)
    Stream = 0x7,            // 0111AA00 size content
    StreamEnd = 0x8,         // 10000000
    Abort = 0x9,             // 10010000
    Heartbeat = 0xA,         // 10100000
    GoAway = 0xB,            // 10110000
    File = 0xC,              // 1100AABB size [index] content (size counts the content only)
    FileEnd = 0xD,           // 110100BB [index]
    Data = 0xE,              // 1110AA00 size content
};

// --- Limits of the format ---------------------------------------------------------------------
constexpr uint32_t kMaxChannels = 4096;          // ids 0..4095
constexpr uint32_t kMaxFastReplyCode = 4095;
constexpr uint32_t kMaxActionSize = 65535;       // uint16 length
constexpr uint32_t kMaxFileNameSize = 65535;     // uint16 length
constexpr uint32_t kMaxFilesCount = 0xFFFFFF;    // uint24 count, also the largest file index + 1
constexpr uint64_t kMaxUint48 = 0xFFFFFFFFFFFFull;  // data size, file size, total files size
constexpr uint64_t kMaxPacketContent = 0xFFFFFFFFull;  // uint32 packet size

// Interop: sockety-js *reads* File packets whose size bits are 11 (uint32 size) as uint48 and then
// hangs (WIRE.md §6). Writers talking to sockety-js keep each File packet's content at or below
// this, which always gets a 1-3 byte size. The encoder itself follows the spec (uint32).
constexpr uint32_t kInteropMaxFilePacketContent = 0xFFFFFF;

// --- Bits of the first byte -------------------------------------------------------------------
constexpr uint8_t kConnectionHeaderTag = 0xE0;  // 111000AA; sockety-js checks the top nibble only
constexpr uint8_t kHasStreamBit = 0x02;         // Message/Response: B
constexpr uint8_t kExpectsResponseBit = 0x01;   // Message/Response: C
constexpr unsigned kPacketSizeShift = 2;        // AA in 0b0000AA00 (packet size, File's size)

// --- Message / Response flags byte: DD EE FF G 0 -----------------------------------------------
constexpr unsigned kDataSizeShift = 6;          // DD
constexpr unsigned kFilesCountShift = 4;        // EE
constexpr unsigned kTotalFilesSizeShift = 2;    // FF, only meaningful when EE != 00
constexpr uint8_t kActionSize16Bit = 0x02;      // G; written 0 and ignored on Responses

// --- File header byte in the header's file list: 0000 AA B 0 ----------------------------------
constexpr unsigned kFileSizeShift = 2;          // AA
constexpr uint8_t kFileNameSize16Bit = 0x02;    // B

// Field widths in bytes, indexed by their 2-bit (or 1-bit) selector. The sets differ per field;
// WIRE.md §0 lists them with captures.
constexpr uint8_t kPacketSizeWidth[4] = {1, 2, 3, 4};
constexpr uint8_t kDataSizeWidth[4] = {0, 1, 2, 6};        // 0: no data
constexpr uint8_t kFilesCountWidth[4] = {0, 1, 2, 3};      // 0: no files
constexpr uint8_t kTotalFilesSizeWidth[4] = {2, 3, 4, 6};  // present only when files count != 0
constexpr uint8_t kFileSizeWidth[4] = {1, 2, 3, 6};
constexpr uint8_t kFileIndexWidth[4] = {0, 1, 2, 3};       // 0: index 0, no bytes
constexpr uint8_t kNameSizeWidth[2] = {1, 2};              // action name, file name

// Largest packet header: the high Fast Reply (2 bytes + uuid). The File header is 1 + 4 + 3.
constexpr size_t kMaxPacketHeaderSize = 18;

// Little-endian integer of `width` (0..8) bytes.
inline uint64_t read_le(const uint8_t* p, size_t width) noexcept {
    uint64_t v = 0;
    for (size_t i = 0; i < width; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
    return v;
}

inline void write_le(uint8_t* p, uint64_t v, size_t width) noexcept {
    for (size_t i = 0; i < width; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}

} // namespace tickwire::detail::sockety
