// Listening, accepting, dialing and redialing, for every transport the core carries:
// tcp:// and ipc:// (stream sockets) and inproc:// (memory to memory, no syscalls).
#include <cstring>

#include "core/engine.hpp"
#include "core/protocols.hpp"

namespace tickwire::detail {

namespace {
// How long a listener rests after the OS ran out of descriptors, before it accepts again.
constexpr int64_t kAcceptRetryUs = 100 * 1000;

// What a scheme means for the core: the transport underneath and the protocol on top.
bool transport_for(Scheme s, Transport& out, Protocol& proto) noexcept {
    proto = Protocol::Raw;
    switch (s) {
    case Scheme::Tcp:
    case Scheme::TlsTcp: out = Transport::Tcp; return true;
    case Scheme::Ipc: out = Transport::Ipc; return true;
    case Scheme::Inproc: out = Transport::Inproc; return true;
    case Scheme::Ws:
    case Scheme::Wss:
        if (!kWithWebSocket) return false;  // not compiled in (premake --protocols)
        out = Transport::Tcp;
        proto = Protocol::WebSocket;
        return true;
    default: return false;  // sockety: not carried yet
    }
}

bool copy_name(const StringView& v, char* out, size_t cap) noexcept {
    if (v.size >= cap) return false;
    std::memcpy(out, v.data, v.size);
    out[v.size] = 0;
    return true;
}

// Numeric hosts, "localhost" and "*". Anything else needs DNS.
bool numeric_address(const Url& u, bool for_listen, platform::Address& out) noexcept {
    if (u.host.equals("localhost"))
        return platform::make_ip_address("127.0.0.1", 9, u.port, false, out);
    if (u.host.equals("*")) return for_listen && platform::make_ip_address("*", 1, u.port, true, out);
    return platform::make_ip_address(u.host.data, u.host.size, u.port, false, out);
}
} // namespace

// A URL, what carries it, and a free slot in `slots` (kNone if all are in use).
template <typename Slot>
Error parse_endpoint(const char* text, Url& u, Transport& t, Protocol& proto, Slot* slots, uint32_t count,
                     uint32_t& free_slot) noexcept {
    const Error e = parse_url(text, text ? std::strlen(text) : 0, u);
    if (e != Error::Ok) return e;
    if (!transport_for(u.scheme, t, proto)) return Error::UnsupportedScheme;
    free_slot = kNone;
    for (uint32_t i = 0; i < count; ++i)
        if (!slots[i].in_use) { free_slot = i; break; }
    return Error::Ok;
}

Result<ListenerId> Engine::listen(const char* url_text, const ListenOptions& opts, uint8_t sp) noexcept {
    Url u;
    Transport t;
    Protocol proto;
    uint32_t li = kNone;
    Error e = parse_endpoint(url_text, u, t, proto, listeners, config.max_listeners, li);
    if (e != Error::Ok) return e;
    if (li == kNone) return Error::NoListenerSlot;
    ListenerSlot& l = listeners[li];
    const uint32_t gen = l.gen;
    l = ListenerSlot();
    l.gen = gen;
    l.transport = t;
    l.tls = scheme_uses_tls(u.scheme);
    if (l.tls && !tls_credentials.can_serve()) return Error::TlsNotConfigured;
    // SP over ws/wss stays a WebSocket connection (the ws session frames it); elsewhere the SP
    // framing goes straight onto the stream (tcp, ipc, inproc, tls+tcp).
    l.protocol = sp && proto == Protocol::Raw ? Protocol::Sp : proto;
    l.sp_socket = sp;
    l.ws = opts.ws;
    l.half_close = opts.half_close;
    l.user = opts.user;

    // An SP socket's ws listener serves its own path only, as NNG's (404 for another).
    if (sp && proto == Protocol::WebSocket && !copy_name(u.path, l.name, sizeof l.name)) return Error::NameTooLong;
    if (t == Transport::Inproc) {
        if (!copy_name(u.path, l.name, sizeof l.name)) return Error::NameTooLong;
        for (uint32_t i = 0; i < config.max_listeners; ++i)
            if (listeners[i].in_use && listeners[i].transport == Transport::Inproc && std::strcmp(listeners[i].name, l.name) == 0)
                return Error::AddressInUse;
        l.in_use = true;
        return ListenerId{make_handle(li, l.gen)};
    }

    platform::Address addr;
    if (t == Transport::Ipc) {
        e = platform::make_unix_address(u.path.data, u.path.size, addr);
        if (e != Error::Ok) return e;
        (void)copy_name(u.path, l.name, sizeof l.name);
    } else if (!numeric_address(u, true, addr)) {
        return Error::InvalidUrl;  // a listener binds numeric addresses only
    }
    e = platform::listen_stream(addr, static_cast<int>(config.listen_backlog), l.fd);
    if (e != Error::Ok && t == Transport::Tcp && u.host.equals("*")) {
        // No IPv6 on this machine: "*" falls back to IPv4-any.
        (void)platform::make_ip_address("*", 1, u.port, false, addr);
        e = platform::listen_stream(addr, static_cast<int>(config.listen_backlog), l.fd);
    }
    if (e != Error::Ok) return e;
    platform::Address bound;
    if (platform::local_address(l.fd, bound) == Error::Ok) l.port = platform::address_port(bound);
    e = poller.add(l.fd, listener_token_base() + li, platform::kReadable);
    if (e != Error::Ok) {
        platform::close_socket(l.fd);
        return e;
    }
    l.in_use = true;
    return ListenerId{make_handle(li, l.gen)};
}

Error Engine::close_listener(ListenerId id) noexcept {
    const uint32_t li = handle_index(id.value);
    if (li >= config.max_listeners) return Error::InvalidHandle;
    ListenerSlot& l = listeners[li];
    if (!l.in_use || l.gen != handle_gen(id.value)) return Error::InvalidHandle;
    if (l.fd != platform::kInvalidSocket) {
        poller.remove(l.fd, listener_token_base() + li);
        platform::close_socket(l.fd);
    }
    if (l.transport == Transport::Ipc) platform::unlink_path(l.name);
    deadlines.cancel(listener_deadline(li));
    l.fd = platform::kInvalidSocket;
    l.in_use = false;
    l.gen = next_gen(l.gen);
    return Error::Ok;
}

void Engine::accept_ready(uint32_t li) noexcept {
    ListenerSlot& l = listeners[li];
    while (l.ready) {
        if (events.room() < 2) { ++stats.events_deferred; return; }  // the rest next update
        platform::SocketHandle fd;
        const Error e = platform::accept_stream(l.fd, fd);
        if (e == Error::WouldBlock) { l.ready = false; break; }
        if (e != Error::Ok) {
            // Out of descriptors (or another OS failure): rest, then try again; the pending
            // clients wait in the kernel's backlog.
            log(LogLevel::Warn, "accept failed: %s; retrying in 100 ms", to_string(e));
            deadlines.arm(listener_deadline(li), now_us + kAcceptRetryUs);
            return;
        }
        const uint32_t c = alloc_conn();
        if (c == kNone) {
            // Full: refuse this one cleanly, serve the rest.
            platform::close_socket(fd);
            ++stats.connections_refused;
            continue;
        }
        ConnSlot& s = conns[c];
        s.fd = fd;
        s.sp_socket = l.sp_socket;  // non-zero: a pipe of that SP socket (tcp, ipc, tls, ws)
        s.transport = l.transport;
        s.listener = li;
        s.user = l.user;
        if (l.half_close) s.flags |= kConnHalfClose;
        if (register_socket(c) != Error::Ok) {
            close_now(c, Error::SystemError, true);
            continue;
        }
        if (l.tls) {
            const Error te = tls_attach(c, TlsRole::Server, nullptr);
            if (te != Error::Ok) {  // no TLS session free: refused like a full table
                close_now(c, te, true);
                ++stats.connections_refused;
                continue;
            }
            deadlines.arm(conn_deadline(c), now_us + static_cast<int64_t>(config.handshake_timeout_ms) * 1000);
        }
        if (l.protocol == Protocol::Sp) {  // a pipe of an SP socket: never announced
            s.protocol = Protocol::Sp;
            s.sp_socket = l.sp_socket;
            ++stats.connections_accepted;
            sp_opened(c);
            update_interest(c);
            continue;
        }
        if (l.protocol == Protocol::WebSocket) {  // announced once the upgrade succeeds
            ws_accepted(c);
            update_interest(c);
            continue;
        }
        if (l.tls) {  // announced once the TLS handshake succeeds
            update_interest(c);
            continue;
        }
        s.flags |= kConnAnnounced;
        ++stats.connections_accepted;
        Event ev;
        ev.type = EventType::Accepted;
        ev.conn = conn_handle(c);
        ev.listener = ListenerId{make_handle(li, l.gen)};
        ev.time_us = now_us;
        (void)events.push(ev);
        update_interest(c);
    }
}

Result<Conn> Engine::dial(const char* url_text, const DialOptions& opts, uint8_t sp, uint8_t sp_pipe) noexcept {
    Url u;
    Transport t;
    Protocol proto;
    uint32_t di = kNone;
    Error e = parse_endpoint(url_text, u, t, proto, dialers, max_dialers, di);
    if (e != Error::Ok) return e;
    if (di == kNone) return Error::NoConnectionSlot;
    DialerSlot& d = dialers[di];
    d = DialerSlot();
    d.transport = t;
    d.reconnect = opts.reconnect;
    d.connect_timeout_ms = opts.connect_timeout_ms ? opts.connect_timeout_ms : config.connect_timeout_ms;
    d.backoff_ms = config.reconnect_min_ms;
    d.port = u.port;
    d.protocol = sp && proto == Protocol::Raw ? Protocol::Sp : proto;
    d.sp_socket = sp;
    d.sp_pipe = sp_pipe;
    d.tls = scheme_uses_tls(u.scheme);
    if (d.tls && !tls_ready) return Error::TlsNotConfigured;
    d.ws = opts.ws;
    if (proto == Protocol::WebSocket) {
        // The request line's target: path plus query, as given.
        const size_t n = u.path.size + (u.query.size ? 1 + u.query.size : 0);
        if (n >= sizeof d.target) return Error::NameTooLong;
        std::memcpy(d.target, u.path.data, u.path.size);
        if (u.query.size) {
            d.target[u.path.size] = '?';
            std::memcpy(d.target + u.path.size + 1, u.query.data, u.query.size);
        }
        d.target[n] = 0;
    }
    if (t == Transport::Tcp) {
        if (!copy_name(u.host, d.host, sizeof d.host)) return Error::NameTooLong;
        if (u.host.equals("*")) return Error::InvalidUrl;
        d.resolved = numeric_address(u, false, d.address);
        d.by_name = !d.resolved;
        if (d.by_name && config.max_dns_lookups == 0) return Error::DnsFailed;  // no DNS client
    } else if (t == Transport::Ipc) {
        e = platform::make_unix_address(u.path.data, u.path.size, d.address);
        if (e != Error::Ok) return e;
        d.resolved = true;
    } else {
        if (!copy_name(u.path, d.host, sizeof d.host)) return Error::NameTooLong;
    }
    const uint32_t c = alloc_conn();
    if (c == kNone) return Error::NoConnectionSlot;
    d.in_use = true;
    d.conn = c;
    ConnSlot& s = conns[c];
    s.dialer = di;
    s.transport = t;
    s.user = opts.user;
    if (sp) {  // an SP pipe: the SP socket holds the handle; no events
        s.protocol = d.protocol;
        s.sp_socket = sp;
        s.sp_pipe = sp_pipe;
    } else {
        s.flags |= kConnAnnounced;  // the application holds the handle from here on
    }
    if (opts.half_close) s.flags |= kConnHalfClose;
    s.state = ConnState::Connecting;
    dial_start(di);
    return conn_handle(c);
}

void Engine::dial_start(uint32_t di) noexcept {
    DialerSlot& d = dialers[di];
    const uint32_t c = d.conn;
    ConnSlot& s = conns[c];
    s.flags &= static_cast<uint16_t>(kConnListed | kConnWaitBlock | kConnHalfClose | kConnAnnounced);
    if (d.transport == Transport::Inproc) {
        s.state = ConnState::Connecting;
        const Error e = inproc_connect(di);
        if (e != Error::Ok) fail_conn(c, e);
        return;
    }
    if (d.by_name && !d.resolved) {
        s.state = ConnState::Resolving;
        const Error e = dns_begin(di);
        if (e != Error::Ok) fail_conn(c, e);
        return;
    }
    d.resolved = !d.by_name;  // a name is looked up again before the next attempt
    s.state = ConnState::Connecting;
    const Error e = platform::connect_stream(d.address, s.fd);
    if (e != Error::Ok && e != Error::WouldBlock) {
        fail_conn(c, e);
        return;
    }
    if (register_socket(c) != Error::Ok) {
        fail_conn(c, Error::SystemError);
        return;
    }
    deadlines.arm(conn_deadline(c), now_us + static_cast<int64_t>(d.connect_timeout_ms) * 1000);
    if (e == Error::Ok) {  // connected at once (Unix sockets often are)
        s.flags |= kConnWritable;
        finish_connect(c);
    }
    update_interest(c);
}

void Engine::finish_connect(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    const Error e = platform::connect_result(s.fd);
    if (e == Error::WouldBlock) return;
    if (e != Error::Ok) {
        fail_conn(c, e);
        return;
    }
    s.state = ConnState::Open;
    if (s.dialer != kNone && dialers[s.dialer].tls) {
        // TLS first: Connected (or the WebSocket upgrade) follows its handshake.
        const Error te = tls_attach(c, TlsRole::Client, dialers[s.dialer].host);
        if (te != Error::Ok) {
            fail_conn(c, te);
            return;
        }
        deadlines.arm(conn_deadline(c), now_us + static_cast<int64_t>(config.handshake_timeout_ms) * 1000);
        tls_input(c);  // writes the ClientHello
        list(c);
        return;
    }
    if (s.dialer != kNone && dialers[s.dialer].protocol == Protocol::WebSocket) {
        ws_connected(c);  // Connected comes with the 101 response
        return;
    }
    deadlines.cancel(conn_deadline(c));
    if (s.dialer != kNone) dialers[s.dialer].backoff_ms = config.reconnect_min_ms;
    ++stats.connections_dialed;
    if (s.protocol == Protocol::Sp) sp_opened(c);  // our SP handshake goes first
    emit(EventType::Connected, c);
    list(c);  // bytes may already be waiting
}

void Engine::dial_backoff(uint32_t di) noexcept {
    DialerSlot& d = dialers[di];
    deadlines.arm(dialer_deadline(di), now_us + static_cast<int64_t>(d.backoff_ms) * 1000);
    const uint64_t next = static_cast<uint64_t>(d.backoff_ms) * 2;
    d.backoff_ms = next > config.reconnect_max_ms ? config.reconnect_max_ms : static_cast<uint32_t>(next);
}

// inproc: both ends live in this context. The listener's side is a new accepted connection.
Error Engine::inproc_connect(uint32_t di) noexcept {
    DialerSlot& d = dialers[di];
    uint32_t li = kNone;
    for (uint32_t i = 0; i < config.max_listeners; ++i)
        if (listeners[i].in_use && listeners[i].transport == Transport::Inproc && std::strcmp(listeners[i].name, d.host) == 0) {
            li = i;
            break;
        }
    if (li == kNone) return Error::ConnectRefused;
    const uint32_t b = alloc_conn();
    if (b == kNone) return Error::NoConnectionSlot;
    const uint32_t a = d.conn;
    ListenerSlot& l = listeners[li];
    ConnSlot& sb = conns[b];
    const bool sp_side = l.protocol == Protocol::Sp;  // an SP socket's listener: b is its pipe
    if (sp_side) {
        sb.protocol = Protocol::Sp;
        sb.sp_socket = l.sp_socket;
    } else {
        sb.flags |= kConnAnnounced;
    }
    sb.transport = Transport::Inproc;
    sb.listener = li;
    sb.user = l.user;
    if (l.half_close) sb.flags |= kConnHalfClose;
    sb.peer = a;
    conns[a].peer = b;
    conns[a].state = ConnState::Open;
    ++stats.connections_accepted;
    ++stats.connections_dialed;
    if (sp_side) {
        sp_opened(b);
    } else {
        Event ev;
        ev.type = EventType::Accepted;
        ev.conn = conn_handle(b);
        ev.listener = ListenerId{make_handle(li, l.gen)};
        ev.time_us = now_us;
        (void)events.push(ev);
    }
    if (conns[a].protocol == Protocol::Sp) sp_opened(a);  // our SP handshake goes first
    emit(EventType::Connected, a);
    return Error::Ok;
}

} // namespace tickwire::detail
