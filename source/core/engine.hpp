// The engine behind tickwire::Context: every table the context owns, laid out once in its arena.
// Public API calls (context.cpp, conn_api.cpp) validate handles and call in here; update.cpp moves
// bytes; conn_io.cpp holds the read/write/close paths of one connection; endpoints.cpp listens,
// accepts, dials and reconnects.
#pragma once
#include <cstdint>

#include "core/arena.hpp"
#include "core/block_pool.hpp"
#include "core/event_queue.hpp"
#include "core/handle.hpp"
#include "core/message_pool.hpp"
#include "core/ring.hpp"
#include "core/timer_heap.hpp"
#include "core/tx_loans.hpp"
#include "core/work_list.hpp"
#include "crypto/random.hpp"
#include "crypto/tls_credentials.hpp"
#include "crypto/tls_engine.hpp"
#include "transport/dns/resolver.hpp"
#include "ws/reader.hpp"
#include "platform/poller.hpp"
#include "platform/socket.hpp"
#include "tickwire/context.hpp"
#include "transport/url.hpp"

namespace tickwire::detail {

enum class Transport : uint8_t { Tcp, Ipc, Inproc };

// What a connection's bytes carry, on top of the transport.
// Sp: a pipe of an SP message socket (sp/socket.cpp); never announced to the application.
// Sockety: a Sockety session (sockety/session.cpp), read and written through SocketyConn.
enum class Protocol : uint8_t { Raw, WebSocket, Sp, Sockety };

struct SpSocketState;  // sp/socket_state.hpp: the SP socket a pipe belongs to
struct SocketySession;  // sockety/session.hpp: a Sockety connection's channels and units

// Where a WebSocket connection is in its life.
enum class WsPhase : uint8_t {
    ServerHandshake,  // waiting for the upgrade request (or a plain HTTP request)
    ClientHandshake,  // upgrade request sent, waiting for the 101
    Http,             // serving a static file; then back to ServerHandshake (keep-alive) or closed
    Open,             // frames both ways
    Closing,          // our Close frame is sent: waiting for the peer's, then the end
    Failed,           // a rejection or our error Close is being flushed; then the end
};

// The WebSocket part of a connection: small, so that idle connections stay small.
struct WsConnState {
    ws::Reader reader;
    uint64_t message = 0;       // message slot holding a message being assembled, or 0
    uint64_t request = 0;       // message slot holding the upgrade request, until next update
    uint64_t reason = 0;        // message slot holding the peer's close reason
    uint64_t file_left = 0;     // Http: body bytes still to send
    intptr_t file = -1;         // Http: the open file
    uint32_t message_size = 0;  // bytes assembled so far
    uint16_t close_code = 0;    // received (or sent, when we started) close code
    uint16_t subprotocol_off = 0;  // the chosen subprotocol within the options string
    uint8_t subprotocol_len = 0;
    uint8_t reason_len = 0;
    WsPhase phase = WsPhase::Open;
    uint8_t flags = 0;          // kWs* below
};
enum : uint8_t {
    kWsCloseSent = 1 << 0,
    kWsCloseReceived = 1 << 1,
    kWsFragmentOpen = 1 << 2,   // send_fragment started a message we have not finished
    kWsKeepAlive = 1 << 3,      // Http: keep the connection after this response
    kWsMessageOpen = 1 << 4,    // begin_message reserved header + payload
    kWsHeadOnly = 1 << 5,       // Http: HEAD request
    kWsMessageKindText = 1 << 6,  // begin_message: text
    kWsStreamStarted = 1 << 7,  // streaming: a piece of the current message was handed out
};

// Per-connection flags.
enum : uint16_t {
    kConnListed = 1 << 0,        // in the work list
    kConnReadable = 1 << 1,      // the OS said readable and we have not seen WouldBlock since
    kConnWritable = 1 << 2,      // the OS said writable and we have not seen WouldBlock since
    kConnPeerEof = 1 << 3,       // the peer sent FIN
    kConnHalfClose = 1 << 4,     // keep open after FIN (PeerShutdown event instead of closing)
    kConnDataNotified = 1 << 5,  // a Data event was sent for this update's bytes
    kConnOweWritable = 1 << 6,   // a send answered WouldBlock: send Writable when there is room
    kConnWriteShut = 1 << 7,     // we sent FIN
    kConnWaitBlock = 1 << 8,     // reading paused: the block pool was empty
    kConnInGraveyard = 1 << 9,   // closed; freed at the next update
    kConnWriteOpen = 1 << 10,    // begin_write handed out space, commit pending
    kConnRegistered = 1 << 11,   // the socket is in the poller
    kConnShutPending = 1 << 12,  // shutdown_write(): send FIN once tx is drained
    kConnNoReconnect = 1 << 13,  // closed by the application: a dialer stops here
    kConnHupSeen = 1 << 14,      // the poller saw the peer hang up: read until EOF
    kConnAnnounced = 1 << 15,    // the application knows this connection: events are sent
};

// One connection. Kept small: an idle connection is this and nothing else.
struct ConnSlot {
    platform::SocketHandle fd = platform::kInvalidSocket;
    void* user = nullptr;
    Ring rx;
    Ring tx;
    int64_t last_rx_us = 0;
    uint32_t gen = 1;
    uint32_t dialer = kNone;     // dialer index when dialed, else kNone
    uint32_t listener = kNone;   // listener index when accepted
    uint32_t peer = kNone;       // inproc: the other end
    uint32_t rx_lent = 0;        // bytes of rx lent to the application by try_read
    uint32_t write_reserved = 0; // begin_write's reservation
    uint32_t tls = kNone;        // TLS session index; rx/tx then hold plaintext, and
    Ring tls_in;                 // ... ciphertext from the socket waits here,
    Ring tls_out;                // ... ciphertext for the socket here.
    uint16_t flags = 0;
    ConnState state = ConnState::Invalid;
    Transport transport = Transport::Tcp;
    Protocol protocol = Protocol::Raw;
    Error close_reason = Error::Ok;
    uint8_t sp_socket = 0;       // Protocol::Sp: 1 + the socket's index in Engine::sp_sockets
    uint8_t sp_pipe = 0;         // ... and the pipe's index in that socket's pipe table
    uint32_t sockety = kNone;    // Protocol::Sockety: the session's index in Engine::sockety
    WsConnState ws;
    TxLoans loans;               // sent where they lie, in order with tx (core/tx_loans.hpp)
    // A message in a message slot is out with an on_data callback: if the callback keeps it, the
    // connection hands out nothing more until it is released or sent on (core/callbacks.cpp).
    bool view_kept = false;
};

struct ListenerSlot {
    platform::SocketHandle fd = platform::kInvalidSocket;
    void* user = nullptr;
    uint32_t gen = 1;
    bool in_use = false;
    bool half_close = false;
    bool ready = false;          // the OS said a connection is waiting
    bool tls = false;
    Transport transport = Transport::Tcp;
    uint16_t port = 0;
    Protocol protocol = Protocol::Raw;
    uint8_t sp_socket = 0;       // Protocol::Sp: accepted connections become pipes of this socket
    WsOptions ws{};
    char name[108] = {};         // inproc name or ipc path (to unlink on close)
};

enum class DialStage : uint8_t { Idle, Resolving, Connecting, Open, Backoff };

struct DialerSlot {
    platform::Address address;   // where to connect, once known
    char host[256] = {};         // for DNS and logs
    uint16_t port = 0;
    bool in_use = false;
    bool reconnect = true;
    bool resolved = false;       // `address` is current
    bool by_name = false;        // the host is a name: resolve before each connect
    bool tls = false;
    Transport transport = Transport::Tcp;
    uint32_t conn = kNone;
    uint32_t backoff_ms = 0;
    uint32_t connect_timeout_ms = 0;
    dns::LookupHandle lookup;    // while resolving
    Protocol protocol = Protocol::Raw;
    uint8_t sp_socket = 0;       // Protocol::Sp: the socket (and pipe) this dialer keeps up
    uint8_t sp_pipe = 0;
    WsOptions ws{};
    char target[256] = {};       // ws: path and query for the request line
    uint8_t nonce[16] = {};      // ws: the Sec-WebSocket-Key of the current attempt
};

// The DNS client's share of the engine: the resolver state machine (sans-I/O, in
// transport/dns) plus what it needs from the outside: its sockets and the files' text.
struct DnsClient {
    dns::Resolver resolver;
    dns::HostsFile hosts;
    dns::DnsLookupSlot* slots = nullptr;
    char* hosts_text = nullptr;
    platform::SocketHandle socket4 = platform::kInvalidSocket;
    platform::SocketHandle socket6 = platform::kInvalidSocket;
    bool ready = false;      // resolver initialised
    uint32_t pending = 0;    // dialers waiting on it
};

struct UserTimer {
    uint64_t user = 0;
    uint32_t gen = 1;
    uint32_t repeat_ms = 0;
    bool in_use = false;
};

struct Engine {
    Config config{};
    void* memory = nullptr;
    size_t memory_size = 0;
    bool owns_memory = false;

