#include "sockety/packet_decoder.hpp"

#include <cstring>

namespace tickwire::detail::sockety {

namespace {

// Length of a packet's fixed header (type byte, size, index, uuid...), known from its first byte.
// 0 for the unused type 0xF.
size_t packet_header_length(uint8_t first) noexcept {
    const size_t size_width = kPacketSizeWidth[(first >> kPacketSizeShift) & 3];
    switch (static_cast<PacketType>(first >> 4)) {
    case PacketType::SwitchChannelLow:
    case PacketType::StreamEnd:
    case PacketType::Abort:
    case PacketType::Heartbeat:
    case PacketType::GoAway: return 1;
    case PacketType::SwitchChannel: return 2;
    case PacketType::FastReplyLow: return 1 + sizeof(Uuid::bytes);
    case PacketType::FastReply: return 2 + sizeof(Uuid::bytes);
    case PacketType::Message:
    case PacketType::Response:
    case PacketType::Continue:
    case PacketType::Stream:
    case PacketType::Data: return 1 + size_width;
    case PacketType::File: return 1 + size_width + kFileIndexWidth[first & 3];
    case PacketType::FileEnd: return 1 + kFileIndexWidth[first & 3];
    }
    return 0;
}

// The 12-bit fields: high nibble in the low bits of the first byte, low byte next (WIRE.md §0).
uint16_t read_u12(const uint8_t* p) noexcept {
    return static_cast<uint16_t>(((p[0] & 0x0f) << 8) | p[1]);
}

size_t min_size(size_t a, uint64_t b) noexcept {
    return b < a ? static_cast<size_t>(b) : a;
}

constexpr size_t kFastReplyLowBytes = 1 + sizeof(Uuid::bytes);
constexpr size_t kFastReplyBytes = 2 + sizeof(Uuid::bytes);

void need_more_into(Decoded& out, size_t consumed, size_t need) noexcept {
    out = Decoded{};
    out.event.type = EventType::NeedMore;
    out.event.need = need;
    out.consumed = consumed;
}

} // namespace

const char* to_string(DecodeError error) noexcept {
    switch (error) {
    case DecodeError::None: return "none";
    case DecodeError::BadConnectionHeader: return "bad connection header";
    case DecodeError::UnknownPacketType: return "unknown packet type";
    case DecodeError::ChannelOutOfRange: return "channel id over the announced channel count";
    case DecodeError::ChannelBusy: return "message or response started on a busy channel";
    case DecodeError::UnexpectedPacket: return "packet with nothing in progress to belong to";
    case DecodeError::DataOverflow: return "more data than declared";
    case DecodeError::FileIndexOutOfRange: return "file index over the files count";
    case DecodeError::HeaderOverrun: return "packet longer than the header it carries";
    case DecodeError::BadHeader: return "file sizes do not add up to the total files size";
    case DecodeError::ActionTooLong: return "action name over the limit";
    case DecodeError::FileNameTooLong: return "file name over the limit";
    case DecodeError::TooManyFiles: return "files count over the limit";
    case DecodeError::NotInitialized: return "decoder not initialized";
    }
    return "unknown decode error";
}

const char* to_string(EventType type) noexcept {
    switch (type) {
    case EventType::NeedMore: return "NeedMore";
    case EventType::Error: return "Error";
    case EventType::ConnectionHeader: return "ConnectionHeader";
    case EventType::SwitchChannel: return "SwitchChannel";
    case EventType::MessageStart: return "MessageStart";
    case EventType::ResponseStart: return "ResponseStart";
    case EventType::ActionChunk: return "ActionChunk";
    case EventType::HeaderSizes: return "HeaderSizes";
    case EventType::FileHeader: return "FileHeader";
    case EventType::FileNameChunk: return "FileNameChunk";
    case EventType::HeaderEnd: return "HeaderEnd";
    case EventType::DataChunk: return "DataChunk";
    case EventType::StreamChunk: return "StreamChunk";
    case EventType::StreamEnd: return "StreamEnd";
    case EventType::FileChunk: return "FileChunk";
    case EventType::FileEnd: return "FileEnd";
    case EventType::FastReply: return "FastReply";
    case EventType::Heartbeat: return "Heartbeat";
    case EventType::GoAway: return "GoAway";
    case EventType::Abort: return "Abort";
    case EventType::WholeHeader: return "WholeHeader";
    }
    return "unknown event";
}

bool PacketDecoder::init(const DecoderLimits& limits, ChannelState* channels, size_t channel_count,
                         bool expect_connection_header) noexcept {
    channels_ = nullptr;
    state_ = State::Failed;
    error_ = DecodeError::NotInitialized;
    if (limits.channels == 0 || limits.channels > kMaxChannels || channels == nullptr ||
        channel_count < limits.channels)
        return false;
    limits_ = limits;
    channels_ = channels;
    for (uint32_t i = 0; i < limits.channels; ++i) channels_[i] = ChannelState{};
    state_ = expect_connection_header ? State::ConnectionHeader : State::PacketHeader;
    error_ = DecodeError::None;
    channel_ = 0;
    hdr_len_ = 0;
    hdr_need_ = 0;
    content_ = Content::Header;
    content_left_ = 0;
    file_index_ = 0;
    whole_headers_ = false;
    return true;
}

void PacketDecoder::fail_into(Decoded& out, DecodeError error, size_t consumed) noexcept {
    state_ = State::Failed;
    error_ = error;
    out = Decoded{};
    out.event.type = EventType::Error;
    out.event.error = error;
    out.consumed = consumed;
}

bool PacketDecoder::finish_if_complete(ChannelState& ch) noexcept {
    if (ch.phase != ChannelState::Phase::Body || ch.data_left != 0 ||
        ch.files_ended != ch.files_count || ch.stream_open)
        return false;
    ch = ChannelState{};
    return true;
}

Decoded PacketDecoder::feed(const uint8_t* data, size_t len) noexcept {
    // Every path fills and returns this one object, so that it is built in the caller's place
    // (no copy of the big Decoded per event). Between events of one call only `event.type`
    // (NeedMore) and `event.channel` can be left set, and every event sets both.
    Decoded out;
    if (state_ == State::Failed) { fail_into(out, error_, 0); return out; }
    if (data == nullptr) len = 0;
    size_t used = 0;
    for (;;) {
        switch (state_) {
        case State::Failed: { fail_into(out, error_, used); return out; }

        case State::ConnectionHeader:
        case State::PacketHeader: {
            if (hdr_len_ == 0) {
                if (used == len) { need_more_into(out, used, 1); return out; }
                const uint8_t first = data[used];
                if (state_ == State::PacketHeader) {
                    // Fast paths for what a busy peer sends most, when all of it is in the input;
                    // the same events as the byte-by-byte path below.
                    const uint8_t type = static_cast<uint8_t>(first >> 4);
                    const size_t avail = len - used;
                    if ((type == static_cast<uint8_t>(PacketType::FastReplyLow) && avail >= kFastReplyLowBytes) ||
                        (type == static_cast<uint8_t>(PacketType::FastReply) && avail >= kFastReplyBytes)) {
                        const bool low = type == static_cast<uint8_t>(PacketType::FastReplyLow);
                        out.event.type = EventType::FastReply;
                        out.event.channel = 0;  // not channel-scoped
                        out.event.code = low ? static_cast<uint16_t>(first & 0x0f) : read_u12(data + used);
                        std::memcpy(out.event.id.bytes, data + used + (low ? 1 : 2), sizeof out.event.id.bytes);
                        out.consumed = used + (low ? kFastReplyLowBytes : kFastReplyBytes);
                        return out;
                    }
                    if (whole_headers_ && (type == static_cast<uint8_t>(PacketType::Message) ||
                                           type == static_cast<uint8_t>(PacketType::Response))) {
                        const size_t k = whole_header(data + used, avail, out.event);
                        if (k) {
                            out.consumed = used + k;
                            return out;
                        }
                    }
                }
                if (state_ == State::ConnectionHeader) {
                    if ((first & 0xf0) != kConnectionHeaderTag)
                        { fail_into(out, DecodeError::BadConnectionHeader, used); return out; }
                    static constexpr uint8_t kCountWidth[4] = {0, 1, 2, 0};
                    hdr_need_ = static_cast<uint8_t>(1 + kCountWidth[first & 3]);
                } else {
                    const size_t header_length = packet_header_length(first);
                    if (header_length == 0) { fail_into(out, DecodeError::UnknownPacketType, used); return out; }
                    hdr_need_ = static_cast<uint8_t>(header_length);
                }
            }
            const size_t take = min_size(len - used, static_cast<uint64_t>(hdr_need_ - hdr_len_));
            if (take) std::memcpy(hdr_ + hdr_len_, data + used, take);  // data may be null when len is 0
            hdr_len_ = static_cast<uint8_t>(hdr_len_ + take);
            used += take;
            if (hdr_len_ < hdr_need_) { need_more_into(out, used, static_cast<size_t>(hdr_need_ - hdr_len_)); return out; }
            hdr_len_ = 0;
            out.event.type = EventType::NeedMore;
            const DecodeError error = state_ == State::ConnectionHeader
                                          ? on_connection_header(out.event)
                                          : on_packet_header(out.event);
            if (error != DecodeError::None) { fail_into(out, error, used); return out; }
            if (out.event.type == EventType::NeedMore) continue;  // packet content follows
            out.consumed = used;
            return out;
        }

        case State::Content: {
            ChannelState& ch = channels_[channel_];
            const size_t avail = min_size(len - used, content_left_);
            out.event.channel = channel_;
            if (content_ == Content::Header) {
                if (ch.phase != ChannelState::Phase::Header) {
                    // The header ended exactly with the packet (an overrun fails in parse_header).
                    state_ = State::PacketHeader;
                    continue;
                }
                DecodeError error = DecodeError::None;
                const size_t k = parse_header(data + used, avail, content_left_, out.event, error);
                used += k;
                content_left_ -= k;
                if (error != DecodeError::None) { fail_into(out, error, used); return out; }
                if (out.event.type == EventType::NeedMore) {
                    if (content_left_ != 0) { need_more_into(out, used, 1); return out; }
                    // The header goes on in a Continue packet.
                    state_ = State::PacketHeader;
                    continue;
                }
                if (content_left_ == 0 && ch.phase != ChannelState::Phase::Header)
                    state_ = State::PacketHeader;
                out.consumed = used;
                return out;
            }
            if (avail == 0) { need_more_into(out, used, 1); return out; }  // packets of size 0 never get here
            out.event.bytes = ByteView{data + used, avail};
            used += avail;
            content_left_ -= avail;
            if (content_left_ == 0) state_ = State::PacketHeader;
            switch (content_) {
            case Content::Data:
                out.event.type = EventType::DataChunk;
                ch.data_left -= avail;
                out.event.last = ch.data_left == 0;
                out.event.finished = out.event.last && finish_if_complete(ch);
                break;
            case Content::Stream: out.event.type = EventType::StreamChunk; break;
            case Content::File:
                out.event.type = EventType::FileChunk;
                out.event.file_index = file_index_;
                ch.file_bytes += avail;
                break;
            case Content::Header: break;  // handled above
            }
            out.consumed = used;
            return out;
        }
        }
    }
}

DecodeError PacketDecoder::on_connection_header(Event& ev) noexcept {
    uint32_t channels = 0;
    switch (hdr_[0] & 3) {
    case 0: channels = 1; break;
    case 1:
        // sockety-js writes 256 as a uint8, i.e. `e1 00` (WIRE.md §1); nothing else can mean 0.
        channels = hdr_[1] == 0 ? 256 : hdr_[1];
        break;
    case 2: channels = static_cast<uint32_t>(read_le(hdr_ + 1, 2)); break;
    default: channels = kMaxChannels; break;
    }
    if (channels == 0) return DecodeError::BadConnectionHeader;
    // More than the format can address is harmless: ids stop at 4095.
    if (channels > kMaxChannels) channels = kMaxChannels;
    ev.type = EventType::ConnectionHeader;
    ev.channel = 0;
    ev.channels = static_cast<uint16_t>(channels);
    state_ = State::PacketHeader;
    return DecodeError::None;
}

DecodeError PacketDecoder::on_packet_header(Event& ev) noexcept {
    const uint8_t first = hdr_[0];
    const size_t size_width = kPacketSizeWidth[(first >> kPacketSizeShift) & 3];
    const uint64_t size = read_le(hdr_ + 1, size_width);
    ChannelState& ch = channels_[channel_];
    ev.channel = channel_;

    switch (static_cast<PacketType>(first >> 4)) {
    case PacketType::SwitchChannelLow:
    case PacketType::SwitchChannel: {
        const uint16_t id = (first >> 4) == 0 ? static_cast<uint16_t>(first & 0x0f) : read_u12(hdr_);
        if (id >= limits_.channels) return DecodeError::ChannelOutOfRange;
        channel_ = id;
        ev.type = EventType::SwitchChannel;
        ev.channel = id;
        return DecodeError::None;
    }
    case PacketType::Message:
    case PacketType::Response:
        if (!ch.idle()) return DecodeError::ChannelBusy;
        ch = ChannelState{};
        ch.phase = ChannelState::Phase::Header;
        ch.is_response = (first >> 4) == static_cast<uint8_t>(PacketType::Response);
        ch.has_stream = (first & kHasStreamBit) != 0;
        ch.stream_open = ch.has_stream;
        ch.expects_response = (first & kExpectsResponseBit) != 0;
        content_ = Content::Header;
        content_left_ = size;
        state_ = State::Content;
        return DecodeError::None;
    case PacketType::Continue:
        if (ch.phase != ChannelState::Phase::Header) return DecodeError::UnexpectedPacket;
        content_ = Content::Header;
        content_left_ = size;
        state_ = State::Content;
        return DecodeError::None;
    case PacketType::FastReplyLow:
    case PacketType::FastReply: {
        const bool low = (first >> 4) == static_cast<uint8_t>(PacketType::FastReplyLow);
        ev.type = EventType::FastReply;
        ev.channel = 0;  // not channel-scoped
        ev.code = low ? static_cast<uint16_t>(first & 0x0f) : read_u12(hdr_);
        // Raw bytes: unlike sockety-js we do not force the v4 bits (WIRE.md §0).
        std::memcpy(ev.id.bytes, hdr_ + (low ? 1 : 2), sizeof ev.id.bytes);
        return DecodeError::None;
    }
    case PacketType::Stream:
        if (!ch.sizes_known || !ch.stream_open) return DecodeError::UnexpectedPacket;
        if (size == 0) return DecodeError::None;
        content_ = Content::Stream;
        content_left_ = size;
        state_ = State::Content;
        return DecodeError::None;
    case PacketType::StreamEnd:
        if (!ch.sizes_known || !ch.stream_open) return DecodeError::UnexpectedPacket;
        ch.stream_open = false;
        ev.type = EventType::StreamEnd;
        ev.finished = finish_if_complete(ch);
        return DecodeError::None;
    case PacketType::Abort:
        ev.type = EventType::Abort;
        ev.aborted = !ch.idle();
        ev.is_response = ch.is_response;
        // The id only once it is complete (a header cut short by Abort may hold part of it).
        if (ch.phase == ChannelState::Phase::Body || ch.field > HeaderField::Id) ev.id = ch.id;
        ch = ChannelState{};
        return DecodeError::None;
    case PacketType::Heartbeat:
        ev.type = EventType::Heartbeat;
        ev.channel = 0;
        return DecodeError::None;
    case PacketType::GoAway:
        ev.type = EventType::GoAway;
        ev.channel = 0;
        return DecodeError::None;
    case PacketType::File:
    case PacketType::FileEnd: {
        const bool end = (first >> 4) == static_cast<uint8_t>(PacketType::FileEnd);
        // File: type, size, index. File End: type, index. The size counts the content only.
        const size_t index_offset = end ? 1 : 1 + size_width;
        const uint32_t index = static_cast<uint32_t>(read_le(hdr_ + index_offset, kFileIndexWidth[first & 3]));
        if (!ch.sizes_known) return DecodeError::UnexpectedPacket;
        if (index >= ch.files_count) return DecodeError::FileIndexOutOfRange;
        // Spec: no File packet for a file before its header has been sent.
        if (index >= ch.files_described) return DecodeError::UnexpectedPacket;
        if (end) {
            // A File End past the count can only be a repeat (which index repeats is the
            // session's to see: it keeps the per-file records).
            if (ch.files_ended >= ch.files_count) return DecodeError::UnexpectedPacket;
            ++ch.files_ended;
            ev.type = EventType::FileEnd;
            ev.file_index = index;
            ev.finished = finish_if_complete(ch);
            return DecodeError::None;
        }
        if (size > ch.files_declared - ch.file_bytes) return DecodeError::DataOverflow;
        if (size == 0) return DecodeError::None;
        file_index_ = index;
        content_ = Content::File;
        content_left_ = size;
        state_ = State::Content;
        return DecodeError::None;
    }
    case PacketType::Data:
        if (!ch.sizes_known) return DecodeError::UnexpectedPacket;
        if (size > ch.data_left) return DecodeError::DataOverflow;
        if (size == 0) return DecodeError::None;
        content_ = Content::Data;
        content_left_ = size;
        state_ = State::Content;
        return DecodeError::None;
    }
    return DecodeError::UnknownPacketType;  // 0xF is refused before the header is collected
}

size_t PacketDecoder::whole_header(const uint8_t* p, size_t avail, Event& ev) noexcept {
    // Every bound is checked before anything changes: on any doubt, 0 and the usual path decides
    // (and reports the same errors as always).
    const uint8_t first = p[0];
    const size_t size_width = kPacketSizeWidth[(first >> kPacketSizeShift) & 3];
    if (avail < 1 + size_width) return 0;
    const uint64_t size = read_le(p + 1, size_width);
    if (size > avail - 1 - size_width) return 0;  // not all here
    ChannelState& ch = channels_[channel_];
    if (!ch.idle()) return 0;  // ChannelBusy, from the usual path
    const uint8_t* c = p + 1 + size_width;
    const size_t n = static_cast<size_t>(size);
    const bool response = (first >> 4) == static_cast<uint8_t>(PacketType::Response);
    if (n < 1) return 0;
    const uint8_t flags = c[0];
    if (((flags >> kFilesCountShift) & 3) != 0) return 0;  // files: the usual path lists them
    size_t at = 1;
    const uint8_t* parent = nullptr;
    if (response) {
        if (n - at < 16) return 0;
        parent = c + at;
        at += 16;
    }
    if (n - at < 16) return 0;
    const uint8_t* id = c + at;
    at += 16;
    size_t action_size = 0;
    const uint8_t* action = nullptr;
    if (!response) {
        const size_t w = kNameSizeWidth[(flags & kActionSize16Bit) ? 1 : 0];
        if (n - at < w) return 0;
        action_size = static_cast<size_t>(read_le(c + at, w));
        at += w;
        if (action_size > limits_.max_action_size) return 0;  // ActionTooLong, from the usual path
        if (n - at < action_size) return 0;
        action = c + at;
        at += action_size;
    }
    const size_t dw = kDataSizeWidth[flags >> kDataSizeShift];
    if (n - at < dw) return 0;
    const uint64_t data_size = read_le(c + at, dw);
    at += dw;
    if (at != n) return 0;  // HeaderOverrun (or a header going on in Continue): the usual path

    ev.type = EventType::WholeHeader;
    ev.channel = channel_;
    ev.is_response = response;
    std::memcpy(ev.id.bytes, id, sizeof ev.id.bytes);
    if (parent) std::memcpy(ev.parent_id.bytes, parent, sizeof ev.parent_id.bytes);
    ev.has_stream = (first & kHasStreamBit) != 0;
    ev.expects_response = (first & kExpectsResponseBit) != 0;
    ev.bytes = ByteView{action, action_size};
    ev.name_size = static_cast<uint32_t>(action_size);
    ev.data_size = data_size;
    ev.finished = data_size == 0 && !ev.has_stream;
    // What MessageStart .. HeaderEnd leave in the channel's state. A finished one leaves it idle,
    // as it is now (an idle channel's state is always all default: every way to Idle resets it).
    if (!ev.finished) {
        ch = ChannelState{};
        ch.id = ev.id;
        ch.parent_id = ev.parent_id;
        ch.data_left = data_size;
        ch.phase = ChannelState::Phase::Body;
        ch.field = HeaderField::Done;
        ch.flags = flags;
        ch.is_response = response;
        ch.has_stream = ev.has_stream;
        ch.stream_open = ev.has_stream;
        ch.expects_response = ev.expects_response;
        ch.sizes_known = true;
    }
    return 1 + size_width + n;
}

size_t PacketDecoder::parse_header(const uint8_t* p, size_t avail, uint64_t packet_left, Event& ev,
                                   DecodeError& error) noexcept {
    ChannelState& ch = channels_[channel_];
    size_t used = 0;

    // Fixed-width fields may be split across calls and across Message/Continue packets, so they
    // are assembled byte by byte in the channel's state (at most 16 bytes).
    auto take_uint = [&](size_t width) noexcept {
        while (ch.got < width) {
            if (used == avail) return false;
            ch.partial |= static_cast<uint64_t>(p[used++]) << (8 * ch.got);
            ++ch.got;
        }
        return true;
    };
    auto take_uuid = [&](Uuid& out) noexcept {
        if (ch.got == 0 && avail - used >= sizeof out.bytes) {  // the usual case: all of it here
            std::memcpy(out.bytes, p + used, sizeof out.bytes);
            used += sizeof out.bytes;
            ch.got = sizeof out.bytes;
            return true;
        }
        while (ch.got < sizeof out.bytes) {
            if (used == avail) return false;
            out.bytes[ch.got++] = p[used++];
        }
        return true;
    };
    auto next = [&](HeaderField field) noexcept {
        ch.field = field;
        ch.got = 0;
        ch.partial = 0;
    };
    // A name piece: as much of the name as this packet holds in the input (a view, no copy).
    auto name_chunk = [&](EventType type) noexcept {
        const size_t n = min_size(avail - used, ch.name_left);
        ev.type = type;
        ev.bytes = ByteView{p + used, n};
        used += n;
        ch.name_left -= static_cast<uint32_t>(n);
        ev.last = ch.name_left == 0;
    };
    auto after_file_name = [&]() noexcept {
        ++ch.files_described;
        next(ch.files_described < ch.files_count ? HeaderField::FileFlags : HeaderField::Done);
    };

    for (;;) {
        switch (ch.field) {
        case HeaderField::Flags:
            if (!take_uint(1)) return used;
            ch.flags = static_cast<uint8_t>(ch.partial);
            next(ch.is_response ? HeaderField::ParentId : HeaderField::Id);
            break;
        case HeaderField::ParentId:
            if (!take_uuid(ch.parent_id)) return used;
            next(HeaderField::Id);
            break;
        case HeaderField::Id:
            if (!take_uuid(ch.id)) return used;
            if (!ch.is_response) {
                next(HeaderField::ActionSize);
                break;
            }
            next(HeaderField::DataSize);
            ev.type = EventType::ResponseStart;
            ev.id = ch.id;
            ev.parent_id = ch.parent_id;
            ev.has_stream = ch.has_stream;
            ev.expects_response = ch.expects_response;
            ev.is_response = true;
            return used;
        case HeaderField::ActionSize: {
            if (!take_uint(kNameSizeWidth[(ch.flags & kActionSize16Bit) ? 1 : 0])) return used;
            if (ch.partial > limits_.max_action_size) {
                error = DecodeError::ActionTooLong;
                return used;
            }
            ch.name_left = static_cast<uint32_t>(ch.partial);
            ev.type = EventType::MessageStart;
            ev.id = ch.id;
            ev.has_stream = ch.has_stream;
            ev.expects_response = ch.expects_response;
            ev.name_size = ch.name_left;
            next(HeaderField::Action);
            return used;
        }
        case HeaderField::Action:
            if (ch.name_left == 0) {  // empty action: no chunk
                next(HeaderField::DataSize);
                break;
            }
            if (used == avail) return used;
            name_chunk(EventType::ActionChunk);
            if (ev.last) next(HeaderField::DataSize);
            return used;
        case HeaderField::DataSize:
            if (!take_uint(kDataSizeWidth[ch.flags >> kDataSizeShift])) return used;
            ch.data_left = ch.partial;
            next(HeaderField::FilesCount);
            break;
        case HeaderField::FilesCount:
            if (!take_uint(kFilesCountWidth[(ch.flags >> kFilesCountShift) & 3])) return used;
            if (ch.partial > limits_.max_files) {
                error = DecodeError::TooManyFiles;
                return used;
            }
            ch.files_count = static_cast<uint32_t>(ch.partial);
            next(HeaderField::TotalFilesSize);
            break;
        case HeaderField::TotalFilesSize: {
            // Present only when the files count is (0 bytes wide when EE is 00).
            const bool has_files = ((ch.flags >> kFilesCountShift) & 3) != 0;
            if (!take_uint(has_files ? kTotalFilesSizeWidth[(ch.flags >> kTotalFilesSizeShift) & 3] : 0))
                return used;
            ch.total_files_size = ch.partial;
            ch.sizes_known = true;
            ev.type = EventType::HeaderSizes;
            ev.data_size = ch.data_left;
            ev.files_count = ch.files_count;
            ev.total_files_size = ch.total_files_size;
            next(ch.files_count != 0 ? HeaderField::FileFlags : HeaderField::Done);
            return used;
        }
        case HeaderField::FileFlags:
            if (!take_uint(1)) return used;
            ch.file_flags = static_cast<uint8_t>(ch.partial);
            next(HeaderField::FileSize);
            break;
        case HeaderField::FileSize:
            if (!take_uint(kFileSizeWidth[(ch.file_flags >> kFileSizeShift) & 3])) return used;
            // files_declared <= total_files_size always holds, so this cannot wrap.
            if (ch.partial > ch.total_files_size - ch.files_declared) {
                error = DecodeError::BadHeader;
                return used;
            }
            ch.file_size = ch.partial;
            ch.files_declared += ch.partial;
            next(HeaderField::FileNameSize);
            break;
        case HeaderField::FileNameSize:
            if (!take_uint(kNameSizeWidth[(ch.file_flags & kFileNameSize16Bit) ? 1 : 0])) return used;
            if (ch.partial > limits_.max_file_name_size) {
                error = DecodeError::FileNameTooLong;
                return used;
            }
            ch.name_left = static_cast<uint32_t>(ch.partial);
            ev.type = EventType::FileHeader;
            ev.file_index = ch.files_described;
            ev.file_size = ch.file_size;
            ev.name_size = ch.name_left;
            next(HeaderField::FileName);
            return used;
        case HeaderField::FileName:
            if (ch.name_left == 0) {
                after_file_name();
                break;
            }
            if (used == avail) return used;
            ev.file_index = ch.files_described;
            name_chunk(EventType::FileNameChunk);
            if (ev.last) after_file_name();
            return used;
        case HeaderField::Done:
            if (ch.files_declared != ch.total_files_size) {
                error = DecodeError::BadHeader;
                return used;
            }
            if (packet_left > used) {  // JS: "The message packet size was malformed."
                error = DecodeError::HeaderOverrun;
                return used;
            }
            ch.phase = ChannelState::Phase::Body;
            ev.type = EventType::HeaderEnd;
            ev.is_response = ch.is_response;
            ev.finished = finish_if_complete(ch);
            return used;
        }
    }
}

} // namespace tickwire::detail::sockety
