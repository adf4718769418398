// Error values. tickwire never throws: every call that can fail returns an Error (or a Result<T>
// carrying one), and every failure has its own code so that a log line says what happened.
#pragma once
#include <cstdint>

namespace tickwire {

enum class Error : uint8_t {
    Ok = 0,
    // Backpressure and resources: the call changed nothing; try again later or size the Config.
    WouldBlock,        // no room right now (tx ring full, peer not draining); a Writable event follows
    TooLarge,          // can never fit (larger than a ring block / message slot / configured maximum)
    NoConnectionSlot,  // Config::max_connections reached
    NoListenerSlot,    // Config::max_listeners reached
    NoMessageSlot,     // the message pool is empty
    NoTimerSlot,       // Config::max_timers reached
    NoDnsSlot,         // too many DNS lookups in flight
    // Caller mistakes.
    InvalidHandle,     // stale or never-valid handle (the slot was reused or closed)
    InvalidArgument,
    InvalidUrl,
    UnsupportedScheme,
    NotInitialized,
    AlreadyInitialized,
    WrongState,        // e.g. writing to a connection that is still connecting
    PendingWrite,      // begin_write was called while another write is open
    // Memory at start-up.
    OutOfMemory,       // the allocator hook returned nullptr at init
    BufferTooSmall,    // the user-supplied buffer is smaller than required_memory(config)
    // Network.
    AddressInUse,
    AddressNotAvailable,
    ConnectRefused,
    ConnectTimeout,
    HostUnreachable,
    NetworkUnreachable,
    ConnectionReset,
    BrokenPipe,
    TimedOut,
    DnsNotFound,       // NXDOMAIN or no address of the wanted family
    DnsFailed,         // server failure, malformed answer or no server answered
    NameTooLong,
    PeerClosed,        // the peer ended the stream (EOF)
    Closed,            // the connection was closed locally
    TooManyFiles,      // the OS ran out of file descriptors (EMFILE/ENFILE)
    PermissionDenied,
    SystemError,       // any other OS error; the log line carries errno
    // Protocol (used by the protocol layers built on the core).
    ProtocolError,
    HandshakeFailed,
    HandshakeTimeout,
    MessageTooLarge,
    InvalidUtf8,
    TlsError,              // any other TLS failure (the log and Conn::error_detail() say more)
    NoTlsSlot,             // Config::tls.max_sessions TLS connections are open already
    TlsBadCertificate,     // the peer's certificate is not valid (usage, signature, missing)
    TlsHostnameMismatch,   // the server's certificate does not name the host we dialed
    TlsUnknownCa,          // the peer's chain does not lead to a trusted CA
    TlsCertificateExpired, // a certificate of the chain is expired or not valid yet
    TlsAlert,              // the peer ended the handshake with an alert
    TlsNotTls,             // the peer does not speak TLS (e.g. plain HTTP on a TLS port)
    TlsTruncated,          // the connection ended without close_notify
    TlsNotConfigured,      // a TLS URL, but Config::tls has no sessions (or no certificate)
    Count_
};

// A short English description: "would block", "connection refused", ...
const char* to_string(Error e) noexcept;

// A value or an error. `[[nodiscard]]` so that a failure cannot be ignored by accident.
template <typename T>
struct [[nodiscard]] Result {
    T value{};
    Error error = Error::Ok;

    Result() noexcept = default;
    Result(T v) noexcept : value(v) {}           // NOLINT: implicit on purpose
    Result(Error e) noexcept : error(e) {}       // NOLINT
    bool ok() const noexcept { return error == Error::Ok; }
    explicit operator bool() const noexcept { return ok(); }
};

} // namespace tickwire

// Error itself is an enum and cannot carry [[nodiscard]] per call site portably; the functions
// returning it are marked with TW_NODISCARD instead.
#define TW_NODISCARD [[nodiscard]]
