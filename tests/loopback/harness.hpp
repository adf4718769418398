// Helpers for loopback tests: pump a context until something happened or a time limit passed,
// keeping the events seen in a fixed log.
#pragma once
#include <cstdio>
#include <cstring>
#include <unistd.h>

#include "tests/framework/check.hpp"
#include "tickwire/tickwire.hpp"

namespace tw_test {

struct EventLog {
    static constexpr int kMax = 8192;
    tickwire::Event events[kMax];
    int count = 0;

    void add(const tickwire::Event& e) {
        if (count < kMax) events[count++] = e;
    }
    int count_of(tickwire::EventType t) const {
        int n = 0;
        for (int i = 0; i < count; ++i) n += events[i].type == t;
        return n;
    }
    int count_of(tickwire::EventType t, tickwire::Conn c) const {
        int n = 0;
        for (int i = 0; i < count; ++i) n += events[i].type == t && events[i].conn == c;
        return n;
    }
    const tickwire::Event* last(tickwire::EventType t) const {
        for (int i = count - 1; i >= 0; --i)
            if (events[i].type == t) return &events[i];
        return nullptr;
    }
    const tickwire::Event* last(tickwire::EventType t, tickwire::Conn c) const {
        for (int i = count - 1; i >= 0; --i)
            if (events[i].type == t && events[i].conn == c) return &events[i];
        return nullptr;
    }
    void clear() { count = 0; }
};

// Runs update(tick_ms) and drops the events until pred() is true or `max_ms` passed (for
// tests whose connections announce nothing, such as SP pipes). Returns pred()'s final value.
template <typename Pred>
bool run_until(tickwire::Context& ctx, int max_ms, Pred pred, int tick_ms = 1) {
    const int64_t end = ctx.now_us() + static_cast<int64_t>(max_ms) * 1000;
    for (;;) {
        if (ctx.update(tick_ms) != tickwire::Error::Ok) return false;
        tickwire::Event ev;
        while (ctx.next_event(ev)) {}
        if (pred()) return true;
        if (ctx.now_us() > end) return pred();
    }
}

// Runs update(1) and drains events into `log` until pred() is true or `max_ms` passed.
// Returns pred()'s final value. `on_event` (optional) sees each event as it is drained.
template <typename Pred, typename OnEvent>
bool pump(tickwire::Context& ctx, EventLog& log, int max_ms, Pred pred, OnEvent on_event) {
    const int64_t end = ctx.now_us() + static_cast<int64_t>(max_ms) * 1000;
    for (;;) {
        if (ctx.update(1) != tickwire::Error::Ok) return false;
        tickwire::Event ev;
        while (ctx.next_event(ev)) {
            log.add(ev);
            on_event(ev);
        }
        if (pred()) return true;
        if (ctx.now_us() > end) return pred();
    }
}

template <typename Pred>
bool pump(tickwire::Context& ctx, EventLog& log, int max_ms, Pred pred) {
    return pump(ctx, log, max_ms, pred, [](const tickwire::Event&) {});
}

// A unique ipc path / inproc name per test.
inline void unique_name(char* out, size_t cap, const char* scheme, const char* tag) {
    static int counter = 0;
    if (std::strcmp(scheme, "ipc") == 0)
        std::snprintf(out, cap, "ipc:///tmp/tickwire-test-%d-%s-%d.sock", static_cast<int>(getpid()), tag, ++counter);
    else
        std::snprintf(out, cap, "inproc://%s-%d", tag, ++counter);
}

// The URL a client dials for a listener made from `listen_url`.
inline void dial_url_for(tickwire::Context& ctx, tickwire::ListenerId l, const char* listen_url, char* out, size_t cap) {
    if (std::strncmp(listen_url, "tcp://", 6) == 0)
        std::snprintf(out, cap, "tcp://127.0.0.1:%u", ctx.listener_port(l));
    else
        std::snprintf(out, cap, "%s", listen_url);
}

// Deterministic payload byte for position i of stream `seed`.
inline uint8_t pattern(uint32_t seed, uint64_t i) {
    uint64_t x = (i + 1 + static_cast<uint64_t>(seed) * 0x100000001B3ull) * 0x9E3779B97F4A7C15ull;
    x ^= x >> 31;
    return static_cast<uint8_t>(x >> 24);
}

} // namespace tw_test
