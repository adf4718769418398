#include "crypto/tls_engine.hpp"

#include "crypto/mbedtls_compat.hpp"
#include "crypto/tls_credentials.hpp"

#include <climits>
#include <cstdio>
#include <cstring>
#include <new>

namespace tickwire::detail {

namespace {

static_assert(sizeof(mbedtls_ssl_context) <= 1536, "TlsSession::ssl_storage_ too small for this mbedTLS");
static_assert(alignof(mbedtls_ssl_context) <= 16, "TlsSession::ssl_storage_ under-aligned for this mbedTLS");

mbedtls_ssl_context* ssl_of(unsigned char* storage) noexcept {
    return std::launder(reinterpret_cast<mbedtls_ssl_context*>(storage));
}
const mbedtls_ssl_context* ssl_of(const unsigned char* storage) noexcept {
    return std::launder(reinterpret_cast<const mbedtls_ssl_context*>(storage));
}

// mbedTLS returns this on a TLS 1.3 NewSessionTicket only when asked to; retried if it appears.
bool is_new_session_ticket(int ret) noexcept {
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
    return ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET;
#else
    (void)ret;
    return false;
#endif
}

// Verification flags with mbedTLS's "not checked" markers removed.
uint32_t clean_flags(uint32_t flags) noexcept {
    if (flags == 0xFFFFFFFFu) return 0;
#if defined(MBEDTLS_X509_BADCERT_SKIP_VERIFY)
    flags &= ~static_cast<uint32_t>(MBEDTLS_X509_BADCERT_SKIP_VERIFY);
#endif
    return flags;
}

// Bounded retries of mbedTLS calls that may legitimately ask to be called again at once.
constexpr int kMaxRetries = 16;

} // namespace

struct TlsSession::Bind {
    TlsSession& s;
    Bind(TlsSession& session, TlsIo& io) noexcept : s(session) { s.io_ = &io; }
    ~Bind() { s.io_ = nullptr; }
    Bind(const Bind&) = delete;
    Bind& operator=(const Bind&) = delete;
};

// ---------------------------------------------------------------------------------------------
// BIO: the only place bytes cross between mbedTLS and the caller's spans.

int TlsSession::bio_send(void* self, const unsigned char* buf, size_t len) noexcept {
    auto* s = static_cast<TlsSession*>(self);
    TlsIo* io = s->io_;
    // mbedTLS passes everything it still has to send (its out_left), so `len - accepted` is
    // exactly what stays in its record buffer.
    if (io == nullptr || io->out == nullptr || io->out_used >= io->out_cap) {
        s->out_pending_ = len;
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    size_t n = io->out_cap - io->out_used;
    if (n > len) n = len;
    if (n > static_cast<size_t>(INT_MAX)) n = static_cast<size_t>(INT_MAX);
    std::memcpy(io->out + io->out_used, buf, n);
    io->out_used += n;
    s->bytes_out_ += n;
    s->out_pending_ = len - n;
    return static_cast<int>(n);
}

int TlsSession::bio_recv(void* self, unsigned char* buf, size_t len) noexcept {
    auto* s = static_cast<TlsSession*>(self);
    TlsIo* io = s->io_;
    if (io == nullptr) return MBEDTLS_ERR_SSL_WANT_READ;
    const size_t avail = (io->in != nullptr && io->in_used < io->in_len) ? io->in_len - io->in_used : 0;
    if (avail == 0) {
        if (io->in_eof) {
            s->eof_delivered_ = true;
            return 0; // mbedTLS turns this into MBEDTLS_ERR_SSL_CONN_EOF
        }
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    size_t n = avail < len ? avail : len;
    if (n > static_cast<size_t>(INT_MAX)) n = static_cast<size_t>(INT_MAX);
    const uint8_t* src = io->in + io->in_used;
    if (!s->sniff_first_bytes(src, n)) return MBEDTLS_ERR_SSL_INVALID_RECORD;
    std::memcpy(buf, src, n);
    s->track_records(src, n);
    io->in_used += n;
    s->bytes_in_ += n;
    return static_cast<int>(n);
}

// The first record either side receives is a handshake (22) or alert (21) record with record
// version 3.x; checking its first three bytes as they arrive catches plaintext (an HTTP request
// on a TLS port, an HTTP error page from a plain server) at once, instead of letting mbedTLS wait
// for a "record length" made of ASCII.
bool TlsSession::sniff_first_bytes(const unsigned char* buf, size_t n) noexcept {
    for (size_t i = 0; i < n && sniffed_ < 3; ++i) {
        const uint8_t b = buf[i];
        bool ok;
        if (sniffed_ == 0)
            ok = b == MBEDTLS_SSL_MSG_HANDSHAKE || b == MBEDTLS_SSL_MSG_ALERT;
        else if (sniffed_ == 1)
            ok = b == 3;
        else
            ok = b <= 4;
        first_bytes_[sniffed_++] = b;
        if (!ok) {
            not_tls_ = true;
            return false;
        }
    }
    return !not_tls_;
}

void TlsSession::track_records(const unsigned char* buf, size_t n) noexcept {
    while (n > 0) {
        if (rec_hdr_fill_ < 5) {
            rec_hdr_[rec_hdr_fill_++] = *buf++;
            --n;
            if (rec_hdr_fill_ == 5) {
                rec_body_left_ = static_cast<uint16_t>(rec_hdr_[3] << 8 | rec_hdr_[4]);
                rec_body_pos_ = 0;
            } else {
                continue;
            }
        } else {
            const size_t take = n < rec_body_left_ ? n : rec_body_left_;
            for (size_t i = 0; i < take && rec_body_pos_ + i < sizeof rec_body_; ++i)
                rec_body_[rec_body_pos_ + i] = buf[i];
            rec_body_pos_ = static_cast<uint16_t>(rec_body_pos_ + take);
            rec_body_left_ = static_cast<uint16_t>(rec_body_left_ - take);
            buf += take;
            n -= take;
        }
        if (rec_hdr_fill_ == 5 && rec_body_left_ == 0) {
            // A protected alert is longer than 2 bytes (tag/MAC); TLS 1.3 protects it as type 23.
            last_plain_alert_ = rec_hdr_[0] == MBEDTLS_SSL_MSG_ALERT && rec_body_pos_ == 2;
            last_alert_level_ = rec_body_[0];
            last_alert_desc_ = rec_body_[1];
            rec_hdr_fill_ = 0;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lifetime.

TlsFailure TlsSession::open(const TlsCredentials& creds, TlsRole role, const char* host_name) noexcept {
    const bool server = role == TlsRole::Server;
    const void* conf = creds.ssl_config(server);
    if (conf == nullptr) {
        release();
        return tls_failure(TlsError::InvalidState, 0,
                           server ? "credentials cannot serve (no certificate and key)"
                                  : "credentials not initialised");
    }
    if (!server && creds.verifies_server() && (host_name == nullptr || host_name[0] == '\0')) {
        release();
        return tls_failure(TlsError::InvalidArgument, 0, "a host name is needed to verify the server");
    }

    mbedtls_ssl_context* ssl = ssl_of(ssl_storage_);
    int ret;
    if (constructed_ && conf_ == conf) {
        ret = mbedtls_ssl_session_reset(ssl); // keeps the record buffers
        if (ret != 0) {
            release();
            return tls_failure(ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? TlsError::OutOfMemory : TlsError::Internal,
                               ret, "mbedtls_ssl_session_reset");
        }
    } else {
        release();
        new (ssl_storage_) mbedtls_ssl_context;
        mbedtls_ssl_init(ssl);
        constructed_ = true;
        ret = mbedtls_ssl_setup(ssl, static_cast<const mbedtls_ssl_config*>(conf));
        if (ret != 0) {
            release();
            return tls_failure(ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? TlsError::OutOfMemory : TlsError::Internal,
                               ret, "mbedtls_ssl_setup");
        }
        conf_ = conf;
    }
    if (!server) {
        ret = mbedtls_ssl_set_hostname(ssl, host_name);
        if (ret != 0) {
            release();
            return tls_failure(TlsError::InvalidArgument, ret, "host name");
        }
    }
    mbedtls_ssl_set_bio(ssl, this, bio_send, bio_recv, nullptr);

    creds_ = &creds;
    role_ = role;
    io_ = nullptr;
    out_pending_ = 0;
    bytes_in_ = 0;
    bytes_out_ = 0;
    failure_ = TlsFailure{};
    state_ = State::Handshaking;
    handshake_done_ = false;
    peer_closed_ = false;
    close_queued_ = false;
    eof_delivered_ = false;
    not_tls_ = false;
    sniffed_ = 0;
    std::memset(first_bytes_, 0, sizeof first_bytes_);
    rec_hdr_fill_ = 0;
    rec_body_left_ = 0;
    rec_body_pos_ = 0;
    last_plain_alert_ = false;
    last_alert_level_ = 0;
    last_alert_desc_ = 0;
    return TlsFailure{};
}

void TlsSession::release() noexcept {
    if (constructed_) {
        mbedtls_ssl_context* ssl = ssl_of(ssl_storage_);
        mbedtls_ssl_free(ssl);
        ssl->~mbedtls_ssl_context();
    }
    constructed_ = false;
    conf_ = nullptr;
    creds_ = nullptr;
    io_ = nullptr;
    out_pending_ = 0;
    state_ = State::Idle;
    handshake_done_ = false;
    peer_closed_ = false;
    close_queued_ = false;
}

// ---------------------------------------------------------------------------------------------
// Failure classification.

TlsStatus TlsSession::fail(int ret) noexcept {
    const mbedtls_ssl_context* ssl = ssl_of(ssl_storage_);
    TlsFailure f;
    const bool we_verify = creds_ != nullptr &&
                           (role_ == TlsRole::Client ? creds_->verifies_server() : creds_->requires_client_cert());
    const uint32_t flags = we_verify ? clean_flags(mbedtls_ssl_get_verify_result(ssl)) : 0;
    unsigned char level = 0, desc = 0;

    if (not_tls_) {
        char shown[16] = {};
        for (uint8_t i = 0; i < sniffed_; ++i) {
            const uint8_t b = first_bytes_[i];
            shown[i] = (b >= 0x20 && b < 0x7F) ? static_cast<char>(b) : '.';
        }
        char context[TlsFailure::kMessageCap];
        std::snprintf(context, sizeof context,
                      "peer sent non-TLS data (starts \"%s\", byte 0x%02X): plaintext where TLS was expected",
                      shown, first_bytes_[0]);
        f = tls_failure(TlsError::NotTls, 0, context);
        f.mbedtls_code = ret;
    } else if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && mbedtls_compat::last_alert(ssl, &level, &desc)) {
        char context[TlsFailure::kMessageCap];
        std::snprintf(context, sizeof context, "peer sent fatal alert %u (%s)", static_cast<unsigned>(desc),
                      tls_alert_name(desc));
        f = tls_failure(TlsError::AlertReceived, 0, context);
        f.mbedtls_code = ret;
        f.alert = desc;
    } else if (last_plain_alert_ && last_alert_level_ == MBEDTLS_SSL_ALERT_LEVEL_FATAL &&
               ret != MBEDTLS_ERR_SSL_CONN_EOF && ret != 0) {
        char context[TlsFailure::kMessageCap];
        std::snprintf(context, sizeof context, "peer sent fatal alert %u (%s), unencrypted",
                      static_cast<unsigned>(last_alert_desc_), tls_alert_name(last_alert_desc_));
        f = tls_failure(TlsError::AlertReceived, 0, context);
        f.mbedtls_code = ret;
        f.alert = last_alert_desc_;
    } else if (!handshake_done_ && flags != 0) {
        f = tls_verify_failure(flags, ret);
    } else if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        f = tls_failure(TlsError::BadCertificate, ret, "certificate verification failed");
        f.verify_flags = flags;
    } else if (ret == MBEDTLS_ERR_SSL_CONN_EOF || ret == 0 || eof_delivered_) {
        f = tls_failure(TlsError::Truncated, 0,
                        handshake_done_ ? "transport closed without close_notify (possible truncation)"
                                        : "transport closed during the TLS handshake");
        f.mbedtls_code = ret;
    } else if (ret == MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE) {
        f = tls_failure(TlsError::PeerCertificateMissing, ret, "client sent no certificate");
    } else if (ret == MBEDTLS_ERR_SSL_ALLOC_FAILED) {
        f = tls_failure(TlsError::OutOfMemory, ret, "mbedTLS allocation");
    } else if (!handshake_done_) {
        f = tls_failure(TlsError::HandshakeFailed, ret, "handshake");
    } else if (ret == MBEDTLS_ERR_SSL_BAD_INPUT_DATA) {
        f = tls_failure(TlsError::Internal, ret, "mbedTLS call");
    } else {
        f = tls_failure(TlsError::ProtocolError, ret, "record layer");
    }
    failure_ = f;
    state_ = State::Failed;
    return TlsStatus::Error;
}

// ---------------------------------------------------------------------------------------------
// Handshake and flushing.

TlsHandshake TlsSession::drive_handshake() noexcept {
    if (handshake_done_) return TlsHandshake::Done;
    mbedtls_ssl_context* ssl = ssl_of(ssl_storage_);
    for (int i = 0; i < kMaxRetries; ++i) {
        const int ret = mbedtls_ssl_handshake(ssl);
        if (ret == 0) {
            handshake_done_ = true;
            state_ = State::Open;
            return TlsHandshake::Done;
        }
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) return TlsHandshake::WantIO;
        if (is_new_session_ticket(ret)) continue;
        fail(ret);
        return TlsHandshake::Error;
    }
    return TlsHandshake::WantIO;
}

// Pushes what mbedTLS holds. Ok when nothing is left.
TlsStatus TlsSession::flush_pending() noexcept {
    if (out_pending_ == 0) return TlsStatus::Ok;
    mbedtls_ssl_context* ssl = ssl_of(ssl_storage_);
    int ret;
    if (state_ == State::Handshaking) {
        // Every handshake step starts by flushing.
        const TlsHandshake h = drive_handshake();
        if (h == TlsHandshake::Error) return TlsStatus::Error;
        return out_pending_ == 0 ? TlsStatus::Ok : TlsStatus::WouldBlock;
    }
    if (state_ == State::Open) {
        // The pending bytes are the tail of a record mbedtls_ssl_write() already accepted (or
        // of an alert). While output is pending, mbedtls_ssl_write() only flushes and ignores
        // its buffer: this is the "call again" of its WANT_WRITE contract, with length 0 so that
        // nothing new could be written even if the record had been completed elsewhere.
        static const unsigned char kNothing = 0;
        ret = mbedtls_ssl_write(ssl, &kNothing, 0);
    } else {
        // Closing or Failed: mbedtls_ssl_close_notify() only flushes while output is pending.
        ret = mbedtls_ssl_close_notify(ssl);
    }
    if (ret >= 0) return out_pending_ == 0 ? TlsStatus::Ok : TlsStatus::WouldBlock;
    if (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_WANT_READ) return TlsStatus::WouldBlock;
    if (state_ == State::Failed) {
        out_pending_ = 0; // give up on the alert; the first error stays the reported one
        return TlsStatus::Error;
    }
    return fail(ret);
}

TlsHandshake TlsSession::handshake_step(TlsIo& io) noexcept {
    Bind bind(*this, io);
    if (state_ == State::Idle) {
        failure_ = tls_failure(TlsError::InvalidState, 0, "session not open");
        return TlsHandshake::Error;
    }
    if (state_ == State::Failed) return TlsHandshake::Error;
    if (handshake_done_) {
        if (flush_pending() == TlsStatus::Error) return TlsHandshake::Error;
        return TlsHandshake::Done;
    }
    return drive_handshake();
}

TlsStatus TlsSession::flush(TlsIo& io) noexcept {
    Bind bind(*this, io);
    if (state_ == State::Idle) {
        failure_ = tls_failure(TlsError::InvalidState, 0, "session not open");
        return TlsStatus::Error;
    }
    if (state_ == State::Failed) {
        flush_pending(); // best effort: a fatal alert may be pending
        return TlsStatus::Error;
    }
    return flush_pending();
}

// ---------------------------------------------------------------------------------------------
// Application data.

bool TlsSession::has_pending_input() const noexcept {
    if (state_ == State::Idle || !handshake_done_) return false;
    const mbedtls_ssl_context* ssl = ssl_of(ssl_storage_);
    return mbedtls_ssl_get_bytes_avail(ssl) > 0 || mbedtls_ssl_check_pending(ssl) != 0;
}

TlsResult TlsSession::read_plain(TlsIo& io, void* buf, size_t cap) noexcept {
    Bind bind(*this, io);
    TlsResult r;
    if (state_ == State::Idle) {
        failure_ = tls_failure(TlsError::InvalidState, 0, "session not open");
        return r;
    }
    if (state_ == State::Failed) return r;
    if (peer_closed_) {
        r.status = TlsStatus::Closed;
        return r;
    }
    if (!handshake_done_) {
        const TlsHandshake h = drive_handshake();
        if (h == TlsHandshake::Error) return r;
        if (h == TlsHandshake::WantIO) {
            r.status = TlsStatus::WouldBlock;
            return r;
        }
    }
    if (flush_pending() == TlsStatus::Error) return r; // WouldBlock: reading may go on
    if (cap == 0 || buf == nullptr) {
        r.status = TlsStatus::Ok;
        return r;
    }
    mbedtls_ssl_context* ssl = ssl_of(ssl_storage_);
    const size_t want = cap > static_cast<size_t>(INT_MAX) ? static_cast<size_t>(INT_MAX) : cap;
    for (int i = 0; i < kMaxRetries; ++i) {
        const int ret = mbedtls_ssl_read(ssl, static_cast<unsigned char*>(buf), want);
        if (ret > 0) {
            r.status = TlsStatus::Ok;
            r.bytes = static_cast<size_t>(ret);
            return r;
        }
        if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
            peer_closed_ = true;
            r.status = TlsStatus::Closed;
            return r;
        }
        if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
            r.status = TlsStatus::WouldBlock;
            return r;
        }
        if (is_new_session_ticket(ret)) continue;
        // 0: transport EOF without close_notify (mbedTLS maps CONN_EOF to 0 here).
        fail(ret == 0 ? MBEDTLS_ERR_SSL_CONN_EOF : ret);
        return r;
    }
    r.status = TlsStatus::WouldBlock;
    return r;
}

TlsResult TlsSession::write_plain(TlsIo& io, const void* data, size_t len) noexcept {
    Bind bind(*this, io);
    TlsResult r;
    if (state_ == State::Idle || state_ == State::Closing) {
        failure_ = tls_failure(TlsError::InvalidState, 0,
                               state_ == State::Idle ? "session not open" : "write after close()");
        return r;
    }
    if (state_ == State::Failed) return r;
    if (!handshake_done_) {
        const TlsHandshake h = drive_handshake();
        if (h == TlsHandshake::Error) return r;
        if (h == TlsHandshake::WantIO) {
            r.status = TlsStatus::WouldBlock;
            return r;
        }
    }
    const TlsStatus flushed = flush_pending();
    if (flushed != TlsStatus::Ok) {
        if (flushed == TlsStatus::WouldBlock) r.status = TlsStatus::WouldBlock;
        return r;
    }
    if (len == 0) {
        r.status = TlsStatus::Ok;
        return r;
    }
    if (data == nullptr) {
        failure_ = tls_failure(TlsError::InvalidArgument, 0, "write_plain: null data");
        return r;
    }
    mbedtls_ssl_context* ssl = ssl_of(ssl_storage_);
    const int max_payload = mbedtls_ssl_get_max_out_record_payload(ssl);
    if (max_payload <= 0) {
        fail(max_payload < 0 ? max_payload : MBEDTLS_ERR_SSL_BAD_INPUT_DATA);
        return r;
    }
    const size_t take = len < static_cast<size_t>(max_payload) ? len : static_cast<size_t>(max_payload);
    const int ret = mbedtls_ssl_write(ssl, static_cast<const unsigned char*>(data), take);
    if (ret > 0) {
        r.status = TlsStatus::Ok;
        r.bytes = static_cast<size_t>(ret);
        return r;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_WRITE && out_pending_ > 0) {
        // Nothing was pending before the call, so mbedTLS copied and encrypted `take` bytes into
        // a record and only its flush blocked: the bytes are ours now (see header).
        r.status = TlsStatus::Ok;
        r.bytes = take;
        return r;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_WANT_READ) {
        r.status = TlsStatus::WouldBlock;
        return r;
    }
    fail(ret);
    return r;
}

TlsStatus TlsSession::close(TlsIo& io) noexcept {
    Bind bind(*this, io);
    if (state_ == State::Idle) {
        failure_ = tls_failure(TlsError::InvalidState, 0, "session not open");
        return TlsStatus::Error;
    }
    if (state_ == State::Failed) {
        // Only a fatal alert may still be pending; never a close_notify after an error.
        flush_pending();
        return out_pending_ == 0 ? TlsStatus::Ok : TlsStatus::WouldBlock;
    }
    if (!close_queued_) {
        if (state_ == State::Handshaking) {
            // Nothing to say before the handshake completed (mbedTLS sends close_notify only
            // after it); flush what the handshake queued and stop.
            const TlsStatus st = flush_pending();
            if (st != TlsStatus::Ok) return st;
            state_ = State::Closing;
            close_queued_ = true;
            return TlsStatus::Ok;
        }
        const TlsStatus st = flush_pending();
        if (st != TlsStatus::Ok) return st;
        close_queued_ = true;
        state_ = State::Closing;
        const int ret = mbedtls_ssl_close_notify(ssl_of(ssl_storage_));
        if (ret == 0) return out_pending_ == 0 ? TlsStatus::Ok : TlsStatus::WouldBlock;
        if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) return TlsStatus::WouldBlock;
        return fail(ret);
    }
    return flush_pending();
}

