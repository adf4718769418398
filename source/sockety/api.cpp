// tickwire::SocketyConn, SocketyView and SocketyId: the public Sockety calls. Each validates the
// connection handle and hands over to the session (session.cpp, sender.cpp).
#include <cstring>

#include "sockety/session.hpp"

namespace tickwire {

using detail::ConnSlot;
using detail::Engine;

namespace {
detail::sockety::Uuid to_uuid(const SocketyId& id) noexcept {
    detail::sockety::Uuid u;
    std::memcpy(u.bytes, id.bytes, 16);
    return u;
}
} // namespace

void SocketyId::to_text(char out[37]) const noexcept {
    detail::sockety::uuid_to_text(to_uuid(*this), out);
    out[36] = 0;
}

bool operator==(const SocketyId& a, const SocketyId& b) noexcept { return std::memcmp(a.bytes, b.bytes, 16) == 0; }

const char* to_string(SocketyKind k) noexcept {
    switch (k) {
    case SocketyKind::Message: return "Message";
    case SocketyKind::Response: return "Response";
    case SocketyKind::FastReply: return "FastReply";
    case SocketyKind::Data: return "Data";
    case SocketyKind::File: return "File";
    case SocketyKind::Stream: return "Stream";
    case SocketyKind::StreamEnd: return "StreamEnd";
    case SocketyKind::Aborted: return "Aborted";
    case SocketyKind::GoAway: return "GoAway";
    }
    return "?";
}

SocketyFileInfo SocketyView::file(uint32_t i) const noexcept {
    SocketyFileInfo info;
    if (!files_ || i >= files_count) return info;
    const auto* rec = static_cast<const detail::SocketyFileRec*>(files_) + i;
    info.name = std::string_view(names_ + rec->name_off, rec->name_len);
    info.size = rec->size;
    return info;
}

void SocketyView::release() noexcept {
    view_.release();
    data = nullptr;
    size = 0;
}

ConnSlot* SocketyConn::slot(Engine*& e) const noexcept {
    e = conn_.engine_;
    return e ? e->conn_from_handle(conn_.handle_) : nullptr;
}

Read SocketyConn::try_read(SocketyView& out) const noexcept {
    Engine* e = nullptr;
    ConnSlot* s = slot(e);
    if (!s || s->protocol != detail::Protocol::Sockety) return Read::Closed;
    return detail::sockety_try_read(*e, *s, conn_.handle_, out);
}

Result<SocketyOut> SocketyConn::send(const SocketyDraft& draft) const noexcept {
    Engine* e = nullptr;
    ConnSlot* s = slot(e);
    if (!s) return Error::InvalidHandle;
    return detail::sockety_send(*e, *s, draft, nullptr);
}

Result<SocketyOut> SocketyConn::respond(const SocketyId& to, const SocketyDraft& draft) const noexcept {
    Engine* e = nullptr;
    ConnSlot* s = slot(e);
    if (!s) return Error::InvalidHandle;
    const detail::sockety::Uuid parent = to_uuid(to);
    return detail::sockety_send(*e, *s, draft, &parent);
}

Error SocketyConn::fast_reply(const SocketyId& to, uint16_t code) const noexcept {
    Engine* e = nullptr;
    ConnSlot* s = slot(e);
    if (!s) return Error::InvalidHandle;
    return detail::sockety_fast_reply(*e, *s, to_uuid(to), code);
}

Result<size_t> SocketyConn::write_data(SocketyOut out, const void* data, size_t size) const noexcept {
    Engine* e = nullptr;
    ConnSlot* s = slot(e);
    if (!s) return Error::InvalidHandle;
    return detail::sockety_write(*e, *s, out.value, detail::Part::Data, 0, data, size);
}

Result<size_t> SocketyConn::write_file(SocketyOut out, uint32_t index, const void* data, size_t size) const noexcept {
    Engine* e = nullptr;
    ConnSlot* s = slot(e);
    if (!s) return Error::InvalidHandle;
    return detail::sockety_write(*e, *s, out.value, detail::Part::File, index, data, size);
}

Result<size_t> SocketyConn::write_stream(SocketyOut out, const void* data, size_t size) const noexcept {
    Engine* e = nullptr;
    ConnSlot* s = slot(e);
    if (!s) return Error::InvalidHandle;
    return detail::sockety_write(*e, *s, out.value, detail::Part::Stream, 0, data, size);
}

Error SocketyConn::end_stream(SocketyOut out) const noexcept {
    Engine* e = nullptr;
    ConnSlot* s = slot(e);
    if (!s) return Error::InvalidHandle;
    return detail::sockety_end_stream(*e, *s, out.value);
}

Error SocketyConn::abort(SocketyOut out) const noexcept {
    Engine* e = nullptr;
    ConnSlot* s = slot(e);
    if (!s) return Error::InvalidHandle;
    return detail::sockety_abort(*e, *s, out.value);
}

Error SocketyConn::stop_waiting(SocketyOut out) const noexcept {
    Engine* e = nullptr;
    ConnSlot* s = slot(e);
    if (!s) return Error::InvalidHandle;
    return detail::sockety_stop_waiting(*e, *s, out.value);
}

bool SocketyConn::in_flight(SocketyOut out) const noexcept {
    Engine* e = nullptr;
    ConnSlot* s = slot(e);
    return s && detail::sockety_in_flight(*e, *s, out.value);
}

Error SocketyConn::heartbeat() const noexcept {
    Engine* e = nullptr;
    ConnSlot* s = slot(e);
    if (!s) return Error::InvalidHandle;
    return detail::sockety_signal(*e, *s, 0xA0);
}

Error SocketyConn::go_away() const noexcept {
    Engine* e = nullptr;
    ConnSlot* s = slot(e);
    if (!s) return Error::InvalidHandle;
    return detail::sockety_signal(*e, *s, 0xB0);
}

uint32_t SocketyConn::peer_channels() const noexcept {
    Engine* e = nullptr;
    ConnSlot* s = slot(e);
    detail::SocketySession* ss = s ? detail::sockety_session(*e, *s) : nullptr;
    return ss ? ss->peer_channels : 0;
}

uint32_t SocketyConn::outgoing() const noexcept {
    Engine* e = nullptr;
    ConnSlot* s = slot(e);
    detail::SocketySession* ss = s ? detail::sockety_session(*e, *s) : nullptr;
    return ss ? e->config.sockety.max_in_flight - ss->unit_free_count : 0;
}

} // namespace tickwire
