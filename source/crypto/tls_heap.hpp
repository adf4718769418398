// mbedTLS's heap. Against a system mbedTLS (the default build) mbedTLS allocates from the C heap
// and nothing here does anything. In the `--mbedtls=source` build (premake5.lua), mbedTLS is
// configured with MBEDTLS_PLATFORM_MEMORY + MBEDTLS_MEMORY_BUFFER_ALLOC_C, and every mbedTLS
// allocation (record buffers, handshake state, parsed certificates and keys, PSA key slots)
// comes from one buffer that the engine carves from the Context's memory: Config::tls.heap_bytes.
//
// mbedTLS's buffer allocator is global: one heap per process. So at most one Context at a time
// may hold it (the one that initialises with tls.max_sessions > 0 first); another one that wants
// TLS meanwhile fails to initialise with Error::TlsError until the first is destroyed. While a
// Context holds the heap, any other mbedTLS use in the process (TlsCredentials or TlsSession
// objects of your own) draws from it too, must happen on that Context's thread (the allocator
// has no lock), and must be freed before that Context is.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tickwire::detail::tls_heap {

// Whether this build sends mbedTLS's allocations to a fixed heap.
bool fixed() noexcept;

// The heap the engine carves for `sessions` TLS sessions when Config::tls.heap_bytes is 0: the
// credentials and PSA state, plus one session's record buffers and handshake per session.
size_t default_bytes(uint32_t sessions) noexcept;

// Makes [buffer, buffer + size) mbedTLS's heap, on behalf of `owner`. False when another owner
// holds it, or when this build has no fixed heap. Call before any mbedTLS use of the owner.
bool acquire(void* buffer, size_t size, const void* owner) noexcept;

// Hands mbedTLS back to the C heap. Everything the owner allocated through mbedTLS must be freed
// already; mbedTLS's global PSA state is freed here (it lives in the heap). No-op for non-owners.
void release(const void* owner) noexcept;

// The current owner, or nullptr.
const void* owner() noexcept;

} // namespace tickwire::detail::tls_heap
