/* mbedTLS 3.6 configuration for tickwire's `--mbedtls=source` build (premake5.lua): only what
 * source/crypto uses, and every allocation from one fixed buffer.
 *
 * Read in place of mbedTLS's own configuration (v3/mbedtls/mbedtls_config.h includes it) by
 * mbedTLS's sources and by tickwire's, so that both see the same structures. What tickwire
 * needs, and why each group is here:
 *   TLS 1.2 and 1.3, client and server, ECDHE-ECDSA and ECDHE-RSA key exchange (TLS 1.3 needs
 *     PSA crypto, HKDF and RSA-PSS), SNI, ALPN; no renegotiation, no DTLS, no PSK;
 *   AES-GCM and ChaCha20-Poly1305 record protection;
 *   X.509 certificates and keys in PEM and DER; PKCS#8 keys encrypted with PBES2 (3DES or AES
 *     in CBC mode), legacy encrypted PEM keys (MD5-based key derivation);
 *   SHA-1 (the WebSocket handshake), SHA-256/384/512, base64, CTR-DRBG;
 *   MBEDTLS_PLATFORM_MEMORY + MBEDTLS_MEMORY_BUFFER_ALLOC_C: mbedTLS calls mbedtls_calloc /
 *     mbedtls_free, which source/crypto/tls_heap.cpp points at a buffer carved from the
 *     Context's memory (Config::tls.heap_bytes). No threading: one thread drives a Context. */
#ifndef TICKWIRE_MBEDTLS3_CONFIG_H
#define TICKWIRE_MBEDTLS3_CONFIG_H

/* System support */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_MEMORY_ALIGN_MULTIPLE 16   /* 4 by default: too little for 64-bit fields */
#define MBEDTLS_FS_IO
#define MBEDTLS_DEPRECATED_REMOVED
#define MBEDTLS_ERROR_C
#define MBEDTLS_VERSION_C

/* Randomness */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_HMAC_DRBG_C         /* deterministic ECDSA */
#define MBEDTLS_ECDSA_DETERMINISTIC

/* Hashes */
#define MBEDTLS_MD_C
#define MBEDTLS_MD5_C               /* legacy encrypted PEM keys */
#define MBEDTLS_SHA1_C              /* WebSocket handshake, certificates */
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_HKDF_C              /* TLS 1.3 key schedule (through PSA) */

/* Ciphers */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
#define MBEDTLS_AESNI_C             /* x86: AES-NI + PCLMUL, chosen at run time (cpuid); AES-GCM
                                     * records ~4x faster than the table code (tls_cipher_speed) */
#define MBEDTLS_AESCE_C             /* the same for Armv8-A crypto extensions; ignored elsewhere */
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_DES_C               /* PBES2-3DES encrypted keys */
#define MBEDTLS_CIPHER_MODE_CBC
#define MBEDTLS_CIPHER_PADDING_PKCS7

/* Public keys */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_NIST_OPTIM      /* fast reduction modulo the NIST primes */
/* MBEDTLS_ECP_WINDOW_SIZE stays at mbedTLS's 4: the generator uses mbedTLS's static P-256 table
 * either way, and 5 for the ECDH multiplication measured no faster here (400 P-256 point
 * multiplications, W=4 vs W=5, three runs each) while its table takes twice the heap. */
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_SECP521R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21           /* RSA-PSS: TLS 1.3 with RSA certificates */
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PK_WRITE_C
#define MBEDTLS_PKCS5_C             /* PBES2 encrypted PKCS#8 keys */
#define MBEDTLS_PKCS12_C

/* Encodings, X.509 */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT

/* PSA crypto: TLS 1.3 runs on it */
#define MBEDTLS_PSA_CRYPTO_C
/* Every TLS 1.3 handshake holds a PSA key (its ECDHE share) until it ends. Without this, PSA has
 * a fixed table of MBEDTLS_PSA_KEY_SLOT_COUNT (32) keys for the whole process, and the 33rd
 * concurrent handshake fails with MBEDTLS_ERR_SSL_ALLOC_FAILED whatever the heap size
 * (tls_handshakes -c 100 completed exactly 32). With it the key table grows in mbedTLS's heap,
 * which Config::tls.heap_bytes sizes per session. */
#define MBEDTLS_PSA_KEY_STORE_DYNAMIC

/* TLS */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_SRV_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES  /* tell the peer why (bad_record_mac, ...) */
#define MBEDTLS_SSL_SESSION_TICKETS  /* TLS 1.3 servers send tickets; the client must parse them */

#endif /* TICKWIRE_MBEDTLS3_CONFIG_H */
