// tickwire::Context: the public face of the engine. Validates, then forwards.
#include <cstring>
#include <new>

#include "core/engine.hpp"
#include "platform/clock.hpp"

namespace tickwire {

namespace detail {
bool config_valid(const Config& cfg) noexcept;
} // namespace detail

namespace {
constexpr size_t kAlign = 64;

void* default_allocate(size_t bytes, size_t alignment, void*) {
    return ::operator new(bytes, std::align_val_t(alignment), std::nothrow);
}
void default_deallocate(void* p, size_t, size_t alignment, void*) {
    ::operator delete(p, std::align_val_t(alignment));
}

Error start_engine(detail::Engine*& out, const Config& cfg, void* buffer, size_t size, bool owned) noexcept {
    auto base = reinterpret_cast<uintptr_t>(buffer);
    const uintptr_t aligned = (base + kAlign - 1) & ~static_cast<uintptr_t>(kAlign - 1);
    size -= static_cast<size_t>(aligned - base);
    void* mem = reinterpret_cast<void*>(aligned);
    std::memset(mem, 0, sizeof(detail::Engine));
    auto* e = new (mem) detail::Engine();
    e->config = cfg;
    e->memory = buffer;
    e->memory_size = size;
    e->owns_memory = owned;
    if (detail::Engine::layout(cfg, mem, size, e) == 0) {
        e->~Engine();
        return Error::SystemError;
    }
    Error err = e->start();
    if (err != Error::Ok) {
        e->stop();
        e->~Engine();
        return err;
    }
    out = e;
    return Error::Ok;
}
} // namespace

size_t Context::required_memory(const Config& config) noexcept {
    if (!detail::config_valid(config)) return 0;
    return detail::Engine::layout(config, nullptr, 0, nullptr);
}

Context::~Context() { shutdown(); }

Error Context::init(const Config& config) noexcept {
    if (engine_) return Error::AlreadyInitialized;
    const size_t need = required_memory(config);
    if (need == 0) return Error::InvalidArgument;
    Allocator a = config.allocator;
    if (!a.allocate || !a.deallocate) {
        a.allocate = default_allocate;
        a.deallocate = default_deallocate;
        a.user = nullptr;
    }
    void* mem = a.allocate(need, kAlign, a.user);
    if (!mem) return Error::OutOfMemory;
    Config cfg = config;
    cfg.allocator = a;
    Error e = start_engine(engine_, cfg, mem, need, true);
    if (e != Error::Ok) a.deallocate(mem, need, kAlign, a.user);
    return e;
}

Error Context::init(const Config& config, void* buffer, size_t size) noexcept {
    if (engine_) return Error::AlreadyInitialized;
    const size_t need = required_memory(config);
    if (need == 0 || !buffer) return Error::InvalidArgument;
    if (size < need) return Error::BufferTooSmall;
    return start_engine(engine_, config, buffer, size, false);
}

void Context::shutdown() noexcept {
    if (!engine_ || engine_->in_update) return;  // from a callback inside update(): not now
    detail::Engine* e = engine_;
    engine_ = nullptr;
    e->stop();
    const bool owned = e->owns_memory;
    void* mem = e->memory;
    const Allocator a = e->config.allocator;
    const size_t need = detail::Engine::layout(e->config, nullptr, 0, nullptr);
    e->~Engine();
    if (owned) a.deallocate(mem, need, kAlign, a.user);
}

Error Context::update(int timeout_ms) noexcept {
    if (!engine_) return Error::NotInitialized;
    return engine_->update(timeout_ms, nullptr);
}

Error Context::update(int timeout_ms, const Callbacks& cb) noexcept {
    if (!engine_) return Error::NotInitialized;
    return engine_->update(timeout_ms, &cb);
}

bool Context::next_event(Event& out) noexcept {
    return engine_ && engine_->events.pop(out);
}

void Context::dispatch(const Callbacks& cb) noexcept {
    if (engine_) detail::dispatch_events(*engine_, cb);
}

Result<ListenerId> Context::listen(const char* url, const ListenOptions& opts) noexcept {
    if (!engine_) return Error::NotInitialized;
    return engine_->listen(url, opts);
}

Error Context::close_listener(ListenerId l) noexcept {
    if (!engine_) return Error::NotInitialized;
    return engine_->close_listener(l);
}

uint16_t Context::listener_port(ListenerId l) const noexcept {
    if (!engine_) return 0;
    const uint32_t i = detail::handle_index(l.value);
    if (i >= engine_->config.max_listeners) return 0;
    const detail::ListenerSlot& s = engine_->listeners[i];
    return s.in_use && s.gen == detail::handle_gen(l.value) ? s.port : 0;
}

Result<Conn> Context::dial(const char* url, const DialOptions& opts) noexcept {
    if (!engine_) return Error::NotInitialized;
    return engine_->dial(url, opts);
}

Result<TimerId> Context::set_timer(uint32_t delay_ms, uint64_t user, uint32_t repeat_ms) noexcept {
    if (!engine_) return Error::NotInitialized;
    detail::Engine& e = *engine_;
    for (uint32_t i = 0; i < e.config.max_timers; ++i) {
        detail::UserTimer& t = e.timers[i];
        if (t.in_use) continue;
        t.in_use = true;
        t.user = user;
        t.repeat_ms = repeat_ms;
        ++e.stats.timers_in_use;
        const int64_t now = e.in_update ? e.now_us : platform::monotonic_us();
        e.deadlines.arm(i, now + static_cast<int64_t>(delay_ms) * 1000);
        return TimerId{detail::make_handle(i, t.gen)};
    }
    return Error::NoTimerSlot;
}

Error Context::cancel_timer(TimerId id) noexcept {
    if (!engine_) return Error::NotInitialized;
    detail::Engine& e = *engine_;
    const uint32_t i = detail::handle_index(id.value);
    if (i >= e.config.max_timers) return Error::InvalidHandle;
    detail::UserTimer& t = e.timers[i];
    if (!t.in_use || t.gen != detail::handle_gen(id.value)) return Error::InvalidHandle;
    e.deadlines.cancel(i);
    t.in_use = false;
    t.gen = detail::next_gen(t.gen);
    --e.stats.timers_in_use;
    return Error::Ok;
}

size_t Context::broadcast(const Conn* conns, size_t count, DataKind kind, const void* data, size_t size) noexcept {
    return engine_ ? engine_->broadcast(conns, count, kind, data, size) : 0;
}

Stats Context::stats() const noexcept {
    if (!engine_) return Stats{};
    Stats s = engine_->stats;
    s.connections_open = engine_->conns_open;
    s.ring_blocks_in_use = engine_->blocks.in_use();
    s.ring_blocks_high_water = engine_->blocks.high_water();
    s.message_slots_in_use = engine_->messages.in_use();
    s.message_slots_high_water = engine_->messages.high_water();
    s.message_slot_misses = engine_->messages.misses();
    return s;
}

int64_t Context::now_us() const noexcept { return platform::monotonic_us(); }

} // namespace tickwire
