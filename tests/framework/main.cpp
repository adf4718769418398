// The test runner: runs every registered case (or those whose name contains one of the
// arguments, minus those containing a --skip=TEXT), prints failures as they happen and ends
// with "N passed, M failed". -v names each case as it runs.
#include "check.hpp"

#include <csignal>
#include <cstdlib>

namespace tw_test {
namespace {
Case* g_first = nullptr;
Case* g_last = nullptr;
bool g_failed = false;
} // namespace

void add_case(Case* c) {
    if (g_last) g_last->next = c; else g_first = c;
    g_last = c;
}

void fail(const char* file, int line, const char* expr, const char* detail) {
    g_failed = true;
    std::printf("    FAIL %s:%d: %s%s%s\n", file, line, expr, detail ? "  -- " : "", detail ? detail : "");
    std::fflush(stdout);
}

bool current_failed() { return g_failed; }
void (*g_before_case)(const char* name) = nullptr;
} // namespace tw_test

// Arguments: name substrings to run (none: all), --skip=SUBSTRING to leave cases out, -v.
static bool selected(const char* name, int argc, char** argv) {
    for (int i = 1; i < argc; ++i)
        if (std::strncmp(argv[i], "--skip=", 7) == 0 && std::strstr(name, argv[i] + 7)) return false;
    bool any_filter = false;
    for (int i = 1; i < argc; ++i) {
        if (argv[i][0] == '-') continue;
        any_filter = true;
        if (std::strstr(name, argv[i])) return true;
    }
    return !any_filter;
}

int main(int argc, char** argv) {
    // A test that writes to a closed socket must see EPIPE, not die: the library never raises
    // SIGPIPE itself, but tests also use raw sockets.
#if defined(SIGPIPE)  // POSIX only; Windows has no such signal
    std::signal(SIGPIPE, SIG_IGN);
#endif
    bool verbose = false;
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], "-v") == 0) verbose = true;
    int passed = 0, failed = 0;
    for (tw_test::Case* c = tw_test::g_first; c; c = c->next) {
        if (!selected(c->name, argc, argv)) continue;
        tw_test::g_failed = false;
        if (verbose) { std::printf("  run  %s\n", c->name); std::fflush(stdout); }
        if (tw_test::g_before_case) tw_test::g_before_case(c->name);
        c->fn();
        if (tw_test::g_failed) {
            ++failed;
            std::printf("  FAILED %s\n", c->name);
        } else {
            ++passed;
            if (verbose) std::printf("  ok   %s\n", c->name);
        }
        std::fflush(stdout);
    }
    std::printf("%d passed, %d failed\n", passed, failed);
    std::fflush(stdout);
    return failed == 0 ? 0 : 1;
}
