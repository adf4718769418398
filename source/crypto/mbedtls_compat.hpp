// The one place that knows how mbedTLS 2.28 and 3.x differ. Included only by source/crypto/*.cpp
// (never by a header that other folders include), so the rest of tickwire never sees mbedTLS.
//
// Differences handled here:
//  - 3.x renamed the *_ret hash functions back (mbedtls_sha1_ret -> mbedtls_sha1);
//  - 3.x added RNG arguments to mbedtls_pk_parse_key / _keyfile / mbedtls_pk_check_pair;
//  - 3.x configures versions with mbedtls_ssl_conf_{min,max}_tls_version; 2.28 with major/minor;
//  - 3.x made most struct fields private (MBEDTLS_PRIVATE); the received alert is read here;
//  - 3.x (TLS 1.3, PSA) needs psa_crypto_init() before any TLS or key operation;
//  - 2.28's default curve order is slow (secp521r1 first).
#pragma once

// version.h pulls in the build configuration on both lines (config.h on 2.x, build_info.h on 3.x).
#include "mbedtls/version.h"

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/ecp.h"
#include "mbedtls/pk.h"
#include "mbedtls/sha1.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

#if !defined(MBEDTLS_VERSION_NUMBER) || MBEDTLS_VERSION_NUMBER < 0x021C0000
#error "tickwire needs mbedTLS 2.28 or newer"
#endif

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define TW_MBEDTLS_3 1
#include "psa/crypto.h"
#else
#define TW_MBEDTLS_3 0
#endif

// TLS 1.3 is only used where mbedTLS ships it as a supported feature (3.x). 2.28's
// MBEDTLS_SSL_PROTO_TLS1_3_EXPERIMENTAL prototype is deliberately ignored.
#if TW_MBEDTLS_3 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
#define TW_HAVE_TLS13 1
#else
#define TW_HAVE_TLS13 0
#endif

#if TW_MBEDTLS_3
#define TW_MBEDTLS_FIELD(x) MBEDTLS_PRIVATE(x)
#else
#define TW_MBEDTLS_FIELD(x) x
#endif

namespace tickwire::detail::mbedtls_compat {

using RngFn = int (*)(void*, unsigned char*, size_t);

// Library-wide initialisation that 3.x needs (PSA). Idempotent; returns 0 or an mbedTLS error.
inline int crypto_init() noexcept {
#if TW_MBEDTLS_3 && defined(MBEDTLS_PSA_CRYPTO_C)
    return static_cast<int>(psa_crypto_init());
#else
    return 0;
#endif
}

// Key-exchange curves, fastest first. 2.28's default list starts with secp521r1, which made
// every handshake several times slower than it needs to be; 3.x already prefers X25519/P-256.
inline void prefer_fast_curves(mbedtls_ssl_config* conf) noexcept {
#if !TW_MBEDTLS_3 && defined(MBEDTLS_ECP_C)
    static const mbedtls_ecp_group_id kCurves[] = {
#if defined(MBEDTLS_ECP_DP_SECP256R1_ENABLED)
        MBEDTLS_ECP_DP_SECP256R1,
#endif
#if defined(MBEDTLS_ECP_DP_CURVE25519_ENABLED)
        MBEDTLS_ECP_DP_CURVE25519,
#endif
#if defined(MBEDTLS_ECP_DP_SECP384R1_ENABLED)
        MBEDTLS_ECP_DP_SECP384R1,
#endif
#if defined(MBEDTLS_ECP_DP_SECP521R1_ENABLED)
        MBEDTLS_ECP_DP_SECP521R1,
#endif
        MBEDTLS_ECP_DP_NONE,
    };
    mbedtls_ssl_conf_curves(conf, kCurves);
#else
    (void)conf;
#endif
}

inline int sha1(const unsigned char* data, size_t len, unsigned char out[20]) noexcept {
#if TW_MBEDTLS_3
    return mbedtls_sha1(data, len, out);
#else
    return mbedtls_sha1_ret(data, len, out);
#endif
}

inline int pk_parse_key(mbedtls_pk_context* pk, const unsigned char* key, size_t len,
                        const unsigned char* pwd, size_t pwd_len, RngFn rng, void* rng_ctx) noexcept {
#if TW_MBEDTLS_3
    return mbedtls_pk_parse_key(pk, key, len, pwd, pwd_len, rng, rng_ctx);
#else
    (void)rng;
    (void)rng_ctx;
    return mbedtls_pk_parse_key(pk, key, len, pwd, pwd_len);
#endif
}

inline int pk_parse_keyfile(mbedtls_pk_context* pk, const char* path, const char* pwd, RngFn rng,
                            void* rng_ctx) noexcept {
#if TW_MBEDTLS_3
    return mbedtls_pk_parse_keyfile(pk, path, pwd, rng, rng_ctx);
#else
    (void)rng;
    (void)rng_ctx;
    return mbedtls_pk_parse_keyfile(pk, path, pwd);
#endif
}

inline int pk_check_pair(const mbedtls_pk_context* pub, const mbedtls_pk_context* prv, RngFn rng,
                         void* rng_ctx) noexcept {
#if TW_MBEDTLS_3
    return mbedtls_pk_check_pair(pub, prv, rng, rng_ctx);
#else
    (void)rng;
    (void)rng_ctx;
    return mbedtls_pk_check_pair(pub, prv);
#endif
}

// Restricts a config to TLS 1.2 .. (1.3 when `allow_tls13` and the build supports it).
inline void conf_versions(mbedtls_ssl_config* conf, bool min_tls13, bool allow_tls13) noexcept {
#if TW_MBEDTLS_3
#if TW_HAVE_TLS13
    mbedtls_ssl_conf_min_tls_version(conf, min_tls13 ? MBEDTLS_SSL_VERSION_TLS1_3
                                                     : MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(conf, allow_tls13 ? MBEDTLS_SSL_VERSION_TLS1_3
                                                       : MBEDTLS_SSL_VERSION_TLS1_2);
#else
    (void)min_tls13;
    (void)allow_tls13;
    mbedtls_ssl_conf_min_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
    mbedtls_ssl_conf_max_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
#endif
#else
    (void)min_tls13;
    (void)allow_tls13;
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
}

// After mbedTLS returned MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE the alert record is still the
// current input message. There is no public getter on either line, hence the field access.
inline bool last_alert(const mbedtls_ssl_context* ssl, unsigned char* level, unsigned char* desc) noexcept {
    const unsigned char* msg = ssl->TW_MBEDTLS_FIELD(in_msg);
    if (msg == nullptr || ssl->TW_MBEDTLS_FIELD(in_msgtype) != MBEDTLS_SSL_MSG_ALERT ||
        ssl->TW_MBEDTLS_FIELD(in_msglen) < 2)
        return false;
    *level = msg[0];
    *desc = msg[1];
    return true;
}

} // namespace tickwire::detail::mbedtls_compat
