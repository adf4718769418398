// CTR-DRBG (AES-256) seeded and reseeded through a custom entropy callback that reads the OS
// source directly. mbedtls_entropy_context is not used: it only pools sources, the OS source is
// already a CSPRNG, and the context is ~38 KiB on 2.28.
#include "crypto/random.hpp"

#include "crypto/mbedtls_compat.hpp"
#include "mbedtls/entropy.h"
#include "platform/entropy.hpp"

#include <new>

namespace tickwire::detail {

namespace {

static_assert(sizeof(mbedtls_ctr_drbg_context) <= 1536, "Random::storage_ too small for this mbedTLS");
static_assert(alignof(mbedtls_ctr_drbg_context) <= 16, "Random::storage_ under-aligned for this mbedTLS");

int platform_entropy(void*, unsigned char* out, size_t len) {
    return tickwire::platform::fill_entropy(out, len) ? 0 : MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
}

mbedtls_ctr_drbg_context* drbg(unsigned char* storage) noexcept {
    return std::launder(reinterpret_cast<mbedtls_ctr_drbg_context*>(storage));
}

constexpr unsigned char kPersonalization[] = "tickwire random v1";

} // namespace

Random::~Random() noexcept {
    if (ready_) mbedtls_ctr_drbg_free(drbg(storage_));
    ready_ = false;
}

bool Random::init() noexcept {
    if (ready_) return true;
    crypto_failed_ = mbedtls_compat::crypto_init() != 0;
    if (crypto_failed_) return false;
    auto* ctx = new (storage_) mbedtls_ctr_drbg_context;
    mbedtls_ctr_drbg_init(ctx);
    if (mbedtls_ctr_drbg_seed(ctx, platform_entropy, nullptr, kPersonalization,
                              sizeof kPersonalization - 1) != 0) {
        mbedtls_ctr_drbg_free(ctx);
        return false;
    }
    ready_ = true;
    return true;
}

bool Random::fill(void* out, size_t len) noexcept {
    if (!ready_) return false;
    auto* p = static_cast<unsigned char*>(out);
    while (len > 0) {
        const size_t n = len < MBEDTLS_CTR_DRBG_MAX_REQUEST ? len : MBEDTLS_CTR_DRBG_MAX_REQUEST;
        if (mbedtls_ctr_drbg_random(drbg(storage_), p, n) != 0) return false;
        p += n;
        len -= n;
    }
    return true;
}

int Random::mbedtls_rng(void* self, unsigned char* out, size_t len) noexcept {
    auto* r = static_cast<Random*>(self);
    if (r == nullptr || !r->fill(out, len)) return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
    return 0;
}

} // namespace tickwire::detail
