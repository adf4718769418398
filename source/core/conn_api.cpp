// tickwire::Conn and tickwire::ReadView: the calls an application makes on one connection
// between two updates. Each validates the handle first; a stale one is an error value.
#include <cstring>

#include "core/engine.hpp"

namespace tickwire {

using detail::ConnSlot;
using detail::Engine;
using detail::Protocol;

namespace {
ConnSlot* slot(Engine* e, uint64_t h) noexcept { return e ? e->conn_from_handle(h) : nullptr; }

Error check_sendable(const ConnSlot& s) noexcept {
    if (s.state != ConnState::Open) return Error::WrongState;
    if (s.flags & (detail::kConnWriteShut | detail::kConnShutPending)) return Error::WrongState;
    if (s.flags & detail::kConnWriteOpen) return Error::PendingWrite;
    return Error::Ok;
}

} // namespace

Read Conn::try_read(ReadView& out) const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (!s || s->state == ConnState::Invalid) return Read::Closed;
    Engine& e = *engine_;
    if (s->protocol == Protocol::WebSocket) return e.ws_try_read(*s, handle_, out);
    if (s->protocol == Protocol::Sp || s->protocol == Protocol::Sockety) return Read::NoData;  // framed: read
                                                         // through the SpSocket / SocketyConn
    if (s->rx.empty()) {
        const bool finished = s->state == ConnState::Closed || s->state == ConnState::Backoff ||
                              (s->flags & detail::kConnPeerEof);
        return finished ? Read::Closed : Read::NoData;
    }
    detail::RingSpan rs[2] = {};
    (void)s->rx.readable(e.blocks, rs);
    out.clear();
    out.data = rs[0].data;
    out.size = rs[0].size;
    out.received = rs[0].size;
    out.total = rs[0].size;
    out.kind = DataKind::Bytes;
    out.time_us = s->last_rx_us;
    out.engine_ = engine_;
    out.conn_ = handle_;
    out.consume_ = rs[0].size;
    s->rx_lent = rs[0].size;
    return Read::Message;
}

void ReadView::release() noexcept {
    if (!engine_) return;
    if (message_) {
        (void)engine_->messages.release(message_);
        engine_->view_let_go(conn_);
    } else if (consume_) {
        ConnSlot* s = engine_->conn_from_handle(conn_);
        if (s) engine_->consume_rx(*s, consume_);
    }
    clear();
}

void ReadView::release(size_t n) noexcept {
    if (!engine_ || message_ || n >= consume_) {
        release();
        return;
    }
    if (ConnSlot* s = engine_->conn_from_handle(conn_)) engine_->consume_rx(*s, static_cast<uint32_t>(n));
    clear();
}

Error ReadView::retain() noexcept {
    if (!engine_) return Error::InvalidHandle;
    if (message_) return Error::Ok;  // already in a slot
    Engine& e = *engine_;
    if (size > e.messages.slot_size()) return Error::TooLarge;
    const uint64_t m = e.messages.acquire();
    if (!m) return Error::NoMessageSlot;
    uint8_t* dst = e.messages.data(m);
    std::memcpy(dst, data, size);
    ConnSlot* s = e.conn_from_handle(conn_);
    if (s && consume_) e.consume_rx(*s, consume_);
    data = dst;
    consume_ = 0;
    message_ = m;
    return Error::Ok;
}

Error Conn::send(const void* data, size_t size) const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (!s) return Error::InvalidHandle;
    if (s->protocol != Protocol::Raw) return Error::WrongState;  // bytes would break the framing
    Error err = check_sendable(*s);
    if (err != Error::Ok) return err;
    if (size == 0) return Error::Ok;
    Engine& e = *engine_;
    err = e.tx_reserve(*s, size);
    if (err != Error::Ok) return err;
    s->tx.write(e.blocks, static_cast<const uint8_t*>(data), static_cast<uint32_t>(size));
    e.list(e.index_of(*s));
    return Error::Ok;
}

