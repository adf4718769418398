// A sans-I/O TLS session over mbedTLS: it never touches a socket, a clock or the heap itself.
//
// The core owns the bytes. Before each call it describes them in a TlsIo:
//   in  / in_len   ciphertext received from the peer and not yet consumed (e.g. the readable part
//                  of the receive ring); `in_eof` says the transport saw EOF after these bytes;
//   out / out_cap  room for ciphertext to send (e.g. the writable part of the send ring).
// The session reads from in + in_used and writes to out + out_used, advancing both counters;
// the core then drops `in_used` bytes from its receive ring and commits `out_used` bytes to its
// send ring. Several calls may share one TlsIo (the counters accumulate). A ring that wraps is
// handled by passing the first contiguous part, and the rest after the session consumed it.
//
//   TlsIo io{rx.data(), rx.size(), tx.space(), tx.space_size()};
//   session.handshake_step(io);            // or read_plain / write_plain / flush / close
//   rx.consume(io.in_used); tx.commit(io.out_used);
//
// Buffering: mbedTLS keeps one record of each direction in its own buffers (it calloc's them in
// open(): ~16.7 KiB each way with the default MBEDTLS_SSL_{IN,OUT}_CONTENT_LEN). Input is copied
// into mbedTLS's record buffer as soon as it is offered, so consumed input can be released at
// once. Output that does not fit into `out` stays in mbedTLS's record buffer; the session tracks
// it (has_pending_output()) and pushes it first on the next call that has room.
// Measured per connection (crypto_tls_per_connection_memory, EC P-256 certificates, exact ASan
// allocator counts): mbedTLS 2.28: 36.0 KiB after open(), ~40 KiB per side at the handshake peak,
// 33.7-35.2 KiB steady after it; mbedTLS 3.6 (TLS 1.3): 37.4 KiB after open(), 39.3-40.8 KiB
// steady. On top of that sizeof(TlsSession) = 1792 bytes (the ssl context lives inside it).
//
// The WANT_WRITE rule: mbedTLS requires that after mbedtls_ssl_write() returned WANT_WRITE, the
// same data is offered again (the record is already encrypted in its buffer). The session takes
// that burden off the caller: write_plain() reports the bytes as accepted as soon as mbedTLS has
// copied them into a record, even if the record could not be fully flushed into `out`; the rest
// of that record is flushed by the next call (flush(), write_plain(), read_plain(), close())
// before anything new is written. So write_plain() either accepts n > 0 bytes (which the caller
// must not offer again) or returns WouldBlock having taken nothing, and the caller is free to
// offer different data next time.
//
// Errors are sticky: once a call returned Error, every later call does too, and failure()
// describes the first error. After Error `out_used` may hold a fatal alert that the core should
// still send before closing the socket (close() finishes one that did not fit). Misuse (a call on
// a session that is not open, write_plain after close()) returns Error with failure() =
// InvalidState but does not end the connection.
//
// Failure classes: certificate problems on the verifying side (HostnameMismatch, UnknownCa,
// Expired, NotYetValid, BadCertificate, PeerCertificateMissing, with the X.509 flags), a fatal
// alert from the peer (AlertReceived + alert code; also recognised when a TLS 1.3 peer sends it
// unencrypted and mbedTLS only sees a bad MAC), NotTls (the first bytes are not a TLS record, e.g.
// an HTTP request on a TLS port), Truncated (EOF without close_notify, also mid-handshake),
// HandshakeFailed, ProtocolError (after the handshake), OutOfMemory. See tls_error.hpp.
//
// Pooling: the object is fixed-size and placement-constructible. open() on an object whose
// previous connection used the same credentials and role reuses mbedTLS's record buffers
// (mbedtls_ssl_session_reset); release() frees them.
#pragma once
#include "crypto/tls_error.hpp"

#include <cstddef>
#include <cstdint>

namespace tickwire::detail {

class TlsCredentials;

enum class TlsRole : uint8_t { Client, Server };

struct TlsIo {
    const uint8_t* in = nullptr;
    size_t in_len = 0;
    uint8_t* out = nullptr;
    size_t out_cap = 0;
    bool in_eof = false;  // the transport reached EOF after `in`
    size_t in_used = 0;   // set by the session: bytes of `in` consumed
    size_t out_used = 0;  // set by the session: bytes written to `out`

    TlsIo() noexcept = default;
    TlsIo(const uint8_t* input, size_t input_len, uint8_t* output, size_t output_cap, bool eof = false) noexcept
        : in(input), in_len(input_len), out(output), out_cap(output_cap), in_eof(eof) {}
};

enum class TlsHandshake : uint8_t {
    Done,   // handshake complete (also returned on every call after it completed)
    WantIO, // needs more input and/or room for output: see io counters / has_pending_output()
    Error,  // failed; see failure()
};

enum class TlsStatus : uint8_t {
    Ok,         // `bytes` transferred (read_plain: > 0; write_plain: > 0, or 0 for len 0)
    WouldBlock, // nothing transferred: needs input (read) or output room (write/flush/close)
    Closed,     // read_plain: peer sent close_notify (answer with close()); close(): done
    Error,      // failed; see failure()
};

struct TlsResult {
    TlsStatus status = TlsStatus::Error;
    size_t bytes = 0;
};

class TlsSession {
public:
    TlsSession() noexcept = default;
    ~TlsSession() noexcept { release(); }
    TlsSession(const TlsSession&) = delete;
    TlsSession& operator=(const TlsSession&) = delete;

