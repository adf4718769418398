// The engine's Sockety hooks in a build without Sockety (premake --protocols without sockety):
// sockety:// URLs answer UnsupportedScheme and the context lays out no Sockety session, so no
// connection is ever a Sockety one and these only have to be safe. In a build with Sockety this
// file is empty; the real hooks are in sockety/session.cpp.
#include "core/protocols.hpp"

#if !TICKWIRE_WITH_SOCKETY
#include "core/engine.hpp"
#include "sockety/session.hpp"

namespace tickwire::detail {
size_t sockety_session_bytes(const SocketyConfig&) noexcept { return 0; }
void sockety_session_layout(const SocketyConfig&, uint8_t*, SocketySession&) noexcept {}
bool Engine::sockety_opened(uint32_t c) noexcept {
    close_now(c, Error::UnsupportedScheme, true);
    return false;
}
void Engine::sockety_after_read(uint32_t) noexcept {}
void Engine::sockety_tx_drained(uint32_t) noexcept {}
void Engine::sockety_deadline(uint32_t) noexcept {}
void Engine::sockety_arm(uint32_t) noexcept {}
void Engine::sockety_release(ConnSlot&) noexcept {}
void Engine::sockety_free_session(ConnSlot&) noexcept {}
const char* Engine::sockety_detail(const ConnSlot&) const noexcept { return nullptr; }
} // namespace tickwire::detail
#endif
