#include "sockety/packet_encoder.hpp"

#include <cstring>

namespace tickwire::detail::sockety {

namespace {

constexpr int kNoWidth = -1;

bool fits(uint64_t value, uint8_t width) noexcept {
    return width >= 8 || value < (uint64_t{1} << (8 * width));
}

// The smallest selector whose width holds `value` (width 0 holds only 0), or kNoWidth.
int select_width(uint64_t value, const uint8_t* widths, int count) noexcept {
    for (int i = 0; i < count; ++i)
        if (fits(value, widths[i])) return i;
    return kNoWidth;
}

int packet_size_selector(uint64_t size) noexcept { return select_width(size, kPacketSizeWidth, 4); }
int file_index_selector(uint64_t index) noexcept { return select_width(index, kFileIndexWidth, 4); }
int name_size_selector(uint64_t size) noexcept { return select_width(size, kNameSizeWidth, 2); }

uint8_t low_nibble_packet(PacketType type, unsigned low) noexcept {
    return static_cast<uint8_t>((static_cast<unsigned>(type) << 4) | (low & 0x0f));
}

// Writes a 12-bit value the Sockety way: high nibble into `first`'s low bits, then the low byte.
void write_u12(uint8_t* out, PacketType type, uint32_t value) noexcept {
    out[0] = low_nibble_packet(type, value >> 8);
    out[1] = static_cast<uint8_t>(value & 0xff);
}

size_t encode_one_byte(uint8_t* out, size_t cap, PacketType type) noexcept {
    if (out == nullptr || cap < 1) return 0;
    out[0] = low_nibble_packet(type, 0);
    return 1;
}

// What a Message and a Response header have in common, in wire order after the id(s).
struct BodyFields {
    uint64_t data_size;
    const FileDesc* files;
    size_t files_count;
};

// Widths and the total files size, computed once and checked.
struct BodyLayout {
    int data_sel = kNoWidth;
    int count_sel = kNoWidth;
    int total_sel = 0;
    uint64_t total_files_size = 0;
    uint64_t size = 0;  // bytes of data size + files count + total + file headers
    bool valid = false;
};

BodyLayout layout_body(const BodyFields& b) noexcept {
    BodyLayout l;
    l.data_sel = b.data_size <= kMaxUint48 ? select_width(b.data_size, kDataSizeWidth, 4) : kNoWidth;
    l.count_sel = select_width(b.files_count, kFilesCountWidth, 4);
    if (l.data_sel == kNoWidth || l.count_sel == kNoWidth) return l;
    if (b.files_count != 0 && b.files == nullptr) return l;
    l.size = kDataSizeWidth[l.data_sel] + kFilesCountWidth[l.count_sel];
    for (size_t i = 0; i < b.files_count; ++i) {
        const FileDesc& f = b.files[i];
        const int name_sel = name_size_selector(f.name_size);
        if (f.size > kMaxUint48 || name_sel == kNoWidth || (f.name == nullptr && f.name_size != 0))
            return l;
        l.total_files_size += f.size;
        if (l.total_files_size > kMaxUint48) return l;
        l.size += 1 + kFileSizeWidth[select_width(f.size, kFileSizeWidth, 4)] +
                  kNameSizeWidth[name_sel] + f.name_size;
        if (l.size > kMaxPacketContent) return l;  // keeps the sum far from wrapping
    }
    if (b.files_count != 0) {
        l.total_sel = select_width(l.total_files_size, kTotalFilesSizeWidth, 4);
        l.size += kTotalFilesSizeWidth[l.total_sel];
    }
    l.valid = true;
    return l;
}

uint8_t body_flags(const BodyLayout& l) noexcept {
    uint8_t flags = static_cast<uint8_t>((l.data_sel << kDataSizeShift) | (l.count_sel << kFilesCountShift));
    if (l.count_sel != 0) flags = static_cast<uint8_t>(flags | (l.total_sel << kTotalFilesSizeShift));
    return flags;
}

// Writes data size, files count, total files size and the file headers; returns the new end.
uint8_t* write_body(uint8_t* p, const BodyFields& b, const BodyLayout& l) noexcept {
    write_le(p, b.data_size, kDataSizeWidth[l.data_sel]);
    p += kDataSizeWidth[l.data_sel];
    write_le(p, b.files_count, kFilesCountWidth[l.count_sel]);
    p += kFilesCountWidth[l.count_sel];
    if (b.files_count == 0) return p;
    write_le(p, l.total_files_size, kTotalFilesSizeWidth[l.total_sel]);
    p += kTotalFilesSizeWidth[l.total_sel];
    for (size_t i = 0; i < b.files_count; ++i) {
        const FileDesc& f = b.files[i];
        const int size_sel = select_width(f.size, kFileSizeWidth, 4);
        const int name_sel = name_size_selector(f.name_size);
        *p++ = static_cast<uint8_t>((size_sel << kFileSizeShift) | (name_sel ? kFileNameSize16Bit : 0));
        write_le(p, f.size, kFileSizeWidth[size_sel]);
        p += kFileSizeWidth[size_sel];
        write_le(p, f.name_size, kNameSizeWidth[name_sel]);
        p += kNameSizeWidth[name_sel];
        if (f.name_size != 0) std::memcpy(p, f.name, f.name_size);
        p += f.name_size;
    }
    return p;
}

BodyFields message_body(const MessageDesc& m) noexcept { return BodyFields{m.data_size, m.files, m.files_count}; }
BodyFields response_body(const ResponseDesc& r) noexcept { return BodyFields{r.data_size, r.files, r.files_count}; }

size_t with_prefix(size_t content) noexcept {
    return content == 0 ? 0 : header_packet_prefix_size(content) + content;
}

} // namespace

// --- Small packets ------------------------------------------------------------------------------

size_t connection_header_size(uint32_t channels) noexcept {
    if (channels == 0 || channels > kMaxChannels) return 0;
    if (channels == 1 || channels == kMaxChannels) return 1;
    return channels <= 0xff ? 2 : 3;
}

size_t encode_connection_header(uint8_t* out, size_t cap, uint32_t channels) noexcept {
    const size_t n = connection_header_size(channels);
    if (n == 0 || out == nullptr || cap < n) return 0;
    if (channels == 1) {
        out[0] = kConnectionHeaderTag;
    } else if (channels == kMaxChannels) {
        out[0] = kConnectionHeaderTag | 3;
    } else if (n == 2) {
        out[0] = kConnectionHeaderTag | 1;
        out[1] = static_cast<uint8_t>(channels);
    } else {
        // 256 goes here too: sockety-js writes it as `e1 00`, which reads back as 0 channels.
        out[0] = kConnectionHeaderTag | 2;
        write_le(out + 1, channels, 2);
    }
    return n;
}

size_t switch_channel_size(uint32_t channel) noexcept {
    if (channel >= kMaxChannels) return 0;
    return channel <= 0x0f ? 1 : 2;
}

size_t encode_switch_channel(uint8_t* out, size_t cap, uint32_t channel) noexcept {
    const size_t n = switch_channel_size(channel);
    if (n == 0 || out == nullptr || cap < n) return 0;
    if (n == 1)
        out[0] = low_nibble_packet(PacketType::SwitchChannelLow, channel);
    else
        write_u12(out, PacketType::SwitchChannel, channel);
    return n;
}

size_t fast_reply_size(uint32_t code) noexcept {
    if (code > kMaxFastReplyCode) return 0;
    return code <= 0x0f ? kFastReplyLowSize : kFastReplySize;
}

size_t encode_fast_reply(uint8_t* out, size_t cap, const Uuid& message_id, uint32_t code) noexcept {
    const size_t n = fast_reply_size(code);
    if (n == 0 || out == nullptr || cap < n) return 0;
    if (n == kFastReplyLowSize)
        out[0] = low_nibble_packet(PacketType::FastReplyLow, code);
    else
        write_u12(out, PacketType::FastReply, code);
    std::memcpy(out + n - sizeof message_id.bytes, message_id.bytes, sizeof message_id.bytes);
    return n;
}

size_t encode_heartbeat(uint8_t* out, size_t cap) noexcept { return encode_one_byte(out, cap, PacketType::Heartbeat); }
size_t encode_go_away(uint8_t* out, size_t cap) noexcept { return encode_one_byte(out, cap, PacketType::GoAway); }
size_t encode_abort(uint8_t* out, size_t cap) noexcept { return encode_one_byte(out, cap, PacketType::Abort); }
size_t encode_stream_end(uint8_t* out, size_t cap) noexcept { return encode_one_byte(out, cap, PacketType::StreamEnd); }

size_t file_end_size(uint32_t index) noexcept {
    const int sel = file_index_selector(index);
    return sel == kNoWidth ? 0 : 1 + kFileIndexWidth[sel];
}

size_t encode_file_end(uint8_t* out, size_t cap, uint32_t index) noexcept {
    const size_t n = file_end_size(index);
    if (n == 0 || out == nullptr || cap < n) return 0;
    const int sel = file_index_selector(index);
    out[0] = low_nibble_packet(PacketType::FileEnd, static_cast<unsigned>(sel));
    write_le(out + 1, index, kFileIndexWidth[sel]);
    return n;
}

// --- Packets with content -----------------------------------------------------------------------

size_t payload_header_size(PacketType type, uint64_t content_size, uint32_t file_index) noexcept {
    const int size_sel = packet_size_selector(content_size);
    if (size_sel == kNoWidth) return 0;
    switch (type) {
    case PacketType::Data:
    case PacketType::Stream:
    case PacketType::Continue: return 1 + kPacketSizeWidth[size_sel];
    case PacketType::File: {
        const int index_sel = file_index_selector(file_index);
        if (index_sel == kNoWidth) return 0;
        return 1 + kPacketSizeWidth[size_sel] + kFileIndexWidth[index_sel];
    }
    default: return 0;
    }
}

size_t encode_payload_header(uint8_t* out, size_t cap, PacketType type, uint64_t content_size,
                             uint32_t file_index) noexcept {
    const size_t n = payload_header_size(type, content_size, file_index);
    if (n == 0 || out == nullptr || cap < n) return 0;
    const int size_sel = packet_size_selector(content_size);
    const int index_sel = type == PacketType::File ? file_index_selector(file_index) : 0;
    out[0] = low_nibble_packet(type, static_cast<unsigned>((size_sel << kPacketSizeShift) | index_sel));
    write_le(out + 1, content_size, kPacketSizeWidth[size_sel]);
    // File: the index comes after the size, and the size counts the content only (WIRE.md §6).
    write_le(out + 1 + kPacketSizeWidth[size_sel], file_index, kFileIndexWidth[index_sel]);
    return n;
}

size_t encode_payload_header_before(uint8_t* content, size_t headroom, PacketType type,
                                    uint64_t content_size, uint32_t file_index) noexcept {
    const size_t n = payload_header_size(type, content_size, file_index);
    if (n == 0 || content == nullptr || headroom < n) return 0;
    return encode_payload_header(content - n, n, type, content_size, file_index);
}

size_t encode_payload_packet(uint8_t* out, size_t cap, PacketType type, const uint8_t* content,
                             size_t content_size, uint32_t file_index) noexcept {
    const size_t n = payload_header_size(type, content_size, file_index);
    if (n == 0 || (content == nullptr && content_size != 0) || out == nullptr || cap < n ||
        cap - n < content_size)
        return 0;
    encode_payload_header(out, n, type, content_size, file_index);
    if (content_size != 0) std::memcpy(out + n, content, content_size);
    return n + content_size;
}

// --- Message and Response -----------------------------------------------------------------------

size_t header_packet_prefix_size(uint64_t content_size) noexcept {
    const int sel = packet_size_selector(content_size);
    return sel == kNoWidth ? 0 : 1 + kPacketSizeWidth[sel];
}

size_t encode_header_packet_prefix(uint8_t* out, size_t cap, PacketType type, uint64_t content_size,
                                   bool has_stream, bool expects_response) noexcept {
    if (type != PacketType::Message && type != PacketType::Response) return 0;
    const size_t n = header_packet_prefix_size(content_size);
    if (n == 0 || out == nullptr || cap < n) return 0;
    const int sel = packet_size_selector(content_size);
    out[0] = low_nibble_packet(type, static_cast<unsigned>((sel << kPacketSizeShift) |
                                                           (has_stream ? kHasStreamBit : 0) |
                                                           (expects_response ? kExpectsResponseBit : 0)));
    write_le(out + 1, content_size, kPacketSizeWidth[sel]);
    return n;
}

namespace {

// Content sizes from a layout computed once: the public functions below each need it, and a
// message header is encoded on every send (layout_body walks the file list).
size_t message_content_size(const MessageDesc& m, const BodyLayout& l) noexcept {
    const int action_sel = name_size_selector(m.action_size);
    if (action_sel == kNoWidth || (m.action == nullptr && m.action_size != 0) || !l.valid) return 0;
    const uint64_t n = 1 + sizeof m.id.bytes + kNameSizeWidth[action_sel] + m.action_size + l.size;
    return n > kMaxPacketContent ? 0 : static_cast<size_t>(n);
}

size_t response_content_size(const ResponseDesc& r, const BodyLayout& l) noexcept {
    if (!l.valid) return 0;
    const uint64_t n = 1 + 2 * sizeof r.id.bytes + l.size;
    return n > kMaxPacketContent ? 0 : static_cast<size_t>(n);
}

// Writes `n` (message_content_size) bytes of content; the caller checked the room.
void write_message_content(uint8_t* out, const MessageDesc& m, const BodyLayout& l) noexcept {
    const int action_sel = name_size_selector(m.action_size);
    uint8_t* p = out;
    *p++ = static_cast<uint8_t>(body_flags(l) | (action_sel ? kActionSize16Bit : 0));
    std::memcpy(p, m.id.bytes, sizeof m.id.bytes);
    p += sizeof m.id.bytes;
    write_le(p, m.action_size, kNameSizeWidth[action_sel]);
    p += kNameSizeWidth[action_sel];
    if (m.action_size != 0) std::memcpy(p, m.action, m.action_size);
    p += m.action_size;
    write_body(p, message_body(m), l);
}

void write_response_content(uint8_t* out, const ResponseDesc& r, const BodyLayout& l) noexcept {
    uint8_t* p = out;
    *p++ = body_flags(l);  // G (action size width) is meaningless on a Response: written 0
    std::memcpy(p, r.parent_id.bytes, sizeof r.parent_id.bytes);
    p += sizeof r.parent_id.bytes;
    std::memcpy(p, r.id.bytes, sizeof r.id.bytes);
    p += sizeof r.id.bytes;
    write_body(p, response_body(r), l);
}

} // namespace

size_t message_content_size(const MessageDesc& m) noexcept {
    return message_content_size(m, layout_body(message_body(m)));
}

size_t response_content_size(const ResponseDesc& r) noexcept {
    return response_content_size(r, layout_body(response_body(r)));
}


size_t encode_message_content(uint8_t* out, size_t cap, const MessageDesc& m) noexcept {
    const BodyLayout l = layout_body(message_body(m));
    const size_t n = message_content_size(m, l);
    if (n == 0 || out == nullptr || cap < n) return 0;
    write_message_content(out, m, l);
    return n;
}

size_t encode_response_content(uint8_t* out, size_t cap, const ResponseDesc& r) noexcept {
    const BodyLayout l = layout_body(response_body(r));
    const size_t n = response_content_size(r, l);
    if (n == 0 || out == nullptr || cap < n) return 0;
    write_response_content(out, r, l);
    return n;
}

namespace {
// Headers without files are the common case (every request/response of a busy peer): their
// layout needs no walk and no width search. Same bytes as the general path (the encoder tests
// compare both).
int data_size_sel(uint64_t v) noexcept {
    return v == 0 ? 0 : v < 0x100 ? 1 : v < 0x10000 ? 2 : v <= kMaxUint48 ? 3 : kNoWidth;
}
int content_size_sel(uint64_t v) noexcept {
    return v < 0x100 ? 0 : v < 0x10000 ? 1 : v < 0x1000000 ? 2 : v <= kMaxPacketContent ? 3 : kNoWidth;
}

// A file-less header: `fixed` bytes (flags byte, ids, action size and action) then the data size.
// Writes the packet prefix and the flags byte; returns the total size (0: invalid or no room),
// and where the content after the flags byte goes.
size_t small_header_prefix(uint8_t* out, size_t cap, PacketType type, size_t fixed, uint64_t data_size,
                           uint8_t extra_flags, bool has_stream, bool expects_response, uint8_t*& body) noexcept {
    const int ds = data_size_sel(data_size);
    if (ds == kNoWidth) return 0;
    const uint64_t content = fixed + kDataSizeWidth[ds];
    const int ps = content_size_sel(content);
    if (ps == kNoWidth) return 0;
    const size_t total = 1 + kPacketSizeWidth[ps] + static_cast<size_t>(content);
    if (out == nullptr || cap < total) return 0;
    out[0] = low_nibble_packet(type, static_cast<unsigned>((ps << kPacketSizeShift) | (has_stream ? kHasStreamBit : 0) |
                                                           (expects_response ? kExpectsResponseBit : 0)));
    write_le(out + 1, content, kPacketSizeWidth[ps]);
    uint8_t* p = out + 1 + kPacketSizeWidth[ps];
    *p++ = static_cast<uint8_t>((ds << kDataSizeShift) | extra_flags);
    body = p;
    // The data size is last: written here, the caller fills what lies between.
    write_le(out + total - kDataSizeWidth[ds], data_size, kDataSizeWidth[ds]);
    return total;
}

// The packet size of a file-less header (as small_header_prefix), 0 if invalid.
size_t small_header_size(size_t fixed, uint64_t data_size) noexcept {
    const int ds = data_size_sel(data_size);
    if (ds == kNoWidth) return 0;
    const uint64_t content = fixed + kDataSizeWidth[ds];
    const int ps = content_size_sel(content);
    return ps == kNoWidth ? 0 : 1 + kPacketSizeWidth[ps] + static_cast<size_t>(content);
}
} // namespace

size_t encode_message(uint8_t* out, size_t cap, const MessageDesc& m) noexcept {
    if (m.files_count == 0) {
        if (m.action_size > kMaxActionSize || (m.action == nullptr && m.action_size != 0)) return 0;
        const size_t aw = m.action_size > 0xff ? 2 : 1;
        uint8_t* p = nullptr;
        const size_t total = small_header_prefix(out, cap, PacketType::Message, 1 + sizeof m.id.bytes + aw + m.action_size,
                                                 m.data_size, aw == 2 ? kActionSize16Bit : 0, m.has_stream,
                                                 m.expects_response, p);
        if (total == 0) return 0;
        std::memcpy(p, m.id.bytes, sizeof m.id.bytes);
        p += sizeof m.id.bytes;
        write_le(p, m.action_size, aw);
        if (m.action_size != 0) std::memcpy(p + aw, m.action, m.action_size);
        return total;
    }
    const BodyLayout l = layout_body(message_body(m));
    const size_t content = message_content_size(m, l);
    const size_t total = with_prefix(content);
    if (total == 0 || out == nullptr || cap < total) return 0;
    const size_t prefix = encode_header_packet_prefix(out, cap, PacketType::Message, content,
                                                      m.has_stream, m.expects_response);
    write_message_content(out + prefix, m, l);
    return total;
}

size_t encode_response(uint8_t* out, size_t cap, const ResponseDesc& r) noexcept {
    if (r.files_count == 0) {
        uint8_t* p = nullptr;
        const size_t total = small_header_prefix(out, cap, PacketType::Response, 1 + 2 * sizeof r.id.bytes, r.data_size, 0,
                                                 r.has_stream, r.expects_response, p);
        if (total == 0) return 0;
        std::memcpy(p, r.parent_id.bytes, sizeof r.parent_id.bytes);
        std::memcpy(p + sizeof r.parent_id.bytes, r.id.bytes, sizeof r.id.bytes);
        return total;
    }
    const BodyLayout l = layout_body(response_body(r));
    const size_t content = response_content_size(r, l);
    const size_t total = with_prefix(content);
    if (total == 0 || out == nullptr || cap < total) return 0;
    const size_t prefix = encode_header_packet_prefix(out, cap, PacketType::Response, content,
                                                      r.has_stream, r.expects_response);
    write_response_content(out + prefix, r, l);
    return total;
}

size_t message_packet_size(const MessageDesc& m) noexcept {
    if (m.files_count == 0) {
        if (m.action_size > kMaxActionSize || (m.action == nullptr && m.action_size != 0)) return 0;
        return small_header_size(1 + sizeof m.id.bytes + (m.action_size > 0xff ? 2 : 1) + m.action_size, m.data_size);
    }
    return with_prefix(message_content_size(m));
}

size_t response_packet_size(const ResponseDesc& r) noexcept {
    if (r.files_count == 0) return small_header_size(1 + 2 * sizeof r.id.bytes, r.data_size);
    return with_prefix(response_content_size(r));
}

} // namespace tickwire::detail::sockety