    ConnSlot* conns = nullptr;
    uint32_t* conn_free = nullptr;
    uint32_t conn_free_count = 0;
    uint32_t conns_open = 0;

    ListenerSlot* listeners = nullptr;
    DialerSlot* dialers = nullptr;
    uint32_t max_dialers = 0;
    UserTimer* timers = nullptr;

    BlockPool blocks;
    MessagePool messages;
    EventQueue events;
    TimerHeap deadlines;
    WorkList work;           // connections with something to do in the next update
    FixedQueue<uint32_t> block_waiters;  // connections waiting for a ring block (kConnWaitBlock)
    uint32_t* graveyard = nullptr;
    uint32_t graveyard_count = 0;
    platform::Poller poller;
    platform::Readiness* ready = nullptr;
    uint32_t ready_capacity = 0;

    DnsClient dns;
    TlsCredentials tls_credentials;  // parsed once, shared by every TLS connection
    TlsSession* tls_sessions = nullptr;
    uint32_t* tls_free = nullptr;
    uint32_t tls_free_count = 0;
    bool tls_ready = false;
    void* tls_heap = nullptr;        // mbedTLS's fixed heap (--mbedtls=source builds), or nullptr
    size_t tls_heap_size = 0;
    Random random;                   // CTR-DRBG: mask keys, handshake nonces, DNS ids
    uint8_t mask_cache[64] = {};     // random bytes drawn ahead, 4 per masked frame
    uint32_t mask_used = 64;
    FixedQueue<uint64_t> deferred_slots;  // message slots freed at the next update

