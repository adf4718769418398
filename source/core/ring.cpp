#include "core/ring.hpp"

#include <cstring>

namespace tickwire::detail {

void Ring::write(const BlockPool& pool, const uint8_t* src, uint32_t n) noexcept {
    const uint32_t cap = pool.block_size();
    const uint32_t start = tail & (cap - 1);
    uint8_t* base = pool.data(block);
    const uint32_t first = cap - start < n ? cap - start : n;
    std::memcpy(base + start, src, first);
    if (n > first) std::memcpy(base, src + first, n - first);
    tail += n;
}

void Ring::peek(const BlockPool& pool, uint32_t offset, uint8_t* dst, uint32_t n) const noexcept {
    const uint32_t cap = pool.block_size();
    const uint32_t start = (head + offset) & (cap - 1);
    const uint8_t* base = pool.data(block);
    const uint32_t first = cap - start < n ? cap - start : n;
    std::memcpy(dst, base + start, first);
    if (n > first) std::memcpy(dst + first, base, n - first);
}

} // namespace tickwire::detail
