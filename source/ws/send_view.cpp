// Conn::send_view on a WebSocket connection: a received message (or streamed piece) goes out
// again as a frame. When the payload lies in this connection's rx block and nothing waits to be
// sent, the block itself changes sides and the new frame header is written where the old one
// was: the payload is not copied (an echo or a relay of large frames then costs what raw TCP
// costs). Otherwise the bytes are copied, as send_fragment does.
#include "core/engine.hpp"
#include "ws/frame.hpp"

namespace tickwire::detail {

namespace {
// Below this a copy is cheaper than giving a block away and taking another.
constexpr size_t kHandOverMin = 4096;
} // namespace

Error Engine::ws_send_view(ConnSlot& s, uint64_t handle, ReadView& view) noexcept {
    const bool whole = view.first && view.final;
    const bool continuing = (s.ws.flags & kWsFragmentOpen) != 0;
    if (whole && continuing) return Error::WrongState;  // finish the fragments first
    const ws::Opcode op = continuing                    ? ws::Opcode::Continuation
                          : view.kind == DataKind::Text ? ws::Opcode::Text
                                                        : ws::Opcode::Binary;
    const bool fin = view.final;
    const bool masked = s.dialer != kNone;
    const size_t hs = ws::header_size(view.size, masked);
    const uint32_t cap = blocks.block_size();
    // The payload's ring position: the view's bytes end its consumed range at the rx head.
    const uint32_t start = s.rx.head + view.consume_ - static_cast<uint32_t>(view.size);
    const uint32_t at = (start - static_cast<uint32_t>(hs)) & (cap - 1);
    const bool in_place = view.engine_ == this && view.conn_ == handle && view.message_ == 0 &&
                          view.size >= kHandOverMin && view.consume_ >= view.size && view.consume_ == s.rx_lent &&
                          s.tx.empty() && !(s.flags & kConnWriteOpen) && s.ws.phase == WsPhase::Open &&
                          !(s.ws.flags & kWsCloseSent) &&
                          // header and payload in one piece, clear of the bytes received after them
                          at + hs + view.size <= cap && view.data == blocks.data(s.rx.block) + at + hs &&
                          s.rx.tail - start + hs <= cap &&
                          // what arrived behind the payload moves to another block: less than a copy
                          s.rx.tail - start - view.size < view.size;
    ws::MaskKey key{};
    if (in_place && (!masked || next_mask(key))) {
        const uint32_t block = s.rx.block;
        if (rx_block_to_tx(s, start - static_cast<uint32_t>(hs), start + static_cast<uint32_t>(view.size))) {
            uint8_t* frame = blocks.data(block) + at;
            (void)ws::encode_header(frame, fin, op, view.size, masked ? &key : nullptr);  // hs bytes
            if (masked) ws::apply_mask(frame + hs, view.size, key, 0);
            view.clear();
            s.ws.flags = static_cast<uint8_t>(fin ? s.ws.flags & ~kWsFragmentOpen : s.ws.flags | kWsFragmentOpen);
            return Error::Ok;
        }
    }
    const Error e = ws_send(s, op, view.data, view.size, fin);
    if (e != Error::Ok) return e;
    s.ws.flags = static_cast<uint8_t>(fin ? s.ws.flags & ~kWsFragmentOpen : s.ws.flags | kWsFragmentOpen);
    view.release();
    return Error::Ok;
}

} // namespace tickwire::detail
