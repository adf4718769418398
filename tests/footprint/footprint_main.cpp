// The smallest program that uses every protocol compiled into this build, on the device profile:
// tests/footprint/size_table.sh measures it (the linked .text, after --gc-sections, is what a
// device would carry) and runs it as a check that a build with only some protocols works:
//   - the context fits in a static buffer of kDeviceProfileBudget (no heap),
//   - TCP over loopback: bytes from client to server,
//   - WebSocket: a text message client -> server; without it, ws:// answers UnsupportedScheme,
//   - SP: PAIR sockets over tcp, one message,
//   - Sockety: a Message packet encoded and decoded back.
// Prints "footprint (<protocols>): N passed, M failed"; exit status 1 on any failure.
#include <cstdio>
#include <cstring>

#include "core/protocols.hpp"
#include "tickwire/device_profile.hpp"
#include "tickwire/tickwire.hpp"
#if TICKWIRE_WITH_SP
#include "tickwire/sp.hpp"
#endif
#if TICKWIRE_WITH_SOCKETY
#include "sockety/packet_decoder.hpp"
#include "sockety/packet_encoder.hpp"
#endif

using namespace tickwire;

namespace {
int g_passed = 0, g_failed = 0;

void check(bool ok, const char* what) {
    if (ok) ++g_passed;
    else ++g_failed;
    std::printf("  %s %s\n", ok ? "ok  " : "FAIL", what);
}

alignas(64) unsigned char g_arena[kDeviceProfileBudget];

// Runs updates until `done` or about 2 s.
template <typename F>
bool pump(Context& ctx, F done) {
    for (int i = 0; i < 2000; ++i) {
        if (done()) return true;
        if (ctx.update(1) != Error::Ok) return false;
    }
    return done();
}

// Reads one whole message from `c` into `out` (NUL-terminated) if there is one.
bool take(Conn c, char* out, size_t cap) {
    ReadView v;
    if (c.try_read(v) != Read::Message) return false;
    const size_t n = v.size < cap - 1 ? v.size : cap - 1;
    std::memcpy(out, v.data, n);
    out[n] = 0;
    v.release();
    return true;
}

// The last Accepted and Connected connections seen.
struct Seen {
    Conn accepted{}, connected{};
};
void drain(Context& ctx, Seen& s) {
    Event ev;
    while (ctx.next_event(ev)) {
        if (ev.type == EventType::Accepted) s.accepted = ev.conn;
        if (ev.type == EventType::Connected) s.connected = ev.conn;
    }
}

void tcp_bytes(Context& ctx) {
    auto l = ctx.listen("tcp://127.0.0.1:0");
    check(l.error == Error::Ok, "tcp listen");
    if (l.error != Error::Ok) return;
    char url[64];
    std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", ctx.listener_port(l.value));
    auto d = ctx.dial(url);
    check(d.error == Error::Ok, "tcp dial");
    if (d.error != Error::Ok) return;
    Seen s;
    pump(ctx, [&] { drain(ctx, s); return s.accepted.valid() && s.connected.valid(); });
    check(s.accepted.valid() && s.connected.valid(), "tcp connected");
    char got[64] = {};
    const bool sent = d.value.send("ping", 4) == Error::Ok;
    pump(ctx, [&] { drain(ctx, s); return take(s.accepted, got, sizeof got); });
    check(sent && std::strcmp(got, "ping") == 0, "tcp: server got the client's bytes");
    (void)d.value.close();
    (void)ctx.close_listener(l.value);
}

void websocket(Context& ctx) {
    auto l = ctx.listen("ws://127.0.0.1:0/device");
#if TICKWIRE_WITH_WEBSOCKET
    check(l.error == Error::Ok, "ws listen");
    if (l.error != Error::Ok) return;
    char url[64];
    std::snprintf(url, sizeof url, "ws://127.0.0.1:%u/device", ctx.listener_port(l.value));
    auto d = ctx.dial(url);
    check(d.error == Error::Ok, "ws dial");
    if (d.error != Error::Ok) return;
    Seen s;
    pump(ctx, [&] { drain(ctx, s); return s.accepted.valid() && s.connected.valid(); });
    check(s.accepted.valid() && s.connected.valid(), "ws upgraded");
    char got[64] = {};
    const bool sent = d.value.send_text("hello device") == Error::Ok;
    pump(ctx, [&] { drain(ctx, s); return take(s.accepted, got, sizeof got); });
    check(sent && std::strcmp(got, "hello device") == 0, "ws: server got the text message");
    (void)d.value.close();
    (void)ctx.close_listener(l.value);
#else
    check(l.error == Error::UnsupportedScheme, "ws:// answers UnsupportedScheme (not compiled in)");
#endif
}

#if TICKWIRE_WITH_SP
void sp_pair(Context& ctx) {
    SpSocket a, b;
    check(a.open(ctx, SpPattern::Pair) == Error::Ok && b.open(ctx, SpPattern::Pair) == Error::Ok, "sp open");
    auto l = a.listen("tcp://127.0.0.1:0");
    check(l.error == Error::Ok, "sp listen");
    if (l.error != Error::Ok) return;
    char url[64];
    std::snprintf(url, sizeof url, "tcp://127.0.0.1:%u", ctx.listener_port(l.value));
    check(b.dial(url).error == Error::Ok, "sp dial");
    pump(ctx, [&] { Seen s; drain(ctx, s); return a.ready_pipes() == 1 && b.ready_pipes() == 1; });
    check(b.send("pair", 4) == Error::Ok, "sp send");
    SpMessage m;
    bool got = false;
    pump(ctx, [&] {
        Seen s;
        drain(ctx, s);
        if (a.try_read(m) != Read::Message) return false;
        got = m.size == 4 && std::memcmp(m.data, "pair", 4) == 0;
        m.release();
        return true;
    });
    check(got, "sp: PAIR message arrived");
    a.close();
    b.close();
}
#endif

#if TICKWIRE_WITH_SOCKETY
void sockety_codec() {
    namespace sockety = tickwire::detail::sockety;
    using sockety::ChannelState;
    using sockety::Decoded;
    using sockety::DecoderLimits;
    using sockety::MessageDesc;
    using sockety::PacketDecoder;
    MessageDesc m;
    m.id.bytes[0] = 0x42;
    m.action = reinterpret_cast<const uint8_t*>("ping");
    m.action_size = 4;
    uint8_t wire[64];
    const size_t n = sockety::encode_message(wire, sizeof wire, m);
    check(n > 0, "sockety: encode a Message");
    ChannelState channels[1];
    DecoderLimits limits;
    limits.channels = 1;
    PacketDecoder dec;
    check(dec.init(limits, channels, 1, false), "sockety: decoder init");
    bool started = false;
    size_t used = 0;
    while (used < n) {
        const Decoded d = dec.feed(wire + used, n - used);
        used += d.consumed;
        if (d.event.type == sockety::EventType::MessageStart) started = d.event.id.bytes[0] == 0x42;
        if (d.event.type == sockety::EventType::Error ||
            (d.consumed == 0 && d.event.type == sockety::EventType::NeedMore)) break;
    }
    check(started && used == n, "sockety: the Message decodes back");
}
#endif
} // namespace

int main() {
    char protocols[32] = "";
    if (TICKWIRE_WITH_WEBSOCKET) std::strcat(protocols, ",ws");
    if (TICKWIRE_WITH_SP) std::strcat(protocols, ",sp");
    if (TICKWIRE_WITH_SOCKETY) std::strcat(protocols, ",sockety");
    const Config cfg = device_profile();
    check(Context::required_memory(cfg) <= sizeof g_arena, "the device profile fits kDeviceProfileBudget");
    Context ctx;
    const Error e = ctx.init(cfg, g_arena, sizeof g_arena);
    check(e == Error::Ok, "init in a static buffer");
    if (e == Error::Ok) {
        tcp_bytes(ctx);
        websocket(ctx);
#if TICKWIRE_WITH_SP
        sp_pair(ctx);
#endif
    }
#if TICKWIRE_WITH_SOCKETY
    sockety_codec();
#endif
    std::printf("footprint (%s): %d passed, %d failed\n", *protocols ? protocols + 1 : "none", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
