// libFuzzer target for the incremental UTF-8 validator (source/ws/utf8.*), against a simple
// reference decoder written from the definition (decode each code point, check its range).
//
// Checked for every input: the one-call result equals the reference; feeding in three chunks
// (split points from the first two input bytes) gives the same state as one call; and, byte by
// byte, the validator rejects exactly at the first byte after which no valid continuation
// exists (fail fast, never early, never late). Any violation calls abort().
#include "tests/framework/utf8_reference.hpp"
#include "ws/utf8.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace tickwire::detail::ws;

namespace {

using tw_test::reference_valid;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "ws_utf8_fuzz: %s\n", what);
    std::abort();
}
#define FUZZ_ASSERT(c)                                                                             \
    do {                                                                                           \
        if (!(c)) fail(#c);                                                                        \
    } while (0)


// True when the (at most 4-byte) tail of a valid prefix can still become one valid code point:
// some completion by continuation bytes makes it valid. Representatives of every continuation
// class suffice (80..8F, 90..9F, A0..BF).
bool extendable(const uint8_t* tail, size_t n) {
    if (n == 0) return true;
    if (n >= 4) return false;
    static const uint8_t reps[] = {0x80, 0x90, 0xA0, 0xBF};
    uint8_t buf[4];
    std::memcpy(buf, tail, n);
    for (size_t extra = 1; n + extra <= 4; ++extra) {
        size_t combos = 1;
        for (size_t k = 0; k < extra; ++k) combos *= 4;
        for (size_t c = 0; c < combos; ++c) {
            size_t x = c;
            for (size_t k = 0; k < extra; ++k, x /= 4) buf[n + k] = reps[x % 4];
            if (reference_valid(buf, n + extra)) return true;
        }
    }
    return false;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const uint8_t* p = data + 2;
    const size_t n = size - 2;

    const bool want = reference_valid(p, n);
    const uint8_t whole = utf8_feed(kUtf8Accept, p, n);
    FUZZ_ASSERT(utf8_complete(whole) == want);
    FUZZ_ASSERT(utf8_valid(p, n) == want);

    // Three chunks give the same state as one call.
    const size_t a = n ? data[0] % (n + 1) : 0;
    const size_t b = a + (n - a ? data[1] % (n - a + 1) : 0);
    uint8_t st = utf8_feed(kUtf8Accept, p, a);
    st = utf8_feed(st, p + a, b - a);
    st = utf8_feed(st, p + b, n - b);
    FUZZ_ASSERT(st == whole);

    Utf8Validator v;
    v.feed(p, a);
    v.feed(p + a, n - a);
    FUZZ_ASSERT(v.complete() == want);
    FUZZ_ASSERT(v.failed() == (whole == kUtf8Reject));

    // Fail fast: reject exactly when the prefix can no longer be completed.
    size_t boundary = 0; // p[0..boundary) is valid and ends on a code point boundary
    st = kUtf8Accept;
    for (size_t i = 0; i < n; ++i) {
        st = utf8_feed(st, p + i, 1);
        const uint8_t* tail = p + boundary;
        const size_t tail_len = i + 1 - boundary;
        bool ok;
        if (tail_len <= 4 && reference_valid(tail, tail_len)) {
            boundary = i + 1;
            ok = true;
        } else {
            ok = extendable(tail, tail_len);
        }
        FUZZ_ASSERT((st == kUtf8Reject) == !ok);
        FUZZ_ASSERT(utf8_complete(st) == (ok && boundary == i + 1));
        if (!ok) {
            FUZZ_ASSERT(whole == kUtf8Reject);
            break;
        }
    }
    return 0;
}
