// Cryptographically strong random bytes: mbedTLS CTR-DRBG seeded from the platform's entropy.
// One generator per context; WebSocket mask keys, Sockety UUIDs, SP request ids and the TLS
// engine (through TlsCredentials) draw from it. Not thread-safe: one thread, like the library.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tickwire::detail {

class Random {
public:
    Random() noexcept = default;
    ~Random() noexcept;
    Random(const Random&) = delete;
    Random& operator=(const Random&) = delete;

    // Seeds the generator from platform entropy (tickwire::platform::fill_entropy, which is also
    // the DRBG's entropy callback for every later reseed). Returns false when no entropy is
    // available. Calling it again on a seeded generator is a no-op that returns true.
    bool init() noexcept;
    bool ready() const noexcept { return ready_; }
    // After init() failed: true when mbedTLS's crypto could not start (psa_crypto_init, which
    // allocates through mbedTLS: a fixed mbedTLS heap too small for it), false for no entropy.
    bool crypto_unavailable() const noexcept { return crypto_failed_; }
    // Fills `len` bytes (any size; requests are split to mbedTLS's per-call limit). Reseeds as
    // mbedTLS requires; returns false if not initialised or a reseed fails.
    bool fill(void* out, size_t len) noexcept;

    // mbedTLS-style callback (`int f_rng(void*, unsigned char*, size_t)`, 0 on success) over a
    // Random passed as `self`; the TLS code hands it to mbedTLS. Declared with plain types so
    // that this header does not include mbedTLS.
    static int mbedtls_rng(void* self, unsigned char* out, size_t len) noexcept;

private:
    // Opaque storage for an mbedtls_ctr_drbg_context (392 bytes on 2.28 and 3.6), so that this
    // header does not include mbedTLS; checked by static_assert in random.cpp. No
    // mbedtls_entropy_context is kept: the DRBG pulls entropy straight from the platform.
    alignas(16) unsigned char storage_[1536];
    bool ready_ = false;
    bool crypto_failed_ = false;
};

} // namespace tickwire::detail
