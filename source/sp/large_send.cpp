// Messages larger than a pipe's tx ring (up to Config::message_slot_size): copied once into a
// message slot, then written piece by piece as the ring drains — stream pipes get one length
// prefix and the bytes, ws pipes one binary message in several frames (FIN on the last; NNG
// listeners fragment the same way). The slot may serve several pipes at once (PUB, BUS,
// SURVEYOR fan-out); the last one done releases it.
#include <cstring>

#include "sp/socket_state.hpp"
#include "ws/frame.hpp"

namespace tickwire::detail {

namespace {
// A ws fragment is not worth a 14-byte header below this (unless it ends the message).
constexpr uint32_t kMinFragment = 512;
} // namespace

Error SpSocketState::send_large(ConnSlot& s, const uint8_t* hdr, size_t hdr_size, const void* body, size_t size) noexcept {
    Engine& e = *engine;
    if (hdr_size + size > e.messages.slot_size()) return Error::TooLarge;
    if (!staged) {  // the first pipe of this send: one copy serves them all
        staged = e.messages.acquire();
        if (!staged) return Error::NoMessageSlot;
        uint8_t* dst = e.messages.data(staged);
        if (hdr_size) std::memcpy(dst, hdr, hdr_size);
        if (size) std::memcpy(dst + hdr_size, body, size);
        staged_size = static_cast<uint32_t>(hdr_size + size);
    } else if (staged_size != hdr_size + size) {
        return Error::WrongState;  // one send stages one message
    }
    SpPipe& p = pipes[s.sp_pipe];
    p.out_slot = staged;
    p.out_len = staged_size;
    p.out_sent = 0;
    p.out_prefixed = false;
    (void)feed(s.sp_pipe);
    return Error::Ok;
}

void SpSocketState::unstage() noexcept {
    if (!staged) return;
    bool used = false;
    for (const SpPipe& p : pipes) used = used || p.out_slot == staged;
    if (!used) (void)engine->messages.release(staged);
    staged = 0;
    staged_size = 0;
}

void SpSocketState::drop_out(SpPipe& p) noexcept {
    if (!p.out_slot) return;
    const uint64_t slot = p.out_slot;
    p.out_slot = 0;
    p.out_len = p.out_sent = 0;
    p.out_prefixed = false;
    if (slot == staged) return;  // the send in progress still holds it
    for (const SpPipe& other : pipes)
        if (other.out_slot == slot) return;
    (void)engine->messages.release(slot);
}

bool SpSocketState::feed(uint32_t pi) noexcept {
    SpPipe& p = pipes[pi];
    if (!p.out_slot) return true;
    ConnSlot* s = ready_conn(p);
    if (!s) {  // the pipe is gone or not up: what was not sent is lost with it
        drop_out(p);
        return true;
    }
    Engine& e = *engine;
    BlockPool& blocks = e.blocks;
    const uint32_t cap = blocks.block_size();
    if (s->flags & kConnWriteOpen) return false;
    if (!s->tx.ensure_block(blocks)) {
        e.wait_for_block(e.index_of(*s));
        return false;
    }
    const uint8_t* src = e.messages.data(p.out_slot);
    bool wrote = false;
    if (s->protocol == Protocol::WebSocket) {
        const bool masked = s->dialer != kNone;
        while (p.out_sent < p.out_len) {
            const uint32_t free = s->tx.free_space(cap);
            const uint32_t left = p.out_len - p.out_sent;
            if (free <= ws::kMaxHeaderSize) break;
            uint32_t n = free - static_cast<uint32_t>(ws::kMaxHeaderSize);
            if (n > left) n = left;
            if (n > kSpMaxWsFrame) n = kSpMaxWsFrame;
            if (n < left && n < kMinFragment) break;  // wait for more room
            ws::MaskKey key{};
            if (masked && !e.next_mask(key)) break;
            const bool fin = n == left;
            const ws::Opcode op = p.out_sent == 0 ? ws::Opcode::Binary : ws::Opcode::Continuation;
            uint8_t fh[ws::kMaxHeaderSize];
            const size_t hs = ws::encode_header(fh, fin, op, n, masked ? &key : nullptr);
            s->tx.write(blocks, fh, static_cast<uint32_t>(hs));
            const uint32_t start = s->tx.tail;
            s->tx.write(blocks, src + p.out_sent, n);
            if (masked) {
                const uint32_t off = start & (cap - 1);
                const size_t first = cap - off < n ? cap - off : n;
                ws::apply_mask(blocks.data(s->tx.block) + off, first, key, 0);
                if (n > first) ws::apply_mask(blocks.data(s->tx.block), n - first, key, first);
            }
            p.out_sent += n;
            wrote = true;
        }
    } else {
        if (!p.out_prefixed) {
            uint8_t prefix[sp::kMaxPrefixSize];
            const size_t psz = sp::encode_prefix(framing(*s), p.out_len, prefix);
            if (s->tx.free_space(cap) < psz) return false;
            s->tx.write(blocks, prefix, static_cast<uint32_t>(psz));
            p.out_prefixed = true;
            wrote = true;
        }
        const uint32_t free = s->tx.free_space(cap);
        const uint32_t left = p.out_len - p.out_sent;
        const uint32_t n = free < left ? free : left;
        if (n) {
            s->tx.write(blocks, src + p.out_sent, n);
            p.out_sent += n;
            wrote = true;
        }
    }
    if (wrote) e.list(e.index_of(*s));
    if (p.out_sent < p.out_len) return false;
    drop_out(p);
    return true;
}

// The pipe's tx ring drained (some or all): the large message goes on. While the socket takes
// the bytes at once, a few rounds here keep a large message moving within one update.
void Engine::sp_tx_drained(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    SpSocketState* st = sp_of(s);
    if (!st || !st->owns(s)) return;
    SpPipe& p = st->pipes[s.sp_pipe];
    if (!p.out_slot || p.conn != make_handle(c, s.gen)) return;
    for (int round = 0; round < 8 && p.out_slot; ++round) {
        const uint32_t before = s.tx.used();
        const bool done = st->feed(s.sp_pipe);
        if (done || s.tx.used() == before) break;
        if (s.transport != Transport::Inproc && !(s.flags & kConnWritable)) break;
        write_pending(c);
        if (s.state != ConnState::Open || (s.flags & kConnInGraveyard)) return;
    }
    if (!p.out_slot && (s.flags & kConnOweWritable)) list(c);  // free again: Writable may follow
}

} // namespace tickwire::detail
