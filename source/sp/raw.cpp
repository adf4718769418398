// Raw SP sockets (NNG's raw mode) and devices: headers pass through untouched, so that a pair
// of raw sockets can forward between two networks the way nng_device does — a REP-side front
// pushes the pipe id it heard a request on in front of the backtrace, the REQ-side back sends
// it on as it is, and the reply finds its way back by popping that id again (WIRE.md 6).
#include <cstring>

#include "sp/pattern_header.hpp"
#include "sp/protocol.hpp"
#include "sp/socket_state.hpp"

namespace tickwire {

using detail::SpSocketState;

Error sp_forward(SpSocket& a, SpSocket& b) noexcept {
    if (!a.state_ || !b.state_) return Error::NotInitialized;
    SpSocketState& x = *a.state_;
    SpSocketState& y = *b.state_;
    if (&x == &y || x.engine != y.engine) return Error::InvalidArgument;
    if (!x.options.raw || !y.options.raw || x.forward_to || y.forward_to) return Error::WrongState;
    if (detail::sp::peer_of(x.proto) != y.proto) return Error::InvalidArgument;
    x.forward_to = y.index;
    y.forward_to = x.index;
    x.engine->sp_serviced += 2;
    return Error::Ok;
}

} // namespace tickwire

namespace tickwire::detail {

namespace {
void put_word(uint32_t w, uint8_t* out) noexcept {
    out[0] = static_cast<uint8_t>(w >> 24);
    out[1] = static_cast<uint8_t>(w >> 16);
    out[2] = static_cast<uint8_t>(w >> 8);
    out[3] = static_cast<uint8_t>(w);
}
uint32_t get_word(const uint8_t* p) noexcept {
    return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 | static_cast<uint32_t>(p[2]) << 8 | p[3];
}
// Moves the first `n` bytes of the body into the header (m.backtrace after `at` bytes).
void move_to_header(SpMessage& m, size_t at, size_t n) noexcept {
    std::memcpy(m.backtrace + at, m.data, n);
    m.backtrace_size = static_cast<uint8_t>(at + n);
    m.data += n;
    m.size -= n;
}
} // namespace

SpPipe* SpSocketState::find_id(uint32_t id) noexcept {
    if (!id) return nullptr;
    for (SpPipe& p : pipes)
        if (p.conn && p.id == id) return &p;
    return nullptr;
}

bool SpSocketState::accept_raw(SpMessage& m) noexcept {
    m.backtrace_size = 0;
    SpPipe* p = find(m.pipe.id());
    const uint32_t pipe_id = p ? p->id : 0;
    switch (pattern) {
    case SpPattern::Push:
    case SpPattern::Pub: return false;  // send-only
    case SpPattern::Pair:
    case SpPattern::Pull:
    case SpPattern::Sub: return true;   // no header; a raw SUB filters nothing
    case SpPattern::Bus:
        put_word(pipe_id, m.backtrace);  // where it came from: not echoed there by a device
        m.backtrace_size = sp::kWordSize;
        return true;
    case SpPattern::Req:
    case SpPattern::Surveyor:
        // The first word is the hop a device pushed (or the id): it routes the way back.
        if (m.size < sp::kWordSize) return false;
        move_to_header(m, 0, sp::kWordSize);
        return true;
    case SpPattern::Rep:
    case SpPattern::Respondent: {
        const sp::BacktraceParse r = sp::parse_backtrace(m.data, m.size, sp::kDefaultMaxHops, nullptr);
        if (r.error != sp::HeaderError::None || sp::kWordSize + r.header_size > kSpMaxBacktrace) return false;
        put_word(pipe_id, m.backtrace);  // our hop, top bit clear, in front of the backtrace
        move_to_header(m, sp::kWordSize, r.header_size);
        return true;
    }
    case SpPattern::Pair1: {
        const sp::Pair1Parse r = sp::read_pair1_header(m.data, m.size, options.max_ttl);
        if (r.error == sp::HeaderError::TtlExceeded) return false;
        if (r.error != sp::HeaderError::None) {
            fail_pipe(handle_index(m.pipe.id()), Error::ProtocolError);
            return false;
        }
        move_to_header(m, 0, sp::kPair1HeaderSize);
        return true;
    }
    }
    return false;
}

Error SpSocketState::route_raw(const uint8_t* hdr, size_t hdr_size, const void* body, size_t size) noexcept {
    switch (pattern) {
    case SpPattern::Pull:
    case SpPattern::Sub: return Error::WrongState;
    case SpPattern::Pair:
    case SpPattern::Push:
    case SpPattern::Req: return send_to_next(hdr, hdr_size, body, size);  // as it is, no resend
    case SpPattern::Pub:
    case SpPattern::Surveyor:
    case SpPattern::Bus: {
        // Every pipe with room; a BUS header names the pipe it came from, which is skipped.
        if (hdr_size + size > engine->messages.slot_size()) return Error::TooLarge;
        const bool bus = pattern == SpPattern::Bus;
        if (bus && hdr_size != 0 && hdr_size != sp::kWordSize) return Error::InvalidArgument;
        const uint32_t skip = bus && hdr_size ? get_word(hdr) : 0;
        for (SpPipe& p : pipes) {
            if (skip && p.id == skip) continue;
            if (ConnSlot* s = ready_conn(p)) (void)send_framed(*s, bus ? nullptr : hdr, bus ? 0 : hdr_size, body, size);
        }
        return Error::Ok;
    }
    case SpPattern::Rep:
    case SpPattern::Respondent: {
        // The first word is our pipe id; the rest of the header goes out in front of the body.
        if (hdr_size < sp::kWordSize || hdr_size % sp::kWordSize) return Error::InvalidArgument;
        SpPipe* p = find_id(get_word(hdr));
        ConnSlot* s = p ? ready_conn(*p) : nullptr;
        if (!s) return Error::Ok;  // that requester is gone: dropped, as NNG does
        return send_framed(*s, hdr + sp::kWordSize, hdr_size - sp::kWordSize, body, size);
    }
    case SpPattern::Pair1: {
        // One more hop; NNG drops a message that would go past max_ttl.
        if (hdr_size != sp::kPair1HeaderSize) return Error::InvalidArgument;
        uint32_t hops = 0;
        if (sp::next_pair1_hops(get_word(hdr), &hops) != sp::HeaderError::None || hops > options.max_ttl) return Error::Ok;
        uint8_t next[sp::kPair1HeaderSize];
        sp::write_pair1_header(hops, next);
        return send_to_next(next, sizeof next, body, size);
    }
    }
    return Error::WrongState;
}

// Moves messages from this socket to its partner until none is left or the partner is full.
void SpSocketState::forward() noexcept {
    SpSocketState* to = forward_to ? engine->sp_sockets[forward_to - 1] : nullptr;
    if (!to) return;
    if (fwd_held && !fwd_msg.view_.message_ && fwd_msg.view_.consume_) {
        // A held ring view is only good while its pipe lives: a pipe closed in an earlier
        // update has given its ring back (rx_lent cleared), so the message is gone with it.
        const ConnSlot* s = engine->conn_from_handle(fwd_msg.view_.conn_);
        if (!s || !s->rx_lent) {
            fwd_msg.view_.clear();
            fwd_msg.data = nullptr;
            fwd_held = false;
        }
    }
    for (int n = 0; n < 256; ++n) {  // a bound per update, so that both directions get turns
        if (!fwd_held) {
            if (read(fwd_msg) != Read::Message) return;
            fwd_held = true;
        }
        const Error e = to->route_raw(fwd_msg.backtrace, fwd_msg.backtrace_size, fwd_msg.data, fwd_msg.size);
        to->unstage();
        if (e == Error::WouldBlock || e == Error::NoMessageSlot) return;  // waits: backpressure
        fwd_msg.release();  // sent, or dropped by the partner's pattern (TooLarge, no requester)
        fwd_held = false;
    }
}

void SpSocketState::unlink_forward() noexcept {
    if (fwd_held) {
        fwd_msg.release();
        fwd_held = false;
    }
    if (!forward_to) return;
    if (SpSocketState* other = engine->sp_sockets[forward_to - 1]) {
        other->forward_to = 0;
        if (other->fwd_held) {
            other->fwd_msg.release();
            other->fwd_held = false;
        }
    }
    forward_to = 0;
    engine->sp_serviced -= 2;
}

void Engine::sp_service_all() noexcept {
    for (SpSocketState* st : sp_sockets) {
        if (st && st->forward_to) st->forward();
        if (st && st->draining && !st->drain_done) st->drain_step();
    }
}

} // namespace tickwire::detail
