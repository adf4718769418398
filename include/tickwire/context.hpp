// The Context: one per thread that does networking. It owns every connection, listener, timer and
// buffer, and moves all of them forward inside update(). Nothing happens between two updates, and
// no call blocks (update() sleeps only when you pass it a timeout).
//
//     tickwire::Config cfg;                       // sizes of everything, once
//     tickwire::Context ctx;
//     if (ctx.init(cfg) != tickwire::Error::Ok) ...
//     auto l = ctx.listen("tcp://*:9000");
//     for (;;) {                                  // your frame
//         ctx.update(0);                          // I/O, timers, handshakes: all of it
//         tickwire::Event ev;
//         while (ctx.next_event(ev)) { ... }      // accepted / connected / data / closed ...
//         tickwire::ReadView v;
//         while (conn.try_read(v) == tickwire::Read::Message) { use(v.data, v.size); v.release(); }
//     }
//
// Ownership, the one rule: a received view belongs to you until you release() it; bytes you send
// belong to the library from the moment send()/commit() returns Ok.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config.hpp"
#include "error.hpp"
#include "handles.hpp"
#include "stats.hpp"

namespace tickwire {

namespace detail { struct Engine; }
class Context;
class SocketyConn;

// What try_read found.
enum class Read : uint8_t {
    NoData,   // nothing new; try again after the next update()
    Partial,  // part of a unit has arrived. Streaming: the view holds the next piece. Whole
              // messages: progress only (size 0; received of total, 0 = unknown): read again
              // after the next Data event
    Message,  // a whole unit is in the view: bytes of a plain stream, or one protocol message
    Closed,   // the connection is gone (or the handle is stale); nothing more will arrive
};

// What the bytes of a view are.
enum class DataKind : uint8_t { Bytes, Text, Binary };

// A received unit (or, for Read::Partial, the progress of one). Points into library memory that
// stays valid and unchanged until release(), or until the end of the next update() for a
// connection that closed. A view that points into the connection's ring (plain streams, and
// WebSocket messages that arrived in one piece) must be released before the next try_read on the
// same connection: until then a plain stream hands the same bytes again and WebSocket answers
// NoData. retain() moves a view into a message slot when you want to keep it longer.
struct ReadView {
    const uint8_t* data = nullptr;
    size_t size = 0;
    uint64_t received = 0;      // Partial: bytes of the unit that have arrived so far
    uint64_t total = 0;         // Partial: the unit's size when known, else 0
    DataKind kind = DataKind::Bytes;
    int64_t time_us = 0;        // monotonic clock when the last byte of the view arrived
    // Streamed messages (WsOptions::streaming): where this chunk sits in its message, and
    // whether it is the message's first / last chunk. Whole messages: 0, true, true.
    uint64_t offset = 0;
    bool first = true;
    bool final = true;

    // Hands the bytes back: the ring space or message slot is reused. Safe to call twice.
    void release() noexcept;
    // Plain streams: hands back only the first `n` bytes; the rest comes again with the next
    // try_read (e.g. when only part of it could be sent on). For messages, the same as release().
    void release(size_t n) noexcept;
    // Empties the view without handing anything back (the library's own bookkeeping).
    void clear() noexcept {
        data = nullptr;
        size = 0;
        received = total = offset = 0;
        kind = DataKind::Bytes;
        first = final = true;
        engine_ = nullptr;
        conn_ = message_ = 0;
        consume_ = 0;
    }
    // Copies the view into a message slot so it survives further reads of the connection.
    // Errors: NoMessageSlot (pool empty, view unchanged), TooLarge (bigger than a slot).
    TW_NODISCARD Error retain() noexcept;

    // Internal bookkeeping: which buffer to give back.
    detail::Engine* engine_ = nullptr;
    uint64_t conn_ = 0;
    uint64_t message_ = 0;      // message slot handle, or 0 for a ring view
    uint32_t consume_ = 0;      // ring bytes to consume on release
};

// Space inside the tx ring, handed out by Conn::begin_write.
struct WriteSpan {
    uint8_t* data = nullptr;
    size_t size = 0;
};

enum class ConnState : uint8_t {
    Invalid,      // stale handle
    Resolving,    // waiting for DNS
    Connecting,   // TCP connect in progress
    Open,
    Closing,      // close() called: flushing what was sent, then closing
    Backoff,      // a dialer waiting to reconnect
    Closed,       // finished; the handle becomes invalid at the next update()
};

// The HTTP upgrade request of an accepted WebSocket connection, readable until the next
// update() after its Accepted event (Conn::request()).
struct RequestInfo {
    std::string_view path;         // "/chat" (as sent, not percent-decoded)
    std::string_view query;        // "room=1" (without '?'), or empty
    std::string_view subprotocol;  // the one chosen, or empty
    std::string_view origin;       // the Origin header, or empty
    std::string_view head;         // the whole request head, for anything else
    // The value of the first header named `name` (ASCII case-insensitive), or empty.
    std::string_view header(std::string_view name) const noexcept;
};

// A connection handle (accepted, dialed, or an in-process end). Cheap to copy; every call checks
// the generation, so a stale handle answers InvalidHandle / Read::Closed, never crashes.
// The Context must outlive the handles it gave out and must not move.
class Conn {
public:
    Conn() noexcept = default;

