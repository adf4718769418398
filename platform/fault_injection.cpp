// Fault injection's state, the same on every OS (see fault_injection_state.hpp); the back ends
// add only how a fault looks there (errno or WSA code, iovec or WSABUF, a connect that hangs).
#include "fault_injection_state.hpp"

namespace tickwire::platform::fault {

#ifndef TICKWIRE_NO_FAULT_INJECTION

bool g_enabled = false;

namespace {
Plan g_plan;
uint64_t g_state = 1;
uint64_t g_count = 0;

// Sockets by handle -> (poller, token). Handles are small integers on POSIX but not on Windows:
// an open-addressing table keyed by the handle. Entries are never removed (a closed socket's
// entry is overwritten when its handle comes back), so probing is bounded: past kProbes, an
// insert takes over the home slot.
constexpr int kSlots = 1 << 14;
constexpr int kProbes = 16;
struct Entry {
    SocketHandle handle;
    const void* poller;  // null: free
    uint32_t token;
};
Entry g_sockets[kSlots];

struct Spurious {
    const void* poller;
    Readiness ready;
};
constexpr int kMaxSpurious = 256;
Spurious g_spurious[kMaxSpurious];
int g_spurious_count = 0;

int slot_of(SocketHandle s, bool insert) noexcept {
    const uint64_t home = (static_cast<uint64_t>(s) * 0x9E3779B97F4A7C15ull >> 40) % kSlots;
    for (int probe = 0; probe < kProbes; ++probe) {
        const int i = static_cast<int>((home + static_cast<uint64_t>(probe)) % kSlots);
        if (g_sockets[i].poller && g_sockets[i].handle == s) return i;
        if (!g_sockets[i].poller) return insert ? i : -1;
    }
    return insert ? static_cast<int>(home) : -1;
}

// xorshift64*: deterministic for a seed, good enough to spread faults.
uint32_t next_per_mille() noexcept {
    g_state ^= g_state >> 12;
    g_state ^= g_state << 25;
    g_state ^= g_state >> 27;
    return static_cast<uint32_t>((g_state * 2685821657736338717ull) >> 33) % 1000u;
}
} // namespace

void enable(const Plan& p) noexcept {
    g_plan = p;
    g_state = p.seed ? p.seed : 1;
    g_count = 0;
    g_spurious_count = 0;
    g_enabled = true;
}

void disable() noexcept { g_enabled = false; }

uint64_t injected_count() noexcept { return g_count; }

const Plan& plan() noexcept { return g_plan; }

bool roll(uint16_t chance) noexcept {
    if (chance == 0) return false;
    if (next_per_mille() >= chance) return false;
    ++g_count;
    return true;
}

void note_token_slow(const void* poller, SocketHandle s, uint32_t token) noexcept {
    const int i = slot_of(s, true);
    g_sockets[i] = Entry{s, poller, token};
}

bool add_spurious(SocketHandle s, uint8_t flags) noexcept {
    const int i = slot_of(s, false);
    if (i < 0 || g_spurious_count == kMaxSpurious) return false;
    g_spurious[g_spurious_count++] = {g_sockets[i].poller, {g_sockets[i].token, flags}};
    return true;
}

bool has_spurious() noexcept { return g_spurious_count > 0; }

int take_spurious_slow(const void* poller, Readiness* out, int max) noexcept {
    // Takes this poller's entries (up to max) and keeps the others in order.
    int taken = 0, kept = 0;
    for (int i = 0; i < g_spurious_count; ++i) {
        if (g_spurious[i].poller == poller && taken < max) out[taken++] = g_spurious[i].ready;
        else g_spurious[kept++] = g_spurious[i];
    }
    g_spurious_count = kept;
    return taken;
}

#else

void enable(const Plan&) noexcept {}
void disable() noexcept {}
uint64_t injected_count() noexcept { return 0; }

#endif

} // namespace tickwire::platform::fault
