// tickwire's test framework: a few macros, one registry, one runner (main.cpp).
// Tests register themselves with TW_TEST; the runner prints one line per failure and ends with
// "N passed, M failed" so that CI can read the result.
#pragma once
#include <cstdio>
#include <cstring>
#include <cstdint>
#include <type_traits>

namespace tw_test {

struct Case {
    const char* name;
    void (*fn)();
    Case* next;
};

// Registration and failure bookkeeping live in main.cpp.
void add_case(Case* c);
void fail(const char* file, int line, const char* expr, const char* detail);
bool current_failed();
// Called by the runner before each case it runs, with the case's name, when set (a test file
// may set it from a static initialiser, e.g. to turn on fault injection for the whole run).
extern void (*g_before_case)(const char* name);

struct Registrar {
    explicit Registrar(Case* c) { add_case(c); }
};

inline void fmt_value(char* out, size_t cap, long long v) { std::snprintf(out, cap, "%lld", v); }
inline void fmt_value(char* out, size_t cap, unsigned long long v) { std::snprintf(out, cap, "%llu", v); }
inline void fmt_value(char* out, size_t cap, const char* v) { std::snprintf(out, cap, "\"%s\"", v ? v : "(null)"); }
inline void fmt_value(char* out, size_t cap, bool v) { std::snprintf(out, cap, "%s", v ? "true" : "false"); }
inline void fmt_value(char* out, size_t cap, double v) { std::snprintf(out, cap, "%g", v); }
template <typename T>
void fmt_value(char* out, size_t cap, const T& v) {
    if constexpr (std::is_enum<T>::value)
        std::snprintf(out, cap, "%lld", static_cast<long long>(v));
    else if constexpr (std::is_pointer<T>::value)
        std::snprintf(out, cap, "%p", static_cast<const void*>(v));
    else if constexpr (std::is_integral<T>::value && std::is_signed<T>::value)
        std::snprintf(out, cap, "%lld", static_cast<long long>(v));
    else if constexpr (std::is_integral<T>::value)
        std::snprintf(out, cap, "%llu", static_cast<unsigned long long>(v));
    else
        std::snprintf(out, cap, "?");
}

template <typename A, typename B>
bool check_eq(const A& a, const B& b, const char* file, int line, const char* ea, const char* eb) {
    if (a == b) return true;
    char sa[64], sb[64], detail[200];
    fmt_value(sa, sizeof sa, a);
    fmt_value(sb, sizeof sb, b);
    std::snprintf(detail, sizeof detail, "%s != %s", sa, sb);
    char expr[256];
    std::snprintf(expr, sizeof expr, "%s == %s", ea, eb);
    fail(file, line, expr, detail);
    return false;
}

} // namespace tw_test

#define TW_CAT2(a, b) a##b
#define TW_CAT(a, b) TW_CAT2(a, b)

// Defines and registers a test case: TW_TEST(ring_wraps_around) { CHECK(...); }
#define TW_TEST(name)                                                                   \
    static void TW_CAT(tw_test_fn_, name)();                                            \
    static tw_test::Case TW_CAT(tw_test_case_, name) = {#name, &TW_CAT(tw_test_fn_, name), nullptr}; \
    static tw_test::Registrar TW_CAT(tw_test_reg_, name)(&TW_CAT(tw_test_case_, name)); \
    static void TW_CAT(tw_test_fn_, name)()

// CHECK records a failure and goes on; REQUIRE records it and leaves the test.
#define CHECK(cond) \
    do { if (!(cond)) tw_test::fail(__FILE__, __LINE__, #cond, nullptr); } while (0)
#define REQUIRE(cond) \
    do { if (!(cond)) { tw_test::fail(__FILE__, __LINE__, #cond, nullptr); return; } } while (0)
#define CHECK_EQ(a, b) \
    do { tw_test::check_eq((a), (b), __FILE__, __LINE__, #a, #b); } while (0)
#define REQUIRE_EQ(a, b) \
    do { if (!tw_test::check_eq((a), (b), __FILE__, __LINE__, #a, #b)) return; } while (0)