    // Never blocks. For a plain stream, a Message view holds the contiguous bytes that arrived
    // (at most one ring block). See Read for the answers.
    Read try_read(ReadView& out) const noexcept;

    // Queues `size` bytes for sending, all or nothing. They leave in the next update() or flush().
    // Errors: WouldBlock (no room now; a Writable event follows when there is), TooLarge (more
    // than a ring block), WrongState (not open yet / closing), InvalidHandle.
    TW_NODISCARD Error send(const void* data, size_t size) const noexcept;

    // Sends a received view on (from this connection or another) and releases it, all or
    // nothing. Plain streams: its bytes, as send() does. WebSocket: one frame of the view's
    // kind, as send_message() (a whole message) or send_fragment() (a streamed piece, `final`
    // from the view) do. Where it can, the payload is not copied (an echo or a proxy forwards
    // at memory-bus speed); stats().views_forwarded_in_place counts those:
    // - a view in this connection's rx ring block is sent from where it lies (for WebSocket the
    //   new frame header takes the old one's place): the block changes sides when nothing else
    //   waits to be sent, otherwise the bytes stay pinned in rx until the kernel has them
    //   (plain sockets, not TLS or inproc; at most 4 such sends queued per connection);
    // - a whole WebSocket message in a message slot (one larger than a ring block) is sent from
    //   its slot, even as one frame larger than the tx ring; the slot is free once it is out.
    // Otherwise the bytes are copied (views under 4 KiB always are).
    // Errors as send() / send_message(); on an error the view is untouched and still yours.
    TW_NODISCARD Error send_view(ReadView& view) const noexcept;

    // Zero-copy send: reserves `size` contiguous bytes in the tx ring; fill them, then commit(n)
    // with n <= size (commit(0) cancels). Only one write may be open per connection.
    // Errors as send(), plus PendingWrite.
    TW_NODISCARD Result<WriteSpan> begin_write(size_t size) const noexcept;
    TW_NODISCARD Error commit(size_t size) const noexcept;

    // Writes what is queued now instead of at the next update(). Never blocks: what the kernel
    // does not take stays queued.
    TW_NODISCARD Error flush() const noexcept;

    // --- WebSocket connections (ws://, wss://) ------------------------------------------
    // One whole message, all or nothing, framed (and masked on the client side) in the tx
    // ring. Errors as send(), plus WrongState on a connection that is not WebSocket.
    TW_NODISCARD Error send_text(std::string_view text) const noexcept;
    TW_NODISCARD Error send_binary(const void* data, size_t size) const noexcept;
    TW_NODISCARD Error send_message(DataKind kind, const void* data, size_t size) const noexcept;
    // A message in pieces, for messages larger than the tx ring: `kind` names the message on the
    // first piece (later pieces continue it); `final` ends it. Each piece is one frame.
    TW_NODISCARD Error send_fragment(DataKind kind, const void* data, size_t size, bool final) const noexcept;
    // Zero-copy message: reserves room for the frame header and `size` payload bytes; fill
    // WriteSpan, then commit(n), n <= size: the header is written in front (masked on clients).
    TW_NODISCARD Result<WriteSpan> begin_message(DataKind kind, size_t size) const noexcept;
    TW_NODISCARD Error ping(const void* data, size_t size) const noexcept;
    // Starts the closing handshake with `code` (1000 normal) and a reason (<= 123 bytes); the
    // Closed event follows when the peer answers or the handshake timeout passes.
    TW_NODISCARD Error close(uint16_t code, std::string_view reason) const noexcept;
    // The upgrade request, until the next update() after Accepted; nullptr otherwise.
    const RequestInfo* request() const noexcept;
    // The subprotocol agreed in the handshake, or empty.
    std::string_view subprotocol() const noexcept;