    Stats stats{};
    int64_t now_us = 0;
    bool in_update = false;

    // Token spaces for the poller and the deadline records.
    uint32_t listener_token_base() const noexcept { return config.max_connections; }
    uint32_t dns_token(int v6) const noexcept { return config.max_connections + config.max_listeners + static_cast<uint32_t>(v6); }
    uint32_t token_capacity() const noexcept { return config.max_connections + config.max_listeners + 2; }
    // Deadline records: [0, timers) user timers, then one per connection, one per dialer,
    // one per listener (accept retry).
    uint32_t conn_deadline(uint32_t c) const noexcept { return config.max_timers + c; }
    uint32_t dialer_deadline(uint32_t d) const noexcept { return config.max_timers + config.max_connections + d; }
    uint32_t listener_deadline(uint32_t l) const noexcept {
        return config.max_timers + config.max_connections + max_dialers + l;
    }
    uint32_t deadline_records() const noexcept {
        return config.max_timers + config.max_connections + max_dialers + config.max_listeners;
    }

    // --- lookups -------------------------------------------------------------------------
    ConnSlot* conn_from_handle(uint64_t h) noexcept {
        const uint32_t i = handle_index(h);
        if (i >= config.max_connections) return nullptr;
        ConnSlot& c = conns[i];
        if (c.gen != handle_gen(h) || c.state == ConnState::Invalid) return nullptr;
        return &c;
    }
    // A view in a message slot was released or sent on: its connection reads on.
    void view_let_go(uint64_t conn_handle) noexcept {
        if (ConnSlot* c = conn_from_handle(conn_handle)) c->view_kept = false;
    }
    uint32_t index_of(const ConnSlot& c) const noexcept { return static_cast<uint32_t>(&c - conns); }
    Conn conn_handle(uint32_t i) noexcept { return Conn(this, make_handle(i, conns[i].gen)); }

