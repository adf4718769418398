// One connection's I/O inside update(): read into the rx ring, write out of the tx ring, finish a
// connect, and every way a connection ends. Nothing here blocks; every OS answer is a value.
#include <cstdarg>
#include <cstdio>

#include "core/engine.hpp"
#include "platform/file.hpp"

namespace tickwire::detail {

namespace {
// Events one connection's processing may add at most (Data, Error, Closed, Writable, ...).
constexpr uint32_t kEventsPerConn = 6;
} // namespace

void Engine::log(LogLevel level, const char* fmt, ...) noexcept {
    if (!log_enabled(level)) return;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    config.log.fn(level, buf, config.log.user);
}

void Engine::emit(EventType type, uint32_t c, Error err, uint64_t unsent) noexcept {
    // A connection the application has not been told about (a WebSocket upgrade still in
    // progress) ends silently: it is counted in stats and logged instead.
    if (c != kNone && !(conns[c].flags & kConnAnnounced)) return;
    Event ev;
    ev.type = type;
    ev.error = err;
    if (c != kNone) ev.conn = conn_handle(c);
    ev.unsent = unsent;
    ev.time_us = now_us;
    if (!events.push(ev)) {
        ++stats.events_dropped;  // update() defers work before this can happen; counted if it does
        log(LogLevel::Error, "event queue full: dropped %s", to_string(type));
        return;
    }
    if (events.size() > stats.events_high_water) stats.events_high_water = events.size();
}

uint32_t Engine::alloc_conn() noexcept {
    if (conn_free_count == 0) return kNone;
    const uint32_t i = conn_free[--conn_free_count];
    ConnSlot& c = conns[i];
    // A freed slot may still sit in the work list or the block waiters: keep those bits so it
    // is never queued twice.
    const uint16_t keep = c.flags & (kConnListed | kConnWaitBlock);
    const uint32_t gen = c.gen;
    c = ConnSlot();
    c.gen = gen;
    c.flags = keep;
    c.state = ConnState::Open;
    ++conns_open;
    if (conns_open > stats.connections_high_water) stats.connections_high_water = conns_open;
    return i;
}

Error Engine::register_socket(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    const uint8_t interest = platform::kReadable | platform::kWritable;
    Error e = poller.add(s.fd, c, interest);
    if (e == Error::Ok) s.flags |= kConnRegistered;
    return e;
}

void Engine::update_interest(uint32_t c) noexcept {
    if (poller.backend() != platform::PollerBackend::Poll) return;
    ConnSlot& s = conns[c];
    if (!(s.flags & kConnRegistered)) return;
    uint8_t interest = 0;
    const bool connecting = s.state == ConnState::Connecting;
    const bool want_read = !connecting && !(s.flags & (kConnReadable | kConnPeerEof)) &&
                           s.rx.free_space(blocks.block_size()) > 0;
    const bool want_write = !(s.flags & kConnWritable) && (connecting || !tx_idle(s) || !tls_idle(s));
    if (want_read) interest |= platform::kReadable;
    if (want_write) interest |= platform::kWritable;
    poller.set_interest(s.fd, c, interest);
}

void Engine::wait_for_block(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    if (s.flags & kConnWaitBlock) return;
    s.flags |= kConnWaitBlock;
    (void)block_waiters.push(c);
}

void Engine::notify_data(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    if (s.rx.empty() || (s.flags & (kConnDataNotified)) || !(s.flags & kConnAnnounced)) return;
    s.flags |= kConnDataNotified;
    emit(EventType::Data, c);
}

void Engine::process_conn(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    // At most one Data event per connection and update, for the bytes this update brings.
    s.flags &= static_cast<uint16_t>(~(kConnListed | kConnDataNotified));
    if (s.flags & kConnInGraveyard) return;
    switch (s.state) {
    case ConnState::Connecting:
        if (s.flags & kConnWritable) finish_connect(c);
        break;
    case ConnState::Open:
    case ConnState::Closing: {
        const bool can_read = s.transport != Transport::Inproc && !(s.flags & kConnPeerEof) && s.state == ConnState::Open;
        // Bytes lent from rx go out first: what they pin is room for this read.
        if (s.loans.count && (s.flags & kConnWritable)) write_pending(c);
        if (s.state == ConnState::Closed || (s.flags & kConnInGraveyard)) return;
        // TLS: input already read (ciphertext, or plaintext inside mbedTLS) may wait for room in
        // rx, with nothing new on the socket.
        if (can_read && ((s.flags & kConnReadable) || tls_input_waiting(s))) read_socket(c);
        if (s.state == ConnState::Closed || (s.flags & kConnInGraveyard)) return;
        write_ready(c);
        break;
    }
    default: break;
    }
    if (s.state != ConnState::Closed && !(s.flags & kConnInGraveyard)) update_interest(c);
}

// Writes what waits to be sent if the socket can take it, then lets the protocol refill the ring.
void Engine::write_ready(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    const bool output = !tx_idle(s) || !tls_idle(s);
    if (output && (s.transport == Transport::Inproc || (s.flags & kConnWritable))) write_pending(c);
    if (s.state == ConnState::Closed || (s.flags & kConnInGraveyard)) return;
    tx_drained(c);
}

void Engine::read_socket(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    const uint32_t cap = blocks.block_size();
    Ring& in = socket_in(s);  // rx, or TLS's ciphertext ring
    bool eof = false;
    while (s.flags & kConnReadable) {
        if (!in.ensure_block_for_read(blocks)) {
            // Pool empty: stop reading; the kernel keeps the bytes until a block frees up.
            ++stats.ring_block_waits;
            wait_for_block(c);
            break;
        }
        RingSpan rs[2] = {};
        int n = in.writable(blocks, rs);
        // The last few free bytes wrap to the block's start (the headroom a fresh block leaves):
        // taking them would split the ring's bytes in two views and stop a received block from
        // changing sides; the ring counts as full instead.
        if (n == 2 && rs[1].size <= Ring::kRxHeadroom) n = 1;
        if (n == 0 || in.free_space(cap) <= Ring::kRxHeadroom) break;  // full: resumes when the application consumes
        platform::Span spans[2];
        const size_t want = to_spans(rs, n, spans);
        ++stats.read_syscalls;
        platform::IoResult r = platform::read_stream(s.fd, spans, n);
        if (r.bytes > 0) {
            in.produced(static_cast<uint32_t>(r.bytes));
            stats.bytes_received += r.bytes;
            s.last_rx_us = now_us;
            // A short read emptied the socket; a new edge comes with new bytes. Unless the peer
            // hung up: its FIN may have come with these bytes and brings no further edge.
            if (r.bytes < want && !(s.flags & kConnHupSeen)) {
                s.flags &= static_cast<uint16_t>(~kConnReadable);
                break;
            }
            if (in.free_space(cap) <= Ring::kRxHeadroom) break;
            continue;
        }
        if (r.error == Error::WouldBlock) { s.flags &= static_cast<uint16_t>(~kConnReadable); break; }
        if (r.error != Error::PeerClosed) {
            fail_conn(c, r.error);
            return;
        }
        eof = true;
        s.flags &= static_cast<uint16_t>(~kConnReadable);
        break;
    }
    if (s.tls != kNone) {
        tls_input(c);
        if (s.state == ConnState::Closed || (s.flags & kConnInGraveyard)) return;
        const TlsSession& t = tls_sessions[s.tls];
        if (t.peer_closed()) {
            eof = true;  // close_notify: the stream ended in good order
        } else if (eof) {
            // The socket ended without close_notify: what was decrypted is kept, the rest is
            // a truncation (or a handshake that never finished).
            after_read(c);
            if (s.state == ConnState::Closed || (s.flags & kConnInGraveyard)) return;
            tls_fail(c, t.failure().ok() ? TlsFailure{TlsError::Truncated, 0, 0, 0, "connection closed without close_notify"}
                                         : t.failure());
            return;
        }
    }
    after_read(c);
    if (eof && (s.state == ConnState::Open || s.state == ConnState::Closing) && !(s.flags & kConnInGraveyard)) on_peer_eof(c);
    // TLS: reading stopped at a full ciphertext ring, which tls_input has emptied since (mbedTLS
    // may hold half a record). The socket has more and gives no new edge: go on next update.
    if (s.tls != kNone && (s.flags & kConnReadable) && !(s.flags & kConnInGraveyard) && s.state == ConnState::Open &&
        s.tls_in.free_space(cap) > 0 && s.rx.free_space(cap) > 0)
        list(c);
}

// Whatever carries the bytes looks at them: a plain stream just tells the application.
void Engine::after_read(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    if (s.protocol == Protocol::WebSocket) ws_after_read(c);
    else if (s.protocol == Protocol::Sp) sp_after_read(c);  // messages are taken via the SP socket
    else if (s.protocol == Protocol::Sockety) sockety_after_read(c);  // read through SocketyConn
    s.rx.release_if_empty(blocks);
    if (s.protocol == Protocol::Raw) notify_data(c);
}

void Engine::write_pending(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    if (s.transport == Transport::Inproc) {
        inproc_transfer(c);
        return;
    }
    Ring& out = socket_out(s);  // tx, or TLS's ciphertext ring
    for (;;) {
        if (s.tls != kNone) {
            if (!tls_output(c)) return;
            if (s.state == ConnState::Closed || (s.flags & kConnInGraveyard)) return;
        }
        if (out.empty() && !s.loans.count) break;
        platform::Span spans[platform::kMaxWriteSpans];
        int n;
        size_t want = 0;
        if (s.loans.count) {  // ring bytes and loans in one gathered write
            n = static_cast<int>(tx_gather(s, spans));
            for (int i = 0; i < n; ++i) want += spans[i].size;
        } else {
            RingSpan rs[2] = {};
            n = out.readable(blocks, rs);
            want = to_spans(rs, n, spans);
        }
        ++stats.write_syscalls;
        platform::IoResult r = platform::write_stream(s.fd, spans, n);
        if (r.bytes > 0) {
            if (s.loans.count) tx_sent(s, static_cast<uint32_t>(r.bytes));
            else out.consumed(static_cast<uint32_t>(r.bytes));
            stats.bytes_sent += r.bytes;
            if (r.bytes < want) { s.flags &= static_cast<uint16_t>(~kConnWritable); break; }
            continue;
        }
        if (r.error == Error::WouldBlock || r.error == Error::Ok) {
            s.flags &= static_cast<uint16_t>(~kConnWritable);
            break;
        }
        fail_conn(c, r.error);
        return;
    }
}

// In-process: the bytes move from our tx ring straight into the peer's rx ring.
void Engine::inproc_transfer(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    if (s.peer == kNone) {
        fail_conn(c, Error::BrokenPipe);
        return;
    }
    const uint32_t p = s.peer;
    ConnSlot& peer = conns[p];
    if (!peer.rx.ensure_block_for_read(blocks)) {
        ++stats.ring_block_waits;
        wait_for_block(c);
        return;
    }
    const uint32_t room = peer.rx.free_space(blocks.block_size());
    uint32_t left = s.tx.used() < room ? s.tx.used() : room;
    const uint32_t moved = left;
    while (left > 0) {
        RingSpan rs[2] = {};
        (void)s.tx.readable(blocks, rs);
        const uint32_t n = rs[0].size < left ? rs[0].size : left;
        peer.rx.write(blocks, rs[0].data, n);
        s.tx.consumed(n);
        left -= n;
    }
    peer.rx.release_if_empty(blocks);
    if (moved > 0) {
        stats.bytes_sent += moved;
        stats.bytes_received += moved;
        peer.last_rx_us = now_us;
        if (peer.protocol == Protocol::Sp) sp_after_read(p);  // an SP pipe checks and assembles
        notify_data(p);
    }
    // What did not fit waits until the peer consumes (consume_rx lists us again).
}

void Engine::tx_drained(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    if (s.protocol == Protocol::WebSocket && s.state != ConnState::Connecting) {
        ws_tx_drained(c);
        if (s.state == ConnState::Closed || (s.flags & kConnInGraveyard)) return;
    }
    if (s.sp_socket) {  // an SP pipe may have a large message waiting for this room
        sp_tx_drained(c);
        if (s.state == ConnState::Closed || (s.flags & kConnInGraveyard)) return;
    }
    if (s.protocol == Protocol::Sockety && s.state == ConnState::Open) {
        sockety_tx_drained(c);  // units waiting for room or a channel go on
        if (s.state == ConnState::Closed || (s.flags & kConnInGraveyard)) return;
    }
    if (!(s.flags & kConnWriteOpen)) s.tx.release_if_empty(blocks);
    if (s.tls != kNone) s.tls_out.release_if_empty(blocks);
    if ((s.flags & kConnOweWritable) && s.state == ConnState::Open &&
        (s.tx.has_block() ? s.tx.free_space(blocks.block_size()) > 0 : !blocks.empty())) {
        s.flags &= static_cast<uint16_t>(~kConnOweWritable);
        emit(EventType::Writable, c);
    }
    if (!tx_idle(s) || !tls_idle(s)) return;
    if (s.flags & kConnShutPending) {
        s.flags &= static_cast<uint16_t>(~kConnShutPending);
        s.flags |= kConnWriteShut;
        if (s.transport == Transport::Inproc) {
            if (s.peer != kNone) on_peer_eof(s.peer);
        } else {
            Error e = platform::shutdown_write(s.fd);
            if (e != Error::Ok) { fail_conn(c, e); return; }
        }
    }
    if (s.state == ConnState::Closing) {
        if (s.tls != kNone && tls_sessions[s.tls].handshake_done() && !tls_sessions[s.tls].failed()) {
            // TLS says goodbye with close_notify before the socket closes.
            RingSpan out[2] = {};
            if (s.tls_out.ensure_block(blocks) && s.tls_out.writable(blocks, out) > 0) {
                TlsIo io(nullptr, 0, out[0].data, out[0].size, false);
                const TlsStatus st = tls_sessions[s.tls].close(io);
                s.tls_out.produced(static_cast<uint32_t>(io.out_used));
                if (io.out_used > 0 || st == TlsStatus::WouldBlock) {
                    list(c);
                    return;
                }
            }
        }
        close_now(c, Error::Ok, false);
    }
}

void Engine::on_peer_eof(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    if (s.flags & kConnPeerEof) return;
    s.flags |= kConnPeerEof;
    s.flags &= static_cast<uint16_t>(~kConnReadable);
    if (ws_peer_eof(c)) return;
    if (s.flags & kConnHalfClose) {
        emit(EventType::PeerShutdown, c);
        return;
    }
    // A dialer that may redial treats the end of its connection as a reason to reconnect.
    if (s.dialer != kNone && dialers[s.dialer].reconnect && !(s.flags & kConnNoReconnect)) {
        fail_conn(c, Error::PeerClosed);
        return;
    }
    // Not half-closing: finish sending what was queued, then close. Unread bytes stay readable
    // until the next update.
    if (s.state == ConnState::Open) s.state = ConnState::Closing;
    if (tx_idle(s)) close_now(c, Error::Ok, false);
    else list(c);
}

void Engine::consume_rx(ConnSlot& s, uint32_t n) noexcept {
    if (n > s.rx.used()) n = s.rx.used();
    s.rx.consumed(n);
    s.rx_lent = 0;
    rx_space_freed(index_of(s));
}

void Engine::rx_space_freed(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    s.rx.release_if_empty(blocks);
    if (s.flags & kConnInGraveyard) return;
    // Reading paused on a full ring: resume. An inproc peer blocked on our ring: let it go on.
    if ((s.flags & kConnReadable) || tls_input_waiting(s)) list(c);
    if (s.transport == Transport::Inproc && s.peer != kNone && !conns[s.peer].tx.empty()) list(s.peer);
    if (blocks.can_read() && block_waiters.size() > 0) {
        uint32_t w;
        if (block_waiters.pop(w)) {
            conns[w].flags &= static_cast<uint16_t>(~kConnWaitBlock);
            list(w);
        }
    }
}

void Engine::fail_conn(uint32_t c, Error err) noexcept {
    ConnSlot& s = conns[c];
    if (s.state == ConnState::Closed || (s.flags & kConnInGraveyard)) return;
    if (err != Error::Ok && err != Error::PeerClosed) {  // a peer's orderly close is no failure
        ++stats.connections_failed;
        log(LogLevel::Info, "connection %u failed: %s", c, to_string(err));
        emit(EventType::Error, c, err);
    }
    const bool redial = s.dialer != kNone && dialers[s.dialer].reconnect && !(s.flags & kConnNoReconnect);
    if (!redial) {
        close_now(c, err, err != Error::Ok);
        return;
    }
    // Keep the slot (and the handle) for the next attempt; drop this connection's socket.
    const uint64_t unsent = drop_socket(c, true);
    s.flags &= static_cast<uint16_t>(kConnListed | kConnWaitBlock | kConnHalfClose | kConnAnnounced);
    s.close_reason = err;
    deadlines.cancel(conn_deadline(c));
    emit(EventType::Reconnecting, c, err, unsent);
    s.state = ConnState::Backoff;
    // Unread bytes stay readable until the next update, like a closed connection's.
    s.flags |= kConnInGraveyard;
    graveyard[graveyard_count++] = c;
    dial_backoff(s.dialer);
}

// Closes the socket and drops what was still to be sent (counted); returns those bytes.
uint64_t Engine::drop_socket(uint32_t c, bool reset) noexcept {
    ConnSlot& s = conns[c];
    if (s.flags & kConnRegistered) poller.remove(s.fd, c);
    if (s.fd != platform::kInvalidSocket) platform::close_socket(s.fd, reset);
    s.fd = platform::kInvalidSocket;
    release_protocol(s);
    const uint64_t unsent = s.tx.used() + s.loans.bytes();
    stats.unsent_bytes_dropped += unsent;
    drop_loans(s);
    s.tx.release(blocks);
    return unsent;
}

void Engine::release_dialer(ConnSlot& s) noexcept {
    if (s.dialer == kNone) return;
    deadlines.cancel(dialer_deadline(s.dialer));
    dns_cancel(s.dialer);
    dialers[s.dialer].in_use = false;
    s.dialer = kNone;
}

void Engine::close_now(uint32_t c, Error reason, bool reset) noexcept {
    ConnSlot& s = conns[c];
    if (s.flags & kConnInGraveyard) {
        // A dialer's connection in backoff that the application closes: free it for good.
        if (s.state == ConnState::Backoff) {
            release_dialer(s);
            s.state = ConnState::Closed;
            s.close_reason = reason;
            emit(EventType::Closed, c, reason, 0);
        }
        return;
    }
    const uint64_t unsent = drop_socket(c, reset);
    if (s.peer != kNone) {
        // The other in-process end sees what a socket peer would: FIN, or a reset.
        const uint32_t p = s.peer;
        conns[p].peer = kNone;
        s.peer = kNone;
        if (reset) fail_conn(p, Error::ConnectionReset);
        else on_peer_eof(p);
    }
    deadlines.cancel(conn_deadline(c));
    release_dialer(s);
    s.state = ConnState::Closed;
    s.close_reason = reason;
    const bool announced = (s.flags & kConnAnnounced) != 0;
    s.flags = static_cast<uint16_t>((s.flags & (kConnListed | kConnWaitBlock | kConnDataNotified)) | kConnInGraveyard);
    graveyard[graveyard_count++] = c;
    if (!announced) return;
    Event ev;
    ev.type = EventType::Closed;
    ev.error = reason;
    ev.conn = conn_handle(c);
    ev.unsent = unsent;
    ev.time_us = now_us;
    if (s.protocol == Protocol::WebSocket) {
        ev.close_code = s.ws.close_code ? s.ws.close_code : 1006;
        if (s.ws.reason) ev.close_reason = std::string_view(reinterpret_cast<const char*>(messages.data(s.ws.reason)), s.ws.reason_len);
    }
    if (!events.push(ev)) ++stats.events_dropped;
}

void Engine::defer_slot(uint64_t slot) noexcept {
    if (slot && !deferred_slots.push(slot)) (void)messages.release(slot);
}

// What a connection's protocol holds besides its rings: a file, a message being assembled; the
// close reason goes back at the next update, after the Closed event that shows it.
void Engine::release_protocol(ConnSlot& s) noexcept {
    if (s.protocol == Protocol::Sp) sp_release(s);
    if (s.protocol == Protocol::Sockety) sockety_release(s);
    if (s.protocol != Protocol::WebSocket) return;
    if (s.ws.file != -1) platform::close_file(s.ws.file);
    s.ws.file = -1;
    if (s.ws.message) (void)messages.release(s.ws.message);
    s.ws.message = 0;
    defer_slot(s.ws.reason);
}

void Engine::free_graveyard() noexcept {
    for (uint32_t i = 0; i < graveyard_count; ++i) {
        const uint32_t c = graveyard[i];
        ConnSlot& s = conns[c];
        s.rx.release(blocks);
        s.rx_lent = 0;
        s.flags &= static_cast<uint16_t>(~(kConnInGraveyard | kConnDataNotified));
        s.ws.reason = 0;  // deferred with the event; freed by now
        tls_detach(s);    // its failure message was readable until now
        sockety_free_session(s);  // ... and so was a Sockety session's
        if (s.state == ConnState::Backoff) continue;  // the dialer keeps its slot
        s.state = ConnState::Invalid;
        s.gen = next_gen(s.gen);
        s.user = nullptr;
        conn_free[conn_free_count++] = c;
        --conns_open;
    }
    graveyard_count = 0;
}

uint32_t events_per_conn() noexcept { return kEventsPerConn; }

} // namespace tickwire::detail

namespace tickwire::detail {

Error Engine::tx_reserve(ConnSlot& s, size_t size) noexcept {
    const uint32_t cap = blocks.block_size();
    if (size > cap) return Error::TooLarge;
    if (!s.tx.ensure_block(blocks) || s.tx.free_space(cap) < size) {
        s.flags |= kConnOweWritable;
        if (!s.tx.has_block()) wait_for_block(index_of(s));
        ++stats.send_would_block;
        return Error::WouldBlock;
    }
    return Error::Ok;
}

} // namespace tickwire::detail
