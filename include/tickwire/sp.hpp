// SP message sockets: the nanomsg / NNG scalability patterns, wire-compatible with both, on the
// tickwire core (same update(), same memory, no threads, no allocation).
//
//     SpSocket pull;                                 // must not move while open
//     pull.open(ctx, SpPattern::Pull);
//     pull.listen("tcp://127.0.0.1:5555");           // any number of listen()/dial() calls
//     for (;;) {
//         ctx.update(16);
//         SpMessage m;
//         while (pull.try_read(m) == Read::Message) { use(m.data, m.size); m.release(); }
//     }
//
// Every accepted or dialed connection is a *pipe*. On tcp://, ipc://, inproc:// and tls+tcp://
// the 8-byte SP handshake goes first and the peer's protocol is checked (a wrong peer or a bad
// header closes that pipe: last_pipe_error() says why, and a dialer redials after its backoff);
// messages are framed per transport (8-byte length; ipc: 0x01 + length). On ws:// and wss://
// the upgrade names the protocols instead ("<pattern>.sp.nanomsg.org": a dialer asks for its
// peer's, a listener accepts only its own, 400 otherwise) and one binary WebSocket message is
// one SP message, fragments reassembled. Messages are handed out whole, up to
// Config::message_slot_size bytes (a larger one closes its pipe with MessageTooLarge), and sent
// up to the same size: one larger than a ring block is staged in a message slot and leaves as
// the ring drains (on ws as a binary frame and continuations). Pipes are core connections: they
// count against Config::max_connections and are never announced with events; pipes() and
// pipes_added() show them.
//
// Polling: the socket has no events of its own. Call try_read() after every update() until it
// answers NoData; REQ's resends also happen inside try_read() and send(). Devices
// (sp_forward) and drain() do their work inside update().
// Supported: tcp, ipc, inproc, ws, wss, tls+tcp. Patterns: pair (v0) and pair1 (NNG's v1, hop
// count), push/pull, pub/sub, req/rep (cooked: send() = one request, request() = up to
// kSpMaxRequests in flight with ids; rep answers any request it handed out with reply()), bus,
// surveyor/respondent (one survey at a time, survey_status() for the deadline); raw mode for
// all of them (SpOptions::raw) and devices between raw sockets. Not here: NNG's contexts
// (request ids instead), socket options beyond SpOptions, zerotier/tls+ws schemes.
//
// Lifetime: close() (or destroy) every SpSocket before its Context shuts down; the socket must
// not move while open (its pipes name it).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tickwire/context.hpp"

namespace tickwire {

namespace detail { struct SpSocketState; }

enum class SpPattern : uint8_t { Pair, Push, Pull, Pub, Sub, Req, Rep, Bus, Surveyor, Respondent, Pair1 };
const char* to_string(SpPattern p) noexcept;

// Pipes per socket (listened + dialed + accepted), and the pattern limits.
constexpr size_t kSpMaxPipes = 16;
constexpr size_t kSpMaxListeners = 4;
constexpr size_t kSpMaxSubscriptions = 16;
constexpr size_t kSpMaxPrefix = 64;
constexpr size_t kSpMaxBacktrace = 64;   // bytes of REP backtrace kept (16 words)
constexpr size_t kSpMaxRequests = 8;     // REQ: requests in flight at once (request())

struct SpOptions {
    // REQ: resend the request when no reply came within this time (nanomsg's default: 60 s).
    uint32_t resend_ms = 60000;
    // SURVEYOR: responses are accepted for this long after send() (nanomsg's default: 1 s).
    uint32_t survey_ms = 1000;
    // Raw mode, as NNG's raw sockets (for devices, proxies, brokers): no pattern state, every
    // message delivered, SP headers passed through untouched in SpMessage::backtrace:
    //   REQ / SURVEYOR receive: the first word (the pipe id a device pushed, or the id);
    //   REP / RESPONDENT receive: our pipe id (top bit clear) + the request's backtrace;
    //   BUS receive: our pipe id (a raw BUS send with it skips that pipe: no echo);
    //   PAIR1 receive: the hop count. Send with send_raw() / send_message(): REP/RESPONDENT
    //   route by the first header word (our pipe id), REQ / SURVEYOR / PUSH / PUB / PAIR send
    //   header + body as they are, PAIR1 increments the hop count (dropped at max_ttl).
    bool raw = false;
    // PAIR1: messages whose hop count exceeds this are dropped (NNG's NNG_OPT_MAXTTL, 8).
    uint8_t max_ttl = 8;
    // Pipes this socket keeps at once, accepted and dialed together (0: kSpMaxPipes, the most).
    // A connection accepted beyond it is closed at once (SpCounters::pipes_refused); dial()
    // beyond it answers NoConnectionSlot.
    uint8_t max_pipes = 0;
};

// What a socket did with messages, since open(). Every message a pattern does not deliver or
// does not send is counted here: backpressure and drops are never silent.
struct SpCounters {
    uint64_t sent = 0;             // send()/request()/reply()/send_to() calls that answered Ok
    uint64_t received = 0;         // messages try_read() handed out
    uint64_t would_block = 0;      // sends refused with WouldBlock (no pipe had room)
    uint64_t dropped_in = 0;       // arrived, not delivered by the pattern's rules (SUB filter,
                                   // stale REQ reply, late survey response, PAIR1 ttl, bad header)
    uint64_t dropped_out = 0;      // PUB/BUS/SURVEYOR copies a pipe had no room for
    uint64_t pipes_refused = 0;    // accepted connections closed for SpOptions::max_pipes
};

// One received message. data/size are the body (SP headers stripped). Valid until release();
// release it before the next try_read() of the same socket when it came from a ring (the pipe
// is paused until then). `pipe` is the connection it came in on (for send_to()).
struct SpMessage {
    const uint8_t* data = nullptr;  // nullptr for an empty message
    size_t size = 0;
    Conn pipe{};
    // REP / RESPONDENT: the request's backtrace (wire bytes), sent back in front of the reply.
    uint8_t backtrace[kSpMaxBacktrace] = {};
    uint8_t backtrace_size = 0;
    // REQ: the id of the request this message answers (as request() returned it); else 0.
    uint32_t request_id = 0;

