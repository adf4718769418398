#include "fault_injection.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace tickwire::platform::fault {

#ifndef TICKWIRE_NO_FAULT_INJECTION

bool g_enabled = false;

namespace {
Plan g_plan;
uint64_t g_state = 1;
uint64_t g_count = 0;

// Tokens of sockets by descriptor, and the poller that gave them, for re-reporting readiness
// after an injected EAGAIN. Sockets above kMaxTrackedFd get no injected EAGAIN or short I/O.
constexpr int kMaxTrackedFd = 1 << 16;
uint32_t g_token_of[kMaxTrackedFd];
const void* g_owner_of[kMaxTrackedFd];  // null: not known
struct Spurious {
    const void* poller;
    Readiness ready;
};
constexpr int kMaxSpurious = 256;
Spurious g_spurious[kMaxSpurious];
int g_spurious_count = 0;

// A pipe whose write end stays open: its read end never becomes readable or writable, which
// is exactly a connect that never completes.
int g_black_hole[2] = {-1, -1};

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

bool add_spurious(SocketHandle s, uint8_t flags) noexcept {
    if (s < 0 || s >= kMaxTrackedFd || !g_owner_of[s] || g_spurious_count == kMaxSpurious) return false;
    g_spurious[g_spurious_count++] = {g_owner_of[s], {g_token_of[s], flags}};
    return true;
}
} // namespace

void enable(const Plan& plan) noexcept {
    g_plan = plan;
    g_state = plan.seed ? plan.seed : 1;
    g_count = 0;
    g_spurious_count = 0;
    g_enabled = true;
}

void disable() noexcept { g_enabled = false; }

uint64_t injected_count() noexcept { return g_count; }

bool before_io_slow(SocketHandle s, bool write, iovec* iov, int count, size_t want, int& injected_errno) noexcept {
    if (want == 0) return false;
    if (roll(g_plan.would_block) && add_spurious(s, write ? kWritable : kReadable)) {
        injected_errno = EAGAIN;
        return true;
    }
    if (roll(g_plan.reset)) {
        injected_errno = write ? EPIPE : ECONNRESET;
        return true;
    }
    if (roll(g_plan.short_io) && add_spurious(s, write ? kWritable : kReadable)) {
        // Keep exactly one byte of the first non-empty span. A short transfer tells the core
        // the socket is drained (or full), so it is reported ready again, like an EAGAIN.
        bool kept = false;
        for (int i = 0; i < count; ++i) {
            if (!kept && iov[i].iov_len) { iov[i].iov_len = 1; kept = true; }
            else iov[i].iov_len = 0;
        }
    }
    return false;
}

bool should_fail_accept_slow() noexcept { return roll(g_plan.accept_emfile); }

bool should_drop_connect_slow(SocketHandle& out) noexcept {
    if (!roll(g_plan.connect_drop)) return false;
    if (g_black_hole[0] < 0 && pipe2(g_black_hole, O_CLOEXEC | O_NONBLOCK) != 0) return false;
    const int fd = fcntl(g_black_hole[0], F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return false;
    out = fd;
    return true;
}

void note_token_slow(const void* poller, SocketHandle s, uint32_t token) noexcept {
    if (s < 0 || s >= kMaxTrackedFd) return;
    g_token_of[s] = token;
    g_owner_of[s] = poller;
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
