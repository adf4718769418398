#include "tickwire/tickwire.hpp"

namespace tickwire {

const char* to_string(Error e) noexcept {
    switch (e) {
    case Error::Ok: return "ok";
    case Error::WouldBlock: return "would block";
    case Error::TooLarge: return "too large";
    case Error::NoConnectionSlot: return "no free connection slot";
    case Error::NoListenerSlot: return "no free listener slot";
    case Error::NoMessageSlot: return "message pool empty";
    case Error::NoTimerSlot: return "no free timer slot";
    case Error::NoDnsSlot: return "too many DNS lookups in flight";
    case Error::InvalidHandle: return "invalid or stale handle";
    case Error::InvalidArgument: return "invalid argument";
    case Error::InvalidUrl: return "invalid URL";
    case Error::UnsupportedScheme: return "unsupported URL scheme";
    case Error::NotInitialized: return "context not initialized";
    case Error::AlreadyInitialized: return "context already initialized";
    case Error::WrongState: return "wrong connection state for this call";
    case Error::PendingWrite: return "a begin_write is still open";
    case Error::OutOfMemory: return "out of memory";
    case Error::BufferTooSmall: return "buffer smaller than required_memory()";
    case Error::AddressInUse: return "address in use";
    case Error::AddressNotAvailable: return "address not available";
    case Error::ConnectRefused: return "connection refused";
    case Error::ConnectTimeout: return "connect timed out";
    case Error::HostUnreachable: return "host unreachable";
    case Error::NetworkUnreachable: return "network unreachable";
    case Error::ConnectionReset: return "connection reset by peer";
    case Error::BrokenPipe: return "broken pipe";
    case Error::TimedOut: return "timed out";
    case Error::DnsNotFound: return "host name not found";
    case Error::DnsFailed: return "DNS lookup failed";
    case Error::NameTooLong: return "name too long";
    case Error::PeerClosed: return "peer closed the connection";
    case Error::Closed: return "connection closed";
    case Error::TooManyFiles: return "too many open files";
    case Error::PermissionDenied: return "permission denied";
    case Error::SystemError: return "system error";
    case Error::ProtocolError: return "protocol error";
    case Error::HandshakeFailed: return "handshake failed";
    case Error::HandshakeTimeout: return "handshake timed out";
    case Error::MessageTooLarge: return "message too large";
    case Error::InvalidUtf8: return "invalid UTF-8";
    case Error::TlsError: return "TLS error";
    case Error::NoTlsSlot: return "no free TLS session";
    case Error::TlsBadCertificate: return "TLS: bad certificate";
    case Error::TlsHostnameMismatch: return "TLS: certificate does not match the host name";
    case Error::TlsUnknownCa: return "TLS: certificate from an unknown CA";
    case Error::TlsCertificateExpired: return "TLS: certificate expired or not yet valid";
    case Error::TlsAlert: return "TLS: alert from peer";
    case Error::TlsNotTls: return "TLS: peer does not speak TLS";
    case Error::TlsTruncated: return "TLS: connection truncated (no close_notify)";
    case Error::TlsNotConfigured: return "TLS not configured (Config::tls)";
    case Error::Count_: break;
    }
    return "unknown error";
}

const char* to_string(EventType t) noexcept {
    switch (t) {
    case EventType::Accepted: return "accepted";
    case EventType::Connected: return "connected";
    case EventType::Data: return "data";
    case EventType::Writable: return "writable";
    case EventType::PeerShutdown: return "peer shutdown";
    case EventType::Error: return "error";
    case EventType::Closed: return "closed";
    case EventType::Reconnecting: return "reconnecting";
    case EventType::Timer: return "timer";
    case EventType::Ping: return "ping";
    }
    return "unknown event";
}

const char* version_string() noexcept { return "0.1.0"; }

} // namespace tickwire
