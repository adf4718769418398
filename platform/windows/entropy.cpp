#include "../entropy.hpp"

#include "winsock_headers.hpp"

#include <bcrypt.h>

namespace tickwire::platform {

// BCryptGenRandom with the system-preferred generator (no algorithm handle to open or leak).
bool fill_entropy(void* out, size_t len) noexcept {
    auto* p = static_cast<unsigned char*>(out);
    while (len > 0) {
        const ULONG chunk = len > 0x10000000u ? 0x10000000u : static_cast<ULONG>(len);
        if (BCryptGenRandom(nullptr, p, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0) return false;
        p += chunk;
        len -= chunk;
    }
    return true;
}

} // namespace tickwire::platform