Error Conn::send_view(ReadView& view) const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (!s) return Error::InvalidHandle;
    if (s->protocol != Protocol::Raw && s->protocol != Protocol::WebSocket) return Error::WrongState;
    Error err = check_sendable(*s);
    if (err != Error::Ok) return err;
    Engine& e = *engine_;
    if (s->protocol == Protocol::WebSocket) return e.ws_send_view(*s, handle_, view);
    // The view is this connection's received bytes, all of what it lent out.
    const bool mine = view.engine_ == engine_ && view.conn_ == handle_ && view.message_ == 0 && view.size > 0 &&
                      view.consume_ == view.size && s->rx_lent == view.consume_;
    if (mine && s->rx.used() == view.size && e.tx_idle(*s) && e.rx_block_to_tx(*s, s->rx.head, s->rx.tail)) {
        view.clear();
        return Error::Ok;
    }
    // Queued behind other bytes: sent from rx where it lies, after them.
    if (mine && view.size >= Engine::kLendMin && e.can_lend(*s)) {
        e.lend_rx(*s, s->rx.head, static_cast<uint32_t>(view.size), view.consume_);
        view.clear();
        return Error::Ok;
    }
    err = send(view.data, view.size);
    if (err == Error::Ok) view.release();
    return err;
}

Result<WriteSpan> Conn::begin_write(size_t size) const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (!s) return Error::InvalidHandle;
    if (s->protocol != Protocol::Raw) return Error::WrongState;  // use begin_message
    Error err = check_sendable(*s);
    if (err != Error::Ok) return err;
    Engine& e = *engine_;
    err = e.tx_reserve(*s, size);
    if (err != Error::Ok) return err;
    const uint32_t cap = e.blocks.block_size();
    if (s->tx.empty()) s->tx.head = s->tx.tail = 0;  // an empty ring can start at offset 0
    if (s->tx.contiguous_free(cap) < size) {
        // Room exists but wraps; zero-copy needs one piece. Try again once it drains.
        s->tx.release_if_empty(e.blocks);
        s->flags |= detail::kConnOweWritable;
        ++e.stats.send_would_block;
        return Error::WouldBlock;
    }
    s->flags |= detail::kConnWriteOpen;
    s->write_reserved = static_cast<uint32_t>(size);
    return WriteSpan{s->tx.tail_ptr(e.blocks), size};
}

Error Conn::commit(size_t size) const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (!s) return Error::InvalidHandle;
    if (!(s->flags & detail::kConnWriteOpen)) return Error::WrongState;
    if (size > s->write_reserved) return Error::InvalidArgument;
    Engine& e = *engine_;
    if (s->ws.flags & detail::kWsMessageOpen) return e.ws_commit(*s, size);
    s->flags &= static_cast<uint16_t>(~detail::kConnWriteOpen);
    s->write_reserved = 0;
    s->tx.produced(static_cast<uint32_t>(size));
    if (s->tx.empty()) s->tx.release_if_empty(e.blocks);
    else e.list(e.index_of(*s));
    return Error::Ok;
}

Error Conn::flush() const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (!s) return Error::InvalidHandle;
    Engine& e = *engine_;
    const uint32_t c = e.index_of(*s);
    if (s->state != ConnState::Open && s->state != ConnState::Closing) return Error::WrongState;
    if (e.tx_idle(*s)) return Error::Ok;
    s->flags |= detail::kConnWritable;  // ask the OS; it answers WouldBlock if it has no room
    e.write_pending(c);
    if (s->state == ConnState::Closed) return s->close_reason == Error::Ok ? Error::Closed : s->close_reason;
    e.tx_drained(c);
    return Error::Ok;
}

Error Conn::close() const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (!s) return Error::InvalidHandle;
    Engine& e = *engine_;
    const uint32_t c = e.index_of(*s);
    s->flags |= detail::kConnNoReconnect;
    if (s->dialer != detail::kNone) e.dialers[s->dialer].reconnect = false;
    if (s->protocol == Protocol::WebSocket && s->state == ConnState::Open && s->ws.phase == detail::WsPhase::Open)
        return e.ws_close(*s, 1000, {});
    switch (s->state) {
    case ConnState::Open:
        // Flushed, and for TLS ended with close_notify, in the next update.
        s->state = ConnState::Closing;
        e.list(c);
        return Error::Ok;
    case ConnState::Closing:
    case ConnState::Closed:
        return Error::Ok;
    default:
        e.close_now(c, Error::Ok, false);
        return Error::Ok;
    }
}

