// Incremental, sans-I/O decoder for one direction of a Sockety connection: the peer's connection
// header, then packets. Bytes in, one event out per call; no sockets, no clock, no allocation, no
// copy of payloads (payload and name bytes come out as views into the input).
//
// How to drive it
//   Feed any contiguous span (a ring buffer's one or two spans, any split, down to one byte):
//
//     size_t off = 0;
//     for (;;) {
//         Decoded d = decoder.feed(span + off, len - off);
//         off += d.consumed;
//         if (d.event.type == EventType::NeedMore) break;   // all of the span is used: feed more
//         if (d.event.type == EventType::Error) { close; break; }
//         handle(d.event);                                  // views point into `span`
//     }
//
//   Call again after every event, even when nothing is left in the span: some events consume no
//   bytes (HeaderSizes or HeaderEnd right after the last header byte). NeedMore always means "the
//   whole input was used"; the decoder keeps the few bytes of a partial field itself (packet
//   headers <= 18 bytes, header integers, UUIDs), so the caller never has to linearise anything.
//   Views are valid until the caller releases those input bytes.
//
// Errors are sticky: after an Error every call returns the same error and consumes nothing.
//
// Channel contract
//   Packets of a Message/Response (Continue, Data, Stream, Stream End, File, File End, Abort)
//   carry no id: they belong to the *current channel* of this direction, set by Switch Channel
//   (initially 0). The decoder keeps, per channel, exactly what the format needs to attribute and
//   bound them (header parse position, data left, stream open, file counts). That state lives in
//   caller-provided storage, one ChannelState per channel we announced, so the decoder object stays
//   small. Every channel-scoped event names its channel; `finished` on an event says that the
//   Message/Response on that channel is complete (header parsed, all declared data received, every
//   file ended, stream ended) and the channel is free for a new one.
//   The session, not the decoder, owns what lies above: in-flight tables, matching Responses and
//   Fast Replies to Messages by UUID, per-file records. Two checks need per-file storage and are
//   therefore the session's: the exact byte count of each file (the decoder bounds the total of all
//   files) and a repeated File End for the same index (the decoder bounds the count).
//
// Event order for one Message (Response is the same without the action):
//   MessageStart (ResponseStart) -> ActionChunk* -> HeaderSizes -> (FileHeader -> FileNameChunk*)*
//   -> HeaderEnd, then in any order DataChunk*, StreamChunk*/StreamEnd, FileChunk*/FileEnd,
//   possibly interleaved with other channels' packets and with Fast Reply/Heartbeat/Go Away.
//   Data, Stream and File packets are accepted as soon as HeaderSizes is out (a header split by
//   Continue may still be listing files; File packets need their own file's header first).
//   Names are chunked because a header can be split anywhere by Continue packets (sockety-js
//   accepts a split in the middle of the UUID), so a name is not always contiguous on the wire.
//   In practice (sockety-js never splits) an action or file name comes as one chunk whenever the
//   input span holds it. Chunks are never empty and never span two packets; packets of size 0
//   give no event. There is no Data End packet in Sockety: DataChunk's `last` marks the end.
//   With set_whole_headers(true), MessageStart (ResponseStart) .. HeaderEnd of a file-less header
//   that is all in the input come as one WholeHeader event (the session's fast path); the
//   channel state and everything after it are the same as with the four events.
//
// Leniency, as sockety-js reads: bits the spec leaves unused are ignored (bits 2-3 of the
// connection header, the low nibble of Stream End/Abort/Heartbeat/Go Away, the low 2 bits of
// Continue/Stream/Data, the last flags bit, G on Responses, the unused bits of file headers), as
// are wider-than-needed size fields (`10 05` is channel 5). Names are not checked for UTF-8.
#pragma once
#include <cstddef>
#include <cstdint>

#include "sockety/packet.hpp"

