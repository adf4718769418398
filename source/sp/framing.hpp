// SP message framing on the tcp and ipc transports: length-prefix encoders and an incremental
// decoder that never copies message bytes.
//
// Wire (shared/sp/WIRE.md):
//   tcp: 8-byte big-endian length, then that many bytes (SP protocol header + body).
//   ipc: type byte 0x01, then the same 8-byte length and bytes. Any other type byte is an error
//        (nanomsg 1.1.5 aborts its process on it, NNG 1.5.2 resets; we report BadIpcType).
//   Zero-length messages are legal. One prefix per message, no chunking at the SP level.
//   ws carries no prefix (one SP message = one WebSocket message): not handled here.
//
// Decoding from a ring buffer: call next() on the first contiguous span until it says NeedMore,
// then on the second span. Header bytes split across the wrap are kept in the decoder (at most
// 9 bytes); BodyChunk events are views into the span you passed, so the body is never copied:
//
//     FrameDecoder dec(Framing::Tcp, max_size);
//     for (Span s : {span1, span2}) {
//         for (;;) {
//             FrameEvent ev = dec.next(s.data, s.len);
//             s.data += ev.consumed; s.len -= ev.consumed;
//             if (ev.kind == FrameEventKind::NeedMore) break;        // all of s consumed
//             if (ev.kind == FrameEventKind::Error) { close(ev.error); return; }
//             ... MessageStart(ev.length) / BodyChunk(ev.data, ev.size) / MessageEnd ...
//         }
//     }
//     ring.consume(total consumed);   // the views are invalid after this
#pragma once
#include <cstddef>
#include <cstdint>

#include "sp/big_endian.hpp"

namespace tickwire::detail::sp {

enum class Framing : uint8_t { Tcp, Ipc };

constexpr size_t kTcpPrefixSize = 8;
constexpr size_t kIpcPrefixSize = 9;
constexpr size_t kMaxPrefixSize = 9;
constexpr uint8_t kIpcMessageType = 0x01;

// nanomsg's default receive limit (NN_RCVMAXSIZE, 1 MiB); NNG has none on tcp by default.
constexpr uint64_t kDefaultMaxMessageSize = 1024 * 1024;

constexpr size_t prefix_size(Framing f) noexcept {
    return f == Framing::Ipc ? kIpcPrefixSize : kTcpPrefixSize;
}

// Writes the prefix for a message of `length` bytes (SP header + body) into `out`, which has room
// for prefix_size(f) bytes. Returns the number of bytes written (= prefix_size(f)). Reserve that
// much in front of a message in the tx ring and write the prefix once its length is known.
size_t encode_prefix(Framing f, uint64_t length, uint8_t* out) noexcept;

enum class FrameError : uint8_t {
    None,
    TooLarge,   // the announced length exceeds the decoder's maximum (reported as soon as seen)
    BadIpcType, // ipc: the type byte is not 0x01 (reported on that byte)
};

const char* to_string(FrameError e) noexcept;

// Decodes a whole prefix: the prefix_size(f) bytes at `p`, all at hand (a reader that peeks at
// its ring). No state and no byte loop: the socket's read path calls this once or twice per
// message, where FrameDecoder's byte-wise stores cost more than the rest of the path together.
// None with `length` set, or BadIpcType / TooLarge (the same checks as FrameDecoder).
inline FrameError decode_prefix(Framing f, const uint8_t* p, uint64_t max_message_size, uint64_t& length) noexcept {
    if (f == Framing::Ipc) {
        if (p[0] != kIpcMessageType) return FrameError::BadIpcType;
        ++p;
    }
    length = load_be64(p);
    return length > max_message_size ? FrameError::TooLarge : FrameError::None;
}

enum class FrameEventKind : uint8_t {
    NeedMore,     // every input byte is consumed and nothing more can be reported; feed more
    MessageStart, // a prefix was decoded: `length` bytes follow (may be 0)
    BodyChunk,    // `size` (> 0) bytes of the current message at `data` (points into the input)
    MessageEnd,   // the current message is complete (its chunks concatenated = the message)
    Error,        // `error` says why; sticky: the connection must be closed
};

struct FrameEvent {
    FrameEventKind kind = FrameEventKind::NeedMore;
    size_t consumed = 0;           // input bytes used by this event; advance the input by it
    uint64_t length = 0;           // MessageStart: the message length
    const uint8_t* data = nullptr; // BodyChunk: the chunk (within the input span)
    size_t size = 0;               // BodyChunk: its length
    FrameError error = FrameError::None; // Error: the reason
};

// 32 bytes of state: no buffer for the body, no allocation. Every MessageStart is followed by
// zero or more BodyChunks and one MessageEnd (even for an empty message, even when next() was
// given no bytes: MessageEnd needs no input).
class FrameDecoder {
public:
    explicit FrameDecoder(Framing f, uint64_t max_message_size = kDefaultMaxMessageSize) noexcept
        : max_(max_message_size), framing_(f) {}

    // Reports the next event from `len` bytes at `data` (null allowed when len is 0).
    FrameEvent next(const uint8_t* data, size_t len) noexcept;

    // Back to the start of a message (e.g. a reused connection slot). The limit stays.
    void reset() noexcept;

    // True between messages with no prefix byte pending: where a clean close may happen.
    bool at_boundary() const noexcept { return state_ == State::Prefix && have_ == 0; }
    // Bytes still expected of the current message body (0 outside a body).
    uint64_t remaining() const noexcept { return state_ == State::Body ? remaining_ : 0; }
    FrameError error() const noexcept { return error_; }

private:
    enum class State : uint8_t { Prefix, Body, Failed };

    FrameEvent fail(FrameError e, size_t consumed) noexcept;

    uint64_t max_;
    uint64_t remaining_ = 0;
    uint8_t prefix_[kMaxPrefixSize] = {};
    uint8_t have_ = 0; // prefix bytes collected so far
    Framing framing_;
    State state_ = State::Prefix;
    FrameError error_ = FrameError::None;
};

} // namespace tickwire::detail::sp
