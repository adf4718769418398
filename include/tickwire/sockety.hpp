// Sockety: the multiplexed message protocol (github.com/sockety/protocol), wire-compatible with its
// JavaScript implementation, on the tickwire core: same update(), same memory, no threads, no
// allocation. A message has an action name, optional data, any number of files and an optional
// live stream; the peer may answer with a fast reply (a code) or with full responses, which carry
// data, files and streams of their own. Many of each are in flight at once over the channels.
//
//     Config cfg;
//     cfg.sockety.max_sessions = 16;                  // Sockety connections at once
//     ctx.init(cfg);
//     Conn conn = ctx.dial("sockety://127.0.0.1:9000").value;   // or ctx.listen("sockety://*:9000")
//     SocketyConn s(conn);
//     SocketyDraft ping;
//     ping.action = "ping";
//     (void)s.send(ping);                             // waits for the peer's header and a channel
//     for (;;) {
//         ctx.update(16);
//         SocketyView v;
//         for (Read r; (r = s.try_read(v)) == Read::Message || r == Read::Partial; v.release())
//             if (v.kind == SocketyKind::Response) ...;            // v.parent is our message's id
//     }
//
// Sending. send() (messages) and respond() (responses) take a draft: what is given in memory
// (data, files with content) is copied at once: into the tx ring, or, when the ring or a channel
// is not free yet, into a message slot from where it leaves in order (TooLarge when it fits
// neither). What the draft only declares (data_size with data == nullptr, files with data ==
// nullptr, stream) is written afterwards, chunk by chunk, with write_data / write_file /
// write_stream, each taking as much as the tx ring has room for (WouldBlock, then a Writable
// event, when none). So payloads of any size pass through small rings, from memory or from disk
// (a SocketyFile with a `path` is read by the library itself, straight into the tx ring).
// A message that finds no free channel waits for one (the peer's announced limit is respected);
// it never fails for that. A message is finished when its declared data and files are written and
// its stream ended; its channel is then free for the next.
//
// Receiving. try_read() hands out one item at a time: a Message or Response header (action, sizes,
// file names), then its Data / File / Stream chunks as they arrive, with the owning unit's id,
// the file index, the offset and `last`; FastReply, Aborted and GoAway items. A chunk is a view
// of the rx ring (no copy): release() it before the next try_read on this connection. A payload
// that arrived in one piece comes as one chunk (offset 0, last) and try_read answers Message;
// pieces of a larger one answer Partial. Data up to Config::sockety.whole_data_max always comes
// whole (assembled in a message slot, released with the view).
//
// Replies are matched by UUID: a Response or FastReply to one of our messages that waits for a
// reply carries that message's tag (`matched`); the first reply ends the wait unless the draft set
// keep_waiting (then stop_waiting() ends it).
//
// Bad input (unknown packet type, more data than declared, a channel over our limit, a busy
// channel reused, a bad header, a name over the limits) closes that connection with
// Error::ProtocolError (or MessageTooLarge); an Error event carries it and Conn::error_detail()
// says what exactly. Decoding happens as the connection is read (try_read), so read every
// connection you have (a Data event says when). Heartbeats go out when we were silent for
// Config::sockety.heartbeat_ms; a connection that heard nothing for idle_timeout_ms closes with
// TimedOut. go_away() ends a connection gracefully; abort() cancels one unit (both work, unlike
// sockety-js, which ignores them: do not abort towards it).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tickwire/context.hpp"