// ---------------------------------------------------------------------------------------------
// Queries.

const char* TlsSession::alpn() const noexcept {
#if defined(MBEDTLS_SSL_ALPN)
    if (!constructed_ || !handshake_done_) return nullptr;
    return mbedtls_ssl_get_alpn_protocol(ssl_of(ssl_storage_));
#else
    return nullptr;
#endif
}

const char* TlsSession::version() const noexcept {
    if (!constructed_ || !handshake_done_) return nullptr;
    return mbedtls_ssl_get_version(ssl_of(ssl_storage_));
}

const char* TlsSession::ciphersuite() const noexcept {
    if (!constructed_ || !handshake_done_) return nullptr;
    return mbedtls_ssl_get_ciphersuite(ssl_of(ssl_storage_));
}

uint32_t TlsSession::verify_flags() const noexcept {
    if (!constructed_ || state_ == State::Idle) return 0;
    return clean_flags(mbedtls_ssl_get_verify_result(ssl_of(ssl_storage_)));
}

bool TlsSession::peer_verified() const noexcept {
    if (!handshake_done_ || creds_ == nullptr) return false;
    const bool required = role_ == TlsRole::Client ? creds_->verifies_server() : creds_->requires_client_cert();
    return required && verify_flags() == 0;
}

} // namespace tickwire::detail
