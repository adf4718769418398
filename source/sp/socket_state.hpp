// The state of one SP message socket (tickwire::SpSocket), kept inside the SpSocket object.
// Pipes are core connections with Protocol::Sp whose ConnSlot names this socket (sp_socket, an
// index into Engine::sp_sockets) and its pipe entry (sp_pipe).
// socket_hooks.cpp holds what the engine calls on a pipe (opened, bytes read, released);
// socket.cpp the application's calls; patterns.cpp the routing rules of each pattern.
#pragma once
#include <cstdint>

#include "core/engine.hpp"
#include "sp/framing.hpp"
#include "sp/handshake.hpp"
#include "sp/request_id.hpp"
#include "tickwire/sp.hpp"

namespace tickwire::detail {

// NNG's ws receivers refuse a single frame above 1 MiB (WIRE.md 5): ws messages larger than
// this leave in several frames whatever the ring size.
constexpr uint32_t kSpMaxWsFrame = 1024 * 1024;

struct SpPipe {
    uint64_t conn = 0;                 // the Conn handle; 0: entry free
    sp::HandshakeReader hs{sp::Protocol::Pair0};  // the peer's 8-byte header, reset per connect
    uint64_t slot = 0;                 // message slot assembling (or holding) a large message
    uint32_t need = 0;                 // body bytes of that message
    uint32_t have = 0;                 // ... assembled so far (have == need: complete)
    bool up = false;                   // handshake checked: messages may flow
    bool dialed = false;               // a dialer owns the handle: keep the entry across redials
    // A message larger than the tx ring, going out piece by piece as the ring drains
    // (large_send.cpp). The slot holds pattern header + body and may be shared by several pipes
    // (PUB, BUS, SURVEYOR); the last pipe done with it releases it. While it goes, the pipe
    // takes no other message (it counts as full).
    uint64_t out_slot = 0;
    uint32_t out_len = 0;              // payload bytes in out_slot
    uint32_t out_sent = 0;             // ... written to the tx ring so far
    bool out_prefixed = false;         // stream pipes: the length prefix is written
    uint32_t id = 0;                   // raw mode: the pipe id (top bit clear) put in headers
};

struct SpSocketState {
    Engine* engine = nullptr;
    Context* context = nullptr;        // to notice a Context that was shut down before close()
    uint8_t index = 0;                 // 1 + our place in Engine::sp_sockets (ConnSlot::sp_socket)
    SpPattern pattern = SpPattern::Pair;
    sp::Protocol proto = sp::Protocol::Pair0;
    SpOptions options{};
    SpPipe pipes[kSpMaxPipes];
    // Bit i set: pipes[i] is in use (conn != 0). The send and read loops visit only these, so a
    // socket with one pipe does not walk sixteen entries per message. Change entries only
    // through use_entry() / free_entry(), which keep it right.
    uint32_t live = 0;
    ListenerId listeners[kSpMaxListeners];
    uint32_t send_cursor = 0;          // round-robin start for sends
    uint32_t recv_cursor = 0;          // fair reading: the pipe after the last one read
    Error last_error = Error::Ok;
    SpCounters counts{};
    // Entries in use (a dialed pipe keeps its entry across redials).
    uint32_t pipes_in_use() const noexcept {
        uint32_t n = 0;
        for (const SpPipe& p : pipes) n += p.conn != 0;
        return n;
    }
    // Counts a send's outcome (SpCounters) and passes it on.
    Error counted(Error e) noexcept {
        if (e == Error::Ok) ++counts.sent;
        else if (e == Error::WouldBlock) ++counts.would_block;
        return e;
    }
    uint32_t pipe_limit() const noexcept {
        return options.max_pipes && options.max_pipes < kSpMaxPipes ? options.max_pipes : kSpMaxPipes;
    }
    uint64_t failures = 0;

    // SUB
    char subs[kSpMaxSubscriptions][kSpMaxPrefix] = {};
    uint8_t sub_len[kSpMaxSubscriptions] = {};
    bool sub_used[kSpMaxSubscriptions] = {};

    // REQ: the requests in flight (send(): one, request(): up to kSpMaxRequests), each kept in a
    // message slot (id word + body) for resends.
    sp::RequestIdGenerator ids{0};
    struct Request {
        uint64_t slot = 0;             // 0: entry free
        uint32_t size = 0;             // bytes in slot, id included
        uint32_t id = 0;
        uint64_t pipe = 0;             // the pipe it was last sent on; 0: not sent yet
        int64_t sent_us = 0;
    };
    Request reqs[kSpMaxRequests];
    Error start_request(const void* data, size_t size, uint32_t* id) noexcept;
    void end_request(Request& r) noexcept;

    // SURVEYOR: the survey whose responses are wanted, until the deadline.
    uint32_t survey_id = 0;
    int64_t survey_deadline_us = 0;

    // REP / RESPONDENT: the request being answered (its backtrace and pipe), set by try_read.
    uint8_t bt[kSpMaxBacktrace] = {};
    uint8_t bt_size = 0;
    uint64_t bt_pipe = 0;