    void release() noexcept { view_.release(); data = nullptr; size = 0; }

    ReadView view_{};  // internal: the ring bytes or message slot behind data
};

class SpSocket {
public:
    SpSocket() noexcept = default;
    ~SpSocket() { close(); }
    SpSocket(const SpSocket&) = delete;
    SpSocket& operator=(const SpSocket&) = delete;

    // Errors: NotInitialized (ctx not initialised), AlreadyInitialized (already open).
    TW_NODISCARD Error open(Context& ctx, SpPattern pattern, const SpOptions& options = {}) noexcept;
    // Closes every pipe (unsent bytes are dropped) and listener. The Context must still be alive.
    void close() noexcept;
    // Graceful close (linger): listeners close, dialers stop redialing, sends answer WrongState
    // (try_read still works); inside the following update()s each pipe is closed once what was
    // queued for it (a large message included) has gone out — ws pipes with a Close frame,
    // tls with close_notify. Pipes still busy after linger_ms are aborted. drained() says when
    // every pipe is gone; then close() (or the destructor) frees the socket without loss.
    TW_NODISCARD Error drain(uint32_t linger_ms) noexcept;
    bool drained() const noexcept;
    bool is_open() const noexcept { return state_ != nullptr; }

    // tcp://, ipc://, inproc://, ws://, wss://, tls+tcp:// (the TLS ones need Config::tls).
    // Errors: as Context::listen/dial, UnsupportedScheme (sockety), NoListenerSlot /
    // NoConnectionSlot (this socket's tables are full too).
    TW_NODISCARD Result<ListenerId> listen(const char* url) noexcept;
    // The returned handle is the pipe; it stays the same across reconnects.
    TW_NODISCARD Result<Conn> dial(const char* url) noexcept;

    // Message with a whole message in `out`; Partial when none is whole yet but part of one has
    // arrived on a pipe (read again after the next update()); NoData when nothing is arriving.
    // Messages a pattern does not deliver (SUB without a matching prefix, REQ replies to an old
    // request) are dropped here (SpCounters::dropped_in).
    Read try_read(SpMessage& out) noexcept;

