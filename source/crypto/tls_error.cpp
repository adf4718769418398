// Names and message building for TLS failures; the only part of the error code that needs mbedTLS
// (strerror and the X.509 verification texts).
#include "crypto/tls_error.hpp"

#include "crypto/mbedtls_compat.hpp"
#include "mbedtls/error.h"

#include <cstdio>
#include <cstring>

namespace tickwire::detail {

static_assert(tls_verify_flag::kExpired == MBEDTLS_X509_BADCERT_EXPIRED, "flag value");
static_assert(tls_verify_flag::kRevoked == MBEDTLS_X509_BADCERT_REVOKED, "flag value");
static_assert(tls_verify_flag::kHostnameMismatch == MBEDTLS_X509_BADCERT_CN_MISMATCH, "flag value");
static_assert(tls_verify_flag::kNotTrusted == MBEDTLS_X509_BADCERT_NOT_TRUSTED, "flag value");
static_assert(tls_verify_flag::kMissing == MBEDTLS_X509_BADCERT_MISSING, "flag value");
static_assert(tls_verify_flag::kNotYetValid == MBEDTLS_X509_BADCERT_FUTURE, "flag value");

const char* to_string(TlsError e) noexcept {
    switch (e) {
    case TlsError::None: return "no error";
    case TlsError::InvalidArgument: return "invalid argument";
    case TlsError::InvalidState: return "invalid state";
    case TlsError::RngFailed: return "random generator failed";
    case TlsError::CaLoadFailed: return "CA certificates could not be loaded";
    case TlsError::CertLoadFailed: return "certificate could not be loaded";
    case TlsError::KeyLoadFailed: return "private key could not be loaded";
    case TlsError::KeyMismatch: return "private key does not match certificate";
    case TlsError::ConfigFailed: return "TLS configuration rejected";
    case TlsError::OutOfMemory: return "out of memory";
    case TlsError::BadCertificate: return "bad peer certificate";
    case TlsError::HostnameMismatch: return "certificate host name mismatch";
    case TlsError::UnknownCa: return "certificate signed by unknown CA";
    case TlsError::Expired: return "certificate expired";
    case TlsError::NotYetValid: return "certificate not yet valid";
    case TlsError::PeerCertificateMissing: return "peer sent no certificate";
    case TlsError::HandshakeFailed: return "TLS handshake failed";
    case TlsError::AlertReceived: return "fatal alert received";
    case TlsError::NotTls: return "peer does not speak TLS";
    case TlsError::Truncated: return "connection closed without close_notify";
    case TlsError::ProtocolError: return "TLS protocol error";
    case TlsError::Internal: return "internal TLS error";
    }
    return "unknown TLS error";
}

const char* tls_alert_name(uint8_t alert) noexcept {
    switch (alert) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 21: return "decryption_failed";
    case 22: return "record_overflow";
    case 30: return "decompression_failure";
    case 40: return "handshake_failure";
    case 41: return "no_certificate";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 100: return "no_renegotiation";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "unknown alert";
    }
}

TlsFailure tls_failure(TlsError code, int mbedtls_code, const char* context) noexcept {
    TlsFailure f;
    f.code = code;
    f.mbedtls_code = mbedtls_code;
    if (context == nullptr) context = to_string(code);
    if (mbedtls_code == 0) {
        if (std::snprintf(f.message, sizeof f.message, "%s", context) < 0) f.message[0] = '\0';
        return f;
    }
    char text[TlsFailure::kMessageCap];
    mbedtls_strerror(mbedtls_code, text, sizeof text);
    // Truncation is fine: the message is a diagnostic with a fixed budget.
    if (std::snprintf(f.message, sizeof f.message, "%s: %s (-0x%04X)", context, text,
                      static_cast<unsigned>(-mbedtls_code)) < 0)
        f.message[0] = '\0';
    return f;
}

TlsError tls_error_from_verify_flags(uint32_t flags) noexcept {
    if (flags == 0) return TlsError::None;
    if (flags & MBEDTLS_X509_BADCERT_MISSING) return TlsError::PeerCertificateMissing;
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) return TlsError::UnknownCa;
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED) return TlsError::Expired;
    if (flags & MBEDTLS_X509_BADCERT_FUTURE) return TlsError::NotYetValid;
    if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) return TlsError::HostnameMismatch;
    return TlsError::BadCertificate;
}

TlsFailure tls_verify_failure(uint32_t flags, int mbedtls_code) noexcept {
    TlsFailure f;
    f.code = tls_error_from_verify_flags(flags);
    f.mbedtls_code = mbedtls_code;
    f.verify_flags = flags;
    // mbedTLS lists one problem per line ("! The certificate ...\n"); keep the first line.
    char info[TlsFailure::kMessageCap];
    int n = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
    if (n < 0) info[0] = '\0';
    info[sizeof info - 1] = '\0';
    if (char* nl = std::strchr(info, '\n')) *nl = '\0';
    if (std::snprintf(f.message, sizeof f.message, "certificate verification failed: %s (flags 0x%x)",
                      info[0] ? info : "unknown reason", static_cast<unsigned>(flags)) < 0)
        f.message[0] = '\0';
    return f;
}

} // namespace tickwire::detail
