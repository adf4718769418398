// WebSocket close status codes (RFC 6455 §7.4 and the IANA "WebSocket Close Code Number"
// registry) and the Close frame payload: 2-byte code in network order + UTF-8 reason.
//
// Codes are plain uint16_t values because applications may use any code in 3000..4999; the
// named constants below cover the registered ones.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tickwire::detail::ws {

namespace close_code {
constexpr uint16_t kNormal = 1000;
constexpr uint16_t kGoingAway = 1001;
constexpr uint16_t kProtocolError = 1002;
constexpr uint16_t kUnsupportedData = 1003;
constexpr uint16_t kNoStatus = 1005;       // never on the wire: "the Close frame had no code"
constexpr uint16_t kAbnormal = 1006;       // never on the wire: "closed without a Close frame"
constexpr uint16_t kInvalidPayload = 1007; // e.g. text that is not UTF-8
constexpr uint16_t kPolicyViolation = 1008;
constexpr uint16_t kMessageTooBig = 1009;
constexpr uint16_t kMandatoryExtension = 1010;
constexpr uint16_t kInternalError = 1011;
constexpr uint16_t kServiceRestart = 1012;
constexpr uint16_t kTryAgainLater = 1013;
constexpr uint16_t kBadGateway = 1014;
constexpr uint16_t kTlsHandshake = 1015; // never on the wire
} // namespace close_code

// The largest Close payload: a control frame carries at most 125 bytes, 2 of them the code.
constexpr size_t kMaxClosePayload = 125;
constexpr size_t kMaxCloseReason = kMaxClosePayload - 2;

// True for a code that may appear in a Close frame, sent or received: 1000-1003, 1007-1014
// (1012-1014 are registered with IANA after the RFC) and 3000-4999 (libraries, applications).
// False for <1000, 1004 (reserved), 1005/1006/1015 (local-only meanings), 1016-2999 (reserved
// for future RFCs, unknown to us) and >=5000.
constexpr bool is_valid_close_code(uint16_t code) noexcept {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

// A short English name for a code ("normal", "protocol error", "application", ...). Never null.
const char* close_code_name(uint16_t code) noexcept;

enum class CloseEncodeError : uint8_t {
    None = 0,
    InvalidCode,    // not is_valid_close_code() (and not kNoStatus)
    ReasonTooLong,  // more than kMaxCloseReason bytes
    ReasonNotUtf8,  // the reason is not valid UTF-8
    ReasonWithoutCode, // a reason was given with kNoStatus (the RFC puts the code first)
    BufferTooSmall, // `cap` cannot hold the payload
};
const char* to_string(CloseEncodeError e) noexcept;

struct CloseEncodeResult {
    size_t size;           // payload bytes written to `out` (0 on error, or for kNoStatus)
    CloseEncodeError error;
};

// Builds the payload of an outgoing Close frame into `out` (room for `cap` bytes; 125 always
// suffices). `code` kNoStatus builds an empty payload (a Close without a code). The reason is
// copied as given and must be valid UTF-8 of at most 123 bytes. Nothing is written on error.
CloseEncodeResult encode_close_payload(uint16_t code, const uint8_t* reason, size_t reason_len,
                                       uint8_t* out, size_t cap) noexcept;

} // namespace tickwire::detail::ws
