#include "ws/close_code.hpp"

#include "ws/utf8.hpp"

#include <cstring>

namespace tickwire::detail::ws {

const char* close_code_name(uint16_t code) noexcept {
    switch (code) {
    case close_code::kNormal: return "normal";
    case close_code::kGoingAway: return "going away";
    case close_code::kProtocolError: return "protocol error";
    case close_code::kUnsupportedData: return "unsupported data";
    case close_code::kNoStatus: return "no status";
    case close_code::kAbnormal: return "abnormal closure";
    case close_code::kInvalidPayload: return "invalid payload data";
    case close_code::kPolicyViolation: return "policy violation";
    case close_code::kMessageTooBig: return "message too big";
    case close_code::kMandatoryExtension: return "mandatory extension";
    case close_code::kInternalError: return "internal error";
    case close_code::kServiceRestart: return "service restart";
    case close_code::kTryAgainLater: return "try again later";
    case close_code::kBadGateway: return "bad gateway";
    case close_code::kTlsHandshake: return "TLS handshake failure";
    default: break;
    }
    if (code >= 3000 && code <= 3999) return "library/framework";
    if (code >= 4000 && code <= 4999) return "application";
    return "invalid";
}

const char* to_string(CloseEncodeError e) noexcept {
    switch (e) {
    case CloseEncodeError::None: return "none";
    case CloseEncodeError::InvalidCode: return "close code may not be sent";
    case CloseEncodeError::ReasonTooLong: return "close reason longer than 123 bytes";
    case CloseEncodeError::ReasonNotUtf8: return "close reason is not valid UTF-8";
    case CloseEncodeError::ReasonWithoutCode: return "close reason given without a close code";
    case CloseEncodeError::BufferTooSmall: return "buffer too small for the close payload";
    }
    return "unknown close encode error";
}

CloseEncodeResult encode_close_payload(uint16_t code, const uint8_t* reason, size_t reason_len,
                                       uint8_t* out, size_t cap) noexcept {
    if (code == close_code::kNoStatus) {
        if (reason_len != 0) return {0, CloseEncodeError::ReasonWithoutCode};
        return {0, CloseEncodeError::None};
    }
    if (!is_valid_close_code(code)) return {0, CloseEncodeError::InvalidCode};
    if (reason_len > kMaxCloseReason) return {0, CloseEncodeError::ReasonTooLong};
    if (!utf8_valid(reason, reason_len)) return {0, CloseEncodeError::ReasonNotUtf8};
    if (cap < 2 + reason_len || out == nullptr) return {0, CloseEncodeError::BufferTooSmall};
    out[0] = static_cast<uint8_t>(code >> 8);
    out[1] = static_cast<uint8_t>(code & 0xFF);
    if (reason_len) std::memcpy(out + 2, reason, reason_len);
    return {2 + reason_len, CloseEncodeError::None};
}

} // namespace tickwire::detail::ws
