// Tx loans (core/tx_loans.hpp): sending bytes where they lie. The tx stream is, in order, for
// each loan its `before` ring bytes and then the loan, and after the last loan the rest of the
// ring. Writing to the ring needs no bookkeeping: new bytes always go after the last loan.
#include "core/engine.hpp"

namespace tickwire::detail {

static_assert(TxLoans::kMax * 3 + 2 <= platform::kMaxWriteSpans, "each loan: up to two ring spans before it, then its own");

bool Engine::can_lend(const ConnSlot& s) const noexcept {
    // A begin_write reservation sits in the ring ahead of anything lent after it: lending then
    // would reorder the stream.
    return s.tls == kNone && s.transport != Transport::Inproc && !s.loans.full() && !(s.flags & kConnWriteOpen) &&
           s.fd != platform::kInvalidSocket;
}

uint8_t* Engine::loan_data(const ConnSlot& s, const TxLoan& l) const noexcept {
    if (l.slot) return messages.data(messages.handle_at(l.slot - 1)) + l.at;
    return blocks.data(s.rx.block) + (l.at & (blocks.block_size() - 1));
}

void Engine::lend(ConnSlot& s, uint64_t slot, uint32_t at, uint32_t size) noexcept {
    TxLoan& l = s.loans.items[s.loans.count];
    l.before = s.tx.used() - s.loans.ring_bytes_before_last();
    l.slot = slot ? MessagePool::index_of(slot) + 1 : 0;
    l.at = at;
    l.size = size;
    ++s.loans.count;
    ++stats.views_forwarded_in_place;
    list(index_of(s));
}

void Engine::lend_rx(ConnSlot& s, uint32_t from, uint32_t size, uint32_t consume) noexcept {
    // The pin starts at the oldest rx loan; consuming moves head and the pin grows with it.
    const bool pinned_already = s.loans.first_from_rx() != nullptr;
    s.rx.consumed(consume);
    s.rx_lent = 0;
    if (!pinned_already) s.rx.pinned = s.rx.head - from;
    lend(s, 0, from, size);
    rx_space_freed(index_of(s));
}

uint32_t Engine::tx_gather(const ConnSlot& s, platform::Span* out) const noexcept {
    uint32_t n = 0;
    uint32_t pos = s.tx.head;
    RingSpan rs[2] = {};
    for (uint8_t i = 0; i < s.loans.count; ++i) {
        const TxLoan& l = s.loans.items[i];
        const int k = s.tx.spans(blocks, pos, l.before, rs);
        for (int j = 0; j < k; ++j) out[n++] = {rs[j].data, rs[j].size};
        pos += l.before;
        out[n++] = {loan_data(s, l), l.size};
    }
    const int k = s.tx.spans(blocks, pos, s.tx.tail - pos, rs);
    for (int j = 0; j < k; ++j) out[n++] = {rs[j].data, rs[j].size};
    return n;
}

void Engine::tx_sent(ConnSlot& s, uint32_t n) noexcept {
    bool rx_loan_moved = false;
    while (s.loans.count > 0) {
        TxLoan& l = s.loans.items[0];
        const uint32_t ring = n < l.before ? n : l.before;
        s.tx.consumed(ring);
        l.before -= ring;
        n -= ring;
        if (l.before > 0) break;
        const uint32_t lent = n < l.size ? n : l.size;
        l.at += lent;
        l.size -= lent;
        n -= lent;
        rx_loan_moved |= lent > 0 && l.slot == 0;
        if (l.size > 0) break;
        if (l.slot) (void)messages.release(messages.handle_at(l.slot - 1));
        for (uint8_t i = 1; i < s.loans.count; ++i) s.loans.items[i - 1] = s.loans.items[i];
        --s.loans.count;
    }
    s.tx.consumed(n);  // ring bytes after the last loan
    if (!rx_loan_moved) return;
    // The pin now starts at the oldest rx loan still going out, or there is none.
    const TxLoan* oldest = s.loans.first_from_rx();
    s.rx.pinned = oldest ? s.rx.head - oldest->at : 0;
    rx_space_freed(index_of(s));
}

void Engine::drop_loans(ConnSlot& s) noexcept {
    for (uint8_t i = 0; i < s.loans.count; ++i)
        if (s.loans.items[i].slot) (void)messages.release(messages.handle_at(s.loans.items[i].slot - 1));
    s.loans.count = 0;
    s.rx.pinned = 0;
}

} // namespace tickwire::detail
