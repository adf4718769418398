// Config: everything tickwire will ever use is decided here, once, at start-up.
//
// Context::required_memory(config) tells the bytes; Context::init takes them in one piece — from
// the allocator hook below or from a buffer you pass — and allocates nothing afterwards. The
// formula is in README.md ("Memory").
#pragma once
#include <cstddef>
#include <cstdint>

namespace tickwire {

// Allocator hook with sized free, called exactly once each way per Context (init / destruction).
struct Allocator {
    void* (*allocate)(size_t bytes, size_t alignment, void* user) = nullptr;
    void (*deallocate)(void* p, size_t bytes, size_t alignment, void* user) = nullptr;
    void* user = nullptr;
};

enum class LogLevel : uint8_t { Error = 0, Warn, Info, Debug, Off };

// Log hook. Messages below `level` are never formatted, so a disabled log costs one compare.
struct LogHook {
    void (*fn)(LogLevel level, const char* message, void* user) = nullptr;
    void* user = nullptr;
    LogLevel level = LogLevel::Warn;
};

enum class PollerKind : uint8_t { Auto, Epoll, Poll };

// TLS (mbedTLS) for tls+tcp://, wss:// and sockety+tls://. Credentials are parsed once, at
// init, and shared by every connection; each TLS connection takes one session from a pool of
// `max_sessions`. Files may be PEM or DER; memory may be PEM (with or without a NUL) or DER.
struct TlsConfig {
    uint32_t max_sessions = 0;           // TLS connections at once; 0: no TLS
    // Trust anchors. None given: clients use the system bundle (system_ca_file).
    const char* ca_file = nullptr;
    const void* ca_data = nullptr;
    size_t ca_size = 0;
    // Own certificate chain and key: needed to listen; optional for clients (mutual TLS).
    const char* cert_file = nullptr;
    const void* cert_data = nullptr;
    size_t cert_size = 0;
    const char* key_file = nullptr;
    const void* key_data = nullptr;
    size_t key_size = 0;
    const char* key_password = nullptr;
    // Clients verify the server's chain and host name. Turning it off is logged at Warn.
    bool verify_peer = true;
    bool require_client_cert = false;    // servers: mutual TLS
    const char* alpn = nullptr;          // comma-separated, preferred first: "http/1.1"
    const char* system_ca_file = "/etc/ssl/certs/ca-certificates.crt";
    // mbedTLS's own heap, in bytes, carved from the context's memory (README "Memory"). Only in
    // the build with mbedTLS from source (premake --mbedtls=source): every mbedTLS allocation
    // then comes from here, and a handshake that does not fit fails with Error::TlsError. 0:
    // 64 KiB + 56 KiB per session, which does not fit the system CA bundle (~500 KiB more).
    // Against a system mbedTLS (the default build) this is ignored and mbedTLS uses the C heap.
    // mbedTLS's allocator is one per process: one Context at a time may use TLS in that build.
    size_t heap_bytes = 0;
};

// Sockety (sockety://, sockety+tls://): each Sockety connection takes one session from a pool of
// `max_sessions`, laid out once from the sizes below (README.md "Memory" has the bytes).
struct SocketyConfig {
    // Sockety connections at once; 0: no Sockety. A connection that finds no session free, or
    // no ring block for the connection header it must send first, is refused (closed at once,
    // Stats::connections_refused; a dialer retries after its backoff).
    uint32_t max_sessions = 0;
    uint32_t channels = 64;             // channels we receive on (announced to the peer), 1..4096
    uint32_t send_channels = 64;        // channels we send on at most (the peer's limit applies too)
    uint32_t max_in_flight = 1024;      // our messages/responses being written or awaiting a reply
    uint32_t max_action_size = 256;     // longer action names received close the connection
    uint32_t max_files = 16;            // files per received message or response
    uint32_t max_names_size = 2048;     // bytes of file names per received header
    uint32_t heartbeat_ms = 15000;      // a Heartbeat after this long without sending (0: none)
    uint32_t idle_timeout_ms = 60000;   // close when nothing arrived for this long (0: never)
    // Received data up to this size (and Config::message_slot_size) is handed out whole, in one
    // Data item, even when it arrived in pieces: it is assembled in a message slot (when none is
    // free, it comes in pieces). 0: data always comes as it arrives.
    uint32_t whole_data_max = 0;
};

struct Config {
    // Connections of every kind (accepted, dialed, inproc ends) open at once.
    uint32_t max_connections = 256;
    uint32_t max_listeners = 8;
    uint32_t max_dialers = 32;          // dial() calls alive at once (each keeps its target)

    // Ring buffers: each connection direction draws one block of `ring_block_size` bytes (a power
    // of two) from a pool of `ring_block_count` while it has bytes in flight, and gives it back
    // when empty. An idle connection holds none. Reading never takes the last eighth of the pool
    // (at least one block, from four blocks on): those are kept for sending, so that requests
    // read into every other block can still be answered (and their blocks freed).
    uint32_t ring_block_size = 16 * 1024;
    uint32_t ring_block_count = 128;

    // Message pool: whole messages that do not sit contiguously in a ring (reassembled fragments,
    // views the caller keeps with ReadView::retain) live in one of these slots until released,
    // or, sent on with Conn::send_view, until their last byte is out. A message that finds no
    // free slot waits in its connection's ring (stats().message_slot_misses counts it) and comes
    // with a new Data event once a slot is free.
    uint32_t message_slots = 32;
    uint32_t message_slot_size = 64 * 1024;

    uint32_t max_timers = 64;           // user timers (Context::set_timer)
    uint32_t event_queue_size = 1024;   // events between two next_event drains
    uint32_t max_dns_lookups = 8;       // host names resolved at once (0: no DNS client)
    uint32_t hosts_file_max = 16 * 1024;  // bytes of /etc/hosts kept for lookups
    // Where the DNS client looks: "ADDR" or "ADDR:PORT" (IPv6 as "[ADDR]:PORT") to use one
    // server instead of /etc/resolv.conf's; null: /etc/resolv.conf.
    const char* dns_server = nullptr;
    const char* resolv_conf_path = "/etc/resolv.conf";
    const char* hosts_path = "/etc/hosts";

    uint32_t connect_timeout_ms = 5000;
    uint32_t handshake_timeout_ms = 5000;
    uint32_t reconnect_min_ms = 100;    // dialers retry after this, doubling ...
    uint32_t reconnect_max_ms = 5000;   // ... up to this

    uint32_t listen_backlog = 511;
    PollerKind poller = PollerKind::Auto;  // Auto: epoll on Linux, poll() elsewhere

    TlsConfig tls{};
    SocketyConfig sockety{};

    Allocator allocator{};  // default: operator new / delete, once
    LogHook log{};
};

} // namespace tickwire
