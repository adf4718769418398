#include "ws/reader.hpp"

#include <cstring>

namespace tickwire::detail::ws {

static_assert(sizeof(Reader) <= 32, "per-connection reader state must stay tiny");

const char* to_string(ReadError e) noexcept {
    switch (e) {
    case ReadError::None: return "none";
    case ReadError::ReservedBits: return "reserved bits set (no extension negotiated)";
    case ReadError::UnmaskedFrame: return "client frame not masked";
    case ReadError::MaskedFrame: return "server frame masked";
    case ReadError::ReservedOpcode: return "reserved opcode";
    case ReadError::FragmentedControl: return "fragmented control frame";
    case ReadError::ControlTooLong: return "control frame payload over 125 bytes";
    case ReadError::UnexpectedContinuation: return "continuation frame without a message";
    case ReadError::ExpectedContinuation: return "new data frame inside a fragmented message";
    case ReadError::NonMinimalLength: return "payload length not minimally encoded";
    case ReadError::LengthTopBit: return "64-bit payload length with the top bit set";
    case ReadError::MessageTooBig: return "message too big";
    case ReadError::InvalidUtf8: return "text message is not valid UTF-8";
    case ReadError::CloseTooShort: return "close payload of 1 byte";
    case ReadError::InvalidCloseCode: return "invalid close code";
    case ReadError::InvalidCloseReason: return "close reason is not valid UTF-8";
    }
    return "unknown read error";
}

uint16_t close_code_for(ReadError e) noexcept {
    switch (e) {
    case ReadError::None: return 0;
    case ReadError::MessageTooBig: return close_code::kMessageTooBig;
    case ReadError::InvalidUtf8:
    case ReadError::InvalidCloseReason: return close_code::kInvalidPayload;
    default: return close_code::kProtocolError;
    }
}

const char* to_string(ReadEvent e) noexcept {
    switch (e) {
    case ReadEvent::NeedMore: return "need more";
    case ReadEvent::DataChunk: return "data chunk";
    case ReadEvent::Ping: return "ping";
    case ReadEvent::Pong: return "pong";
    case ReadEvent::Close: return "close";
    case ReadEvent::Error: return "error";
    case ReadEvent::Done: return "done";
    }
    return "unknown read event";
}

namespace {

// Results are built by one aggregate initialisation each, straight into the return slot: filling
// a local field by field made GCC copy it through the stack with store-forwarding stalls.
ReadResult event_result(ReadEvent ev, size_t consumed, const uint8_t* data = nullptr,
                        size_t size = 0, uint16_t code = 0) noexcept {
    return ReadResult{consumed, 0, data, size, ev, Opcode::Continuation, false, false, code,
                      ReadError::None};
}

ReadResult need_more(size_t consumed, size_t need) noexcept {
    return ReadResult{consumed, need, nullptr, 0, ReadEvent::NeedMore, Opcode::Continuation,
                      false, false, 0, ReadError::None};
}

} // namespace

ReadResult Reader::fail(ReadError e) noexcept {
    error_ = static_cast<uint8_t>(e);
    return ReadResult{0, 0, nullptr, 0, ReadEvent::Error, Opcode::Continuation, false, false,
                      close_code_for(e), e};
}

ReadResult Reader::read(uint8_t* data, size_t len) noexcept {
    if (error_ != 0) return fail(static_cast<ReadError>(error_));
    if (flags_ & kClosed) return event_result(ReadEvent::Done, 0);
    if (frame_remaining_ != 0) return payload(data, len, 0);
    // The common case in one step: a whole, final, unfragmented Text/Binary frame with a 7-bit
    // length, masked as our role wants, lying in the span. Same result as the general path; any
    // frame with something unusual about it takes the general path, which checks every rule.
    if (len >= 2 && !(flags_ & kInMessage)) {
        const uint8_t b0 = data[0];
        const uint8_t b1 = data[1];
        const bool server = (flags_ & kServer) != 0;
        const size_t n = b1 & 0x7Fu;
        const size_t header = server ? 6 : 2;
        if ((b0 == 0x81 || b0 == 0x82) && ((b1 & 0x80u) != 0) == server && n < 126 && header + n <= len &&
            (max_message_ == 0 || n <= max_message_)) {
            uint8_t* p = data + header;
            if (server) {
                MaskKey key;
                std::memcpy(key.bytes, data + 2, 4);
                apply_mask(p, n, key, 0);
            }
            const bool text = b0 == 0x81;
            if (text && !utf8_valid(p, n)) return fail(ReadError::InvalidUtf8);
            return ReadResult{header + n, 0, p, n, ReadEvent::DataChunk, text ? Opcode::Text : Opcode::Binary,
                              true, true, 0, ReadError::None};
        }
    }
    return start_frame(data, len);
}

ReadResult Reader::start_frame(uint8_t* data, size_t len) noexcept {
    if (len < 2) return need_more(0, 2);
    const uint8_t b0 = data[0];
    const uint8_t b1 = data[1];
    const uint8_t op = b0 & 0x0Fu;
    const bool fin = (b0 & 0x80u) != 0;
    const unsigned len7 = b1 & 0x7Fu;
    const bool server = (flags_ & kServer) != 0;

    // Everything the first two bytes can tell is checked before waiting for more, so a bad
    // frame fails as early as possible and whatever the chunking.
    if (b0 & 0x70u) return fail(ReadError::ReservedBits);
    if (((b1 & 0x80u) != 0) != server)
        return fail(server ? ReadError::UnmaskedFrame : ReadError::MaskedFrame);

    if (is_control_opcode(op)) {
        if (op > static_cast<uint8_t>(Opcode::Pong)) return fail(ReadError::ReservedOpcode);
        if (!fin) return fail(ReadError::FragmentedControl);
        if (len7 > kMaxControlPayload) return fail(ReadError::ControlTooLong);
        const size_t header = server ? 6 : 2;
        const size_t total = header + len7;
        if (len < total) return need_more(0, total);
        uint8_t* p = data + header;
        if (server) {
            MaskKey key;
            std::memcpy(key.bytes, data + 2, 4);
            apply_mask(p, len7, key, 0);
        }
        return control_frame(op, p, len7, total);
    }

    if (op > static_cast<uint8_t>(Opcode::Binary)) return fail(ReadError::ReservedOpcode);
    const bool open = (flags_ & kInMessage) != 0;
    if (op == static_cast<uint8_t>(Opcode::Continuation)) {
        if (!open) return fail(ReadError::UnexpectedContinuation);
    } else if (open) {
        return fail(ReadError::ExpectedContinuation);
    }

    const size_t header = header_size_from_byte1(b1);
    if (len < header) return need_more(0, header);

    const uint64_t size = payload_length(data, len7);
    if (len7 >= 126) {
        if (size > kMaxPayloadLength) return fail(ReadError::LengthTopBit);
        if (size <= (len7 == 126 ? 125u : 0xFFFFu) && !(flags_ & kAcceptNonMinimal))
            return fail(ReadError::NonMinimalLength);
    }

    const uint64_t so_far = op == 0 ? message_size_ : 0;
    if (max_message_ != 0) {
        if (size > max_message_ - so_far) return fail(ReadError::MessageTooBig); // so_far <= max
        message_size_ = so_far + size;
    }

    if (op != 0) {
        // utf8_ needs no reset: it is kUtf8Accept whenever no Text message is open (a Text
        // message only ends at a code-point boundary; otherwise the reader has failed for good).
        uint8_t f = static_cast<uint8_t>(flags_ | kInMessage | kFirstPending);
        if (op == static_cast<uint8_t>(Opcode::Text)) f |= kMessageText;
        else f &= static_cast<uint8_t>(~kMessageText);
        flags_ = f;
    }
    if (fin) flags_ |= kFrameFin;
    else flags_ &= static_cast<uint8_t>(~kFrameFin);
    if (server) std::memcpy(mask_.bytes, data + header - 4, 4);
    frame_remaining_ = size;
    return payload(data + header, len - header, header);
}

// Delivers the next piece of the current data frame's payload: all of data[0..len) up to the
// end of the frame. With frame_remaining_ == 0 (a zero-length frame) it reports an empty chunk.
ReadResult Reader::payload(uint8_t* data, size_t len, size_t consumed) noexcept {
    const size_t take = frame_remaining_ < len ? static_cast<size_t>(frame_remaining_) : len;
    if (take == 0 && frame_remaining_ != 0) return need_more(consumed, 1);

    frame_remaining_ -= take;
    if (flags_ & kServer) {
        apply_mask(data, take, mask_, 0);
        if (frame_remaining_ != 0) mask_ = rotate_mask(mask_, take); // for the next chunk
    }
    const bool fin = (flags_ & kFrameFin) && frame_remaining_ == 0;
    const bool text = (flags_ & kMessageText) != 0;
    if (text) {
        utf8_ = utf8_feed(utf8_, data, take);
        if (utf8_ == kUtf8Reject || (fin && utf8_ != kUtf8Accept))
            return fail(ReadError::InvalidUtf8);
    }

    const bool first = (flags_ & kFirstPending) != 0;
    flags_ &= static_cast<uint8_t>(~kFirstPending);
    if (fin) flags_ &= static_cast<uint8_t>(~(kInMessage | kMessageText));
    return ReadResult{consumed + take, 0, data, take, ReadEvent::DataChunk,
                      text ? Opcode::Text : Opcode::Binary, first, fin, 0, ReadError::None};
}

ReadResult Reader::control_frame(uint8_t opcode, uint8_t* p, size_t size, size_t total) noexcept {
    if (opcode == static_cast<uint8_t>(Opcode::Ping))
        return event_result(ReadEvent::Ping, total, p, size);
    if (opcode == static_cast<uint8_t>(Opcode::Pong))
        return event_result(ReadEvent::Pong, total, p, size);
    // Close (§5.5.1, §7.4): empty, or a 2-byte code followed by a UTF-8 reason.
    if (size == 1) return fail(ReadError::CloseTooShort);
    uint16_t code = close_code::kNoStatus;
    if (size >= 2) {
        code = static_cast<uint16_t>((p[0] << 8) | p[1]);
        if (!is_valid_close_code(code)) return fail(ReadError::InvalidCloseCode);
        if (!utf8_valid(p + 2, size - 2)) return fail(ReadError::InvalidCloseReason);
        p += 2;
        size -= 2;
    }
    flags_ |= kClosed;
    return event_result(ReadEvent::Close, total, p, size, code);
}

SpansRead read_spans(Reader& reader, uint8_t* first, size_t first_len, uint8_t* second,
                     size_t second_len, uint8_t (&scratch)[kMaxNeed]) noexcept {
    if (first_len == 0) return SpansRead{reader.read(second, second_len), false};
    SpansRead out{reader.read(first, first_len), false};
    // At most two rounds: 2 bytes to learn the size, then the whole header or control frame.
    while (out.result.event == ReadEvent::NeedMore && out.result.consumed == 0 &&
           out.result.need > first_len && out.result.need <= first_len + second_len &&
           out.result.need <= kMaxNeed) {
        const size_t need = out.result.need;
        std::memcpy(scratch, first, first_len);
        std::memcpy(scratch + first_len, second, need - first_len);
        out.result = reader.read(scratch, need);
        out.from_scratch = true;
    }
    return out;
}

} // namespace tickwire::detail::ws
