// The WebSocket message reader: a sans-I/O, incremental, allocation-free decoder of the frames a
// peer sends (RFC 6455 §5), enforcing the protocol rules, with at most one event per call.
//
// Feeding. The core keeps received bytes in a per-connection ring and calls
//     ReadResult r = reader.read(span, span_len);
// with one contiguous *mutable* span (the readable bytes from the ring's read position). The
// reader unmasks payload bytes in place, consumes `r.consumed` bytes (the core advances its ring
// by that much, always <= span_len) and reports at most one event. Views in the event (`data`,
// `size`) point into the span the caller passed; they stay valid until the caller reuses those
// bytes (for the ring: until it lets the producer overwrite them).
//
// NeedMore. The state is tiny (32 bytes) because the reader never buffers: a frame header (2..14
// bytes) and a whole control frame (header + <= 125 payload bytes, <= 131 in all) must be
// contiguous in one span. When they are not, the reader answers NeedMore with `need` = how many
// contiguous bytes, counted from data + consumed, it must see to move on; it consumes nothing of
// the incomplete header or control frame. If the ring holds that many bytes but split over its
// wrap, copy exactly `need` bytes into a small buffer (kMaxNeed = 131 bytes always suffice) and
// call read() on the copy: it will consume them all, or answer NeedMore with a larger `need` (a
// header grows from 2 to its full size, or to the whole control frame), or fail. Views then
// point into the copy. read_spans() (below) does exactly this for a ring's two spans; use it
// rather than copying once: a single copy stalls when the first span holds 1 byte of a header.
// `need` is 1 while the reader waits for the payload of a data frame whose header it consumed.
// Data payload is consumed in arbitrary chunks: every call with payload bytes available returns a
// DataChunk of all of them (up to the end of the frame).
//
// Events.
//   DataChunk  a piece of a Text or Binary message, unmasked: `opcode` of the message, `first`
//              on its first chunk, `fin` on its last. Every data frame header with a zero length
//              gives a zero-size chunk, so an empty message is seen (first && fin, size 0).
//              Text is UTF-8 validated as it arrives (fail fast, sequences may span chunks and
//              frames); a chunk holding an invalid byte is not delivered: an Error comes instead.
//   Ping/Pong  the payload (0..125 bytes). Answering a Ping is the caller's job.
//   Close      `close_code` (close_code::kNoStatus when the frame had no payload) and the reason
//              (`data`, `size`), already validated. The reader reads nothing after it: further
//              calls return Done and consume nothing. A message still open is abandoned.
//   Error      the connection must fail: `close_code` is the code to send (1002 protocol error,
//              1007 invalid UTF-8, 1009 message too big) and `error` the precise reason. The
//              reader stays failed: further calls return the same Error and consume nothing.
//   NeedMore   see above.
//   Done       after Close (see above).
// Control frames may arrive between the frames of a fragmented message; they do not disturb it.
//
// Rules enforced (anything else is an Error with close code 1002 unless noted):
//   - RSV1-3 must be 0 (no extension is negotiated).
//   - Opcodes 3-7 and 0xB-0xF are reserved.
//   - A server rejects unmasked frames, a client rejects masked frames (§5.1).
//   - Control frames must have FIN and at most 125 payload bytes (§5.5).
//   - Continuation without an open message; Text/Binary while a message is open (§5.4).
//   - A 64-bit length must have its top bit clear (§5.2).
//   - Non-minimal length encodings (e.g. 126, 0, 5) are rejected by default. §5.2 says "the
//     minimal number of bytes MUST be used to encode the length"; it does not say the receiver
//     must check, but a conforming peer never sends them (Chromium's frame parser fails on them
//     too), so strictness costs nothing and narrows the ways one byte stream can be framed.
//     ReaderOptions::accept_non_minimal_length accepts them.
//   - A Close payload of 1 byte; a close code not valid on the wire (see is_valid_close_code);
//     a close reason that is not UTF-8 (1007).
//   - Text messages must be valid UTF-8 (1007), checked incrementally.
//   - A message larger than ReaderOptions::max_message_size (1009), reported as soon as a frame
//     header announces more than allowed (before any of that frame's payload is delivered).
// When one frame breaks several rules, the first of: RSV bits, masking, opcode, control-frame
// rules, fragmentation order, length encoding, size limit, then payload rules, is reported.
#pragma once
#include "ws/close_code.hpp"
#include "ws/frame.hpp"
#include "ws/utf8.hpp"

#include <cstddef>
#include <cstdint>