namespace tickwire::detail::sockety {

enum class DecodeError : uint8_t {
    None = 0,
    BadConnectionHeader,  // control byte is not 0xE_, or it announces 0 channels
    UnknownPacketType,    // type nibble 0xF
    ChannelOutOfRange,    // Switch Channel to an id >= the channel count we announced
    ChannelBusy,          // Message/Response on a channel whose previous one is not finished
    UnexpectedPacket,     // Continue/Data/Stream/Stream End/File/File End with nothing to belong to
    DataOverflow,         // more Data or File bytes than the header declared
    FileIndexOutOfRange,  // File / File End index >= the files count
    HeaderOverrun,        // a Message/Response/Continue packet has bytes past the header's end
    BadHeader,            // the file sizes in the header do not add up to its total files size
    ActionTooLong,        // action name longer than DecoderLimits::max_action_size
    FileNameTooLong,      // file name longer than DecoderLimits::max_file_name_size
    TooManyFiles,         // files count above DecoderLimits::max_files
    NotInitialized,       // feed() before a successful init()
};

const char* to_string(DecodeError error) noexcept;

enum class EventType : uint8_t {
    NeedMore,          // all input used; `need` = bytes that would let it go on (>= 1)
    Error,             // `error`
    ConnectionHeader,  // `channels`: how many channels the peer receives on (1..4096)
    SwitchChannel,     // `channel`: the new current channel
    MessageStart,      // `channel`, `id`, `has_stream`, `expects_response`, `name_size` (action)
    ResponseStart,     // `channel`, `parent_id` (the Message), `id`, `has_stream`, `expects_response`
    ActionChunk,       // `channel`, `bytes` of the action name, `last` on its final piece
    HeaderSizes,       // `channel`, `data_size`, `files_count`, `total_files_size`
    FileHeader,        // `channel`, `file_index`, `file_size`, `name_size`
    FileNameChunk,     // `channel`, `file_index`, `bytes` of the name, `last` on its final piece
    HeaderEnd,         // `channel`, `finished`
    DataChunk,         // `channel`, `bytes`, `last` once all declared data is in, `finished`
    StreamChunk,       // `channel`, `bytes`
    StreamEnd,         // `channel`, `finished`
    FileChunk,         // `channel`, `file_index`, `bytes`
    FileEnd,           // `channel`, `file_index`, `finished`
    FastReply,         // `id` (raw, as received), `code` (0..4095); not channel-scoped
    Heartbeat,         // not channel-scoped
    GoAway,            // not channel-scoped
    Abort,             // `channel`; `aborted` if a Message/Response was in progress there (then it
                       // is dropped and the channel is free; `is_response` tells which kind and
                       // `id` is its id, or all zero if the id had not fully arrived)
    WholeHeader,       // only with set_whole_headers(true): a Message/Response header without
                       // files that arrived in one packet, all in the input, as one event instead
                       // of Message/ResponseStart, ActionChunk, HeaderSizes, HeaderEnd:
                       // `channel`, `is_response`, `id`, `parent_id` (Response), `has_stream`,
                       // `expects_response`, `bytes` (the whole action; empty for a Response),
                       // `name_size`, `data_size`, `files_count` (0), `total_files_size` (0),
                       // `finished`. The channel state afterwards is what the four leave.
};

const char* to_string(EventType type) noexcept;

// One decoded event. Only the fields listed for its type above are meaningful. A new Event is
// NeedMore with every field zero; the constructor sets them one by one because the compiler
// clears a struct of this size with `rep stos`, slow for one event per message.
struct Event {
    EventType type;
    DecodeError error;
    bool has_stream;
    bool expects_response;
    bool is_response;
    bool last;
    bool finished;
    bool aborted;
    uint16_t channel;
    uint16_t channels;
    uint16_t code;
    uint32_t file_index;
    uint32_t files_count;
    uint32_t name_size;
    uint64_t data_size;
    uint64_t total_files_size;
    uint64_t file_size;
    size_t need;
    Uuid id;
    Uuid parent_id;
    ByteView bytes;

    Event() noexcept {
        type = EventType::NeedMore;
        error = DecodeError::None;
        has_stream = expects_response = is_response = last = finished = aborted = false;
        channel = channels = code = 0;
        file_index = files_count = name_size = 0;
        data_size = total_files_size = file_size = 0;
        need = 0;
    }
};

struct Decoded {
    Event event;
    size_t consumed = 0;  // bytes of this call's input used (also for NeedMore and Error)
};

// Limits checked while decoding. Lower them to what the session can hold.
struct DecoderLimits {
    // The channel count we announced in our own connection header: the peer may only switch to
    // ids below it. 1..4096; the decoder needs this many ChannelState entries.
    uint32_t channels = kMaxChannels;
    uint32_t max_action_size = kMaxActionSize;
    uint32_t max_file_name_size = kMaxFileNameSize;
    uint32_t max_files = kMaxFilesCount;
};

// Where a channel's header parse stands (internal to the decoder; visible for debugging).
enum class HeaderField : uint8_t {
    Flags, ParentId, Id, ActionSize, Action, DataSize, FilesCount, TotalFilesSize,
    FileFlags, FileSize, FileNameSize, FileName, Done,
};

// What the decoder keeps per channel. The session may read it (PacketDecoder::channel_state) but
// never writes it. All zero means idle.
struct ChannelState {
    enum class Phase : uint8_t {
        Idle,    // nothing in progress; a Message/Response may start
        Header,  // header not fully received (a Continue may follow)
        Body,    // header done; data, files or stream still pending
    };
    Uuid id;                   // the Message's / Response's own id, once parsed
    Uuid parent_id;            // Response only
    uint64_t data_left = 0;    // declared data not yet received
    uint64_t total_files_size = 0;
    uint64_t files_declared = 0;  // sum of the file sizes in the file headers parsed so far
    uint64_t file_bytes = 0;      // file content received so far (all files)
    uint64_t file_size = 0;       // size of the file header being parsed
    uint64_t partial = 0;         // integer field being assembled
    uint32_t files_count = 0;
    uint32_t files_described = 0;  // file headers completely parsed (name included)
    uint32_t files_ended = 0;
    uint32_t name_left = 0;        // bytes left of the action / file name being parsed
    Phase phase = Phase::Idle;
    HeaderField field = HeaderField::Flags;
    uint8_t got = 0;               // bytes of the current fixed-width field received so far
    uint8_t flags = 0;             // the header's DDEEFFG0 byte
    uint8_t file_flags = 0;        // the current file header's 0000AAB0 byte
    bool is_response = false;
    bool has_stream = false;
    bool expects_response = false;
    bool stream_open = false;      // has_stream and Stream End not received yet
    bool sizes_known = false;      // HeaderSizes emitted: body packets may come

