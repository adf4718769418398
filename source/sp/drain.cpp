// Graceful close of an SP socket (SpSocket::drain): what was queued leaves before each pipe
// closes, bounded by a linger time, without blocking — the work happens in update() through
// Engine::sp_service_all. Also the pipe queries (pipes, pipes_added).
#include "sp/socket_state.hpp"

namespace tickwire {

using detail::ConnSlot;
using detail::SpPipe;
using detail::SpSocketState;

Error SpSocket::drain(uint32_t linger_ms) noexcept {
    if (!state_) return Error::NotInitialized;
    SpSocketState& st = *state_;
    if (st.draining) return Error::Ok;
    st.draining = true;
    st.drain_deadline_us = st.engine->now_us + static_cast<int64_t>(linger_ms) * 1000;
    for (ListenerId& l : st.listeners)
        if (l.valid()) {
            (void)st.engine->close_listener(l);
            l = ListenerId{};
        }
    ++st.engine->sp_serviced;
    st.drain_step();
    return Error::Ok;
}

bool SpSocket::drained() const noexcept { return state_ && state_->drain_done; }

size_t SpSocket::pipes(Conn* out, size_t cap) const noexcept {
    if (!state_) return 0;
    size_t n = 0;
    for (const SpPipe& p : state_->pipes)
        if (n < cap && state_->ready_conn(p)) out[n++] = Conn(state_->engine, p.conn);
    return n;
}

uint64_t SpSocket::pipes_added() const noexcept { return state_ ? state_->added : 0; }

} // namespace tickwire

namespace tickwire::detail {

void SpSocketState::drain_step() noexcept {
    Engine& e = *engine;
    const bool late = e.now_us >= drain_deadline_us;
    bool busy = false;
    for (uint32_t i = 0; i < kSpMaxPipes; ++i) {
        SpPipe& p = pipes[i];
        ConnSlot* s = conn(p);
        if (!s || !owns(*s)) continue;
        const Conn c(&e, p.conn);
        if (late) {  // linger is over: what is left is dropped
            drop_out(p);
            (void)c.abort();
            continue;
        }
        busy = true;
        if (s->state == ConnState::Open && p.up) {
            if (p.out_slot && !feed(i)) continue;  // a large message still going out
            if (!(s->flags & kConnNoReconnect)) (void)c.close();  // flushes, then closes
        } else if (s->state != ConnState::Open && s->state != ConnState::Closing && s->state != ConnState::Closed) {
            (void)c.abort();  // connecting or waiting to redial: nothing queued to deliver
        } else if (s->state == ConnState::Open && !p.up) {
            (void)c.abort();  // never got past the handshake
        }
    }
    if (!busy || late) {
        bool any = false;
        for (const SpPipe& p : pipes) {
            const ConnSlot* s = conn(p);
            any = any || (s && owns(*s) && s->state != ConnState::Closed);
        }
        if (!any) {
            drain_done = true;
            --e.sp_serviced;
        }
    }
}

} // namespace tickwire::detail