Error Conn::abort() const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (!s) return Error::InvalidHandle;
    Engine& e = *engine_;
    s->flags |= detail::kConnNoReconnect;
    if (s->state == ConnState::Closed) return Error::Ok;
    e.close_now(e.index_of(*s), Error::Closed, true);
    return Error::Ok;
}

Error Conn::shutdown_write() const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (!s) return Error::InvalidHandle;
    if (s->state != ConnState::Open) return Error::WrongState;
    s->flags |= detail::kConnShutPending;
    engine_->list(engine_->index_of(*s));
    return Error::Ok;
}

ConnState Conn::state() const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    return s ? s->state : ConnState::Invalid;
}

size_t Conn::send_capacity() const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (!s || check_sendable(*s) != Error::Ok) return 0;
    const uint32_t cap = engine_->blocks.block_size();
    if (!s->tx.has_block()) return engine_->blocks.empty() ? 0 : cap;
    return s->tx.free_space(cap);
}

std::string_view Conn::error_detail() const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (s && s->protocol == Protocol::Sockety && s->sockety != detail::kNone) {
        const char* d = engine_->sockety_detail(*s);
        if (d) return std::string_view(d);
    }
    if (!s || s->tls == detail::kNone) return {};
    return std::string_view(engine_->tls_sessions[s->tls].failure().message);
}

void Conn::set_user(void* user) const noexcept {
    if (ConnSlot* s = slot(engine_, handle_)) s->user = user;
}

void* Conn::user() const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    return s ? s->user : nullptr;
}

} // namespace tickwire

namespace tickwire {

// --- WebSocket calls ----------------------------------------------------------------------------

Error Conn::send_text(std::string_view text) const noexcept {
    return send_message(DataKind::Text, text.data(), text.size());
}

Error Conn::send_binary(const void* data, size_t size) const noexcept {
    return send_message(DataKind::Binary, data, size);
}

Error Conn::send_message(DataKind kind, const void* data, size_t size) const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (!s) return Error::InvalidHandle;
    if (s->ws.flags & detail::kWsFragmentOpen) return Error::WrongState;  // finish the fragments first
    return engine_->ws_send(*s, kind == DataKind::Text ? detail::ws::Opcode::Text : detail::ws::Opcode::Binary,
                            data, size, true);
}

Error Conn::send_fragment(DataKind kind, const void* data, size_t size, bool final) const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (!s) return Error::InvalidHandle;
    const bool continuing = (s->ws.flags & detail::kWsFragmentOpen) != 0;
    const detail::ws::Opcode op = continuing ? detail::ws::Opcode::Continuation
                                  : kind == DataKind::Text ? detail::ws::Opcode::Text
                                                           : detail::ws::Opcode::Binary;
    const Error e = engine_->ws_send(*s, op, data, size, final);
    if (e != Error::Ok) return e;
    if (final) s->ws.flags &= static_cast<uint8_t>(~detail::kWsFragmentOpen);
    else s->ws.flags |= detail::kWsFragmentOpen;
    return Error::Ok;
}

Result<WriteSpan> Conn::begin_message(DataKind kind, size_t size) const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (!s) return Error::InvalidHandle;
    return engine_->ws_begin(*s, kind, size);
}

Error Conn::ping(const void* data, size_t size) const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (!s) return Error::InvalidHandle;
    if (size > 125) return Error::TooLarge;
    return engine_->ws_send(*s, detail::ws::Opcode::Ping, data, size, true);
}

Error Conn::close(uint16_t code, std::string_view reason) const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (!s) return Error::InvalidHandle;
    s->flags |= detail::kConnNoReconnect;
    if (s->dialer != detail::kNone) engine_->dialers[s->dialer].reconnect = false;
    return engine_->ws_close(*s, code, reason);
}

const RequestInfo* Conn::request() const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (!s || s->protocol != Protocol::WebSocket || !s->ws.request) return nullptr;
    return reinterpret_cast<const RequestInfo*>(engine_->messages.data(s->ws.request));
}

std::string_view Conn::subprotocol() const noexcept {
    ConnSlot* s = slot(engine_, handle_);
    if (!s || s->protocol != Protocol::WebSocket || !s->ws.subprotocol_len) return {};
    const char* list = engine_->ws_options(*s).subprotocols;
    return list ? std::string_view(list + s->ws.subprotocol_off, s->ws.subprotocol_len) : std::string_view();
}

} // namespace tickwire
