// The loop: one update() moves every connection that has something to do, then the timers.
#include "core/engine.hpp"
#include "platform/clock.hpp"

namespace tickwire::detail {

uint32_t events_per_conn() noexcept;

namespace {
int clamp_wait_ms(int64_t until_us, int64_t now_us, int timeout_ms) noexcept {
    if (until_us == TimerHeap::kNever) return timeout_ms;
    const int64_t delta = until_us - now_us;
    if (delta <= 0) return 0;
    const int64_t ms = (delta + 999) / 1000;  // round up: waking early would spin
    if (timeout_ms < 0 || ms < timeout_ms) return static_cast<int>(ms);
    return timeout_ms;
}
} // namespace

Error Engine::update(int timeout_ms, const Callbacks* cb) noexcept {
    if (in_update) return Error::WrongState;  // called from a callback
    in_update = true;
    ++stats.updates;
    now_us = platform::monotonic_us();
    // What was lent "until the next update" comes back now.
    for (uint64_t slot; deferred_slots.pop(slot);) (void)messages.release(slot);
    free_graveyard();

    // A whole WebSocket message that found no free message slot waits in rx with all its bytes
    // in: no read will announce it again. Once a slot is free (a view released, a loan sent),
    // it is announced.
    if (messages.misses() != slot_misses_seen && messages.in_use() < config.message_slots &&
        ws_announce_slot_waiters())
        slot_misses_seen = messages.misses();

    // Connections that waited for a ring block get a turn while blocks are free.
    while (blocks.can_read() && block_waiters.size() > 0) {
        uint32_t c;
        (void)block_waiters.pop(c);
        conns[c].flags &= static_cast<uint16_t>(~kConnWaitBlock);
        list(c);
    }

    bool listener_pending = false;
    for (uint32_t i = 0; i < config.max_listeners; ++i)
        if (listeners[i].in_use && listeners[i].ready && !deadlines.armed(listener_deadline(i))) listener_pending = true;
    int wait_ms = (work.size() > 0 || listener_pending) ? 0 : timeout_ms;
    wait_ms = clamp_wait_ms(deadlines.next_deadline(), now_us, wait_ms);
    wait_ms = clamp_wait_ms(dns_deadline_us(), now_us, wait_ms);

    const int n = poller.wait(wait_ms, ready, static_cast<int>(ready_capacity));
    if (n < 0) {
        in_update = false;
        return Error::SystemError;
    }
    now_us = platform::monotonic_us();
    for (int i = 0; i < n; ++i) {
        const uint32_t token = ready[i].token;
        const uint8_t f = ready[i].flags;
        if (token < config.max_connections) {
            ConnSlot& s = conns[token];
            if (s.state == ConnState::Invalid || s.state == ConnState::Closed) continue;
            if (f & platform::kReadable) s.flags |= kConnReadable;
            if (f & platform::kWritable) s.flags |= kConnWritable;
            if (f & (platform::kHangup | platform::kFailed)) s.flags |= kConnHupSeen;
            list(token);
        } else if (token >= dns_token(0)) {
            dns_receive(static_cast<int>(token - dns_token(0)));
        } else {
            const uint32_t li = token - listener_token_base();
            if (li < config.max_listeners && listeners[li].in_use) listeners[li].ready = true;
        }
    }
    dns_step();

    for (uint32_t i = 0; i < config.max_listeners; ++i)
        if (listeners[i].in_use && listeners[i].ready && !deadlines.armed(listener_deadline(i))) accept_ready(i);

    // Each listed connection once; what it lists again (or what waits for event room) is for
    // the next update.
    const uint32_t budget = work.size();
    for (uint32_t i = 0; i < budget; ++i) {
        if (events.room() < events_per_conn()) {
            ++stats.events_deferred;
            break;
        }
        uint32_t c;
        if (!work.pop(c)) break;
        process_conn(c);
        if (cb) {
            // The bytes just read are still in the CPU cache: the application handles them now,
            // and its answer leaves while they still are. Later, both would come from memory.
            dispatch_events(*this, *cb);
            (void)write_now(c);
        }
    }

    if (cb) write_listed();

    if (sp_serviced) sp_service_all();  // SP devices move what arrived; draining sockets close

    for (;;) {
        if (cb && events.room() < events_per_conn()) dispatch_events(*this, *cb);
        if (events.room() < events_per_conn()) break;
        const uint32_t rec = deadlines.pop_due(now_us);
        if (rec == kNone) break;
        run_deadline(rec);
    }
    if (cb) dispatch_events(*this, *cb);
    in_update = false;
    return Error::Ok;
}

// With callbacks, what they sent to other connections than the one they were called for (a
// relay, a broadcast) leaves in this update too, not a frame later. Those connections stay
// listed: reading them is for the next update, as for any connection listed during this one.
void Engine::write_listed() noexcept {
    for (uint32_t n = work.size(); n > 0; --n) {
        uint32_t c;
        if (!work.pop(c)) break;
        ConnSlot& s = conns[c];
        s.flags &= static_cast<uint16_t>(~kConnListed);
        if (write_now(c)) list(c);
    }
}

// Writes what the connection has queued now rather than at the next update, while its bytes
// are still in the CPU cache and the peer still waits for them. False when the write ended the
// connection (a connection not open for writing is left as it is).
bool Engine::write_now(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    if ((s.state != ConnState::Open && s.state != ConnState::Closing) || (s.flags & kConnInGraveyard)) return true;
    write_ready(c);
    if (s.state == ConnState::Closed || (s.flags & kConnInGraveyard)) return false;
    update_interest(c);
    return true;
}

void Engine::run_deadline(uint32_t rec) noexcept {
    if (rec < config.max_timers) {
        UserTimer& t = timers[rec];
        if (!t.in_use) return;
        Event ev;
        ev.type = EventType::Timer;
        ev.timer = TimerId{make_handle(rec, t.gen)};
        ev.timer_user = t.user;
        ev.time_us = now_us;
        (void)events.push(ev);
        if (t.repeat_ms) {
            deadlines.arm(rec, now_us + static_cast<int64_t>(t.repeat_ms) * 1000);
        } else {
            t.in_use = false;
            t.gen = next_gen(t.gen);
            --stats.timers_in_use;
        }
        return;
    }
    rec -= config.max_timers;
    if (rec < config.max_connections) {
        ConnSlot& s = conns[rec];
        if (s.state == ConnState::Connecting) fail_conn(rec, Error::ConnectTimeout);
        else if (s.tls != kNone && !tls_sessions[s.tls].handshake_done() && s.state == ConnState::Open) {
            ++stats.handshakes_failed;
            fail_conn(rec, Error::HandshakeTimeout);  // a peer that stalls mid-TLS-handshake
        }
        else if (s.protocol == Protocol::WebSocket && s.state != ConnState::Closed) ws_deadline(rec);
        else if (s.protocol == Protocol::Sockety && s.state == ConnState::Open) sockety_deadline(rec);
        return;
    }
    rec -= config.max_connections;
    if (rec < max_dialers) {
        if (dialers[rec].in_use && conns[dialers[rec].conn].state == ConnState::Backoff) dial_start(rec);
        return;
    }
    rec -= max_dialers;
    if (rec < config.max_listeners && listeners[rec].in_use) accept_ready(rec);
}

} // namespace tickwire::detail