    sp::Framing framing(const ConnSlot& s) const noexcept {
        return s.transport == Transport::Ipc ? sp::Framing::Ipc : sp::Framing::Tcp;
    }
    // The pipe's connection if it is still there (any state but Invalid), else null.
    ConnSlot* conn(const SpPipe& p) const noexcept { return p.conn ? engine->conn_from_handle(p.conn) : nullptr; }
    // The connection of a pipe that may carry messages now.
    ConnSlot* ready_conn(const SpPipe& p) const noexcept {
        ConnSlot* s = conn(p);
        if (!s || !p.up || s->state != ConnState::Open || (s->flags & kConnInGraveyard)) return nullptr;
        return s->protocol != Protocol::WebSocket || ws_ready(*s) ? s : nullptr;
    }
    // A connection that is (still) one of our pipes: stream pipes and ws pipes alike.
    bool owns(const ConnSlot& s) const noexcept {
        return s.sp_socket == index && (s.protocol == Protocol::Sp || s.protocol == Protocol::WebSocket);
    }
    // ws:// pipes (ws_pipe.cpp): one SP message per binary WebSocket message.
    static bool ws_ready(const ConnSlot& s) noexcept;
    Error ws_send(ConnSlot& s, const uint8_t* hdr, size_t hdr_size, const void* body, size_t size) noexcept;
    bool ws_take(ConnSlot& s, uint64_t handle, ReadView& v) noexcept;
    // Frees entries whose connection is gone for good (and a message they still held).
    void sweep() noexcept;
    // Closes a pipe that broke the protocol; remembers why.
    void fail_pipe(uint32_t c, Error why) noexcept;
    // Frames `hdr` + `body` into one pipe's tx ring, all or nothing.
    Error send_framed(ConnSlot& s, const uint8_t* hdr, size_t hdr_size, const void* body, size_t size) noexcept;
    // Raw mode and devices (raw.cpp).
    uint8_t forward_to = 0;            // 1 + the partner's index in Engine::sp_sockets; 0: none
    bool fwd_held = false;             // fwd_msg was read and waits for the partner to take it
    SpMessage fwd_msg{};
    bool accept_raw(SpMessage& m) noexcept;   // raw receive: header into m.backtrace
    Error route_raw(const uint8_t* hdr, size_t hdr_size, const void* body, size_t size) noexcept;
    void forward() noexcept;                  // moves what arrived to the partner (in update)
    void unlink_forward() noexcept;
    Read read(SpMessage& out) noexcept;       // SpSocket::try_read
    SpPipe* find_id(uint32_t id) noexcept;
    // Graceful close (drain.cpp): sends refused, pipes closed once their output is out.
    bool draining = false;
    bool drain_done = false;           // every pipe is gone: no more service needed
    int64_t drain_deadline_us = 0;
    uint64_t added = 0;                // pipes that came up (SpSocket::pipes_added)
    void drain_step() noexcept;
    // Large messages (large_send.cpp): `staged` holds this send's copy until the pipes that
    // take it are set; unstage() releases it when none did.
    uint64_t staged = 0;
    uint32_t staged_size = 0;
    Error send_large(ConnSlot& s, const uint8_t* hdr, size_t hdr_size, const void* body, size_t size) noexcept;
    void unstage() noexcept;
    // Writes what fits of the pipe's large message; true when the pipe is free again.
    bool feed(uint32_t pipe) noexcept;
    void drop_out(SpPipe& p) noexcept;  // lets go of the pipe's large message (sent or not)
    // Pattern rules (patterns.cpp).
    Error route(const void* data, size_t size) noexcept;
    Error send_to_next(const uint8_t* hdr, size_t hdr_size, const void* data, size_t size) noexcept;
    static const uint8_t* hop_one() noexcept;  // pair v1's header on a first hop: 00 00 00 01
    bool accept_incoming(SpMessage& m) noexcept;  // false: drop it
    void req_service() noexcept;                   // (re)sends the requests in flight
    bool subscribed(const uint8_t* data, size_t size) const noexcept;
    // Moves a pipe forward: checks the handshake, assembles a message larger than the ring.
    void pump(uint32_t pipe) noexcept;
    // The peer checked out: messages may flow (false: refused, pair already has its peer).
    bool pipe_up(uint32_t pipe) noexcept;
    // Takes the next whole message of a pipe into `out` (headers not stripped yet).
    bool take(uint32_t pipe, SpMessage& out) noexcept;
    SpPipe* find(uint64_t conn) noexcept;

    void use_entry(uint32_t i, uint64_t conn) noexcept {
        pipes[i] = SpPipe();
        pipes[i].conn = conn;
        live |= 1u << i;
    }
    void free_entry(uint32_t i) noexcept {
        pipes[i] = SpPipe();
        live &= ~(1u << i);
    }
    // The first entry of `set` at or after `from` (0..kSpMaxPipes), wrapping around; `set` != 0.
    // Visiting a snapshot of `live` this way is the round robin of the send and read loops.
    static uint32_t next_in(uint32_t set, uint32_t from) noexcept {
        const uint32_t ahead = from < 32 ? set & (~0u << from) : 0;
        return lowest_bit(ahead ? ahead : set);
    }
    static uint32_t lowest_bit(uint32_t v) noexcept {  // v != 0; de Bruijn: portable, branch-free
        static constexpr uint8_t kPos[32] = {0,  1,  28, 2,  29, 14, 24, 3,  30, 22, 20, 15, 25, 17, 4,  8,
                                             31, 27, 13, 23, 21, 19, 16, 7,  26, 12, 18, 6,  11, 5,  10, 9};
        return kPos[((v & (0u - v)) * 0x077CB531u) >> 27];
    }
};

} // namespace tickwire::detail
