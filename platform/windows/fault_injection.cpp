#include "fault_injection.hpp"

namespace tickwire::platform::fault {

#ifndef TICKWIRE_NO_FAULT_INJECTION

bool g_enabled = false;

namespace {
Plan g_plan;
uint64_t g_state = 1;
uint64_t g_count = 0;

// Tokens of sockets by handle. SOCKETs are not small integers on Windows: an open-addressing
// table keyed by the handle (a socket that is re-registered overwrites its entry).
constexpr int kSlots = 4096;
SocketHandle g_handle[kSlots];
uint32_t g_token_of[kSlots];
bool g_used[kSlots];
Readiness g_spurious[64];
int g_spurious_count = 0;

// Entries are never removed (a closed socket's entry is overwritten when its handle comes back),
// so probing is bounded: past kProbes, an insert takes over the home slot.
constexpr int kProbes = 16;
int slot_of(SocketHandle s, bool insert) noexcept {
    const uint64_t home = (static_cast<uint64_t>(s) * 0x9E3779B97F4A7C15ull >> 40) % kSlots;
    for (int probe = 0; probe < kProbes; ++probe) {
        const int i = static_cast<int>((home + static_cast<uint64_t>(probe)) % kSlots);
        if (g_used[i] && g_handle[i] == s) return i;
        if (!g_used[i]) return insert ? i : -1;
    }
    return insert ? static_cast<int>(home) : -1;
}

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
    const int i = slot_of(s, false);
    if (i < 0 || g_spurious_count == 64) return false;
    g_spurious[g_spurious_count++] = {g_token_of[i], flags};
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

bool before_io_slow(SocketHandle s, bool write, WSABUF* bufs, int count, size_t want, int& injected_error) noexcept {
    if (want == 0) return false;
    if (roll(g_plan.would_block) && add_spurious(s, write ? kWritable : kReadable)) {
        injected_error = WSAEWOULDBLOCK;
        return true;
    }
    if (roll(g_plan.reset)) {
        injected_error = write ? WSAESHUTDOWN : WSAECONNRESET;
        return true;
    }
    if (roll(g_plan.short_io) && add_spurious(s, write ? kWritable : kReadable)) {
        bool kept = false;
        for (int i = 0; i < count; ++i) {
            if (!kept && bufs[i].len) { bufs[i].len = 1; kept = true; }
            else bufs[i].len = 0;
        }
    }
    return false;
}

bool should_fail_accept_slow() noexcept { return roll(g_plan.accept_emfile); }

// A listening socket nobody connects to is never readable and never writable: a connect that
// never completes.
bool should_drop_connect_slow(SocketHandle& out) noexcept {
    if (!roll(g_plan.connect_drop)) return false;
    SOCKET s = WSASocketW(AF_INET, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_NO_HANDLE_INHERIT);
    if (s == INVALID_SOCKET) return false;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    u_long one = 1;
    if (ioctlsocket(s, FIONBIO, &one) != 0 || bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        listen(s, 1) != 0) {
        closesocket(s);
        return false;
    }
    out = static_cast<SocketHandle>(s);
    return true;
}

void note_token_slow(SocketHandle s, uint32_t token) noexcept {
    const int i = slot_of(s, true);
    if (i < 0) return;
    g_used[i] = true;
    g_handle[i] = s;
    g_token_of[i] = token;
}

bool has_spurious() noexcept { return g_spurious_count > 0; }

int take_spurious_slow(Readiness* out, int max) noexcept {
    int n = g_spurious_count < max ? g_spurious_count : max;
    for (int i = 0; i < n; ++i) out[i] = g_spurious[i];
    for (int i = n; i < g_spurious_count; ++i) g_spurious[i - n] = g_spurious[i];
    g_spurious_count -= n;
    return n;
}

#else

void enable(const Plan&) noexcept {}
void disable() noexcept {}
uint64_t injected_count() noexcept { return 0; }

#endif

} // namespace tickwire::platform::fault
