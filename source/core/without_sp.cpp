// The engine's SP hooks in a build without SP message sockets (premake --protocols without sp):
// there is no SpSocket to open an endpoint, so no connection is ever an SP pipe and these only
// have to be safe. In a build with SP this file is empty; the real hooks are in
// sp/socket_hooks.cpp.
#include "core/protocols.hpp"

#if !TICKWIRE_WITH_SP
#include "core/engine.hpp"

namespace tickwire::detail {
void Engine::sp_opened(uint32_t c) noexcept { close_now(c, Error::UnsupportedScheme, true); }
void Engine::sp_after_read(uint32_t) noexcept {}
void Engine::sp_release(ConnSlot&) noexcept {}
} // namespace tickwire::detail
#endif