    // Starts a connection in `role` with `creds` (which must outlive the session, or at least
    // this connection). Clients pass the host name they connect to: it is sent as SNI and checked
    // against the server certificate (DNS names / CN; 3.x also matches IP SANs for IP literals);
    // it may be null only when the credentials do not verify the server. Servers pass nullptr.
    // mbedTLS copies the host name.
    TlsFailure open(const TlsCredentials& creds, TlsRole role, const char* host_name) noexcept;
    // Ends the connection object (without sending anything) and frees mbedTLS's buffers.
    void release() noexcept;

    // Drives the handshake as far as the bytes allow. Callers may skip it: read_plain and
    // write_plain drive the handshake first.
    TlsHandshake handshake_step(TlsIo& io) noexcept;
    // Decrypts up to `cap` bytes of application data into `buf`. Call until WouldBlock: a record
    // may hold more than `cap` (see has_pending_input()).
    TlsResult read_plain(TlsIo& io, void* buf, size_t cap) noexcept;
    // Encrypts up to one record (16 KiB) of `data`; see the WANT_WRITE rule above.
    TlsResult write_plain(TlsIo& io, const void* data, size_t len) noexcept;
    // Pushes ciphertext mbedTLS still holds into io.out. Ok when nothing is left.
    TlsStatus flush(TlsIo& io) noexcept;
    // Sends close_notify (after any pending output). Ok once it is fully in io.out, WouldBlock
    // while it waits for room (call again). After Error it only flushes a pending alert.
    TlsStatus close(TlsIo& io) noexcept;

    bool is_open() const noexcept { return state_ != State::Idle; }
    bool handshake_done() const noexcept { return handshake_done_; }
    bool failed() const noexcept { return state_ == State::Failed; }
    bool peer_closed() const noexcept { return peer_closed_; }
    TlsRole role() const noexcept { return role_; }
    // mbedTLS holds ciphertext that did not fit into io.out yet.
    bool has_pending_output() const noexcept { return out_pending_ > 0; }
    // Decrypted bytes (or a whole record) mbedTLS holds that did not fit the last read_plain:
    // reading must resume when the reader has room again, even with no new ciphertext.
    bool has_pending_input() const noexcept;
    size_t pending_output_bytes() const noexcept { return out_pending_; }

    // After the handshake: negotiated ALPN protocol (nullptr if none), "TLSv1.2"/"TLSv1.3",
    // ciphersuite name. Before it: nullptr.
    const char* alpn() const noexcept;
    const char* version() const noexcept;
    const char* ciphersuite() const noexcept;
    // X.509 verification result of the peer's certificate (MBEDTLS_X509_BADCERT_* bits;
    // 0 = verified or not checked). peer_verified(): the handshake is done and the peer's
    // certificate was required and verified.
    uint32_t verify_flags() const noexcept;
    bool peer_verified() const noexcept;
    const TlsFailure& failure() const noexcept { return failure_; }

    // Ciphertext counters of this connection (handshake included).
    uint64_t bytes_received() const noexcept { return bytes_in_; }
    uint64_t bytes_sent() const noexcept { return bytes_out_; }

    // mbedTLS BIO callbacks; public only so that the .cpp can hand them to mbedTLS.
    static int bio_send(void* self, const unsigned char* buf, size_t len) noexcept;
    static int bio_recv(void* self, unsigned char* buf, size_t len) noexcept;

private:
    enum class State : uint8_t { Idle, Handshaking, Open, Closing, Failed };
    struct Bind; // points io_ at the caller's TlsIo for the duration of one call
    friend struct Bind;

    TlsHandshake drive_handshake() noexcept;
    TlsStatus flush_pending() noexcept;
    TlsStatus fail(int mbedtls_code) noexcept;
    bool sniff_first_bytes(const unsigned char* buf, size_t n) noexcept;
    void track_records(const unsigned char* buf, size_t n) noexcept;

    // Opaque storage for an mbedtls_ssl_context (736 bytes on 2.28, 832 on 3.6), so that this
    // header does not include mbedTLS; checked by static_assert in the .cpp.
    alignas(16) unsigned char ssl_storage_[1536];
    const TlsCredentials* creds_ = nullptr;
    const void* conf_ = nullptr;  // the mbedtls_ssl_config the context was set up with
    TlsIo* io_ = nullptr;         // only set during a call
    size_t out_pending_ = 0;      // ciphertext mbedTLS holds that did not fit into io.out
    uint64_t bytes_in_ = 0;
    uint64_t bytes_out_ = 0;
    TlsFailure failure_;
    State state_ = State::Idle;
    TlsRole role_ = TlsRole::Client;
    bool constructed_ = false;    // ssl_storage_ holds a set-up mbedtls_ssl_context
    bool handshake_done_ = false;
    bool peer_closed_ = false;
    bool close_queued_ = false;
    bool eof_delivered_ = false;  // the BIO reported transport EOF to mbedTLS
    bool not_tls_ = false;        // the first received bytes are not a TLS record header
    uint8_t sniffed_ = 0;         // how many of the first 3 bytes were checked
    uint8_t first_bytes_[3] = {};
    // Record boundaries of the received stream, to recognise an unencrypted alert that mbedTLS
    // fails to decrypt (a TLS 1.3 peer that fails before switching keys, e.g. mbedTLS 3.6
    // rejecting our certificate, sends its alert in plaintext; we would see only "bad MAC").
    uint8_t rec_hdr_[5] = {};
    uint8_t rec_hdr_fill_ = 0;
    uint8_t rec_body_[2] = {};
    uint16_t rec_body_left_ = 0;
    uint16_t rec_body_pos_ = 0;
    bool last_plain_alert_ = false; // the last complete record was a 2-byte alert record
    uint8_t last_alert_level_ = 0;
    uint8_t last_alert_desc_ = 0;
};

} // namespace tickwire::detail
