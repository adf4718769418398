// TW_FAULT_SEED=N in the environment runs every test case under the platform's fault injection:
// reads and writes cut to one byte and EAGAIN at random (no resets: a test may rightly expect its
// connections to live). The loopback suites must pass this way with every byte accounted for;
// CI runs them with a few seeds. Each case gets its own stream (seed + a hash of its name), so a
// failure replays alone:   TW_FAULT_SEED=3 build/bin/release/tickwire_tests loopback_ws_
// Cases that set up their own plan (the fault-injection tests) replace this one while they run.
#include <cstdint>
#include <cstdlib>

#include "platform/fault_injection.hpp"
#include "tests/framework/check.hpp"

namespace {

uint64_t g_seed = 0;

void before_case(const char* name) {
    uint64_t h = 1469598103934665603ull;
    for (const char* p = name; *p; ++p) h = (h ^ static_cast<uint8_t>(*p)) * 1099511628211ull;
    tickwire::platform::fault::Plan plan;
    plan.seed = g_seed ^ h;
    plan.short_io = 100;
    plan.would_block = 100;
    tickwire::platform::fault::enable(plan);
}

struct FaultMode {
    FaultMode() {
        const char* v = std::getenv("TW_FAULT_SEED");
        if (!v || !*v) return;
        g_seed = std::strtoull(v, nullptr, 10);
        tw_test::g_before_case = before_case;
    }
} g_fault_mode;

} // namespace
