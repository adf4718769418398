// TLS between the socket and the connection's rings. A TLS connection has two more rings:
// tls_in (ciphertext read from the socket) and tls_out (ciphertext to write); its rx and tx
// rings hold plaintext, so the protocol on top (raw bytes, WebSocket) does not change at all.
// The session itself is sans-I/O (crypto/tls_engine.hpp); this file moves bytes through it.
#include <cstring>

#include "core/engine.hpp"

namespace tickwire::detail {

namespace {
Error public_error(TlsError e) noexcept {
    switch (e) {
    case TlsError::BadCertificate:
    case TlsError::PeerCertificateMissing: return Error::TlsBadCertificate;
    case TlsError::HostnameMismatch: return Error::TlsHostnameMismatch;
    case TlsError::UnknownCa: return Error::TlsUnknownCa;
    case TlsError::Expired:
    case TlsError::NotYetValid: return Error::TlsCertificateExpired;
    case TlsError::AlertReceived: return Error::TlsAlert;
    case TlsError::NotTls: return Error::TlsNotTls;
    case TlsError::Truncated: return Error::TlsTruncated;
    case TlsError::HandshakeFailed: return Error::HandshakeFailed;
    default: return Error::TlsError;
    }
}

TlsSource source(const char* file, const void* data, size_t size) noexcept {
    if (file) return TlsSource::from_file(file);
    return TlsSource::from_memory(data, size);
}
} // namespace

Error Engine::tls_init() noexcept {
    const TlsConfig& t = config.tls;
    if (t.max_sessions == 0) return Error::Ok;
    const char* alpn[TlsCredentials::kMaxAlpn];
    char alpn_text[TlsCredentials::kAlpnTextCap];
    size_t alpn_count = 0;
    if (t.alpn) {  // "h2, http/1.1" -> {"h2", "http/1.1"}, copied by the credentials
        size_t used = 0;
        for (const char* p = t.alpn; *p && alpn_count < TlsCredentials::kMaxAlpn;) {
            while (*p == ' ' || *p == ',') ++p;
            const char* start = p;
            while (*p && *p != ',' && *p != ' ') ++p;
            const size_t n = static_cast<size_t>(p - start);
            if (n == 0 || used + n + 1 > sizeof alpn_text) break;
            std::memcpy(alpn_text + used, start, n);
            alpn_text[used + n] = 0;
            alpn[alpn_count++] = alpn_text + used;
            used += n + 1;
        }
    }
    TlsCredentialsConfig cc;
    cc.ca = source(t.ca_file, t.ca_data, t.ca_size);
    cc.cert = source(t.cert_file, t.cert_data, t.cert_size);
    cc.key = source(t.key_file, t.key_data, t.key_size);
    cc.key_password = t.key_password;
    cc.verify_peer = t.verify_peer;
    cc.require_client_cert = t.require_client_cert;
    cc.alpn = alpn_count ? alpn : nullptr;
    cc.alpn_count = alpn_count;
    if (t.system_ca_file) cc.system_ca_file = t.system_ca_file;
    const TlsFailure f = tls_credentials.init(cc, random);
    if (!f.ok()) {
        log(LogLevel::Error, "TLS credentials: %s", f.message);
        return Error::TlsError;
    }
    if (!t.verify_peer) log(LogLevel::Warn, "TLS: peer verification is turned OFF (Config::tls.verify_peer)");
    for (uint32_t i = 0; i < t.max_sessions; ++i) tls_free[i] = t.max_sessions - 1 - i;
    tls_free_count = t.max_sessions;
    tls_ready = true;
    return Error::Ok;
}

Error Engine::tls_attach(uint32_t c, TlsRole role, const char* host) noexcept {
    if (!tls_ready || (role == TlsRole::Server && !tls_credentials.can_serve())) return Error::TlsNotConfigured;
    if (tls_free_count == 0) return Error::NoTlsSlot;
    const uint32_t i = tls_free[--tls_free_count];
    const TlsFailure f = tls_sessions[i].open(tls_credentials, role, host);
    if (!f.ok()) {
        tls_free[tls_free_count++] = i;
        log(LogLevel::Warn, "TLS session: %s", f.message);
        return Error::TlsError;
    }
    ConnSlot& s = conns[c];
    s.tls = i;
    s.tls_in = Ring();
    s.tls_out = Ring();
    return Error::Ok;
}

void Engine::tls_detach(ConnSlot& s) noexcept {
    if (s.tls == kNone) return;
    // The session (and its failure message) stays readable until the slot is freed.
    tls_sessions[s.tls].release();
    tls_free[tls_free_count++] = s.tls;
    s.tls = kNone;
    s.tls_in.release(blocks);
    s.tls_out.release(blocks);
}

bool Engine::tls_idle(const ConnSlot& s) const noexcept {
    return s.tls == kNone || (s.tls_out.empty() && !tls_sessions[s.tls].has_pending_output());
}

bool Engine::tls_input_waiting(const ConnSlot& s) const noexcept {
    return s.tls != kNone && (!s.tls_in.empty() || tls_sessions[s.tls].buffered_plain() > 0);
}

void Engine::tls_fail(uint32_t c, const TlsFailure& f) noexcept {
    log(LogLevel::Info, "connection %u: TLS: %s", c, f.message);
    ConnSlot& s = conns[c];
    const bool handshaking = !tls_sessions[s.tls].handshake_done();
    const Error e = public_error(f.code);
    if (handshaking) ++stats.handshakes_failed;
    // Any alert mbedTLS queued goes out with a last write; the connection then ends.
    (void)tls_output(c);
    if (!s.tls_out.empty() && s.fd != platform::kInvalidSocket) {
        RingSpan rs[2] = {};
        const int n = s.tls_out.readable(blocks, rs);
        platform::Span spans[2];
        (void)to_spans(rs, n, spans);
        (void)platform::write_stream(s.fd, spans, n);
    }
    fail_conn(c, e);
}

// Ciphertext in -> handshake progress or plaintext in rx.
void Engine::tls_input(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    TlsSession& t = tls_sessions[s.tls];
    for (int guard = 0; guard < 64; ++guard) {
        RingSpan in[2] = {}, out[2] = {};
        (void)s.tls_in.readable(blocks, in);
        if (!s.tls_out.ensure_block(blocks)) {
            wait_for_block(c);
            return;
        }
        (void)s.tls_out.writable(blocks, out);
        TlsIo io(in[0].data, in[0].size, out[0].data, out[0].size, false);
        if (!t.handshake_done()) {
            const TlsHandshake h = t.handshake_step(io);
            s.tls_in.consumed(static_cast<uint32_t>(io.in_used));
            s.tls_out.produced(static_cast<uint32_t>(io.out_used));
            if (h == TlsHandshake::Error) {
                tls_fail(c, t.failure());
                return;
            }
            if (h == TlsHandshake::Done) {
                tls_handshake_done(c);
                if (s.state == ConnState::Closed) return;
                continue;
            }
            if (io.in_used == 0 && io.out_used == 0) break;
            continue;
        }
        if (!s.rx.ensure_block_for_read(blocks)) {
            wait_for_block(c);
            break;
        }
        RingSpan plain[2] = {};
        if (s.rx.writable(blocks, plain) == 0) break;  // rx full: the application reads first
        const TlsResult r = t.read_plain(io, plain[0].data, plain[0].size);
        s.tls_in.consumed(static_cast<uint32_t>(io.in_used));
        s.tls_out.produced(static_cast<uint32_t>(io.out_used));
        if (r.status == TlsStatus::Ok) {
            s.rx.produced(static_cast<uint32_t>(r.bytes));
            continue;
        }
        if (r.status == TlsStatus::Closed) {  // close_notify: an orderly end of the stream
            s.flags |= kConnHupSeen;
            break;
        }
        if (r.status == TlsStatus::Error) {
            tls_fail(c, t.failure());
            return;
        }
        if (io.in_used == 0 && io.out_used == 0) break;
    }
    s.tls_in.release_if_empty(blocks);
    s.tls_out.release_if_empty(blocks);
    s.rx.release_if_empty(blocks);
    if (!s.tls_out.empty()) list(c);
}

// Plaintext from tx -> ciphertext in tls_out. False when the connection failed.
bool Engine::tls_output(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    TlsSession& t = tls_sessions[s.tls];
    for (int guard = 0; guard < 64; ++guard) {
        if (!s.tls_out.ensure_block(blocks)) {
            wait_for_block(c);
            return true;
        }
        RingSpan out[2] = {};
        if (s.tls_out.writable(blocks, out) == 0) return true;  // socket first
        TlsIo io(nullptr, 0, out[0].data, out[0].size, false);
        if (t.has_pending_output()) {
            const TlsStatus st = t.flush(io);
            s.tls_out.produced(static_cast<uint32_t>(io.out_used));
            if (st == TlsStatus::Error) return false;
            if (st != TlsStatus::Ok) return true;
            continue;
        }
        if (!t.handshake_done() || t.failed() || s.tx.empty()) return true;
        RingSpan plain[2] = {};
        (void)s.tx.readable(blocks, plain);
        const TlsResult r = t.write_plain(io, plain[0].data, plain[0].size);
        s.tls_out.produced(static_cast<uint32_t>(io.out_used));
        if (r.status == TlsStatus::Ok) {
            s.tx.consumed(static_cast<uint32_t>(r.bytes));
            continue;
        }
        if (r.status == TlsStatus::Error) {
            tls_fail(c, t.failure());
            return false;
        }
        return true;  // WouldBlock: tls_out is full
    }
    return true;
}

// The TLS handshake is done: the protocol on top starts (or the application is told).
void Engine::tls_handshake_done(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    const TlsSession& t = tls_sessions[s.tls];
    log(LogLevel::Debug, "connection %u: %s %s", c, t.version() ? t.version() : "?", t.ciphersuite() ? t.ciphersuite() : "?");
    if (s.dialer != kNone) {
        if (dialers[s.dialer].protocol == Protocol::WebSocket) {
            ws_connected(c);
            return;
        }
        deadlines.cancel(conn_deadline(c));
        dialers[s.dialer].backoff_ms = config.reconnect_min_ms;
        ++stats.connections_dialed;
        if (s.protocol == Protocol::Sp) sp_opened(c);  // tls+tcp:// SP pipe: our SP header first
        emit(EventType::Connected, c);
        return;
    }
    if (s.protocol == Protocol::WebSocket) return;  // the upgrade request comes next
    deadlines.cancel(conn_deadline(c));
    if (s.protocol == Protocol::Sp) return;  // an SP pipe (its header went out at accept): no event
    s.flags |= kConnAnnounced;
    ++stats.connections_accepted;
    Event ev;
    ev.type = EventType::Accepted;
    ev.conn = conn_handle(c);
    ev.listener = ListenerId{make_handle(s.listener, listeners[s.listener].gen)};
    ev.time_us = now_us;
    (void)events.push(ev);
}

} // namespace tickwire::detail