    // --- memory (engine_init.cpp) ---------------------------------------------------------
    static size_t layout(const Config& cfg, void* base, size_t size, Engine* e) noexcept;
    Error start() noexcept;
    void stop() noexcept;

    // --- events --------------------------------------------------------------------------
    void emit(EventType type, uint32_t conn, Error err = Error::Ok, uint64_t unsent = 0) noexcept;
    void log(LogLevel level, const char* fmt, ...) noexcept __attribute__((format(printf, 3, 4)));
    bool log_enabled(LogLevel level) const noexcept {
        return config.log.fn && static_cast<uint8_t>(level) <= static_cast<uint8_t>(config.log.level);
    }

    // --- connections (conn_io.cpp) -------------------------------------------------------
    uint32_t alloc_conn() noexcept;
    void list(uint32_t c) noexcept { work.push(c, conns[c].flags); }
    void process_conn(uint32_t c) noexcept;
    void read_socket(uint32_t c) noexcept;
    void write_pending(uint32_t c) noexcept;
    void finish_connect(uint32_t c) noexcept;
    void on_peer_eof(uint32_t c) noexcept;
    // Ends a connection: `err` Ok for an orderly close. Dialed connections that may reconnect
    // go to backoff instead of being freed.
    void fail_conn(uint32_t c, Error err) noexcept;
    void close_now(uint32_t c, Error reason, bool reset) noexcept;
    uint64_t drop_socket(uint32_t c, bool reset) noexcept;
    void release_dialer(ConnSlot& s) noexcept;
    void free_graveyard() noexcept;
    void consume_rx(ConnSlot& c, uint32_t n) noexcept;
    // rx_to_tx.cpp: the bytes [from, to) of rx (ring positions) become tx's whole content and
    // rx keeps what follows them; no byte of the range is copied. tx must be empty. False when
    // what follows needs a block and none is free (nothing changed then).
    bool rx_block_to_tx(ConnSlot& s, uint32_t from, uint32_t to) noexcept;
    void tx_drained(uint32_t c) noexcept;
    // Nothing waits to be sent: the tx ring is empty and nothing is lent.
    static bool tx_idle(const ConnSlot& s) noexcept { return s.tx.empty() && s.loans.count == 0; }
    // Reading space came back (consumed, or a pin released): free the block if it is empty, go
    // on reading, and let a connection waiting for a block have it.
    void rx_space_freed(uint32_t c) noexcept;

    // --- tx loans (tx_loans.cpp) ----------------------------------------------------------
    // Below this a copy costs less than a loan's bookkeeping.
    static constexpr size_t kLendMin = 4096;
    bool can_lend(const ConnSlot& s) const noexcept;
    uint8_t* loan_data(const ConnSlot& s, const TxLoan& l) const noexcept;
    // Lends `size` bytes at `at` (of message slot `slot`, which the loan now owns; or of rx
    // when `slot` is 0) after what tx holds now. The caller checked can_lend.
    void lend(ConnSlot& s, uint64_t slot, uint32_t at, uint32_t size) noexcept;
    // Lends rx bytes [from, from + size), consuming `consume` bytes of rx first (the view the
    // bytes came in); they stay pinned in the rx block until sent.
    void lend_rx(ConnSlot& s, uint32_t from, uint32_t size, uint32_t consume) noexcept;
    // The tx stream as spans in order (at most platform::kMaxWriteSpans); returns their count.
    uint32_t tx_gather(const ConnSlot& s, platform::Span* out) const noexcept;
    // `n` bytes of the tx stream went out: ring bytes and loans, in order.
    void tx_sent(ConnSlot& s, uint32_t n) noexcept;
    void drop_loans(ConnSlot& s) noexcept;
    void wait_for_block(uint32_t c) noexcept;
    void inproc_transfer(uint32_t c) noexcept;
    void update_interest(uint32_t c) noexcept;
    void notify_data(uint32_t c) noexcept;
    Error register_socket(uint32_t c) noexcept;
    void after_read(uint32_t c) noexcept;
    void release_protocol(ConnSlot& s) noexcept;
    // Room for `size` bytes in the tx ring (taking a block if needed), or WouldBlock/TooLarge.
    Error tx_reserve(ConnSlot& s, size_t size) noexcept;
    size_t broadcast(const Conn* conns, size_t count, DataKind kind, const void* data, size_t size) noexcept;

