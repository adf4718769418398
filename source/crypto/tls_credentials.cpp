#include "crypto/tls_credentials.hpp"

#include "crypto/mbedtls_compat.hpp"
#include "crypto/pem_blocks.hpp"
#include "crypto/random.hpp"
#include "mbedtls/pem.h"
#include "mbedtls/platform_util.h"

#include <cstdio>
#include <cstring>
#include <new>

namespace tickwire::detail {

namespace {

struct CredsImpl {
    mbedtls_x509_crt ca;
    mbedtls_x509_crt own;
    mbedtls_pk_context key;
    mbedtls_ssl_config client;
    mbedtls_ssl_config server;
};

static_assert(sizeof(CredsImpl) <= 4096, "TlsCredentials::storage_ too small for this mbedTLS");
static_assert(alignof(CredsImpl) <= 16, "TlsCredentials::storage_ under-aligned for this mbedTLS");

// DER of one PEM block decoded from memory without a trailing NUL. Certificates and keys are a
// few KiB; larger ones must be given as a file or with the NUL (then mbedTLS decodes them).
constexpr size_t kDerScratch = 8192;

CredsImpl* impl(unsigned char* storage) noexcept {
    return std::launder(reinterpret_cast<CredsImpl*>(storage));
}
const CredsImpl* impl(const unsigned char* storage) noexcept {
    return std::launder(reinterpret_cast<const CredsImpl*>(storage));
}

size_t chain_length(const mbedtls_x509_crt* c) noexcept {
    size_t n = 0;
    for (; c != nullptr; c = c->next)
        if (c->version != 0) ++n;
    return n;
}

TlsFailure failure_with_source(TlsError code, int ret, const char* what, const TlsSource& src) noexcept {
    char context[96];
    if (src.file)
        std::snprintf(context, sizeof context, "%s '%s'", what, src.file);
    else
        std::snprintf(context, sizeof context, "%s (%zu bytes in memory)", what, src.len);
    return tls_failure(code, ret, context);
}

// PEM from memory without the NUL mbedTLS wants: decode each CERTIFICATE block ourselves.
// Returns like mbedtls_x509_crt_parse: < 0 error, else the number of blocks that failed.
int parse_pem_certs(mbedtls_x509_crt* chain, const char* text, size_t len) noexcept {
    unsigned char der[kDerScratch];
    size_t pos = 0;
    int failed = 0;
    int parsed = 0;
    int last_error = MBEDTLS_ERR_X509_CERT_UNKNOWN_FORMAT;
    PemBlock block;
    for (;;) {
        const PemScan scan = pem_next(text, len, &pos, &block);
        if (scan == PemScan::End) break;
        if (scan == PemScan::Malformed) return MBEDTLS_ERR_PEM_INVALID_DATA;
        if (!pem_label_is(block, "CERTIFICATE")) continue;
        const long n = pem_decode_body(block, der, sizeof der);
        if (n <= 0) {
            ++failed;
            last_error = MBEDTLS_ERR_PEM_INVALID_DATA;
            continue;
        }
        const int ret = mbedtls_x509_crt_parse_der(chain, der, static_cast<size_t>(n));
        if (ret != 0) {
            ++failed;
            last_error = ret;
        } else {
            ++parsed;
        }
    }
    if (parsed == 0) return last_error;
    return failed;
}

// Loads certificates into `chain`. `lenient`: accept a bundle in which some certificates do not
// parse (the system bundle may hold algorithms this mbedTLS lacks), as long as one does.
TlsFailure load_certs(mbedtls_x509_crt* chain, const TlsSource& src, TlsError code, const char* what,
                      bool lenient) noexcept {
    int ret;
    if (src.file) {
        ret = mbedtls_x509_crt_parse_file(chain, src.file);
    } else if (src.data == nullptr || src.len == 0) {
        return tls_failure(TlsError::InvalidArgument, 0, what);
    } else {
        const auto* bytes = static_cast<const unsigned char*>(src.data);
        const auto* text = static_cast<const char*>(src.data);
        if (!pem_present(text, src.len))
            ret = mbedtls_x509_crt_parse_der(chain, bytes, src.len);
        else if (bytes[src.len - 1] == '\0')
            ret = mbedtls_x509_crt_parse(chain, bytes, src.len);
        else
            ret = parse_pem_certs(chain, text, src.len);
    }
    if (ret < 0) return failure_with_source(code, ret, what, src);
    if (ret > 0 && !lenient) {
        char context[64];
        std::snprintf(context, sizeof context, "%s: %d certificate(s) could not be parsed", what, ret);
        return failure_with_source(code, 0, context, src);
    }
    if (chain_length(chain) == 0) return failure_with_source(code, 0, "no certificate in", src);
    return TlsFailure{};
}

TlsFailure load_key(mbedtls_pk_context* key, const TlsSource& src, const char* password, Random* rng) noexcept {
    const auto* pwd = reinterpret_cast<const unsigned char*>(password);
    const size_t pwd_len = password ? std::strlen(password) : 0;
    int ret;
    if (src.file) {
        ret = mbedtls_compat::pk_parse_keyfile(key, src.file, password, Random::mbedtls_rng, rng);
    } else if (src.data == nullptr || src.len == 0) {
        return tls_failure(TlsError::InvalidArgument, 0, "private key");
    } else {
        const auto* bytes = static_cast<const unsigned char*>(src.data);
        const auto* text = static_cast<const char*>(src.data);
        if (!pem_present(text, src.len) || bytes[src.len - 1] == '\0') {
            ret = mbedtls_compat::pk_parse_key(key, bytes, src.len, pwd, pwd_len, Random::mbedtls_rng, rng);
        } else {
            // First "... PRIVATE KEY" block, decoded to DER (PKCS#8, encrypted PKCS#8, PKCS#1, SEC1).
            unsigned char der[kDerScratch];
            size_t pos = 0;
            PemBlock block;
            ret = MBEDTLS_ERR_PK_KEY_INVALID_FORMAT;
            for (;;) {
                const PemScan scan = pem_next(text, src.len, &pos, &block);
                if (scan != PemScan::Found) break;
                static constexpr char kSuffix[] = "PRIVATE KEY";
                const size_t sl = sizeof kSuffix - 1;
                if (block.label_len < sl ||
                    std::memcmp(block.label + block.label_len - sl, kSuffix, sl) != 0)
                    continue;
                const long n = pem_decode_body(block, der, sizeof der);
                if (n > 0)
                    ret = mbedtls_compat::pk_parse_key(key, der, static_cast<size_t>(n), pwd, pwd_len,
                                                       Random::mbedtls_rng, rng);
                else
                    ret = MBEDTLS_ERR_PEM_INVALID_DATA;
                break;
            }
            mbedtls_platform_zeroize(der, sizeof der);
        }
    }
    if (ret != 0) return failure_with_source(TlsError::KeyLoadFailed, ret, "private key", src);
    return TlsFailure{};
}

} // namespace

bool TlsCredentials::tls13_supported() noexcept { return TW_HAVE_TLS13 != 0; }

const char* TlsCredentials::library_version() noexcept { return MBEDTLS_VERSION_STRING_FULL; }

const void* TlsCredentials::ssl_config(bool server) const noexcept {
    if (!ready_) return nullptr;
    if (server) return has_server_ ? &impl(storage_)->server : nullptr;
    return &impl(storage_)->client;
}

void TlsCredentials::reset() noexcept {
    if (constructed_) {
        CredsImpl* c = impl(storage_);
        mbedtls_ssl_config_free(&c->server);
        mbedtls_ssl_config_free(&c->client);
        mbedtls_pk_free(&c->key);
        mbedtls_x509_crt_free(&c->own);
        mbedtls_x509_crt_free(&c->ca);
        c->~CredsImpl();
    }
    constructed_ = false;
    ready_ = false;
    has_server_ = false;
    ca_count_ = 0;
    rng_ = nullptr;
    std::memset(alpn_ptrs_, 0, sizeof alpn_ptrs_);
    std::memset(alpn_text_, 0, sizeof alpn_text_);
}

TlsFailure TlsCredentials::init(const TlsCredentialsConfig& cfg, Random& rng) noexcept {
    reset();
    if (!rng.ready()) return tls_failure(TlsError::RngFailed, 0, "random generator not seeded");
    if (const int ret = mbedtls_compat::crypto_init(); ret != 0)
        return tls_failure(TlsError::Internal, ret, "psa_crypto_init");

    // Versions.
    if (cfg.min_version == TlsVersion::Tls13 && cfg.max_version == TlsVersion::Tls12)
        return tls_failure(TlsError::InvalidArgument, 0, "min_version is above max_version");
    if (cfg.min_version == TlsVersion::Tls13 && !tls13_supported())
        return tls_failure(TlsError::ConfigFailed, 0, "TLS 1.3 is not supported by this mbedTLS build");
    const bool min13 = cfg.min_version == TlsVersion::Tls13;
    const bool allow13 = cfg.max_version == TlsVersion::Tls13 && tls13_supported();

    // Own certificate and key come together.
    if (cfg.cert.empty() != cfg.key.empty())
        return tls_failure(TlsError::InvalidArgument, 0, "certificate and key must be given together");
    if (cfg.require_client_cert && cfg.ca.empty())
        return tls_failure(TlsError::InvalidArgument, 0, "require_client_cert needs a CA to verify clients with");

    // ALPN list, copied so the caller's strings may go away.
    if (cfg.alpn_count > kMaxAlpn || (cfg.alpn_count > 0 && cfg.alpn == nullptr))
        return tls_failure(TlsError::InvalidArgument, 0, "too many ALPN protocols");
    size_t used = 0;
    for (size_t i = 0; i < cfg.alpn_count; ++i) {
        const char* p = cfg.alpn[i];
        const size_t n = p ? std::strlen(p) : 0;
        if (n == 0 || n > 255 || used + n + 1 > kAlpnTextCap) {
            reset();
            return tls_failure(TlsError::InvalidArgument, 0, "ALPN protocol empty or list too long");
        }
        std::memcpy(alpn_text_ + used, p, n + 1);
        alpn_ptrs_[i] = alpn_text_ + used;
        used += n + 1;
    }
    alpn_ptrs_[cfg.alpn_count] = nullptr;

    CredsImpl* c = new (storage_) CredsImpl;
    mbedtls_x509_crt_init(&c->ca);
    mbedtls_x509_crt_init(&c->own);
    mbedtls_pk_init(&c->key);
    mbedtls_ssl_config_init(&c->client);
    mbedtls_ssl_config_init(&c->server);
    constructed_ = true;
    rng_ = &rng;
    verify_peer_ = cfg.verify_peer;
    require_client_cert_ = cfg.require_client_cert;

    TlsFailure f;
    const bool client_needs_ca = cfg.verify_peer;
    if (!cfg.ca.empty()) {
        f = load_certs(&c->ca, cfg.ca, TlsError::CaLoadFailed, "CA certificates", false);
    } else if (client_needs_ca) {
        if (cfg.system_ca_file == nullptr) {
            f = tls_failure(TlsError::CaLoadFailed, 0, "no CA given and no system bundle configured");
        } else {
            f = load_certs(&c->ca, TlsSource::from_file(cfg.system_ca_file), TlsError::CaLoadFailed,
                           "system CA bundle", true);
        }
    }
    if (!f.ok()) {
        reset();
        return f;
    }
    ca_count_ = chain_length(&c->ca);

    const bool has_own = !cfg.cert.empty();
    if (has_own) {
        f = load_certs(&c->own, cfg.cert, TlsError::CertLoadFailed, "certificate", false);
        if (f.ok()) f = load_key(&c->key, cfg.key, cfg.key_password, &rng);
        if (f.ok()) {
            const int ret = mbedtls_compat::pk_check_pair(&c->own.pk, &c->key, Random::mbedtls_rng, &rng);
            if (ret != 0) f = tls_failure(TlsError::KeyMismatch, ret, "certificate and private key");
        }
        if (!f.ok()) {
            reset();
            return f;
        }
    }

    // The two role configurations share everything above.
    for (int role = 0; role < 2; ++role) {
        const bool server = role == 1;
        if (server && !has_own) continue;
        mbedtls_ssl_config* conf = server ? &c->server : &c->client;
        int ret = mbedtls_ssl_config_defaults(conf, server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                                              MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
        if (ret != 0) {
            reset();
            return tls_failure(TlsError::ConfigFailed, ret, "mbedtls_ssl_config_defaults");
        }
        mbedtls_compat::conf_versions(conf, min13, allow13);
        mbedtls_compat::prefer_fast_curves(conf);
        mbedtls_ssl_conf_rng(conf, Random::mbedtls_rng, &rng);
#if defined(MBEDTLS_SSL_RENEGOTIATION)
        mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
        mbedtls_ssl_conf_legacy_renegotiation(conf, MBEDTLS_SSL_LEGACY_NO_RENEGOTIATION);
#if defined(MBEDTLS_SSL_SESSION_TICKETS) && defined(MBEDTLS_SSL_CLI_C)
        // No session resumption: do not keep tickets around per connection.
        if (!server) mbedtls_ssl_conf_session_tickets(conf, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
#endif
        const bool verify = server ? cfg.require_client_cert : cfg.verify_peer;
        mbedtls_ssl_conf_authmode(conf, verify ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_NONE);
        if (verify) mbedtls_ssl_conf_ca_chain(conf, &c->ca, nullptr);
        if (has_own) {
            ret = mbedtls_ssl_conf_own_cert(conf, &c->own, &c->key);
            if (ret != 0) {
                reset();
                return tls_failure(TlsError::ConfigFailed, ret, "mbedtls_ssl_conf_own_cert");
            }
        }
#if defined(MBEDTLS_SSL_ALPN)
        if (cfg.alpn_count > 0) {
            ret = mbedtls_ssl_conf_alpn_protocols(conf, alpn_ptrs_);
            if (ret != 0) {
                reset();
                return tls_failure(TlsError::ConfigFailed, ret, "mbedtls_ssl_conf_alpn_protocols");
            }
        }
#else
        if (cfg.alpn_count > 0) {
            reset();
            return tls_failure(TlsError::ConfigFailed, 0, "ALPN is not built into this mbedTLS");
        }
#endif
    }
    has_server_ = has_own;
    ready_ = true;
    return TlsFailure{};
}

} // namespace tickwire::detail
