// TLS credentials and settings shared by every connection of a library context: trust anchors,
// own certificate chain and key, the role-specific mbedTLS configurations (client, server), the
// verification policy and the ALPN list. Parsed once at start-up; TlsSessions only point at it, so
// it must outlive them and must not change while any session is open.
//
// Policy (not negotiable by the peer):
//  - TLS 1.2 minimum; TLS 1.3 too where the mbedTLS build supports it (3.x with
//    MBEDTLS_SSL_PROTO_TLS1_3), unless max_version says otherwise.
//  - Clients verify the server by default (chain + host name); turning that off is an explicit
//    `verify_peer = false`. Without an explicit CA, clients trust the system bundle.
//  - Servers ask for a client certificate only with `require_client_cert` (mutual TLS), and
//    then verify it against `ca`.
//  - Renegotiation is refused in both roles.
//
// Memory: mbedTLS allocates the parsed certificates and key on the heap during init() (the
// system CA bundle is the big one); nothing is allocated afterwards by this object.
#pragma once
#include "crypto/tls_error.hpp"

#include <cstddef>
#include <cstdint>

namespace tickwire::detail {

class Random;

enum class TlsVersion : uint8_t { Tls12, Tls13 };

// A certificate (chain) or key given as a file or as bytes in memory. Memory may be PEM (with or
// without a terminating NUL; several certificates may follow each other) or DER (one
// certificate / one key). The bytes are only read during TlsCredentials::init().
struct TlsSource {
    const char* file = nullptr; // path, used when non-null
    const void* data = nullptr;
    size_t len = 0;

    bool empty() const noexcept { return file == nullptr && (data == nullptr || len == 0); }
    static TlsSource from_file(const char* path) noexcept {
        TlsSource s;
        s.file = path;
        return s;
    }
    static TlsSource from_memory(const void* bytes, size_t n) noexcept {
        TlsSource s;
        s.data = bytes;
        s.len = n;
        return s;
    }
};

struct TlsCredentialsConfig {
    // Trust anchors to verify peers with. Empty: clients use `system_ca_file`; servers that
    // require client certificates must be given one.
    TlsSource ca;
    // Own certificate chain (leaf first) and its private key. Required to act as a server;
    // optional for clients (presented when a server asks: mutual TLS).
    TlsSource cert;
    TlsSource key;
    const char* key_password = nullptr; // for encrypted keys (PKCS#8 or legacy PEM in a file)

    bool verify_peer = true;          // clients: verify the server's chain and host name
    bool require_client_cert = false; // servers: demand and verify a client certificate

    // ALPN protocols in preference order (e.g. {"http/1.1"}); copied. At most kMaxAlpn
    // entries, each 1..255 bytes, kAlpnTextCap bytes in all.
    const char* const* alpn = nullptr;
    size_t alpn_count = 0;

    TlsVersion min_version = TlsVersion::Tls12;
    TlsVersion max_version = TlsVersion::Tls13; // lowered to 1.2 where 1.3 is not built in

    const char* system_ca_file = "/etc/ssl/certs/ca-certificates.crt";
};

class TlsCredentials {
public:
    static constexpr size_t kMaxAlpn = 8;
    static constexpr size_t kAlpnTextCap = 128;

    TlsCredentials() noexcept = default;
    ~TlsCredentials() noexcept { reset(); }
    TlsCredentials(const TlsCredentials&) = delete;
    TlsCredentials& operator=(const TlsCredentials&) = delete;

    // Parses everything and builds the client config (always) and the server config (when a
    // certificate and key are given). `rng` must be seeded and must outlive this object: mbedTLS
    // draws every handshake's randomness from it. On failure the object stays empty and the
    // returned failure says what went wrong (mbedTLS's message included). Starts with reset(),
    // so no session may use this object while it is (re)initialised.
    TlsFailure init(const TlsCredentialsConfig& config, Random& rng) noexcept;
    // Frees everything. No session may still use this object.
    void reset() noexcept;

    bool ready() const noexcept { return ready_; }
    bool can_connect() const noexcept { return ready_; }
    bool can_serve() const noexcept { return ready_ && has_server_; }
    bool verifies_server() const noexcept { return verify_peer_; }
    bool requires_client_cert() const noexcept { return require_client_cert_; }
    size_t ca_count() const noexcept { return ca_count_; } // trust anchors loaded

    // Whether this mbedTLS build can negotiate TLS 1.3.
    static bool tls13_supported() noexcept;
    // "mbed TLS 2.28.3" etc.
    static const char* library_version() noexcept;

    // For TlsSession only: the mbedtls_ssl_config of a role (nullptr if not configured).
    const void* ssl_config(bool server) const noexcept;

private:
    // Opaque storage for the mbedTLS objects (CA chain, own chain, key, two ssl configs), so that
    // this header does not include mbedTLS; size checked by static_assert in the .cpp.
    alignas(16) unsigned char storage_[4096];
    const char* alpn_ptrs_[kMaxAlpn + 1] = {};
    char alpn_text_[kAlpnTextCap] = {};
    Random* rng_ = nullptr;
    size_t ca_count_ = 0;
    bool ready_ = false;
    bool constructed_ = false; // storage_ holds initialised mbedTLS objects
    bool has_server_ = false;
    bool verify_peer_ = true;
    bool require_client_cert_ = false;
};

} // namespace tickwire::detail