    // --- endpoints (endpoints.cpp) -------------------------------------------------------
    // `sp_socket` non-zero: an SP socket's endpoint (tcp/ipc only); its connections are pipes.
    Result<ListenerId> listen(const char* url, const ListenOptions& opts, uint8_t sp_socket = 0) noexcept;
    Error close_listener(ListenerId l) noexcept;
    void accept_ready(uint32_t l) noexcept;
    Result<Conn> dial(const char* url, const DialOptions& opts, uint8_t sp_socket = 0, uint8_t sp_pipe = 0) noexcept;
    void dial_start(uint32_t d) noexcept;
    void dial_backoff(uint32_t d) noexcept;
    Error inproc_connect(uint32_t d) noexcept;

    // --- DNS (dns_client.cpp) -------------------------------------------------------------
    void dns_init() noexcept;
    void dns_shutdown() noexcept;
    Error dns_begin(uint32_t dialer) noexcept;
    void dns_step() noexcept;
    void dns_receive(int v6) noexcept;
    void dns_cancel(uint32_t dialer) noexcept;
    int64_t dns_deadline_us() const noexcept;

    // --- TLS (transport/tls_layer.cpp) ---------------------------------------------------
    Error tls_init() noexcept;
    Error tls_attach(uint32_t c, TlsRole role, const char* host) noexcept;
    void tls_detach(ConnSlot& s) noexcept;
    void tls_input(uint32_t c) noexcept;
    bool tls_output(uint32_t c) noexcept;
    void tls_handshake_done(uint32_t c) noexcept;
    void tls_fail(uint32_t c, const TlsFailure& f) noexcept;
    bool tls_idle(const ConnSlot& s) const noexcept;
    // TLS input that can move without the socket: ciphertext read but not decrypted, or a
    // record mbedTLS decrypted but could not hand out whole because rx was full.
    bool tls_input_waiting(const ConnSlot& s) const noexcept;
    Ring& socket_in(ConnSlot& s) noexcept { return s.tls != kNone ? s.tls_in : s.rx; }
    Ring& socket_out(ConnSlot& s) noexcept { return s.tls != kNone ? s.tls_out : s.tx; }

    // --- WebSocket (ws/session.cpp) ---------------------------------------------------------
    const WsOptions& ws_options(const ConnSlot& s) const noexcept {
        return s.dialer != kNone ? dialers[s.dialer].ws : listeners[s.listener].ws;
    }
    void ws_accepted(uint32_t c) noexcept;
    void ws_connected(uint32_t c) noexcept;
    void ws_after_read(uint32_t c) noexcept;
    // Data events for whole messages that wait in rx for a message slot, now that one is free
    // (session.cpp). False when the event queue ran short (the rest at the next update).
    bool ws_announce_slot_waiters() noexcept;
    uint64_t slot_misses_seen = 0;  // messages.misses() when the waiters were last announced
    void ws_tx_drained(uint32_t c) noexcept;
    void ws_deadline(uint32_t c) noexcept;
    bool ws_peer_eof(uint32_t c) noexcept;
    Read ws_try_read(ConnSlot& s, uint64_t handle, ReadView& out) noexcept;
    Error ws_send(ConnSlot& s, ws::Opcode op, const void* data, size_t size, bool fin) noexcept;
    Error ws_send_view(ConnSlot& s, uint64_t handle, ReadView& view) noexcept;
    bool ws_frame_in_rx(ConnSlot& s, const ReadView& view, bool fin, ws::Opcode op) noexcept;  // send_view.cpp
    Error ws_frame_from_slot(ConnSlot& s, const ReadView& view, bool fin, ws::Opcode op) noexcept;
    Error ws_close(ConnSlot& s, uint16_t code, std::string_view reason) noexcept;
    Result<WriteSpan> ws_begin(ConnSlot& s, DataKind kind, size_t size) noexcept;
    Error ws_commit(ConnSlot& s, size_t size) noexcept;
    void ws_fail(uint32_t c, Error err, uint16_t code) noexcept;
    bool next_mask(ws::MaskKey& out) noexcept;
    void defer_slot(uint64_t slot) noexcept;