    bool idle() const noexcept { return phase == Phase::Idle; }
};

class PacketDecoder {
public:
    PacketDecoder() noexcept = default;

    // Prepares for a new connection. `channels` is caller storage for limits.channels entries and
    // must outlive the decoder's use; init clears it. `expect_connection_header`: false skips the
    // peer's header (for tests, or a session that parsed it already). Returns false on bad limits
    // (channels 0 or > 4096) or too little storage; the decoder then answers every feed with
    // Error NotInitialized.
    bool init(const DecoderLimits& limits, ChannelState* channels, size_t channel_count,
              bool expect_connection_header = true) noexcept;

    // Decodes from `data[0..len)` until one event is ready or the input is used up. See the top of
    // this file for the calling loop. `data` may be null when `len` is 0.
    Decoded feed(const uint8_t* data, size_t len) noexcept;

    // On: a small header that is all in the input comes as one WholeHeader event (the session's
    // fast path: one event per message instead of four). Anything else (files, a header split by
    // Continue or by the end of the input, bad input) takes the field-by-field path and gives the
    // usual events and errors. Off after init().
    void set_whole_headers(bool on) noexcept { whole_headers_ = on; }

    uint16_t current_channel() const noexcept { return channel_; }
    // State of channel `id` (< limits.channels), for the session's bookkeeping.
    const ChannelState& channel_state(uint16_t id) const noexcept { return channels_[id]; }
    bool failed() const noexcept { return state_ == State::Failed; }
    DecodeError error() const noexcept { return error_; }

private:
    enum class State : uint8_t { ConnectionHeader, PacketHeader, Content, Failed };
    enum class Content : uint8_t { Header, Data, Stream, File };

    void fail_into(Decoded& out, DecodeError error, size_t consumed) noexcept;
    // Acts on a complete packet header in hdr_. Fills `ev` when the packet is an event by itself.
    DecodeError on_packet_header(Event& ev) noexcept;
    DecodeError on_connection_header(Event& ev) noexcept;
    // Parses header content of the current channel from p[0..avail). `packet_left` >= avail is
    // what remains of the packet. Returns bytes used; `ev.type` stays NeedMore when it needs more.
    size_t parse_header(const uint8_t* p, size_t avail, uint64_t packet_left, Event& ev,
                        DecodeError& error) noexcept;
    // Closes the channel's Message/Response if everything declared has arrived.
    bool finish_if_complete(ChannelState& ch) noexcept;
    // The WholeHeader path: p[0..avail) starts with a packet's first byte. Returns the bytes of
    // the packet when it is a whole, valid, file-less Message/Response header (ev filled, the
    // channel's state updated); 0 to leave it to the field-by-field path (nothing changed).
    size_t whole_header(const uint8_t* p, size_t avail, Event& ev) noexcept;

    ChannelState* channels_ = nullptr;
    DecoderLimits limits_{};
    State state_ = State::Failed;
    Content content_ = Content::Header;
    DecodeError error_ = DecodeError::NotInitialized;
    uint16_t channel_ = 0;
    uint8_t hdr_len_ = 0;   // bytes of the packet (or connection) header collected in hdr_
    uint8_t hdr_need_ = 0;  // its full length, known from the first byte
    uint8_t hdr_[kMaxPacketHeaderSize] = {};
    uint32_t file_index_ = 0;     // File packet in progress
    uint64_t content_left_ = 0;   // bytes left in the packet in progress
    bool whole_headers_ = false;
};

} // namespace tickwire::detail::sockety
