// Conn::send_view on a WebSocket connection: a received message (or streamed piece) goes out
// again as a frame, without copying its payload when it can (an echo or a relay of large frames
// then costs about what raw TCP costs):
// - a payload in this connection's rx block keeps its place; the new frame header is written
//   over the old one. With nothing else to send the block changes sides (rx_block_to_tx);
//   otherwise the frame is lent from rx (core/tx_loans.hpp) and goes out after what is queued.
// - a whole message in a message slot is lent from its slot behind a header in the tx ring.
// Otherwise the bytes are copied, as send_fragment does.
#include "core/engine.hpp"
#include "ws/frame.hpp"

namespace tickwire::detail {

// The frame header goes in front of the payload where it lies in rx. False: it cannot (split by
// the wrap, over bytes still pinned, or no block for what follows); nothing changed then.
bool Engine::ws_frame_in_rx(ConnSlot& s, const ReadView& view, bool fin, ws::Opcode op) noexcept {
    const bool masked = s.dialer != kNone;
    const size_t hs = ws::header_size(view.size, masked);
    const uint32_t cap = blocks.block_size();
    const uint32_t size = static_cast<uint32_t>(view.size);
    // The payload's ring position: the view's bytes end its consumed range at the rx head.
    const uint32_t start = s.rx.head + view.consume_ - size;
    const uint32_t from = start - static_cast<uint32_t>(hs);
    const uint32_t at = from & (cap - 1);
    // Header and payload in one piece, clear of the bytes received after them.
    if (at + hs + size > cap || view.data != blocks.data(s.rx.block) + at + hs || s.rx.tail - from > cap) return false;
    // What arrived behind the payload: moving it to another block costs less than a copy.
    const bool hand_over = tx_idle(s) && s.rx.tail - start - size < size;
    // A header longer than the old one reaches back behind head: only while nothing is pinned.
    const bool lend_ok = can_lend(s) && (!s.loans.first_from_rx() || static_cast<int32_t>(from - s.rx.head) >= 0);
    if (!hand_over && !lend_ok) return false;
    ws::MaskKey key{};
    if (masked && !next_mask(key)) return false;
    const uint32_t block = s.rx.block;
    if (hand_over) {
        if (!rx_block_to_tx(s, from, start + size)) return false;
    } else {
        lend_rx(s, from, static_cast<uint32_t>(hs) + size, view.consume_);
    }
    uint8_t* frame = blocks.data(block) + at;
    (void)ws::encode_header(frame, fin, op, view.size, masked ? &key : nullptr);  // hs bytes
    if (masked) ws::apply_mask(frame + hs, view.size, key, 0);
    return true;
}

// A whole message's slot is lent: its header goes into the tx ring, its payload stays.
Error Engine::ws_frame_from_slot(ConnSlot& s, const ReadView& view, bool fin, ws::Opcode op) noexcept {
    const bool masked = s.dialer != kNone;
    const size_t hs = ws::header_size(view.size, masked);
    const Error room = tx_reserve(s, hs);
    if (room != Error::Ok) return room;
    ws::MaskKey key{};
    if (masked && !next_mask(key)) return Error::SystemError;
    uint8_t header[ws::kMaxHeaderSize];
    (void)ws::encode_header(header, fin, op, view.size, masked ? &key : nullptr);
    s.tx.write(blocks, header, static_cast<uint32_t>(hs));
    uint8_t* payload = const_cast<uint8_t*>(view.data);
    if (masked) ws::apply_mask(payload, view.size, key, 0);
    lend(s, view.message_, static_cast<uint32_t>(payload - messages.data(view.message_)), static_cast<uint32_t>(view.size));
    return Error::Ok;
}

Error Engine::ws_send_view(ConnSlot& s, uint64_t handle, ReadView& view) noexcept {
    const bool whole = view.first && view.final;
    const bool continuing = (s.ws.flags & kWsFragmentOpen) != 0;
    if (whole && continuing) return Error::WrongState;  // finish the fragments first
    const ws::Opcode op = continuing                    ? ws::Opcode::Continuation
                          : view.kind == DataKind::Text ? ws::Opcode::Text
                                                        : ws::Opcode::Binary;
    const bool fin = view.final;
    const bool sendable = view.engine_ == this && view.size >= kLendMin && s.ws.phase == WsPhase::Open &&
                          !(s.ws.flags & kWsCloseSent) && !(s.flags & kConnWriteOpen);
    bool sent = false;
    if (sendable && view.message_ == 0 && view.conn_ == handle && view.consume_ >= view.size && view.consume_ == s.rx_lent) {
        sent = ws_frame_in_rx(s, view, fin, op);
    } else if (sendable && view.message_ != 0 && can_lend(s) && messages.data(view.message_)) {
        const Error e = ws_frame_from_slot(s, view, fin, op);
        if (e != Error::Ok) return e;
        sent = true;
    }
    if (sent) {
        if (view.message_) view_let_go(view.conn_);
        view.clear();  // consumed, or its slot now belongs to the loan
    } else {
        const Error e = ws_send(s, op, view.data, view.size, fin);
        if (e != Error::Ok) return e;
        view.release();
    }
    s.ws.flags = static_cast<uint8_t>(fin ? s.ws.flags & ~kWsFragmentOpen : s.ws.flags | kWsFragmentOpen);
    return Error::Ok;
}

} // namespace tickwire::detail
