// Sockety packet encoder: writes packets into caller buffers, every size field in the smallest
// width that fits, byte for byte as sockety-js writes them (WIRE.md captures), except where
// sockety-js is wrong (a 256-channel header is `e2 00 01`, not `e1 00`).
//
// Conventions for every function here:
//   * `*_size(...)` returns the exact number of bytes the matching `encode_*` writes, or 0 when an
//     argument is out of range for the format (channel > 4095, code > 4095, size > uint48...).
//   * `encode_*(out, cap, ...)` writes into out[0..cap) and returns the byte count, or 0 when an
//     argument is out of range or `cap` is too small; nothing useful is in `out` then. So size()
//     == 0 means "invalid", size() > cap means "buffer too small".
//   * Nothing allocates, nothing blocks, nothing is kept between calls.
//
// Building frames in place (payload first, header after):
//   Data, Stream, Continue and File packets are a short header in front of content. Either ask
//   payload_header_size() for the exact header size and reserve it, or reserve the maximum
//   (kMaxPayloadHeaderSize), place the content, then call encode_payload_header_before(), which
//   writes the header immediately before the content and returns its length: the packet starts
//   at content - length.
//
// What the encoder does not decide (the session's policy, see WIRE.md):
//   * channel choice and Switch Channel before channel-scoped packets;
//   * splitting: stock sockety-js loses data when one message's data comes in several Data packets
//     in one TCP read (§5), so send a message's data as one Data packet when it fits in 4 GiB, and
//     keep File packets at or below kInteropMaxFilePacketContent (§6);
//   * never sending Abort to sockety-js (it ignores it and then crashes, §9).
#pragma once
#include <cstddef>
#include <cstdint>

#include "sockety/packet.hpp"

namespace tickwire::detail::sockety {

constexpr size_t kMaxConnectionHeaderSize = 3;
constexpr size_t kMaxPayloadHeaderSize = 1 + 4 + 3;  // File: type, uint32 size, uint24 index
constexpr size_t kFastReplyLowSize = 17;
constexpr size_t kFastReplySize = 18;

// --- Small packets ------------------------------------------------------------------------------

// `channels` we are willing to receive on, 1..4096: 1 -> e0, 2..255 -> e1 NN, 256..4095 -> e2 LL HH,
// 4096 -> e3.
size_t connection_header_size(uint32_t channels) noexcept;
size_t encode_connection_header(uint8_t* out, size_t cap, uint32_t channels) noexcept;

// 0..15 -> 0N; 16..4095 -> 1H LL.
size_t switch_channel_size(uint32_t channel) noexcept;
size_t encode_switch_channel(uint8_t* out, size_t cap, uint32_t channel) noexcept;

// 0..15 -> 3C uuid (17 bytes); 16..4095 -> 4H LL uuid (18 bytes).
size_t fast_reply_size(uint32_t code) noexcept;
size_t encode_fast_reply(uint8_t* out, size_t cap, const Uuid& message_id, uint32_t code) noexcept;

// One-byte packets; the low nibble is written 0.
size_t encode_heartbeat(uint8_t* out, size_t cap) noexcept;   // a0
size_t encode_go_away(uint8_t* out, size_t cap) noexcept;     // b0
size_t encode_abort(uint8_t* out, size_t cap) noexcept;       // 90
size_t encode_stream_end(uint8_t* out, size_t cap) noexcept;  // 80

// File End: d0 for index 0, d1 NN, d2 LL HH, d3 LL MM HH. index < 2^24.
size_t file_end_size(uint32_t index) noexcept;
size_t encode_file_end(uint8_t* out, size_t cap, uint32_t index) noexcept;

// --- Packets with content: Data, Stream, Continue, File --------------------------------------

// Header of a `type` (Data, Stream, Continue or File) packet carrying `content_size` bytes;
// `file_index` only for File. Anything else, content over 4 GiB - 1 or an index >= 2^24 gives 0.
size_t payload_header_size(PacketType type, uint64_t content_size, uint32_t file_index = 0) noexcept;
size_t encode_payload_header(uint8_t* out, size_t cap, PacketType type, uint64_t content_size,
                             uint32_t file_index = 0) noexcept;
// Writes that header so that it ends at `content` (the header goes to content - length). The
// caller guarantees `headroom` writable bytes before `content`. Returns the header length or 0.
size_t encode_payload_header_before(uint8_t* content, size_t headroom, PacketType type,
                                    uint64_t content_size, uint32_t file_index = 0) noexcept;
// Whole packet: header then a copy of `content`. For small packets; big ones go in place.
size_t encode_payload_packet(uint8_t* out, size_t cap, PacketType type, const uint8_t* content,
                             size_t content_size, uint32_t file_index = 0) noexcept;

// --- Message and Response headers -------------------------------------------------------------

// One entry of a header's file list. The name is UTF-8, at most 65535 bytes; size < 2^48.
struct FileDesc {
    const uint8_t* name = nullptr;
    size_t name_size = 0;
    uint64_t size = 0;
};

// Everything a Message packet says. The total files size is computed from `files`.
struct MessageDesc {
    Uuid id;
    const uint8_t* action = nullptr;  // UTF-8, any length 0..65535, "" allowed
    size_t action_size = 0;
    uint64_t data_size = 0;           // Data packets follow, adding up to this (< 2^48)
    const FileDesc* files = nullptr;
    size_t files_count = 0;           // < 2^24
    bool has_stream = false;
    bool expects_response = true;     // sockety-js: send() sets it, pass() clears it
};

// A Response: like a Message without an action, with the id of the Message it answers first.
struct ResponseDesc {
    Uuid parent_id;
    Uuid id;
    uint64_t data_size = 0;
    const FileDesc* files = nullptr;
    size_t files_count = 0;
    bool has_stream = false;
    // sockety-js always sets it on Responses (0x51/0x53) and ignores it on receipt.
    bool expects_response = true;
};

// The header content (flags byte onwards, what the packet size counts) and the whole packet.
// 0 when something is out of range, or the content exceeds one packet (4 GiB - 1).
size_t message_content_size(const MessageDesc& m) noexcept;
size_t message_packet_size(const MessageDesc& m) noexcept;
size_t response_content_size(const ResponseDesc& r) noexcept;
size_t response_packet_size(const ResponseDesc& r) noexcept;

// The whole Message / Response packet: type byte, packet size, header content.
size_t encode_message(uint8_t* out, size_t cap, const MessageDesc& m) noexcept;
size_t encode_response(uint8_t* out, size_t cap, const ResponseDesc& r) noexcept;

// Only the header content, for a writer that splits a long header into a Message/Response packet
// and Continue packets: encode the content, then put encode_header_packet_prefix() before the
// first part and encode_payload_header(Continue, ...) before each further part.
size_t encode_message_content(uint8_t* out, size_t cap, const MessageDesc& m) noexcept;
size_t encode_response_content(uint8_t* out, size_t cap, const ResponseDesc& r) noexcept;
// The first bytes of a Message/Response packet (`type` Message or Response) whose content is
// `content_size` bytes: 2X/5X and the packet size.
size_t header_packet_prefix_size(uint64_t content_size) noexcept;
size_t encode_header_packet_prefix(uint8_t* out, size_t cap, PacketType type, uint64_t content_size,
                                   bool has_stream, bool expects_response) noexcept;

} // namespace tickwire::detail::sockety