    // --- SP message sockets (sp/socket_hooks.cpp) -------------------------------------------
    // Open SpSockets (they live in the application's objects); a pipe names its socket by
    // index, so a closed socket's pipes find nullptr here, never a dangling pointer.
    static constexpr uint32_t kMaxSpSockets = 32;
    SpSocketState* sp_sockets[kMaxSpSockets] = {};
    SpSocketState* sp_of(const ConnSlot& s) const noexcept {
        return s.sp_socket && s.sp_socket <= kMaxSpSockets ? sp_sockets[s.sp_socket - 1] : nullptr;
    }
    void sp_opened(uint32_t c) noexcept;      // accepted or connected: queue our handshake
    void sp_after_read(uint32_t c) noexcept;  // new bytes: check the handshake, assemble messages
    void sp_release(ConnSlot& s) noexcept;    // the connection is going: drop a half-assembled message
    // ws:// pipes stay Protocol::WebSocket (with sp_socket set): sp_opened is called once the
    // upgrade is done. A listener takes a request without Sec-WebSocket-Protocol only for pair.
    bool sp_ws_accepts_bare(const ConnSlot& s) const noexcept;
    // The request path is the listener's (a listener bound without a path, or with "/", takes any).
    bool sp_ws_path_matches(const ConnSlot& s, std::string_view path) const noexcept;
    void sp_tx_drained(uint32_t c) noexcept;  // room in tx: a large message goes on (sp/large_send.cpp)
    uint32_t sp_next_pipe_id = 1;             // raw-mode pipe ids: unique in the context, as NNG's
    // SP sockets that need a turn in every update(): devices (sp_forward) and draining sockets.
    uint32_t sp_serviced = 0;
    void sp_service_all() noexcept;

    // --- Sockety (sockety/session.cpp) -------------------------------------------------------
    SocketySession* sockety = nullptr;       // [config.sockety.max_sessions]
    uint32_t* sockety_free = nullptr;
    uint32_t sockety_free_count = 0;
    uint8_t* uuid_cache = nullptr;           // random bytes drawn ahead, 16 per message id: one
    uint32_t uuid_cache_size = 0;            // CTR-DRBG call per 256 ids, not per id
    uint32_t uuid_used = 0;
    uint32_t sockety_gen = 1;                // unit generations go on across sessions: a
                                             // SocketyOut of a closed connection never fits a new one
    bool sockety_opened(uint32_t c) noexcept;    // accepted or connected: take a session, send our header
    void sockety_after_read(uint32_t c) noexcept;
    void sockety_tx_drained(uint32_t c) noexcept;
    void sockety_deadline(uint32_t c) noexcept;  // heartbeat and idle timeout
    void sockety_arm(uint32_t c) noexcept;       // after a TLS handshake: start the heartbeat clock
    void sockety_release(ConnSlot& s) noexcept;  // the connection is going: drop what is in flight
    void sockety_free_session(ConnSlot& s) noexcept;  // at the next update: the session goes back
    const char* sockety_detail(const ConnSlot& s) const noexcept;  // why it failed, or nullptr

    // --- the loop (update.cpp) -----------------------------------------------------------
    // With `cb`, the queued events go to the callbacks after each connection's I/O, and what
    // they send to that connection is written at once (Context::update(timeout, callbacks)).
    Error update(int timeout_ms, const Callbacks* cb) noexcept;
    void write_ready(uint32_t c) noexcept;
    void write_listed() noexcept;
    bool write_now(uint32_t c) noexcept;
    void run_deadline(uint32_t record) noexcept;
};

// Hands the queued events to `cb` (core/callbacks.cpp).
void dispatch_events(Engine& e, const Callbacks& cb) noexcept;

} // namespace tickwire::detail
