// SP over WebSocket (ws://, wss://): a pipe is a WebSocket connection whose ConnSlot names an SP
// socket (sp_socket). The ws session (ws/session.cpp) does the upgrade, control frames and
// message assembly; here is what differs from a stream pipe: no 8-byte SP header, no length
// prefix, one SP message (pattern header + body) = one binary WebSocket message.
#include <cstring>

#include "sp/protocol.hpp"
#include "sp/socket_state.hpp"
#include "ws/frame.hpp"

namespace tickwire::detail {

bool Engine::sp_ws_accepts_bare(const ConnSlot& s) const noexcept {
    // nanomsg's listener takes an upgrade without Sec-WebSocket-Protocol only on a PAIR socket.
    const SpSocketState* st = sp_of(s);
    return st && st->pattern == SpPattern::Pair;
}

bool Engine::sp_ws_path_matches(const ConnSlot& s, std::string_view path) const noexcept {
    if (s.listener == kNone) return true;
    const char* bound = listeners[s.listener].name;
    if (bound[0] == 0 || (bound[0] == '/' && bound[1] == 0)) return true;  // any path, as nanomsg
    return path == std::string_view(bound);
}

bool SpSocketState::ws_ready(const ConnSlot& s) noexcept {
    return s.ws.phase == WsPhase::Open && !(s.ws.flags & kWsCloseSent);
}

// One binary message: hdr + body behind one frame header (masked on the dialing side, as
// RFC 6455 wants of clients). All or nothing.
Error SpSocketState::ws_send(ConnSlot& s, const uint8_t* hdr, size_t hdr_size, const void* body, size_t size) noexcept {
    if (!ws_ready(s)) return Error::WrongState;
    if (s.flags & kConnWriteOpen) return Error::PendingWrite;
    Engine& e = *engine;
    const size_t total = hdr_size + size;
    const bool masked = s.dialer != kNone;
    const Error room = e.tx_reserve(s, ws::header_size(total, masked) + total);
    if (room != Error::Ok) return room;
    ws::MaskKey key{};
    if (masked && !e.next_mask(key)) return Error::SystemError;
    uint8_t frame_header[ws::kMaxHeaderSize];
    const size_t fh = ws::encode_header(frame_header, true, ws::Opcode::Binary, total, masked ? &key : nullptr);
    BlockPool& blocks = e.blocks;
    s.tx.write(blocks, frame_header, static_cast<uint32_t>(fh));
    const uint32_t start = s.tx.tail;
    if (hdr_size) s.tx.write(blocks, hdr, static_cast<uint32_t>(hdr_size));
    if (size) s.tx.write(blocks, static_cast<const uint8_t*>(body), static_cast<uint32_t>(size));
    if (masked && total) {  // the payload may wrap around the ring's end: mask both pieces
        const uint32_t cap = blocks.block_size();
        const uint32_t off = start & (cap - 1);
        const size_t first = cap - off < total ? cap - off : total;
        ws::apply_mask(blocks.data(s.tx.block) + off, first, key, 0);
        if (total > first) ws::apply_mask(blocks.data(s.tx.block), total - first, key, first);
    }
    e.list(e.index_of(s));
    return Error::Ok;
}

// The next whole binary message of a ws pipe, through the session's reader (which answers
// pings, reassembles fragments and checks sizes on the way).
bool SpSocketState::ws_take(ConnSlot& s, uint64_t handle, ReadView& v) noexcept {
    if (s.ws.phase != WsPhase::Open) return false;
    const Read r = engine->ws_try_read(s, handle, v);
    if (r == Read::Message) return true;
    v.clear();
    return false;
}

} // namespace tickwire::detail
