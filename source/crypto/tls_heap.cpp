#include "crypto/tls_heap.hpp"

#include "crypto/mbedtls_compat.hpp"

// The --mbedtls=source build must see tickwire's configuration, not mbedTLS's default one (the
// include order in premake5.lua decides which): without it there would be no fixed heap.
#if defined(TICKWIRE_MBEDTLS_SOURCE) && !defined(TICKWIRE_MBEDTLS3_CONFIG_H) && !defined(TICKWIRE_MBEDTLS2_CONFIG_H)
#error "--mbedtls=source build without source/crypto/mbedtls_config: check the include order"
#endif

#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C) && defined(MBEDTLS_PLATFORM_MEMORY)
#include "mbedtls/memory_buffer_alloc.h"
#include "mbedtls/platform.h"

#include <cstdlib>
#define TW_TLS_FIXED_HEAP 1
#else
#define TW_TLS_FIXED_HEAP 0
#endif

#include <atomic>

namespace tickwire::detail::tls_heap {

namespace {
// Atomic so that two Contexts starting on two threads cannot both take the heap. (mbedTLS's
// buffer allocator itself has no lock: only the owner's thread may use mbedTLS meanwhile.)
std::atomic<const void*> g_owner{nullptr};

#if TW_TLS_FIXED_HEAP
// PSA keeps global state (key slots, its own random generator) in mbedTLS's heap; it must not
// straddle two heaps. Freeing it is harmless when it was never initialised.
void free_psa_state() noexcept {
#if TW_MBEDTLS_3 && defined(MBEDTLS_PSA_CRYPTO_C)
    mbedtls_psa_crypto_free();
#endif
}
#endif
} // namespace

bool fixed() noexcept { return TW_TLS_FIXED_HEAP != 0; }

size_t default_bytes(uint32_t sessions) noexcept {
    // Measured (mbedTLS 3.6, TLS 1.3, P-256 certificates, memory_test.cpp's TLS test with its
    // heap_bytes varied): 16 sessions open at once (8 pairs in one context) need 620..650 KiB,
    // i.e. about 40 KiB a session (two 16 KiB record buffers, handshake state, the peer's chain)
    // plus the credentials and PSA state. The margin covers fragmentation and larger chains.
    return size_t{64} * 1024 + size_t{sessions} * 56 * 1024;
}

bool acquire(void* buffer, size_t size, const void* owner) noexcept {
#if TW_TLS_FIXED_HEAP
    if (buffer == nullptr || owner == nullptr) return false;
    const void* none = nullptr;
    if (!g_owner.compare_exchange_strong(none, owner)) return false;
    free_psa_state();  // set up on the C heap by mbedTLS use before this Context
    mbedtls_memory_buffer_alloc_init(static_cast<unsigned char*>(buffer), size);
    return true;
#else
    (void)buffer;
    (void)size;
    (void)owner;
    return false;
#endif
}

void release(const void* owner) noexcept {
#if TW_TLS_FIXED_HEAP
    if (owner == nullptr || owner != g_owner.load()) return;
    free_psa_state();
    mbedtls_memory_buffer_alloc_free();
    // mbedTLS's own defaults (MBEDTLS_PLATFORM_STD_CALLOC / _FREE).
    mbedtls_platform_set_calloc_free(std::calloc, std::free);
    g_owner.store(nullptr);
#else
    (void)owner;
#endif
}

const void* owner() noexcept { return g_owner.load(); }

} // namespace tickwire::detail::tls_heap
