// Forwarding without copying: the received ring block becomes the block to send. An echo or a
// proxy then moves a large payload at memory-bus speed instead of copying it once more; only
// the few bytes that arrived after it move, into another block.
#include "core/engine.hpp"

namespace tickwire::detail {

bool Engine::rx_block_to_tx(ConnSlot& s, uint32_t from, uint32_t to) noexcept {
    const uint32_t after = s.rx.tail - to;  // received behind the forwarded bytes: they stay in rx
    if (!tx_idle(s) || to - from > blocks.block_size()) return false;
    Ring received = s.rx;
    Ring next_rx;  // what rx holds afterwards: nothing, or the `after` bytes in a block
    if (after > 0) {
        next_rx.block = s.tx.has_block() ? s.tx.block : blocks.acquire_for_read();
        if (next_rx.block == kNone) return false;
        s.tx.block = kNone;
        next_rx.head = Ring::kRxHeadroom;
        next_rx.tail = Ring::kRxHeadroom + after;
        received.peek(blocks, to - received.head, blocks.data(next_rx.block) + Ring::kRxHeadroom, after);
    } else {
        s.tx.release(blocks);
    }
    received.head = from;
    received.tail = to;
    s.tx = received;
    s.rx = next_rx;
    s.rx_lent = 0;
    ++stats.views_forwarded_in_place;
    list(index_of(s));  // sends it, and reads on if reading paused on the full ring
    return true;
}

} // namespace tickwire::detail
