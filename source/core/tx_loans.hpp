// Tx loans: bytes a connection sends from where they already lie instead of copying them into
// its tx ring: a received frame in its own rx block (an echo), or a whole message in its message
// slot (a relay of messages larger than a ring block). The socket write gathers ring bytes and
// loans in order; a loan ends when the kernel has taken its last byte, and then its rx space or
// its slot is free again.
//
// Only plain sockets lend (TLS encrypts out of the tx ring; inproc moves ring to ring).
#pragma once
#include <cstdint>

namespace tickwire::detail {

struct TxLoan {
    uint32_t before = 0;  // tx-ring bytes that go out ahead of this loan (after the one before)
    uint32_t size = 0;    // bytes still to send
    uint32_t at = 0;      // next byte: rx ring position, or offset in the slot
    uint32_t slot = 0;    // 1 + the index of the message slot lent, or 0: bytes in rx
};

struct TxLoans {
    static constexpr uint8_t kMax = 4;  // four 64 KiB frames of one 256 KiB read
    TxLoan items[kMax];
    uint8_t count = 0;

    bool full() const noexcept { return count == kMax; }
    // The oldest loan from rx (where the rx pin starts), or nullptr.
    const TxLoan* first_from_rx() const noexcept {
        for (uint8_t i = 0; i < count; ++i)
            if (items[i].slot == 0) return &items[i];
        return nullptr;
    }
    uint32_t ring_bytes_before_last() const noexcept {
        uint32_t n = 0;
        for (uint8_t i = 0; i < count; ++i) n += items[i].before;
        return n;
    }
    uint64_t bytes() const noexcept {
        uint64_t n = 0;
        for (uint8_t i = 0; i < count; ++i) n += items[i].size;
        return n;
    }
};

} // namespace tickwire::detail