namespace tickwire {

namespace detail { struct ConnSlot; }

// A message id: a UUID v4 (16 raw bytes, in text order), made from the context's CTR-DRBG.
struct SocketyId {
    uint8_t bytes[16] = {};
    // 36 characters, lowercase, plus a NUL: "1b4e28ba-2fa1-41d2-883f-0016d3cca427".
    void to_text(char out[37]) const noexcept;
    friend bool operator==(const SocketyId& a, const SocketyId& b) noexcept;
    friend bool operator!=(const SocketyId& a, const SocketyId& b) noexcept { return !(a == b); }
};

// Fast reply codes 0-5 have names (sockety-js's FastReply enum); any code 0..4095 may be sent.
enum class FastReply : uint16_t { Accept = 0, Reject = 1, NotImplemented = 2, Unauthorized = 3, BadRequest = 4, InternalError = 5 };

// A file of a draft. `name` is UTF-8 (at most 65535 bytes), copied at send.
struct SocketyFile {
    std::string_view name;
    uint64_t size = 0;
    const void* data = nullptr;  // the whole content now (copied), or nullptr: write_file() later
    // Or a file on disk (data == nullptr): opened at send (its size is taken, 0 or equal to
    // `size`), then read chunk by chunk straight into the tx ring as room appears, by the library
    // itself; a file that changed size meanwhile aborts the unit.
    const char* path = nullptr;
};

// What to send: a message (send) or a response (respond). Strings and buffers are copied at the
// call; nothing is kept.
struct SocketyDraft {
    std::string_view action;        // messages: any UTF-8 name, "" allowed; ignored for responses
    const void* data = nullptr;     // the whole data now (copied) ...
    uint64_t data_size = 0;         // ... of this size; with data == nullptr: write_data() later
    const SocketyFile* files = nullptr;
    uint32_t files_count = 0;
    bool stream = false;            // a stream follows: write_stream(), then end_stream()
    bool expects_response = true;   // messages: false sends it like sockety-js's pass()
    bool keep_waiting = false;      // accept several responses until stop_waiting()
    uint64_t tag = 0;               // yours: comes back with the replies to this message
};

// An outgoing message or response whose body is still being written (or whose reply we await).
struct SocketyOut {
    uint64_t value = 0;
    SocketyId id;                   // its UUID (what the peer's replies name)
    bool valid() const noexcept { return value != 0; }
};

enum class SocketyKind : uint8_t {
    Message,    // a new message: id, action, expects_response, has_stream, data_size, files
    Response,   // a response to one of our messages: parent (our id), tag, matched, id, sizes, files
    FastReply,  // parent (our message's id), tag, matched, code
    Data,       // a piece of the data of unit `id`: offset, bytes, last (all data is in)
    File,       // a piece of file `file_index` of unit `id`: offset, bytes, last (the file ended)
    Stream,     // a piece of the stream of unit `id`
    StreamEnd,  // the stream of unit `id` ended
    Aborted,    // the peer aborted unit `id` (a message or response in progress): drop it
    GoAway,     // the peer finishes what is in flight and then closes; send no new messages
};
const char* to_string(SocketyKind k) noexcept;

struct SocketyFileInfo {
    std::string_view name;
    uint64_t size = 0;
};

// One item handed out by try_read. Valid until release() or the next try_read on the connection.
struct SocketyView {
    SocketyKind kind = SocketyKind::Message;
    SocketyId id;                  // Message/Response: its id; chunks, StreamEnd, Aborted: the owner's
    SocketyId parent;              // Response, FastReply: the message it answers
    uint64_t tag = 0;              // Response, FastReply: that message's SocketyDraft::tag
    bool matched = false;          // Response, FastReply: it answers a message that awaits a reply
    bool is_response = false;      // chunks, StreamEnd, Aborted: the owner is a Response
    bool expects_response = false; // Message: the sender wants a reply
    bool has_stream = false;       // Message/Response: Stream chunks will follow
    bool last = false;             // Data: all data is in; File: the file ended
    bool finished = false;         // the owner's last piece: all its data, files and stream are in
    uint16_t code = 0;             // FastReply
    uint16_t channel = 0;          // the channel the owner arrived on
    std::string_view action;       // Message
    uint64_t data_size = 0;        // Message/Response
    uint64_t files_size = 0;       // Message/Response: all files together
    uint32_t files_count = 0;      // Message/Response
    uint32_t file_index = 0;       // File
    uint64_t offset = 0;           // Data, File, Stream: where `data` sits in the payload / file / stream
    const uint8_t* data = nullptr; // Data, File, Stream: the bytes (a view of the rx ring)
    size_t size = 0;

    // Message/Response: name and size of file i (< files_count), as declared in the header.
    SocketyFileInfo file(uint32_t i) const noexcept;
    // Hands the ring bytes back. Safe to call twice.
    void release() noexcept;

