// Memory: the one layout function that both measures (required_memory) and carves (init), and
// the start/stop of an engine.
#include <cstdint>
#include <cstring>
#include <new>

#include "core/engine.hpp"
#include "crypto/tls_heap.hpp"
#include "platform/clock.hpp"
#include "core/protocols.hpp"
#include "sockety/session.hpp"

namespace tickwire::detail {

namespace {
constexpr size_t kCacheLine = 64;

bool is_pow2(uint32_t v) noexcept { return v && (v & (v - 1)) == 0; }

uint32_t ready_batch(const Config& cfg) noexcept {
    const uint32_t tokens = cfg.max_connections + cfg.max_listeners;
    return tokens < 1024 ? tokens : 1024;
}

// mbedTLS's fixed heap, where the build has one (crypto/tls_heap.hpp) and TLS is configured.
size_t tls_heap_bytes(const Config& cfg) noexcept {
    if (cfg.tls.max_sessions == 0 || !tls_heap::fixed()) return 0;
    return cfg.tls.heap_bytes ? cfg.tls.heap_bytes : tls_heap::default_bytes(cfg.tls.max_sessions);
}

platform::PollerBackend backend_for(const Config& cfg) noexcept {
    switch (cfg.poller) {
    case PollerKind::Epoll: return platform::PollerBackend::Epoll;
    case PollerKind::Poll: return platform::PollerBackend::Poll;
    default: return platform::Poller::default_backend();
    }
}
} // namespace

static bool sockety_config_valid(const SocketyConfig& s) noexcept {
    if (s.max_sessions == 0) return true;
    return s.channels >= 1 && s.channels <= 4096 && s.send_channels >= 1 && s.send_channels <= 4096 &&
           s.max_in_flight >= 1 && s.max_in_flight <= (1u << 20) && s.max_action_size <= 65535 &&
           s.max_files <= (1u << 16) && s.max_names_size <= (1u << 24);
}

bool config_valid(const Config& cfg) noexcept {
    // Every count below 2^30, so that the sums of counts the engine makes (deadline records,
    // poller tokens) cannot wrap a uint32_t.
    constexpr uint32_t kMaxCount = 1u << 30;
    if (cfg.max_listeners >= kMaxCount || cfg.max_dialers >= kMaxCount || cfg.max_timers >= kMaxCount ||
        cfg.event_queue_size >= kMaxCount || cfg.ring_block_count >= kMaxCount || cfg.message_slots >= kMaxCount ||
        cfg.max_dns_lookups >= kMaxCount || cfg.tls.max_sessions >= kMaxCount)
        return false;
    return sockety_config_valid(cfg.sockety) && cfg.max_connections > 0 && cfg.max_connections < kMaxCount && is_pow2(cfg.ring_block_size) &&
           cfg.ring_block_size >= 256 && cfg.ring_block_count > 0 && cfg.event_queue_size >= 16 &&
           cfg.message_slot_size >= 64 && cfg.reconnect_min_ms > 0 &&
           cfg.reconnect_max_ms >= cfg.reconnect_min_ms &&
           cfg.tls.heap_bytes <= SIZE_MAX / 4;  // the layout's sum cannot wrap
}

// Lays the engine's tables out in [base, base+size). With base == nullptr it only measures.
// With `e` set, it also points e's tables at their places.
size_t Engine::layout(const Config& cfg, void* base, size_t size, Engine* e) noexcept {
    Arena a(base, size);
    (void)a.take<Engine>(1, kCacheLine);
    const uint32_t records = cfg.max_timers + cfg.max_connections + cfg.max_dialers + cfg.max_listeners;
    const uint32_t tokens = cfg.max_connections + cfg.max_listeners + 2;  // + the DNS sockets
    auto* conns = a.take<ConnSlot>(cfg.max_connections, kCacheLine);
    auto* conn_free = a.take<uint32_t>(cfg.max_connections);
    auto* work = a.take<uint32_t>(cfg.max_connections);
    auto* graveyard = a.take<uint32_t>(cfg.max_connections);
    auto* waiters = a.take<uint32_t>(cfg.max_connections);
    auto* listeners = a.take<ListenerSlot>(cfg.max_listeners);
    auto* dialers = a.take<DialerSlot>(cfg.max_dialers);
    auto* timers = a.take<UserTimer>(cfg.max_timers);
    auto* deadlines = a.take<int64_t>(records);
    auto* positions = a.take<uint32_t>(records);
    auto* heap = a.take<uint32_t>(records);
    auto* events = a.take<Event>(cfg.event_queue_size);
    auto* ready = a.take<platform::Readiness>(ready_batch(cfg));
    void* poller_mem = a.take_bytes(platform::Poller::memory_needed(backend_for(cfg), tokens), kCacheLine);
    auto* block_free = a.take<uint32_t>(cfg.ring_block_count);
    auto* msg_free = a.take<uint32_t>(cfg.message_slots);
    auto* msg_gens = a.take<uint32_t>(cfg.message_slots);
    auto* deferred = a.take<uint64_t>(cfg.message_slots);
    auto* blocks = a.take<uint8_t>(uint64_t{cfg.ring_block_count} * cfg.ring_block_size, kCacheLine);
    auto* slots = a.take<uint8_t>(uint64_t{cfg.message_slots} * cfg.message_slot_size, kCacheLine);
    auto* dns_slots = a.take<dns::DnsLookupSlot>(cfg.max_dns_lookups);
    auto* tls_sessions = a.take<TlsSession>(cfg.tls.max_sessions, kCacheLine);
    auto* tls_free = a.take<uint32_t>(cfg.tls.max_sessions);
    auto* hosts_text = a.take<char>(cfg.max_dns_lookups ? cfg.hosts_file_max : 0);
    auto* mbedtls_heap = a.take<uint8_t>(tls_heap_bytes(cfg), 16);
    const uint32_t sk_count = kWithSockety ? cfg.sockety.max_sessions : 0;  // none when compiled out
    const size_t sk_stride = sk_count ? sockety_session_bytes(cfg.sockety) : 0;
    auto* sk_sessions = a.take<SocketySession>(sk_count, kCacheLine);
    auto* sk_free = a.take<uint32_t>(sk_count);
    auto* sk_tables = a.take<uint8_t>(sk_count * sk_stride, kCacheLine);
    const uint32_t uuid_bytes = sk_count ? 4096 : 0;
    auto* uuid_cache = a.take<uint8_t>(uuid_bytes);
    if (e && base && !a.overflowed()) {
        e->conns = conns;
        e->conn_free = conn_free;
        e->work.init(work, cfg.max_connections);
        e->graveyard = graveyard;
        e->block_waiters.init(waiters, cfg.max_connections);
        e->listeners = listeners;
        e->dialers = dialers;
        e->max_dialers = cfg.max_dialers;
        e->timers = timers;
        e->deadlines.init(deadlines, positions, heap, records);
        e->events.init(events, cfg.event_queue_size);
        e->ready = ready;
        e->ready_capacity = ready_batch(cfg);
        e->blocks.init(blocks, block_free, cfg.ring_block_size, cfg.ring_block_count);
        // An eighth of the pool (at least one block from four on) stays for sending.
        const uint32_t eighth = cfg.ring_block_count / 8;
        e->blocks.set_read_reserve(cfg.ring_block_count < 4 ? 0 : eighth > 0 ? eighth : 1);
        e->messages.init(slots, msg_free, msg_gens, cfg.message_slot_size, cfg.message_slots);
        e->deferred_slots.init(deferred, cfg.message_slots);
        e->tls_sessions = tls_sessions;
        e->tls_free = tls_free;
        e->tls_heap = tls_heap_bytes(cfg) ? mbedtls_heap : nullptr;
        e->tls_heap_size = tls_heap_bytes(cfg);
        for (uint32_t i = 0; i < cfg.tls.max_sessions; ++i) new (&tls_sessions[i]) TlsSession();
        e->sockety = sk_sessions;
        e->sockety_free = sk_free;
        e->sockety_free_count = sk_count;
        e->uuid_cache = uuid_cache;
        e->uuid_cache_size = uuid_bytes;
        e->uuid_used = uuid_bytes;
        for (uint32_t i = 0; i < sk_count; ++i) {
            new (&sk_sessions[i]) SocketySession();
            sockety_session_layout(cfg.sockety, sk_tables + i * sk_stride, sk_sessions[i]);
            sk_free[i] = sk_count - 1 - i;
        }
        e->dns.slots = dns_slots;
        e->dns.hosts_text = hosts_text;
        for (uint32_t i = 0; i < cfg.max_dns_lookups; ++i) new (&dns_slots[i]) dns::DnsLookupSlot();
        for (uint32_t i = 0; i < cfg.max_connections; ++i) {
            new (&conns[i]) ConnSlot();
            conn_free[i] = cfg.max_connections - 1 - i;
        }
        e->conn_free_count = cfg.max_connections;
        for (uint32_t i = 0; i < cfg.max_listeners; ++i) new (&listeners[i]) ListenerSlot();
        for (uint32_t i = 0; i < cfg.max_dialers; ++i) new (&dialers[i]) DialerSlot();
        for (uint32_t i = 0; i < cfg.max_timers; ++i) new (&timers[i]) UserTimer();
        for (uint32_t i = 0; i < cfg.event_queue_size; ++i) new (&events[i]) Event();
        if (e->poller.init(backend_for(cfg), tokens, poller_mem) != Error::Ok) return 0;
    }
    (void)a.take_bytes(kCacheLine, 1);  // alignment slack for a buffer that is not 64-aligned
    return a.too_big() ? 0 : a.used();  // 0: more than this CPU's size_t can address
}

Error Engine::start() noexcept {
    now_us = platform::monotonic_us();
    stats.memory_bytes = memory_size;
    // mbedTLS's heap first: Random and TLS below already allocate through mbedTLS.
    if (tls_heap && !tls_heap::acquire(tls_heap, tls_heap_size, this)) {
        log(LogLevel::Error, "TLS: mbedTLS's fixed heap is held by another Context (one per process)");
        return Error::TlsError;
    }
    if (!random.init()) {
        // mbedTLS 3.x sets up PSA here, in mbedTLS's heap: a fixed heap too small is a TLS error.
        if (random.crypto_unavailable()) {
            log(LogLevel::Error, "TLS: mbedTLS's crypto could not start (Config::tls.heap_bytes too small?)");
            return Error::TlsError;
        }
        return Error::SystemError;  // no entropy: no masks, no DNS ids
    }
    const Error t = tls_init();
    if (t != Error::Ok) return t;
    dns_init();
    return Error::Ok;
}

void Engine::stop() noexcept {
    for (uint32_t i = 0; i < config.max_connections; ++i) {
        ConnSlot& c = conns[i];
        if (c.fd != platform::kInvalidSocket) platform::close_socket(c.fd);
        c.fd = platform::kInvalidSocket;
    }
    for (uint32_t i = 0; i < config.max_listeners; ++i) {
        ListenerSlot& l = listeners[i];
        if (!l.in_use) continue;
        if (l.fd != platform::kInvalidSocket) platform::close_socket(l.fd);
        if (l.transport == Transport::Ipc) platform::unlink_path(l.name);
        l.in_use = false;
    }
    dns_shutdown();
    for (uint32_t i = 0; i < config.tls.max_sessions; ++i) tls_sessions[i].~TlsSession();
    tls_credentials.reset();
    tls_heap::release(this);  // after everything of ours that mbedTLS allocated is freed
    poller.destroy();
}

} // namespace tickwire::detail
