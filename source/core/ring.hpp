// A byte ring over one pool block. head and tail run freely (uint32 arithmetic wraps), so
// used = tail - head with no full/empty ambiguity. The readable bytes and the free space are each
// at most two contiguous spans; callers get those spans and never a hidden copy.
#pragma once
#include <cstdint>

#include "block_pool.hpp"
#include "platform/socket.hpp"

namespace tickwire::detail {

struct RingSpan {
    uint8_t* data;
    uint32_t size;
};

struct Ring {
    uint32_t block = kNone;  // kNone: holds no block (the idle state)
    uint32_t head = 0;       // next byte to read
    uint32_t tail = 0;       // next byte to write
    // Bytes behind head that are consumed but still being sent from where they lie (a tx loan,
    // core/tx_loans.hpp): their space is not free, and the block stays. It grows as head moves,
    // so the pinned start stays put; the engine shrinks it as the loans go out.
    uint32_t pinned = 0;

    bool has_block() const noexcept { return block != kNone; }
    uint32_t used() const noexcept { return tail - head; }
    bool empty() const noexcept { return tail == head; }
    uint32_t free_space(uint32_t cap) const noexcept { return has_block() ? cap - used() - pinned : cap; }

    // Readable bytes as up to two spans; returns the span count (0, 1 or 2).
    int readable(const BlockPool& pool, RingSpan out[2]) const noexcept {
        return spans(pool, head, used(), out);
    }

    // Free space as up to two spans (the ring must hold a block).
    int writable(const BlockPool& pool, RingSpan out[2]) const noexcept {
        return spans(pool, tail, pool.block_size() - used() - pinned, out);
    }

    // `n` bytes from position `from` as up to two spans (the second after the wrap).
    int spans(const BlockPool& pool, uint32_t from, uint32_t n, RingSpan out[2]) const noexcept {
        if (n == 0) return 0;
        const uint32_t cap = pool.block_size();
        const uint32_t start = from & (cap - 1);
        uint8_t* base = pool.data(block);
        const uint32_t first = cap - start < n ? cap - start : n;
        out[0] = {base + start, first};
        if (first == n) return 1;
        out[1] = {base, n - first};
        return 2;
    }

    // Contiguous free bytes at the tail (what a zero-copy writer can fill in one piece).
    uint32_t contiguous_free(uint32_t cap) const noexcept {
        const uint32_t n = cap - used() - pinned;
        const uint32_t start = tail & (cap - 1);
        return cap - start < n ? cap - start : n;
    }
    uint8_t* tail_ptr(const BlockPool& pool) const noexcept { return pool.data(block) + (tail & (pool.block_size() - 1)); }

    // Takes a block when the ring has none. False when the pool is empty.
    bool ensure_block(BlockPool& pool) noexcept {
        if (has_block()) return true;
        block = pool.acquire();
        head = tail = 0;
        return block != kNone;
    }
    // The same for a receiving ring: it may not take the pool's send reserve. Its bytes start
    // kRxHeadroom into the block, so that a received payload can leave again in place with a
    // new frame header in front of it (Conn::send_view); the ring's capacity is unchanged.
    static constexpr uint32_t kRxHeadroom = 16;
    bool ensure_block_for_read(BlockPool& pool) noexcept {
        if (has_block()) return true;
        block = pool.acquire_for_read();
        head = tail = kRxHeadroom;
        return block != kNone;
    }
    // Gives the block back once the ring is empty, so an idle connection holds nothing.
    void release_if_empty(BlockPool& pool) noexcept {
        if (has_block() && empty() && pinned == 0) {
            pool.release(block);
            block = kNone;
            head = tail = 0;
        }
    }
    void release(BlockPool& pool) noexcept {
        if (has_block()) pool.release(block);
        block = kNone;
        head = tail = 0;
        pinned = 0;
    }
    void produced(uint32_t n) noexcept { tail += n; }
    void consumed(uint32_t n) noexcept {
        head += n;
        if (pinned) pinned += n;
    }

    // Copies `n` bytes in (the caller checked the free space).
    void write(const BlockPool& pool, const uint8_t* src, uint32_t n) noexcept;
    // Copies `n` bytes from the read side at `offset` without consuming them.
    void peek(const BlockPool& pool, uint32_t offset, uint8_t* dst, uint32_t n) const noexcept;
};

// The platform's view of up to two ring spans, for one readv/writev; returns their total size.
inline size_t to_spans(const RingSpan rs[2], int n, platform::Span out[2]) noexcept {
    out[0] = {n > 0 ? rs[0].data : nullptr, n > 0 ? rs[0].size : 0u};
    out[1] = {n > 1 ? rs[1].data : nullptr, n > 1 ? rs[1].size : 0u};
    return out[0].size + out[1].size;
}

} // namespace tickwire::detail