    ReadView view_{};                 // internal: the ring bytes behind `data`
    const void* files_ = nullptr;     // internal: the header's file table
    const char* names_ = nullptr;
};

// The Sockety calls on one connection (a Conn from a sockety:// listener or dialer). A cheap
// wrapper: copy it freely; every call checks the handle. None of them blocks.
class SocketyConn {
public:
    SocketyConn() noexcept = default;
    explicit SocketyConn(Conn c) noexcept : conn_(c) {}
    Conn conn() const noexcept { return conn_; }

    // The next item, see SocketyView. NoData: nothing now (after the next update, maybe);
    // Closed: the connection is gone. Message: a header, a fast reply, an event, or a whole
    // payload; Partial: a piece of a larger payload.
    Read try_read(SocketyView& out) const noexcept;

    // A new message. Errors: WrongState (not a Sockety connection, closing, or Go Away sent or
    // received), WouldBlock (Config::sockety.max_in_flight reached, or the start must wait in a
    // message slot and none is free: a Writable event follows), TooLarge (the given content fits
    // neither the tx ring nor a message slot: declare it and write it with write_data /
    // write_file), InvalidArgument (sizes over the format's limits, more than 256 files, a file
    // with content after one without, a SocketyFile::path that is no readable regular file or
    // not of the size given), SystemError (no random bytes for the id), InvalidHandle.
    // The returned SocketyOut names the unit until it is finished (and, for a message that waits
    // for a reply, until the reply came); it does not survive a reconnect.
    TW_NODISCARD Result<SocketyOut> send(const SocketyDraft& draft) const noexcept;
    // A full response to message `to`. Errors as send() (Go Away does not stop responses).
    TW_NODISCARD Result<SocketyOut> respond(const SocketyId& to, const SocketyDraft& draft) const noexcept;
    // A fast reply (0..4095) to message `to`; it needs no channel. Errors: WouldBlock, WrongState,
    // InvalidArgument (code > 4095).
    TW_NODISCARD Error fast_reply(const SocketyId& to, uint16_t code) const noexcept;
    TW_NODISCARD Error fast_reply(const SocketyId& to, FastReply code) const noexcept {
        return fast_reply(to, static_cast<uint16_t>(code));
    }

    // Declared content, in pieces. Each call takes as much as the tx ring has room for right now
    // and returns the bytes taken (at least 1 when size > 0), or WouldBlock (nothing taken; a
    // Writable event follows). Files go in order: write_file for file i once files before it are
    // complete (a file of size 0 ends by itself). Errors: InvalidArgument (more than declared,
    // a file out of turn), WrongState (the unit is finished or still waits for its channel:
    // WouldBlock), InvalidHandle (stale SocketyOut).
    TW_NODISCARD Result<size_t> write_data(SocketyOut out, const void* data, size_t size) const noexcept;
    TW_NODISCARD Result<size_t> write_file(SocketyOut out, uint32_t index, const void* data, size_t size) const noexcept;
    TW_NODISCARD Result<size_t> write_stream(SocketyOut out, const void* data, size_t size) const noexcept;
    TW_NODISCARD Error end_stream(SocketyOut out) const noexcept;
    // Cancels a unit we are sending: an Abort packet goes out (sockety-js ignores it and then
    // fails on that channel: do not abort towards sockety-js peers) and its channel is free.
    TW_NODISCARD Error abort(SocketyOut out) const noexcept;
    // Ends the wait for replies of a message sent with keep_waiting (or any we no longer want).
    TW_NODISCARD Error stop_waiting(SocketyOut out) const noexcept;
    // True while `out` is still being written or waits for a reply.
    bool in_flight(SocketyOut out) const noexcept;

    // A heartbeat now (they also go out by themselves when we were silent).
    TW_NODISCARD Error heartbeat() const noexcept;
    // Graceful end: Go Away goes out, no new messages may be sent (responses may), and the
    // connection closes once nothing is in flight either way.
    TW_NODISCARD Error go_away() const noexcept;

    // The peer's channel limit (0 until its connection header arrived).
    uint32_t peer_channels() const noexcept;
    // Our units being written or awaiting replies.
    uint32_t outgoing() const noexcept;

private:
    // The connection behind the handle and its engine, or null (stale handle).
    detail::ConnSlot* slot(detail::Engine*& engine) const noexcept;
    Conn conn_{};
};

} // namespace tickwire
