#include "fault_injection.hpp"

#include <cerrno>

namespace tickwire::platform::fault {

bool g_enabled = false;

namespace {
Plan g_plan;
uint64_t g_state = 1;
uint64_t g_count = 0;

// xorshift64*: deterministic for a seed, good enough to spread faults.
uint32_t next_per_mille() noexcept {
    g_state ^= g_state >> 12;
    g_state ^= g_state << 25;
    g_state ^= g_state >> 27;
    return static_cast<uint32_t>((g_state * 2685821657736338717ull) >> 33) % 1000u;
}

bool roll(uint16_t chance) noexcept {
    if (chance == 0) return false;
    if (next_per_mille() >= chance) return false;
    ++g_count;
    return true;
}
} // namespace

void enable(const Plan& plan) noexcept {
    g_plan = plan;
    g_state = plan.seed ? plan.seed : 1;
    g_count = 0;
    g_enabled = true;
}

void disable() noexcept { g_enabled = false; }

uint64_t injected_count() noexcept { return g_count; }

bool before_io_slow(iovec* iov, int count, size_t want, int& injected_errno) noexcept {
    if (want == 0) return false;
    if (roll(g_plan.would_block)) { injected_errno = EAGAIN; return true; }
    if (roll(g_plan.reset)) { injected_errno = ECONNRESET; return true; }
    if (roll(g_plan.short_io)) {
        // Keep exactly one byte of the first non-empty span.
        for (int i = 0; i < count; ++i) {
            if (iov[i].iov_len) {
                iov[i].iov_len = 1;
                for (int j = i + 1; j < count; ++j) iov[j].iov_len = 0;
                for (int j = 0; j < i; ++j) iov[j].iov_len = 0;
                break;
            }
        }
    }
    return false;
}

bool should_fail_accept_slow() noexcept { return roll(g_plan.accept_emfile); }
bool should_drop_connect_slow() noexcept { return roll(g_plan.connect_drop); }

} // namespace tickwire::platform::fault