namespace tickwire::detail::ws {

// The most contiguous bytes read() ever asks for: a masked control frame with 125 payload bytes
// (6 + 125). Data frame headers need at most 14.
constexpr size_t kMaxNeed = 6 + kMaxControlPayload;

enum class Role : uint8_t {
    Server, // reads what a client sends: every frame must be masked
    Client, // reads what a server sends: no frame may be masked
};

enum class ReadError : uint8_t {
    None = 0,
    ReservedBits,           // RSV1/2/3 set                                   1002
    UnmaskedFrame,          // server role, frame without MASK                1002
    MaskedFrame,            // client role, frame with MASK                   1002
    ReservedOpcode,         // opcode 3-7 or 0xB-0xF                          1002
    FragmentedControl,      // control frame without FIN                      1002
    ControlTooLong,         // control frame payload > 125                    1002
    UnexpectedContinuation, // continuation frame with no message open        1002
    ExpectedContinuation,   // Text/Binary frame while a message is open      1002
    NonMinimalLength,       // length not minimally encoded                   1002
    LengthTopBit,           // 64-bit length with its top bit set             1002
    MessageTooBig,          // message over max_message_size                  1009
    InvalidUtf8,            // text message not valid UTF-8                   1007
    CloseTooShort,          // Close payload of exactly 1 byte                1002
    InvalidCloseCode,       // close code not allowed on the wire             1002
    InvalidCloseReason,     // close reason not valid UTF-8                   1007
};

const char* to_string(ReadError e) noexcept;
// The close code to send for `e` (0 for ReadError::None).
uint16_t close_code_for(ReadError e) noexcept;

enum class ReadEvent : uint8_t { NeedMore, DataChunk, Ping, Pong, Close, Error, Done };
const char* to_string(ReadEvent e) noexcept;

struct ReadResult {
    size_t consumed;     // bytes of the span used up; advance the ring by this much
    size_t need;         // NeedMore: contiguous bytes needed from data + consumed
    const uint8_t* data; // DataChunk/Ping/Pong: payload; Close: reason (inside the span)
    size_t size;
    ReadEvent event;
    Opcode opcode;       // DataChunk: Text or Binary (the message's opcode, also for continuations)
    bool first;          // DataChunk: first chunk of the message
    bool fin;            // DataChunk: last chunk of the message
    uint16_t close_code; // Close: the peer's code or 1005; Error: the code to send
    ReadError error;     // Error: why
};

struct ReaderOptions {
    Role role = Role::Server;
    // Largest message accepted, in bytes, summed over its frames; 0 = no limit (for callers that
    // stream chunks through without assembling messages).
    uint64_t max_message_size = 0;
    // Accept length fields that use more bytes than needed (see the rules above).
    bool accept_non_minimal_length = false;
};

class Reader {
public:
    Reader() noexcept : Reader(ReaderOptions{}) {}
    // Inline: every connection slot holds a Reader, also in builds without WebSocket.
    explicit Reader(const ReaderOptions& options) noexcept : max_message_(options.max_message_size) {
        if (options.role == Role::Server) flags_ |= kServer;
        if (options.accept_non_minimal_length) flags_ |= kAcceptNonMinimal;
    }

    // Reads from `data[0..len)` (mutable: payload is unmasked in place). Never blocks, never
    // allocates. See the top of this file for the contract. `data` may be null when `len` is 0.
    ReadResult read(uint8_t* data, size_t len) noexcept;

    bool failed() const noexcept { return error_ != static_cast<uint8_t>(ReadError::None); }
    ReadError error() const noexcept { return static_cast<ReadError>(error_); }
    // True once a Close frame has been reported.
    bool closed() const noexcept { return (flags_ & kClosed) != 0; }
    // True between the first and the last frame of a message (a fragmented message is open).
    bool in_message() const noexcept { return (flags_ & kInMessage) != 0; }
    // True when no data frame payload is pending: the next byte read starts a frame header.
    bool between_frames() const noexcept { return frame_remaining_ == 0; }

private:
    enum : uint8_t {
        kServer = 1u << 0,           // role; also "frames are masked"
        kInMessage = 1u << 1,        // a data message is open
        kMessageText = 1u << 2,      // the open message is Text
        kFirstPending = 1u << 3,     // its first chunk has not been reported yet
        kFrameFin = 1u << 4,         // the current data frame has FIN
        kClosed = 1u << 5,           // a Close frame was reported
        kAcceptNonMinimal = 1u << 6, // ReaderOptions::accept_non_minimal_length
    };

    ReadResult start_frame(uint8_t* data, size_t len) noexcept;
    ReadResult control_frame(uint8_t opcode, uint8_t* payload, size_t size, size_t total) noexcept;
    ReadResult payload(uint8_t* data, size_t len, size_t consumed) noexcept;
    ReadResult fail(ReadError e) noexcept;

    uint64_t frame_remaining_ = 0; // payload bytes of the current data frame still to come
    uint64_t message_size_ = 0;    // bytes announced so far for the open message (with a limit)
    uint64_t max_message_ = 0;     // 0 = no limit
    MaskKey mask_{};               // the current frame's key, rotated to the next payload byte
    uint8_t utf8_ = kUtf8Accept;   // UTF-8 state of the open Text message
    uint8_t flags_ = 0;
    uint8_t error_ = 0;            // ReadError; sticky
};

// Reads from a ring's readable bytes given as two spans: `first` up to the ring's end, then
// `second` from its start (second_len 0 when the bytes do not wrap; when `first` is empty,
// `second` is read as the only span). This is the NeedMore protocol above, done right once:
// when a header or control frame straddles the wrap, exactly the needed bytes are copied into
// `scratch` and read from there, again with more if the reader then asks for more (a 1-byte
// span grows to 2, then to the full header or control frame). Returns the reader's result;
// `from_scratch` says its views point into `scratch` (valid until scratch is reused), not into
// the ring. Either way, advance the ring by result.consumed. Nothing is copied in the common
// case (the frame lies before the wrap), and a data payload is never copied.
struct SpansRead {
    ReadResult result;
    bool from_scratch;
};
SpansRead read_spans(Reader& reader, uint8_t* first, size_t first_len, uint8_t* second,
                     size_t second_len, uint8_t (&scratch)[kMaxNeed]) noexcept;

} // namespace tickwire::detail::ws
