// Deterministic fault injection in the platform layer, for tests: reads and writes cut to one
// byte, WouldBlock at random, resets mid-stream, accept failing with EMFILE, connects that never
// complete. Seeded, so a failing run can be replayed. Off by default, and then it costs one
// branch per syscall.
#pragma once
#include <cstdint>

namespace tickwire::platform::fault {

struct Plan {
    uint64_t seed = 1;
    // Chances in parts per 1000 for each read/write (or accept/connect) call.
    uint16_t short_io = 0;      // cut the transfer to 1 byte
    uint16_t would_block = 0;   // answer EAGAIN without touching the socket
    uint16_t reset = 0;         // answer ECONNRESET (reads) / EPIPE (writes)
    uint16_t accept_emfile = 0; // accept answers EMFILE
    uint16_t connect_drop = 0;  // connect never completes (the connect timeout must fire)
};

// Turns injection on with `plan` (process-wide; tickwire is single-threaded per context).
void enable(const Plan& plan) noexcept;
void disable() noexcept;
// How many faults of any kind were injected since enable().
uint64_t injected_count() noexcept;

} // namespace tickwire::platform::fault
