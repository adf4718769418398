// SocketyRouter: the application-level dispatch of a Sockety connection (see sockety_router.hpp).
// Only fixed tables and the caller's cursor; nothing allocates.
#include "tickwire/sockety_router.hpp"

#include <cstring>

namespace tickwire {

namespace {
Error not_implemented(SocketyContext& cx) noexcept {
    if (!cx.item.expects_response) return Error::Ok;
    return cx.conn.fast_reply(cx.item.id, FastReply::NotImplemented);
}

void internal_error(SocketyContext& cx, Error) noexcept {
    if (cx.item.kind == SocketyKind::Message && cx.item.expects_response)
        (void)cx.conn.fast_reply(cx.item.id, FastReply::InternalError);
}
} // namespace

Error SocketyRouter::on(std::string_view action, SocketyHandler handler, void* user) noexcept {
    if (!handler) return Error::InvalidArgument;
    const uint32_t i = find(action);
    if (i < route_count_) {  // a second handler for an action replaces the first
        routes_[i].handler = handler;
        routes_[i].user = user;
        return Error::Ok;
    }
    if (route_count_ == kMaxRoutes) return Error::NoMessageSlot;
    routes_[route_count_++] = Route{action, handler, user};
    return Error::Ok;
}

Error SocketyRouter::use(SocketyMiddleware middleware, void* user) noexcept {
    if (!middleware) return Error::InvalidArgument;
    if (middleware_count_ == kMaxMiddleware) return Error::NoMessageSlot;
    middleware_[middleware_count_++] = Middleware{middleware, user};
    return Error::Ok;
}

void SocketyRouter::fallback(SocketyHandler handler, void* user) noexcept { fallback_ = Route{{}, handler, user}; }
void SocketyRouter::other(SocketyHandler handler, void* user) noexcept { other_ = Route{{}, handler, user}; }
void SocketyRouter::on_error(SocketyErrorHandler handler, void* user) noexcept {
    error_ = handler;
    error_user_ = user;
}

uint32_t SocketyRouter::find(std::string_view action) const noexcept {
    // Once per message: the size and the first byte rule out most routes without a memcmp call.
    const size_t n = action.size();
    for (uint32_t i = 0; i < route_count_; ++i) {
        const std::string_view r = routes_[i].action;
        if (r.size() != n) continue;
        if (n == 0 || (r[0] == action[0] && std::memcmp(r.data(), action.data(), n) == 0)) return i;
    }
    return static_cast<uint32_t>(kMaxRoutes);
}

Error SocketyRouter::call(const Route& r, SocketyConn conn, const SocketyView& item, uint64_t& state, size_t& done) noexcept {
    SocketyContext cx{conn, item, state, done, r.user};
    SocketyHandler h = r.handler;
    if (!h) {
        if (&r != &fallback_ || item.kind != SocketyKind::Message) return Error::Ok;  // no handler: dropped
        h = not_implemented;
    }
    const Error e = h(cx);
    if (e == Error::Ok || e == Error::WouldBlock) return e;
    SocketyContext ecx{conn, item, state, done, error_ ? error_user_ : nullptr};
    if (error_) error_(ecx, e);
    else internal_error(ecx, e);
    return Error::Ok;  // handled: the item is done
}

Error SocketyRouter::route(SocketyConn conn, const SocketyView& message, uint64_t& state) noexcept {
    size_t done = 0;
    for (size_t i = 0; i < middleware_count_; ++i) {
        SocketyContext cx{conn, message, state, done, middleware_[i].user};
        if (!middleware_[i].fn(cx)) return Error::Ok;
    }
    const uint32_t r = find(message.action);
    return call(r < route_count_ ? routes_[r] : fallback_, conn, message, state, done);
}

Error SocketyRouter::handle(SocketyConn conn, SocketyCursorBase& cur) noexcept {
    const SocketyView& v = cur.view;
    uint64_t scratch = 0;
    if (v.kind == SocketyKind::Message) {
        uint64_t& state = v.channel < cur.channels ? cur.states[v.channel] : scratch;
        if (!cur.middleware_done) {
            state = 0;
            if (v.channel < cur.channels) cur.routes[v.channel] = 0;
            for (size_t i = 0; i < middleware_count_; ++i) {
                SocketyContext cx{conn, v, state, cur.done, middleware_[i].user};
                if (!middleware_[i].fn(cx)) return Error::Ok;  // stopped: its parts are dropped
            }
            cur.middleware_done = true;
        }
        const uint32_t r = find(v.action);
        if (v.channel < cur.channels) cur.routes[v.channel] = static_cast<uint8_t>(r < route_count_ ? r + 1 : 0xFF);
        return call(r < route_count_ ? routes_[r] : fallback_, conn, v, state, cur.done);
    }
    const bool peer_part = !v.is_response && (v.kind == SocketyKind::Data || v.kind == SocketyKind::File ||
                                              v.kind == SocketyKind::Stream || v.kind == SocketyKind::StreamEnd ||
                                              v.kind == SocketyKind::Aborted);
    if (peer_part) {
        if (v.channel >= cur.channels) return Error::Ok;
        const uint8_t r = cur.routes[v.channel];
        if (r == 0) return Error::Ok;  // its message was stopped by middleware
        const Route& route = r == 0xFF ? fallback_ : routes_[r - 1];
        if (!route.handler) return Error::Ok;
        return call(route, conn, v, cur.states[v.channel], cur.done);
    }
    if (!other_.handler) return Error::Ok;
    return call(other_, conn, v, scratch, cur.done);
}

Error SocketyRouter::dispatch(SocketyConn conn, SocketyCursorBase& cur) noexcept {
    uint32_t handled = 0;
    for (;;) {
        if (cur.holding) {
            const Error e = handle(conn, cur);
            if (e == Error::WouldBlock) return e;
            cur.view.release();
            cur.holding = false;
            if (flush_every_ && ++handled == flush_every_) {
                handled = 0;
                (void)conn.conn().flush();  // a full socket keeps the rest queued: never blocks
            }
        }
        const Read r = conn.try_read(cur.view);
        if (r == Read::NoData) return Error::Ok;
        if (r == Read::Closed) return Error::Closed;
        cur.holding = true;
        cur.middleware_done = false;
        cur.done = 0;
    }
}

} // namespace tickwire