    // Graceful close: what was sent is flushed, then the connection closes (a Closed event
    // follows). A dialer does not reconnect after close(). WebSocket: close(1000, "").
    TW_NODISCARD Error close() const noexcept;
    // Immediate close: queued bytes are dropped and the peer sees a reset.
    TW_NODISCARD Error abort() const noexcept;
    // Half-close: we send no more (FIN); reading goes on.
    TW_NODISCARD Error shutdown_write() const noexcept;

    ConnState state() const noexcept;
    size_t send_capacity() const noexcept;   // bytes send() would take right now
    // More about the last failure (for TLS: mbedTLS's own message), until the next update();
    // empty when there is nothing to add.
    std::string_view error_detail() const noexcept;
    void set_user(void* user) const noexcept;
    void* user() const noexcept;

    uint64_t id() const noexcept { return handle_; }
    bool valid() const noexcept { return state() != ConnState::Invalid; }
    friend bool operator==(Conn a, Conn b) noexcept { return a.handle_ == b.handle_ && a.engine_ == b.engine_; }
    friend bool operator!=(Conn a, Conn b) noexcept { return !(a == b); }

    Conn(detail::Engine* e, uint64_t h) noexcept : engine_(e), handle_(h) {}

private:
    friend class SocketyConn;  // sockety.hpp: the Sockety calls on a connection
    detail::Engine* engine_ = nullptr;
    uint64_t handle_ = 0;
};

enum class EventType : uint8_t {
    Accepted,      // a listener accepted `conn`
    Connected,     // a dialed `conn` is open (again, after a reconnect)
    Data,          // new bytes arrived for `conn`: try_read until NoData (one event per update)
    Writable,      // `conn` has room again after a send answered WouldBlock
    PeerShutdown,  // the peer sent FIN and the connection was opened with half_close
    Error,         // `conn` (or `listener`) failed with `error`; Closed or Reconnecting follows
    Closed,        // `conn` is finished; `error` says why (Ok: orderly), `unsent` bytes were lost
    Reconnecting,  // a dialed `conn` lost its connection and retries after backoff
    Timer,         // `timer` fired with its `timer_user` value
    Ping,          // a WebSocket ping arrived on `conn` (already answered with a pong)
};

struct Event {
    EventType type = EventType::Data;
    tickwire::Error error = tickwire::Error::Ok;
    Conn conn{};
    ListenerId listener{};
    TimerId timer{};
    uint64_t timer_user = 0;
    uint64_t unsent = 0;
    int64_t time_us = 0;
    // WebSocket Closed: the close code (1005 none given, 1006 no closing handshake) and reason,
    // readable until the next update().
    uint16_t close_code = 0;
    std::string_view close_reason;
};

const char* to_string(EventType t) noexcept;

// WebSocket settings of a ws:// listener or dialer. The strings are not copied: they must live
// as long as the listener / dialer.
struct WsOptions {
    // Whole-message mode: the largest message accepted (0: Config::message_slot_size); larger
    // ones close the connection with 1009. Streaming mode: 0 means no limit.
    uint64_t max_message = 0;
    // Hand messages out chunk by chunk as they arrive (Read::Partial views with offset/first/
    // final) instead of whole: a message of any size passes through small buffers.
    bool streaming = false;
    // Server: the subprotocols it speaks, comma-separated, preferred first. Client: offered.
    const char* subprotocols = nullptr;
    // Client: the Origin header to send (browsers always send one).
    const char* origin = nullptr;
    // Server: decides on the Origin of each upgrade; false answers 403. Null accepts all.
    bool (*accept_origin)(std::string_view origin, void* user) = nullptr;
    void* accept_origin_user = nullptr;
    // Extra header lines for the 101 response / the upgrade request ("Name: value\r\n"...).
    const char* extra_headers = nullptr;
    // Server: answer plain GET/HEAD requests with files under this folder (index.html for /).
    const char* static_root = nullptr;
};

struct ListenOptions {
    bool half_close = false;  // keep accepted connections open after the peer's FIN
    void* user = nullptr;     // copied to each accepted connection's user()
    WsOptions ws{};           // for ws:// URLs
};

struct DialOptions {
    bool reconnect = true;          // redial with capped exponential backoff after a failure
    bool half_close = false;
    uint32_t connect_timeout_ms = 0;  // 0: Config::connect_timeout_ms
    void* user = nullptr;
    WsOptions ws{};                 // for ws:// URLs
};

// Optional callback style: a thin layer over next_event(), used by Context::dispatch() and
// Context::update(timeout, callbacks). Any pointer may be null.
struct Callbacks {
    void* user = nullptr;
    void (*on_open)(void* user, Conn c, const Event& e) = nullptr;    // Accepted, Connected
    // Each Message/Partial view, read with try_read on a Data or Writable event. The view is
    // released when the callback returns. To keep it (a send said WouldBlock), copy it and
    // clear() the one passed in; the copy is then yours to release() or send_view(). Until
    // then that connection's reads pause (try_read answers NoData); they go on at its next
    // Writable or Data event (a Writable event reads too).
    void (*on_data)(void* user, Conn c, ReadView& v) = nullptr;
    void (*on_writable)(void* user, Conn c) = nullptr;
    void (*on_close)(void* user, Conn c, const Event& e) = nullptr;   // Closed, Reconnecting
    void (*on_error)(void* user, Conn c, const Event& e) = nullptr;
    void (*on_timer)(void* user, const Event& e) = nullptr;
};

class Context {
public:
    Context() noexcept = default;
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    // Bytes init() will take for this config (see README.md "Memory" for the formula).
    static size_t required_memory(const Config& config) noexcept;