    // Routes one message per pattern, all or nothing:
    //   PAIR / PAIR1: the peer; PUSH: the next pipe in turn that has room (WouldBlock when none has);
    //   PUB: every pipe that has room (Ok even with none: PUB drops); REQ: stores the request
    //   (a new one cancels the old), sends it to a pipe now or when one is up, resends after
    //   resend_ms; REP: the reply to the last request handed out (WrongState when none).
    //   BUS: like PUB (every pipe with room). SURVEYOR: a new survey to every pipe with room
    //   (a new one ends the old); responses come through try_read until survey_ms passed.
    //   RESPONDENT: like REP, the answer to the last survey handed out.
    // A pipe still sending a large message takes no other one meanwhile (it counts as full).
    // Raw sockets: send() is send_raw() without a header.
    // Errors: WrongState (PULL/SUB cannot send; draining), TooLarge (bigger than a message
    // slot), WouldBlock, NoMessageSlot (REQ keeps its request in a slot; a large message too).
    TW_NODISCARD Error send(const void* data, size_t size) noexcept;
    // One message to one pipe, framed (no pattern header). Errors as send(), InvalidHandle.
    TW_NODISCARD Error send_to(Conn pipe, const void* data, size_t size) noexcept;
    // REP / RESPONDENT: answers `request` (its backtrace goes in front) on its pipe.
    TW_NODISCARD Error reply(const SpMessage& request, const void* data, size_t size) noexcept;

    // REQ with several requests in flight (explicit ids rather than NNG's contexts): starts a
    // request without cancelling the others and answers its id; the reply carries it in
    // SpMessage::request_id. Each request is resent after resend_ms on its own, and a reply
    // ends it. send() instead cancels every request in flight (NNG's plain REQ socket).
    // Errors: WrongState (not a cooked REQ), NoMessageSlot (kSpMaxRequests in flight or the
    // pool is empty), TooLarge.
    TW_NODISCARD Result<uint32_t> request(const void* data, size_t size) noexcept;
    // Forgets a request in flight (a late reply is dropped). Errors: InvalidArgument (unknown id).
    TW_NODISCARD Error cancel(uint32_t request_id) noexcept;
    size_t requests_in_flight() const noexcept;
    // SURVEYOR, as NNG: Ok while the current survey collects responses, TimedOut once its
    // deadline passed (later responses are dropped; send() starts the next survey and cancels
    // this one), WrongState before the first survey.
    TW_NODISCARD Error survey_status() const noexcept;

    // Raw sockets: sends `header` (wire bytes) in front of `body`, routed as SpOptions::raw says.
    // Errors as send(), plus WrongState on a cooked socket, InvalidArgument for a bad header.
    TW_NODISCARD Error send_raw(const void* header, size_t header_size, const void* body, size_t size) noexcept;
    TW_NODISCARD Error send_message(const SpMessage& m) noexcept {
        return send_raw(m.backtrace, m.backtrace_size, m.data, m.size);
    }

    // SUB: receive messages that start with `prefix` ("" = all). Errors: TooLarge (longer than
    // kSpMaxPrefix), NoMessageSlot (table full), WrongState (not a SUB socket).
    TW_NODISCARD Error subscribe(std::string_view prefix) noexcept;
    TW_NODISCARD Error unsubscribe(std::string_view prefix) noexcept;

    // Pipes whose handshake succeeded and that are open now.
    size_t ready_pipes() const noexcept;
    // Those pipes' handles (for send_to, or to notice peers coming and going); returns how many
    // were written (at most cap). pipes_added() counts every pipe that came up so far, so
    // pipes_added() - ready_pipes() have gone away.
    size_t pipes(Conn* out, size_t cap) const noexcept;
    uint64_t pipes_added() const noexcept;
    // Why the last pipe closed (Ok when none closed badly), and how many did.
    Error last_pipe_error() const noexcept;
    uint64_t pipe_failures() const noexcept;
    // Messages sent, received, refused and dropped (see SpCounters).
    SpCounters counters() const noexcept;

private:
    friend Error sp_forward(SpSocket& a, SpSocket& b) noexcept;
    detail::SpSocketState* state_ = nullptr;
    // The socket's state lives here, inside the object (no allocation).
    alignas(8) unsigned char storage_[4096];
};

// A device (NNG's nng_device): every message that arrives on `a` is sent on `b` and the other
// way, inside each update() — a broker or proxy in a few lines. Both must be raw sockets of
// matching protocols (REP+REQ, RESPONDENT+SURVEYOR, PULL+PUSH, SUB+PUB, BUS+BUS, PAIR+PAIR,
// PAIR1+PAIR1) and open in the same Context; do not try_read() them yourself. A message the
// other side cannot take now (WouldBlock, no slot) waits in the device (backpressure);
// messages the other side's pattern drops are dropped. Ends when either socket closes.
// Errors: NotInitialized, WrongState (not raw / busy forwarding), InvalidArgument (protocols
// that are not peers, or a == b).
TW_NODISCARD Error sp_forward(SpSocket& a, SpSocket& b) noexcept;

} // namespace tickwire
