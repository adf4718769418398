// The callback style: queued events handed to the application's functions, each connection's
// data as views. Used by Context::dispatch() after update(), and by update(timeout, callbacks)
// after each connection's I/O.
#include "core/engine.hpp"

namespace tickwire::detail {

namespace {

// Hands the connection's readable views (whole messages, or streamed pieces) to on_data until
// there are none. A view the callback keeps pauses the connection: one in rx holds its
// bytes there (try_read waits for them), one in a message slot holds view_kept until it is
// released or sent on.
void read_into(Engine& e, const Callbacks& cb, Conn c) noexcept {
    ReadView v;
    for (;;) {
        const Read r = c.try_read(v);
        if (r != Read::Message && r != Read::Partial) return;
        if (r == Read::Partial && v.size == 0 && !v.final) return;  // progress only
        if (v.message_)
            if (ConnSlot* s = e.conn_from_handle(v.conn_)) s->view_kept = true;
        if (cb.on_data) cb.on_data(cb.user, c, v);
        v.release();  // nothing to do if the callback released or kept it
    }
}

} // namespace

void dispatch_events(Engine& e, const Callbacks& cb) noexcept {
    Event ev;
    while (e.events.pop(ev)) {
        Conn c = ev.conn;
        switch (ev.type) {
        case EventType::Accepted:
        case EventType::Connected:
            if (cb.on_open) cb.on_open(cb.user, c, ev);
            break;
        case EventType::Data: read_into(e, cb, c); break;
        case EventType::Writable:
            if (cb.on_writable) cb.on_writable(cb.user, c);
            // What on_writable sent may have let go of a view it kept: reading goes on.
            read_into(e, cb, c);
            break;
        case EventType::PeerShutdown:
        case EventType::Closed:
        case EventType::Reconnecting:
            if (cb.on_close) cb.on_close(cb.user, c, ev);
            break;
        case EventType::Error:
            if (cb.on_error) cb.on_error(cb.user, c, ev);
            break;
        case EventType::Timer:
            if (cb.on_timer) cb.on_timer(cb.user, ev);
            break;
        case EventType::Ping: break;  // answered already; visible to next_event() users
        }
    }
}

} // namespace tickwire::detail
