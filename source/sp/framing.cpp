#include "sp/framing.hpp"

#include "sp/big_endian.hpp"

namespace tickwire::detail::sp {

size_t encode_prefix(Framing f, uint64_t length, uint8_t* out) noexcept {
    if (f == Framing::Ipc) {
        out[0] = kIpcMessageType;
        store_be64(length, out + 1);
        return kIpcPrefixSize;
    }
    store_be64(length, out);
    return kTcpPrefixSize;
}

const char* to_string(FrameError e) noexcept {
    switch (e) {
    case FrameError::None: return "none";
    case FrameError::TooLarge: return "SP frame: message larger than the receive limit";
    case FrameError::BadIpcType: return "SP frame: ipc message type is not 1";
    }
    return "SP frame: ?";
}

void FrameDecoder::reset() noexcept {
    remaining_ = 0;
    have_ = 0;
    state_ = State::Prefix;
    error_ = FrameError::None;
}

FrameEvent FrameDecoder::fail(FrameError e, size_t consumed) noexcept {
    state_ = State::Failed;
    error_ = e;
    FrameEvent ev;
    ev.kind = FrameEventKind::Error;
    ev.consumed = consumed;
    ev.error = e;
    return ev;
}

FrameEvent FrameDecoder::next(const uint8_t* data, size_t len) noexcept {
    FrameEvent ev;
    switch (state_) {
    case State::Failed:
        ev.kind = FrameEventKind::Error;
        ev.error = error_;
        return ev;

    case State::Body:
        if (remaining_ == 0) {
            state_ = State::Prefix;
            ev.kind = FrameEventKind::MessageEnd;
            return ev;
        }
        if (len == 0) return ev; // NeedMore
        {
            const size_t chunk = remaining_ < len ? static_cast<size_t>(remaining_) : len;
            remaining_ -= chunk;
            ev.kind = FrameEventKind::BodyChunk;
            ev.consumed = chunk;
            ev.data = data;
            ev.size = chunk;
        }
        return ev;

    case State::Prefix: break;
    }

    const size_t want = prefix_size(framing_);
    size_t used = 0;
    while (used < len && have_ < want) {
        const uint8_t b = data[used++];
        // Check the ipc type byte on arrival: the peer is broken, waiting for 8 more bytes only
        // delays the close.
        if (framing_ == Framing::Ipc && have_ == 0 && b != kIpcMessageType)
            return fail(FrameError::BadIpcType, used);
        prefix_[have_++] = b;
    }
    ev.consumed = used;
    if (have_ < want) return ev; // NeedMore: all input went into the prefix

    const uint64_t length = load_be64(prefix_ + (want - kTcpPrefixSize));
    if (length > max_) return fail(FrameError::TooLarge, used);
    have_ = 0;
    remaining_ = length;
    state_ = State::Body;
    ev.kind = FrameEventKind::MessageStart;
    ev.length = length;
    return ev;
}

} // namespace tickwire::detail::sp
