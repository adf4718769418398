// Handles are (generation << 32 | slot index). Generations start at 1 and skip 0 when they wrap,
// so no valid handle is ever 0.
#pragma once
#include <cstdint>

namespace tickwire::detail {

constexpr uint32_t kNone = 0xffffffffu;

inline uint64_t make_handle(uint32_t index, uint32_t gen) noexcept {
    return (static_cast<uint64_t>(gen) << 32) | index;
}
inline uint32_t handle_index(uint64_t h) noexcept { return static_cast<uint32_t>(h); }
inline uint32_t handle_gen(uint64_t h) noexcept { return static_cast<uint32_t>(h >> 32); }
inline uint32_t next_gen(uint32_t gen) noexcept { return gen + 1 == 0 ? 1 : gen + 1; }

} // namespace tickwire::detail
