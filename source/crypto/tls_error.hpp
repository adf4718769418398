// Errors of the TLS layer (credentials and sessions) as values: a distinct code the core can act
// on, plus the detail a person needs (mbedTLS's own error text, the received alert, the X.509
// verification flags) in a fixed-size struct. No mbedTLS types here.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tickwire::detail {

enum class TlsError : uint8_t {
    None = 0,
    // Misuse and set-up.
    InvalidArgument,      // a null/oversized argument or a combination that cannot work
    InvalidState,         // call not allowed now (not opened, already closed, role not configured)
    RngFailed,            // the random generator is not seeded or failed
    CaLoadFailed,         // trust anchors could not be read or parsed
    CertLoadFailed,       // own certificate (chain) could not be read or parsed
    KeyLoadFailed,        // private key could not be read, decrypted or parsed
    KeyMismatch,          // private key does not belong to the certificate
    ConfigFailed,         // mbedTLS rejected the configuration (e.g. ALPN list, versions)
    OutOfMemory,          // mbedTLS could not allocate its buffers
    // Peer verification (set on the side that verifies).
    BadCertificate,       // peer certificate invalid for another reason (key usage, signature, ...)
    HostnameMismatch,     // certificate does not name the host we connected to
    UnknownCa,            // chain does not lead to a trusted CA
    Expired,              // certificate (or one in its chain) is past its validity
    NotYetValid,          // certificate (or one in its chain) is not valid yet
    PeerCertificateMissing, // server requires a client certificate and got none
    // Handshake and records.
    HandshakeFailed,      // no common version/cipher/group, bad handshake message, ...
    AlertReceived,        // peer sent a fatal alert (see TlsFailure::alert)
    NotTls,               // peer sent something that is not TLS (e.g. plaintext HTTP)
    Truncated,            // transport EOF without close_notify
    ProtocolError,        // record-layer failure after the handshake (bad MAC, bad record, ...)
    Internal,             // any other mbedTLS failure
};

const char* to_string(TlsError e) noexcept;

// The X.509 verification flags most worth testing for (values of mbedTLS's
// MBEDTLS_X509_BADCERT_*, checked by static_assert in tls_error.cpp).
namespace tls_verify_flag {
constexpr uint32_t kExpired = 0x01;
constexpr uint32_t kRevoked = 0x02;
constexpr uint32_t kHostnameMismatch = 0x04;
constexpr uint32_t kNotTrusted = 0x08;
constexpr uint32_t kMissing = 0x40;
constexpr uint32_t kNotYetValid = 0x0200;
} // namespace tls_verify_flag

// Name of a TLS alert description ("unknown_ca"), or "unknown alert".
const char* tls_alert_name(uint8_t alert) noexcept;

// The full story of one failure. `message` is always NUL-terminated; it holds our context and,
// where mbedTLS produced the error, mbedTLS's own text (mbedtls_strerror), truncated to fit.
struct TlsFailure {
    static constexpr size_t kMessageCap = 160;

    TlsError code = TlsError::None;
    int mbedtls_code = 0;      // negative mbedTLS error code, 0 if none
    uint32_t verify_flags = 0; // MBEDTLS_X509_BADCERT_* bits of the failed verification, else 0
    uint8_t alert = 0;         // TLS alert description received (AlertReceived), else 0
    char message[kMessageCap] = {};

    bool ok() const noexcept { return code == TlsError::None; }
};

// Builds a failure: message = "<context>: <mbedTLS text for mbedtls_code>" (or just the context
// when mbedtls_code is 0).
TlsFailure tls_failure(TlsError code, int mbedtls_code, const char* context) noexcept;

// Maps X.509 verification flags (MBEDTLS_X509_BADCERT_*) to the most specific error:
// PeerCertificateMissing, UnknownCa, then Expired / NotYetValid, then HostnameMismatch, else
// BadCertificate.
TlsError tls_error_from_verify_flags(uint32_t flags) noexcept;

// A failure for flags != 0: the mapped code, the flags, and mbedTLS's description of the first
// problem (mbedtls_x509_crt_verify_info) as the message.
TlsFailure tls_verify_failure(uint32_t flags, int mbedtls_code) noexcept;

} // namespace tickwire::detail
