// Incremental UTF-8 validation (RFC 3629 / Unicode table 3-7) for WebSocket text messages and
// close reasons.
//
// Why incremental: a text message arrives in frames, and frames arrive in chunks; a code point may
// be split anywhere. RFC 6455 §8.1 asks an endpoint to fail the connection as soon as invalid
// data is seen, so the validator keeps one byte of state between chunks and rejects at the first
// byte that cannot continue a well-formed sequence (fail fast), not at the end of the message.
//
// What is rejected: bytes C0, C1, F5..FF; stray continuation bytes; overlong forms (E0 80..9F,
// F0 80..8F); UTF-16 surrogates (ED A0..BF); code points above U+10FFFF (F4 90..BF); a lead byte
// not followed by enough continuation bytes (seen when the next byte arrives, or at the end by
// `utf8_complete`).
//
// How: a small DFA of our own (9 states x 12 byte classes, tables built at compile time) and a
// fast path that skips ASCII eight bytes at a time while the state is at a code-point boundary.
// No allocation, no exceptions; the state is one byte so it can live inside other small states.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tickwire::detail::ws {

// DFA states as stored by callers. kUtf8Accept: at a code-point boundary. kUtf8Reject: invalid
// input was seen (sticky). Any other value: inside a multi-byte sequence.
constexpr uint8_t kUtf8Accept = 0;
constexpr uint8_t kUtf8Reject = 12;

// Feeds `len` bytes to the validator in state `state` and returns the new state. Once the
// result is kUtf8Reject it stays so (feeding more returns kUtf8Reject again). `data` may be
// null when `len` is 0.
uint8_t utf8_feed(uint8_t state, const uint8_t* data, size_t len) noexcept;

// True when `state` ends a complete, valid text (not inside a sequence, never rejected).
constexpr bool utf8_complete(uint8_t state) noexcept { return state == kUtf8Accept; }

// True when the whole of `data[0..len)` is valid UTF-8 ending on a code-point boundary.
inline bool utf8_valid(const uint8_t* data, size_t len) noexcept {
    return utf8_feed(kUtf8Accept, data, len) == kUtf8Accept;
}

// Convenience wrapper for code that validates one stream in chunks.
//   Utf8Validator v; if (!v.feed(p, n)) fail(); ... at the end: if (!v.complete()) fail();
class Utf8Validator {
public:
    // Returns false as soon as the stream so far cannot be valid UTF-8 (and stays false).
    bool feed(const uint8_t* data, size_t len) noexcept {
        state_ = utf8_feed(state_, data, len);
        return state_ != kUtf8Reject;
    }
    bool complete() const noexcept { return state_ == kUtf8Accept; }
    bool failed() const noexcept { return state_ == kUtf8Reject; }
    void reset() noexcept { state_ = kUtf8Accept; }
    uint8_t state() const noexcept { return state_; }

private:
    uint8_t state_ = kUtf8Accept;
};

} // namespace tickwire::detail::ws
