// What the engine calls on an SP pipe (a connection with Protocol::Sp), and the pipe's input
// path: handshake check, message prefixes, and assembly of messages larger than the rx ring.
// Whole messages that sit in the ring are left there for SpSocket::try_read (no copy).
#include <cstring>

#include "sp/socket_state.hpp"

namespace tickwire::detail {

namespace {
Error handshake_error(sp::HandshakeError e) noexcept {
    return e == sp::HandshakeError::BadMagic ? Error::ProtocolError : Error::HandshakeFailed;
}
Error frame_error(sp::FrameError e) noexcept {
    return e == sp::FrameError::TooLarge ? Error::MessageTooLarge : Error::ProtocolError;
}

enum class PrefixRead : uint8_t { Whole, Incomplete, Bad };

// The prefix of the message at the head of a pipe's rx ring, read in place when it does not
// wrap (the common case: no copy, no decoder state). Whole: `length` is the message's length;
// Bad: `error` says why. An ipc type byte is checked as soon as it is there.
PrefixRead read_prefix(const Engine& e, const ConnSlot& s, sp::Framing f, uint64_t& length, sp::FrameError& error) noexcept {
    const uint32_t psz = static_cast<uint32_t>(sp::prefix_size(f));
    const uint32_t used = s.rx.used();
    if (used == 0) return PrefixRead::Incomplete;
    const uint32_t cap = e.blocks.block_size();
    const uint32_t start = s.rx.head & (cap - 1);
    const uint8_t* p = e.blocks.data(s.rx.block) + start;
    if (used < psz) {
        if (f == sp::Framing::Ipc && p[0] != sp::kIpcMessageType) {
            error = sp::FrameError::BadIpcType;
            return PrefixRead::Bad;
        }
        return PrefixRead::Incomplete;
    }
    uint8_t copy[sp::kMaxPrefixSize];
    if (cap - start < psz) {  // the prefix wraps around the ring's end
        s.rx.peek(e.blocks, 0, copy, psz);
        p = copy;
    }
    error = sp::decode_prefix(f, p, e.messages.slot_size(), length);
    return error == sp::FrameError::None ? PrefixRead::Whole : PrefixRead::Bad;
}
} // namespace

// Accepted, or (re)connected by a dialer: the pipe starts over, and our 8 bytes go out first.
void Engine::sp_opened(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    SpSocketState* st = sp_of(s);
    if (!st) { close_now(c, Error::Closed, true); return; }  // the socket was closed meanwhile
    const uint64_t handle = make_handle(c, s.gen);
    if (s.dialer == kNone) {  // accepted: a new entry in the socket's pipe table
        st->sweep();
        if (st->pipes_in_use() >= st->pipe_limit()) {  // SpOptions::max_pipes
            ++st->counts.pipes_refused;
            ++stats.connections_refused;
            close_now(c, Error::NoConnectionSlot, true);
            return;
        }
        uint32_t free_entry = kNone;
        for (uint32_t i = 0; i < kSpMaxPipes; ++i)
            if (st->pipes[i].conn == 0) { free_entry = i; break; }
        if (free_entry == kNone) {
            ++stats.connections_refused;
            st->fail_pipe(c, Error::NoConnectionSlot);
            return;
        }
        s.sp_pipe = static_cast<uint8_t>(free_entry);
        st->use_entry(free_entry, handle);
    }
    SpPipe& p = st->pipes[s.sp_pipe];
    st->drop_out(p);  // a redialed pipe starts clean: half a message cannot go on a new link
    // Each connection a new id, unique in the context as NNG's pipe ids (31 bits, never 0): a
    // device's header names a pipe of the other socket too (a raw BUS skips it).
    p.id = sp_next_pipe_id;
    sp_next_pipe_id = sp_next_pipe_id >= 0x7FFFFFFFu ? 1 : sp_next_pipe_id + 1;
    p.hs = sp::HandshakeReader(st->proto);
    p.up = false;
    if (s.protocol == Protocol::WebSocket) {  // the upgrade agreed on the protocols: no SP header
        st->pipe_up(s.sp_pipe);
        return;
    }
    uint8_t hello[sp::kHandshakeSize];
    sp::write_handshake(st->proto, hello);
    if (tx_reserve(s, sizeof hello) != Error::Ok) {  // no ring block for 8 bytes: give up on it
        st->fail_pipe(c, Error::WouldBlock);
        return;
    }
    s.tx.write(blocks, hello, sizeof hello);
    list(c);
}

void Engine::sp_after_read(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    if (SpSocketState* st = sp_of(s)) st->pump(s.sp_pipe);
}

// The connection is going (closed, or a dialer's link dropped before a redial): a message
// still being assembled is lost; a complete one stays until try_read hands it out.
void Engine::sp_release(ConnSlot& s) noexcept {
    SpSocketState* st = sp_of(s);
    if (!st) return;
    SpPipe& p = st->pipes[s.sp_pipe];
    if (p.conn != make_handle(index_of(s), s.gen)) return;
    st->drop_out(p);  // a large message half sent is lost with the connection
    // p.up stays: what arrived before the end is still handed out (ready_conn checks the state).
    if (p.slot && p.have < p.need) {
        (void)messages.release(p.slot);
        p.slot = 0;
    }
}

SpPipe* SpSocketState::find(uint64_t c) noexcept {
    if (!c) return nullptr;
    for (SpPipe& p : pipes)
        if (p.conn == c) return &p;
    return nullptr;
}

void SpSocketState::sweep() noexcept {
    for (uint32_t i = 0; i < kSpMaxPipes; ++i) {
        SpPipe& p = pipes[i];
        if (!p.conn) continue;
        ConnSlot* s = engine->conn_from_handle(p.conn);
        if (s && owns(*s)) continue;
        if (p.slot) (void)engine->messages.release(p.slot);
        drop_out(p);
        free_entry(i);
    }
}

void SpSocketState::fail_pipe(uint32_t c, Error why) noexcept {
    last_error = why;
    ++failures;
    engine->log(LogLevel::Info, "sp pipe %u closed: %s", c, to_string(why));
    engine->fail_conn(c, why);
}

bool SpSocketState::pipe_up(uint32_t pi) noexcept {
    SpPipe& p = pipes[pi];
    if (pattern == SpPattern::Pair || pattern == SpPattern::Pair1) {  // one peer; later ones are refused
        for (const SpPipe& other : pipes)
            if (&other != &p && ready_conn(other)) {
                fail_pipe(handle_index(p.conn), Error::NoConnectionSlot);
                return false;
            }
    }
    p.up = true;
    ++added;
    if (pattern == SpPattern::Req) req_service();  // a request waiting for a pipe goes now
    return true;
}

void SpSocketState::pump(uint32_t pi) noexcept {
    SpPipe& p = pipes[pi];
    ConnSlot* s = conn(p);
    if (!s || s->rx_lent || (s->flags & kConnInGraveyard)) return;  // a view of the ring is out
    if (s->protocol == Protocol::WebSocket) return;  // the ws session reads its frames itself
    Engine& e = *engine;
    const uint32_t c = e.index_of(*s);
    if (!p.up) {
        uint8_t head[sp::kHandshakeSize];
        const uint32_t n = s->rx.used() < sizeof head ? s->rx.used() : static_cast<uint32_t>(sizeof head);
        if (n) s->rx.peek(e.blocks, 0, head, n);
        const sp::HandshakeReader::Step step = p.hs.feed(head, n);
        if (step.consumed) e.consume_rx(*s, static_cast<uint32_t>(step.consumed));
        if (step.status == sp::HandshakeReader::Status::Failed) {
            fail_pipe(c, handshake_error(p.hs.error()));
            return;
        }
        if (step.status == sp::HandshakeReader::Status::NeedMore) return;
        if (!pipe_up(pi)) return;
    }
    for (;;) {
        if (p.slot && p.have < p.need) {  // assembling a large message
            const uint32_t want = p.need - p.have;
            const uint32_t n = s->rx.used() < want ? s->rx.used() : want;
            if (n == 0) return;
            s->rx.peek(e.blocks, 0, e.messages.data(p.slot) + p.have, n);
            p.have += n;
            e.consume_rx(*s, n);
            continue;
        }
        if (p.slot) return;  // a whole message waits for try_read: keep the order
        const sp::Framing f = framing(*s);
        const uint32_t psz = static_cast<uint32_t>(sp::prefix_size(f));
        uint64_t length = 0;
        sp::FrameError error = sp::FrameError::None;
        const PrefixRead r = read_prefix(e, *s, f, length, error);
        if (r == PrefixRead::Bad) {
            fail_pipe(c, frame_error(error));
            return;
        }
        if (r == PrefixRead::Incomplete) return;
        const uint64_t total = psz + length;
        if (total <= s->rx.used() || total <= e.blocks.block_size()) return;  // the ring holds it
        // Larger than the ring: assemble it in a message slot as it arrives.
        p.slot = e.messages.acquire();
        if (!p.slot) return;  // pool empty: reading waits; try_read asks again
        p.need = static_cast<uint32_t>(length);
        p.have = 0;
        e.consume_rx(*s, psz);
    }
}

bool SpSocketState::take(uint32_t pi, SpMessage& out) noexcept {
    SpPipe& p = pipes[pi];
    ConnSlot* s = conn(p);
    if (!s || s->rx_lent || (!p.up && !p.slot)) return false;
    Engine& e = *engine;
    ReadView& v = out.view_;
    v.clear();
    v.engine_ = &e;
    v.conn_ = p.conn;
    v.time_us = s->last_rx_us;
    v.kind = DataKind::Binary;
    if (s->protocol == Protocol::WebSocket) {
        if (!p.up || !ws_take(*s, p.conn, v)) return false;
        v.engine_ = &e;
        v.conn_ = p.conn;
    } else if (p.slot) {
        if (p.have < p.need) return false;
        v.message_ = p.slot;
        v.data = e.messages.data(p.slot);
        v.size = p.need;
        p.slot = 0;
    } else {
        const sp::Framing f = framing(*s);
        const uint32_t psz = static_cast<uint32_t>(sp::prefix_size(f));
        uint64_t length = 0;
        sp::FrameError error = sp::FrameError::None;
        if (read_prefix(e, *s, f, length, error) != PrefixRead::Whole) return false;  // errors: pump closes the pipe
        const uint32_t len = static_cast<uint32_t>(length);
        if (s->rx.used() - psz < len) return false;
        RingSpan rs[2] = {};
        const int spans = s->rx.spans(e.blocks, s->rx.head + psz, len, rs);
        if (spans <= 1) {  // contiguous: lend the ring bytes themselves
            v.data = spans ? rs[0].data : nullptr;
            v.size = len;
            v.consume_ = psz + len;
            s->rx_lent = psz + len;
        } else {  // wraps: copy into a slot so that the message is one piece
            const uint64_t slot = e.messages.acquire();
            if (!slot) return false;
            s->rx.peek(e.blocks, psz, e.messages.data(slot), len);
            e.consume_rx(*s, psz + len);
            v.message_ = slot;
            v.data = e.messages.data(slot);
            v.size = len;
        }
    }
    v.received = v.total = v.size;
    out.data = v.data;
    out.size = v.size;
    out.pipe = Conn(&e, p.conn);
    out.backtrace_size = 0;
    return true;
}

} // namespace tickwire::detail