    // Takes all memory once: from config.allocator (or operator new) — or from `buffer`, which
    // must be at least required_memory(config) bytes, aligned to 64, and outlive the Context.
    // Errors: InvalidArgument (bad sizes, ring_block_size not a power of two), OutOfMemory,
    // BufferTooSmall, AlreadyInitialized, SystemError (no poller).
    TW_NODISCARD Error init(const Config& config) noexcept;
    TW_NODISCARD Error init(const Config& config, void* buffer, size_t size) noexcept;
    // Closes everything at once and gives the memory back (also done by the destructor). Called
    // from inside update() (a callback, the log hook) it does nothing.
    void shutdown() noexcept;
    bool initialized() const noexcept { return engine_ != nullptr; }

    // Moves everything: accepts, connects, DNS, reads, writes, timers, reconnects. With
    // timeout_ms = 0 it never blocks; with more it sleeps in the poller until something happens
    // or the timeout (or the next timer) is due. Never starts a thread.
    TW_NODISCARD Error update(int timeout_ms) noexcept;
    // Next queued event; false when none is left.
    bool next_event(Event& out) noexcept;
    // Drains events (and each connection's data) through callbacks. Call after update().
    void dispatch(const Callbacks& cb) noexcept;
    // update() with the callbacks run inside it: each connection's events go to `cb` right after
    // its bytes are read, and what the callbacks send to that connection is written before the
    // next connection is read (what they send to others, such as a relay, before update()
    // returns). Bytes are then read, handled and sent while they are still in the
    // CPU cache; update() + dispatch() reads every ready connection before the application
    // answers any (README.md "Speed" has both). Events of other sources (timers, accepts) go to
    // `cb` too, in queue order. The callbacks may do anything the application may do between
    // updates, except call update() (it answers WrongState) or shutdown() (it does nothing
    // there).
    TW_NODISCARD Error update(int timeout_ms, const Callbacks& cb) noexcept;

    // Starts listening: "tcp://*:9000", "tcp://127.0.0.1:0", "tcp://[::1]:9000",
    // "ipc:///tmp/x.sock", "inproc://name". Errors: InvalidUrl, UnsupportedScheme,
    // NoListenerSlot, AddressInUse, ...
    TW_NODISCARD Result<ListenerId> listen(const char* url, const ListenOptions& opts = {}) noexcept;
    TW_NODISCARD Error close_listener(ListenerId l) noexcept;
    // The port a tcp listener got (useful with port 0), or 0.
    uint16_t listener_port(ListenerId l) const noexcept;

    // Starts connecting; the Connected event says when it is open. Host names are resolved
    // without blocking. The returned handle stays the same across reconnects.
    TW_NODISCARD Result<Conn> dial(const char* url, const DialOptions& opts = {}) noexcept;

    // A timer: fires once after delay_ms, then every repeat_ms if that is not 0.
    TW_NODISCARD Result<TimerId> set_timer(uint32_t delay_ms, uint64_t user, uint32_t repeat_ms = 0) noexcept;
    TW_NODISCARD Error cancel_timer(TimerId t) noexcept;

    // Sends one WebSocket message to many connections: the frame is encoded once and copied
    // into each tx ring. Returns how many connections took it. Those without room are skipped
    // and counted in Stats::send_would_block (a Writable event follows); connections that are
    // not open WebSocket connections are skipped.
    size_t broadcast(const Conn* conns, size_t count, DataKind kind, const void* data, size_t size) noexcept;

    Stats stats() const noexcept;
    // The monotonic clock the library uses, in microseconds.
    int64_t now_us() const noexcept;

    detail::Engine* engine() const noexcept { return engine_; }

private:
    detail::Engine* engine_ = nullptr;
};

} // namespace tickwire
