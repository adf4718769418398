// The routing rules of each SP pattern: where send() goes, what try_read() delivers, and the
// framing of one message into a pipe's tx ring.
#include <cstring>

#include "sp/pattern_header.hpp"
#include "sp/socket_state.hpp"
#include "ws/frame.hpp"

namespace tickwire::detail {

Error SpSocketState::send_framed(ConnSlot& s, const uint8_t* hdr, size_t hdr_size, const void* body, size_t size) noexcept {
    if (draining || (s.flags & (kConnWriteOpen | kConnShutPending | kConnWriteShut))) return Error::WrongState;
    SpPipe& pipe = pipes[s.sp_pipe];
    if (pipe.out_slot && !feed(s.sp_pipe)) {  // a large message is still going out: full
        s.flags |= kConnOweWritable;
        return Error::WouldBlock;
    }
    // Larger than the ring: staged in a message slot, written as the ring drains.
    if (sp::kMaxPrefixSize + ws::kMaxHeaderSize + hdr_size + size > engine->blocks.block_size() ||
        (s.protocol == Protocol::WebSocket && hdr_size + size > kSpMaxWsFrame))
        return send_large(s, hdr, hdr_size, body, size);
    if (s.protocol == Protocol::WebSocket) return ws_send(s, hdr, hdr_size, body, size);
    BlockPool& blocks = engine->blocks;
    const sp::Framing f = framing(s);
    const size_t total = sp::prefix_size(f) + hdr_size + size;
    if (s.tx.has_block() && s.tx.contiguous_free(blocks.block_size()) >= total) {
        // Fast path: the whole frame fits in one piece at the ring's tail; write it there.
        uint8_t* out = s.tx.tail_ptr(blocks);
        const size_t psz = sp::encode_prefix(f, hdr_size + size, out);
        if (hdr_size) std::memcpy(out + psz, hdr, hdr_size);
        if (size) std::memcpy(out + psz + hdr_size, body, size);
        s.tx.produced(static_cast<uint32_t>(total));
        engine->list(engine->index_of(s));
        return Error::Ok;
    }
    uint8_t prefix[sp::kMaxPrefixSize];
    const size_t psz = sp::encode_prefix(f, hdr_size + size, prefix);
    const Error e = engine->tx_reserve(s, total);  // all or nothing
    if (e != Error::Ok) return e;
    s.tx.write(blocks, prefix, static_cast<uint32_t>(psz));
    if (hdr_size) s.tx.write(blocks, hdr, static_cast<uint32_t>(hdr_size));
    if (size) s.tx.write(blocks, static_cast<const uint8_t*>(body), static_cast<uint32_t>(size));
    engine->list(engine->index_of(s));
    return Error::Ok;
}

// The next pipe in turn that takes the whole message (pair has at most one): PUSH, PAIR, REQ
// raw. WouldBlock when none has room.
Error SpSocketState::send_to_next(const uint8_t* hdr, size_t hdr_size, const void* data, size_t size) noexcept {
    Error last = Error::WouldBlock;
    for (uint32_t rest = live; rest;) {
        const uint32_t pi = next_in(rest, send_cursor);
        rest &= ~(1u << pi);
        ConnSlot* s = ready_conn(pipes[pi]);
        if (!s) continue;
        last = send_framed(*s, hdr, hdr_size, data, size);
        if (last == Error::Ok) {
            send_cursor = pi + 1;
            return Error::Ok;
        }
        if (last == Error::TooLarge) return last;
        unstage();  // a large copy nobody took is not kept for the next pipe's try
    }
    return last == Error::Ok ? Error::WouldBlock : last;
}

const uint8_t* SpSocketState::hop_one() noexcept {
    static const uint8_t kOne[sp::kPair1HeaderSize] = {0, 0, 0, 1};
    return kOne;
}

Error SpSocketState::route(const void* data, size_t size) noexcept {
    switch (pattern) {
    case SpPattern::Pull:
    case SpPattern::Sub: return Error::WrongState;  // receive-only patterns
    case SpPattern::Pair1:
        return send_to_next(hop_one(), sp::kPair1HeaderSize, data, size);  // a first hop: count 1
    case SpPattern::Pair:
    case SpPattern::Push: return send_to_next(nullptr, 0, data, size);
    case SpPattern::Pub:
    case SpPattern::Bus: {
        // Every peer that has room; the others miss this one (PUB and BUS never wait).
        if (size > engine->messages.slot_size()) return Error::TooLarge;
        for (uint32_t rest = live; rest; rest &= rest - 1)
            if (ConnSlot* s = ready_conn(pipes[lowest_bit(rest)]))
                if (send_framed(*s, nullptr, 0, data, size) != Error::Ok) ++counts.dropped_out;
        return Error::Ok;
    }
    case SpPattern::Surveyor: {
        // A new survey id (ending the previous survey), then to every respondent with room.
        if (sp::kWordSize + size > engine->messages.slot_size()) return Error::TooLarge;
        survey_id = ids.next();
        survey_deadline_us = engine->now_us + static_cast<int64_t>(options.survey_ms) * 1000;
        uint8_t hdr[sp::kWordSize];
        sp::write_id_header(survey_id, hdr);
        for (uint32_t rest = live; rest; rest &= rest - 1)
            if (ConnSlot* s = ready_conn(pipes[lowest_bit(rest)]))
                if (send_framed(*s, hdr, sizeof hdr, data, size) != Error::Ok) ++counts.dropped_out;
        return Error::Ok;
    }
    case SpPattern::Req: {
        if (size + sp::kWordSize > engine->messages.slot_size()) return Error::TooLarge;
        for (Request& r : reqs) end_request(r);  // send(): a new request cancels the old ones
        return start_request(data, size, nullptr);
    }
    case SpPattern::Rep:
    case SpPattern::Respondent: {
        if (!bt_pipe) return Error::WrongState;  // no request to answer
        SpPipe* p = find(bt_pipe);
        ConnSlot* s = p ? ready_conn(*p) : nullptr;
        if (!s) {  // the requester is gone: the reply is dropped (it will resend elsewhere)
            bt_pipe = 0;
            return Error::Ok;
        }
        const Error e = send_framed(*s, bt, bt_size, data, size);
        if (e == Error::Ok) bt_pipe = 0;
        return e;
    }
    }
    return Error::WrongState;
}

Error SpSocketState::start_request(const void* data, size_t size, uint32_t* id) noexcept {
    if (size + sp::kWordSize > engine->messages.slot_size()) return Error::TooLarge;
    Request* r = nullptr;
    for (Request& e : reqs)
        if (!e.slot) { r = &e; break; }
    if (!r) return Error::NoMessageSlot;  // kSpMaxRequests in flight
    const uint64_t slot = engine->messages.acquire();
    if (!slot) return Error::NoMessageSlot;
    r->slot = slot;
    r->id = ids.next();
    uint8_t* buf = engine->messages.data(slot);
    sp::write_id_header(r->id, buf);
    if (size) std::memcpy(buf + sp::kWordSize, data, size);
    r->size = static_cast<uint32_t>(size + sp::kWordSize);
    r->pipe = 0;
    if (id) *id = r->id;
    req_service();
    return Error::Ok;
}

void SpSocketState::end_request(Request& r) noexcept {
    if (r.slot) (void)engine->messages.release(r.slot);
    r = Request();
}

// REQ: sends each request in flight when it has not gone out, when its pipe is gone, or when
// resend_ms passed without a reply. The pipes take turns, so requests spread over them and a
// resend may go elsewhere.
void SpSocketState::req_service() noexcept {
    for (Request& r : reqs) {
        if (!r.slot) continue;
        if (r.pipe) {
            SpPipe* p = find(r.pipe);
            const bool alive = p && ready_conn(*p);
            const int64_t due = r.sent_us + static_cast<int64_t>(options.resend_ms) * 1000;
            if (alive && engine->now_us < due) continue;
        }
        r.pipe = 0;  // until a pipe takes it: tried again at the next send()/try_read()
        for (uint32_t rest = live; rest;) {
            const uint32_t pi = next_in(rest, send_cursor);
            rest &= ~(1u << pi);
            ConnSlot* s = ready_conn(pipes[pi]);
            if (!s) continue;
            const Error e = send_framed(*s, nullptr, 0, engine->messages.data(r.slot), r.size);
            unstage();  // a large request's copy stays with its pipe only
            if (e != Error::Ok) continue;
            send_cursor = pi + 1;
            r.pipe = pipes[pi].conn;
            r.sent_us = engine->now_us;
            break;
        }
    }
}

bool SpSocketState::subscribed(const uint8_t* data, size_t size) const noexcept {
    for (size_t i = 0; i < kSpMaxSubscriptions; ++i) {
        if (!sub_used[i] || sub_len[i] > size) continue;
        if (sub_len[i] == 0 || std::memcmp(subs[i], data, sub_len[i]) == 0) return true;
    }
    return false;
}

bool SpSocketState::accept_incoming(SpMessage& m) noexcept {
    switch (pattern) {
    case SpPattern::Pair:
    case SpPattern::Pull:
    case SpPattern::Bus: return true;
    case SpPattern::Pair1: {
        // NNG: a missing or impossible hop count closes the pipe; above max_ttl: dropped.
        const sp::Pair1Parse r = sp::read_pair1_header(m.data, m.size, options.max_ttl);
        if (r.error == sp::HeaderError::TtlExceeded) return false;
        if (r.error != sp::HeaderError::None) {
            fail_pipe(handle_index(m.pipe.id()), Error::ProtocolError);
            return false;
        }
        m.data += sp::kPair1HeaderSize;
        m.size -= sp::kPair1HeaderSize;
        return true;
    }
    case SpPattern::Push:
    case SpPattern::Pub: return false;  // send-only patterns ignore what arrives
    case SpPattern::Sub: return subscribed(m.data, m.size);
    case SpPattern::Req: {
        // Only replies to requests in flight; late replies to older ones are dropped.
        const sp::IdParse r = sp::read_id_header(m.data, m.size);
        if (r.error != sp::HeaderError::None) return false;
        Request* q = nullptr;
        for (Request& e : reqs)
            if (e.slot && e.id == r.id) { q = &e; break; }
        if (!q) return false;
        end_request(*q);
        m.request_id = r.id;
        m.data += sp::kWordSize;
        m.size -= sp::kWordSize;
        return true;
    }
    case SpPattern::Surveyor: {
        // Responses to the current survey, until its deadline; anything else is dropped.
        const sp::IdParse r = sp::read_id_header(m.data, m.size);
        if (r.error != sp::HeaderError::None || !survey_id || r.id != survey_id) return false;
        if (engine->now_us > survey_deadline_us) return false;
        m.data += sp::kWordSize;
        m.size -= sp::kWordSize;
        return true;
    }
    case SpPattern::Rep:
    case SpPattern::Respondent: {
        sp::Backtrace trace;
        const sp::BacktraceParse r = sp::parse_backtrace(m.data, m.size, sp::kDefaultMaxHops, &trace);
        if (r.error != sp::HeaderError::None || r.header_size > kSpMaxBacktrace) return false;  // dropped
        std::memcpy(m.backtrace, trace.bytes(), r.header_size);
        m.backtrace_size = static_cast<uint8_t>(r.header_size);
        std::memcpy(bt, trace.bytes(), r.header_size);
        bt_size = static_cast<uint8_t>(r.header_size);
        bt_pipe = m.pipe.id();
        m.data += r.header_size;
        m.size -= r.header_size;
        return true;
    }
    }
    return false;
}

} // namespace tickwire::detail
