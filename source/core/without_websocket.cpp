// The engine's WebSocket hooks in a build without WebSocket (premake --protocols without ws):
// ws:// and wss:// answer UnsupportedScheme (endpoints.cpp), so no connection is ever a
// WebSocket one and these only have to be safe. In a build with WebSocket this file is empty;
// the real hooks are in ws/session.cpp.
#include "core/protocols.hpp"

#if !TICKWIRE_WITH_WEBSOCKET
#include "core/engine.hpp"
#include "ws/frame.hpp"

namespace tickwire {
std::string_view RequestInfo::header(std::string_view) const noexcept { return {}; }
} // namespace tickwire

namespace tickwire::detail {
void Engine::ws_accepted(uint32_t c) noexcept { close_now(c, Error::UnsupportedScheme, true); }
void Engine::ws_connected(uint32_t c) noexcept { close_now(c, Error::UnsupportedScheme, true); }
void Engine::ws_fail(uint32_t c, Error err, uint16_t) noexcept { close_now(c, err, true); }
void Engine::ws_after_read(uint32_t) noexcept {}
bool Engine::ws_announce_slot_waiters() noexcept { return true; }
void Engine::ws_tx_drained(uint32_t) noexcept {}
void Engine::ws_deadline(uint32_t) noexcept {}
bool Engine::ws_peer_eof(uint32_t) noexcept { return false; }
Read Engine::ws_try_read(ConnSlot&, uint64_t, ReadView&) noexcept { return Read::NoData; }
Error Engine::ws_send(ConnSlot&, ws::Opcode, const void*, size_t, bool) noexcept { return Error::WrongState; }
Error Engine::ws_close(ConnSlot&, uint16_t, std::string_view) noexcept { return Error::WrongState; }
Result<WriteSpan> Engine::ws_begin(ConnSlot&, DataKind, size_t) noexcept { return Error::WrongState; }
Error Engine::ws_commit(ConnSlot&, size_t) noexcept { return Error::WrongState; }
size_t Engine::broadcast(const Conn*, size_t, DataKind, const void*, size_t) noexcept { return 0; }
bool Engine::next_mask(ws::MaskKey&) noexcept { return false; }
// The frame codec SP's ws pipes would use (sp/ws_pipe.cpp, sp/large_send.cpp): never reached.
namespace ws {
size_t encode_header(uint8_t*, bool, Opcode, uint64_t, const MaskKey*) noexcept { return 0; }
void apply_mask(uint8_t*, size_t, MaskKey, uint64_t) noexcept {}
} // namespace ws
} // namespace tickwire::detail
#endif
