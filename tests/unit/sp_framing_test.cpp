// SP tcp / ipc framing: golden frames from shared/sp/WIRE.md §3, §4 and partial feeds.
#include "tests/framework/check.hpp"

#include <cstring>
#include <string>
#include <vector>

#include "sp/framing.hpp"

using namespace tickwire::detail::sp;

namespace {

// The captured nanomsg REQ -> REP request over tcp: length 8, id be114b21, "ping".
const uint8_t kTcpPing[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08,
                            0xbe, 0x11, 0x4b, 0x21, 0x70, 0x69, 0x6e, 0x67};
// The captured request over ipc: type 01, length 8, id bd046cdc, "ping".
const uint8_t kIpcPing[] = {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x08,
                            0xbd, 0x04, 0x6c, 0xdc, 0x70, 0x69, 0x6e, 0x67};

// Collects what a decoder reports, checking the event grammar on the way.
struct Collector {
    std::vector<std::string> messages;
    std::vector<uint64_t> announced;
    std::string current;
    bool in_message = false;
    bool grammar_ok = true;
    FrameError error = FrameError::None;
    size_t chunks = 0;

    // Feeds one span; returns false once the decoder reports an error.
    bool feed(FrameDecoder& dec, const uint8_t* p, size_t n) {
        for (;;) {
            FrameEvent ev = dec.next(p, n);
            if (ev.consumed > n) { grammar_ok = false; return false; }
            p += ev.consumed;
            n -= ev.consumed;
            switch (ev.kind) {
            case FrameEventKind::NeedMore:
                if (n != 0) grammar_ok = false;
                return true;
            case FrameEventKind::Error:
                error = ev.error;
                return false;
            case FrameEventKind::MessageStart:
                if (in_message) grammar_ok = false;
                in_message = true;
                announced.push_back(ev.length);
                current.clear();
                break;
            case FrameEventKind::BodyChunk:
                if (!in_message || ev.size == 0 || ev.consumed != ev.size) grammar_ok = false;
                current.append(reinterpret_cast<const char*>(ev.data), ev.size);
                ++chunks;
                break;
            case FrameEventKind::MessageEnd:
                if (!in_message || ev.consumed != 0) grammar_ok = false;
                in_message = false;
                messages.push_back(current);
                break;
            }
        }
    }
};

std::vector<uint8_t> frame(Framing f, const std::string& body) {
    std::vector<uint8_t> out(prefix_size(f));
    CHECK_EQ(encode_prefix(f, body.size(), out.data()), prefix_size(f));
    out.insert(out.end(), body.begin(), body.end());
    return out;
}

} // namespace

TW_TEST(sp_framing_encode_golden) {
    uint8_t out[kMaxPrefixSize];
    CHECK_EQ(encode_prefix(Framing::Tcp, 8, out), 8u);
    CHECK(std::memcmp(out, kTcpPing, 8) == 0);
    CHECK_EQ(encode_prefix(Framing::Ipc, 8, out), 9u);
    CHECK(std::memcmp(out, kIpcPing, 9) == 0);
    // 70000-byte PUSH (nn-bigmsg-tcp): 00 00 00 00 00 01 11 70.
    const uint8_t big[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x11, 0x70};
    encode_prefix(Framing::Tcp, 70000, out);
    CHECK(std::memcmp(out, big, 8) == 0);
    // nanomsg push -> NNG pull over ipc: 01 | length 17.
    const uint8_t ipc17[] = {0x01, 0, 0, 0, 0, 0, 0, 0, 0x11};
    encode_prefix(Framing::Ipc, 17, out);
    CHECK(std::memcmp(out, ipc17, 9) == 0);
    encode_prefix(Framing::Tcp, 0x0102030405060708ull, out);
    const uint8_t order[] = {1, 2, 3, 4, 5, 6, 7, 8};
    CHECK(std::memcmp(out, order, 8) == 0);
}

TW_TEST(sp_framing_tcp_golden_ping) {
    FrameDecoder dec(Framing::Tcp);
    FrameEvent ev = dec.next(kTcpPing, sizeof kTcpPing);
    REQUIRE(ev.kind == FrameEventKind::MessageStart);
    CHECK_EQ(ev.consumed, 8u);
    CHECK_EQ(ev.length, 8u);
    ev = dec.next(kTcpPing + 8, 8);
    REQUIRE(ev.kind == FrameEventKind::BodyChunk);
    CHECK(ev.data == kTcpPing + 8); // a view into the input, not a copy
    CHECK_EQ(ev.size, 8u);
    CHECK_EQ(ev.consumed, 8u);
    CHECK_EQ(dec.remaining(), 0u);
    ev = dec.next(nullptr, 0); // the end needs no input
    CHECK(ev.kind == FrameEventKind::MessageEnd);
    CHECK(dec.at_boundary());
    ev = dec.next(nullptr, 0);
    CHECK(ev.kind == FrameEventKind::NeedMore);
}

TW_TEST(sp_framing_ipc_golden_ping) {
    Collector c;
    FrameDecoder dec(Framing::Ipc);
    CHECK(c.feed(dec, kIpcPing, sizeof kIpcPing));
    CHECK(c.grammar_ok);
    REQUIRE_EQ(c.messages.size(), 1u);
    CHECK(c.messages[0] == std::string("\xbd\x04\x6c\xdcping", 8));
}

TW_TEST(sp_framing_byte_by_byte) {
    for (Framing f : {Framing::Tcp, Framing::Ipc}) {
        const uint8_t* wire = f == Framing::Tcp ? kTcpPing : kIpcPing;
        const size_t n = f == Framing::Tcp ? sizeof kTcpPing : sizeof kIpcPing;
        Collector c;
        FrameDecoder dec(f);
        for (size_t i = 0; i < n; ++i) {
            CHECK(c.feed(dec, wire + i, 1));
            if (i + 1 < n) CHECK(c.messages.empty());
        }
        CHECK(c.grammar_ok);
        REQUIRE_EQ(c.messages.size(), 1u);
        CHECK_EQ(c.messages[0].size(), 8u);
        CHECK(std::memcmp(c.messages[0].data(), wire + prefix_size(f), 8) == 0);
        CHECK_EQ(c.chunks, 8u); // one chunk per byte fed: nothing was buffered
    }
}

TW_TEST(sp_framing_two_messages_in_one_feed) {
    // Probe: two messages in one write were accepted by both libraries.
    for (Framing f : {Framing::Tcp, Framing::Ipc}) {
        std::vector<uint8_t> wire = frame(f, "first");
        std::vector<uint8_t> second = frame(f, "the second one");
        wire.insert(wire.end(), second.begin(), second.end());
        Collector c;
        FrameDecoder dec(f);
        CHECK(c.feed(dec, wire.data(), wire.size()));
        CHECK(c.grammar_ok);
        REQUIRE_EQ(c.messages.size(), 2u);
        CHECK(c.messages[0] == "first");
        CHECK(c.messages[1] == "the second one");
        CHECK_EQ(c.announced[1], 14u);
    }
}

TW_TEST(sp_framing_zero_length_messages) {
    // Probe: a zero-length message is delivered as an empty message by both.
    for (Framing f : {Framing::Tcp, Framing::Ipc}) {
        std::vector<uint8_t> wire = frame(f, "");
        std::vector<uint8_t> more = frame(f, "");
        wire.insert(wire.end(), more.begin(), more.end());
        more = frame(f, "x");
        wire.insert(wire.end(), more.begin(), more.end());
        Collector c;
        FrameDecoder dec(f);
        CHECK(c.feed(dec, wire.data(), wire.size()));
        CHECK(c.grammar_ok);
        REQUIRE_EQ(c.messages.size(), 3u);
        CHECK(c.messages[0].empty());
        CHECK(c.messages[1].empty());
        CHECK(c.messages[2] == "x");
        CHECK_EQ(c.chunks, 1u); // an empty message has no BodyChunk at all
    }
}

TW_TEST(sp_framing_ring_buffer_two_spans) {
    // A ring whose wrap falls inside the prefix, then inside the body: two spans each time.
    std::vector<uint8_t> wire = frame(Framing::Ipc, "wrapped around the ring");
    for (size_t cut = 0; cut <= wire.size(); ++cut) {
        Collector c;
        FrameDecoder dec(Framing::Ipc);
        CHECK(c.feed(dec, wire.data(), cut));
        CHECK(c.feed(dec, wire.data() + cut, wire.size() - cut));
        CHECK(c.grammar_ok);
        REQUIRE_EQ(c.messages.size(), 1u);
        CHECK(c.messages[0] == "wrapped around the ring");
    }
}

TW_TEST(sp_framing_too_large_as_soon_as_length_seen) {
    // Probe: a length > 1 MiB announced -> nanomsg closes at once, without waiting for data.
    uint8_t pfx[kMaxPrefixSize];
    encode_prefix(Framing::Tcp, kDefaultMaxMessageSize + 1, pfx);
    FrameDecoder dec(Framing::Tcp);
    FrameEvent ev = dec.next(pfx, 7);
    CHECK(ev.kind == FrameEventKind::NeedMore);
    ev = dec.next(pfx + 7, 1);
    CHECK(ev.kind == FrameEventKind::Error);
    CHECK(ev.error == FrameError::TooLarge);
    CHECK_EQ(ev.consumed, 1u);
    CHECK(dec.error() == FrameError::TooLarge);
    // Sticky: further input is not looked at.
    ev = dec.next(kTcpPing, sizeof kTcpPing);
    CHECK(ev.kind == FrameEventKind::Error);
    CHECK_EQ(ev.consumed, 0u);
    // Exactly the limit is fine (nanomsg delivers 1048576, not 1048577).
    FrameDecoder ok(Framing::Tcp);
    encode_prefix(Framing::Tcp, kDefaultMaxMessageSize, pfx);
    ev = ok.next(pfx, 8);
    CHECK(ev.kind == FrameEventKind::MessageStart);
    CHECK_EQ(ev.length, kDefaultMaxMessageSize);
    CHECK_EQ(ok.remaining(), kDefaultMaxMessageSize);
}

TW_TEST(sp_framing_huge_lengths_and_limits) {
    uint8_t pfx[kMaxPrefixSize];
    encode_prefix(Framing::Ipc, ~0ull, pfx);
    FrameDecoder dec(Framing::Ipc, 16);
    FrameEvent ev = dec.next(pfx, 9);
    CHECK(ev.kind == FrameEventKind::Error);
    CHECK(ev.error == FrameError::TooLarge);
    // A "no limit" decoder takes any length and just streams the body.
    FrameDecoder any(Framing::Ipc, ~0ull);
    ev = any.next(pfx, 9);
    CHECK(ev.kind == FrameEventKind::MessageStart);
    CHECK_EQ(ev.length, ~0ull);
    const uint8_t body[3] = {1, 2, 3};
    ev = any.next(body, 3);
    CHECK(ev.kind == FrameEventKind::BodyChunk);
    CHECK_EQ(ev.size, 3u);
    CHECK_EQ(any.remaining(), ~0ull - 3);
    // Limit 0 allows only empty messages.
    FrameDecoder zero(Framing::Tcp, 0);
    encode_prefix(Framing::Tcp, 0, pfx);
    CHECK(zero.next(pfx, 8).kind == FrameEventKind::MessageStart);
    CHECK(zero.next(nullptr, 0).kind == FrameEventKind::MessageEnd);
    encode_prefix(Framing::Tcp, 1, pfx);
    CHECK(zero.next(pfx, 8).kind == FrameEventKind::Error);
}

TW_TEST(sp_framing_ipc_bad_type) {
    // Probe: type 02 | len 3 | abc. nanomsg aborts, NNG resets; we report, on the first byte.
    const uint8_t bad[] = {0x02, 0, 0, 0, 0, 0, 0, 0, 3, 'a', 'b', 'c'};
    FrameDecoder dec(Framing::Ipc);
    FrameEvent ev = dec.next(bad, sizeof bad);
    CHECK(ev.kind == FrameEventKind::Error);
    CHECK(ev.error == FrameError::BadIpcType);
    CHECK_EQ(ev.consumed, 1u);
    // Also after a good message, and for type 0.
    std::vector<uint8_t> wire = frame(Framing::Ipc, "ok");
    wire.push_back(0x00);
    Collector c;
    FrameDecoder dec2(Framing::Ipc);
    CHECK(!c.feed(dec2, wire.data(), wire.size()));
    CHECK(c.error == FrameError::BadIpcType);
    REQUIRE_EQ(c.messages.size(), 1u);
    CHECK(c.messages[0] == "ok");
    // The same bytes are a fine tcp frame prefix start: 0x01 is just a length byte there.
    FrameDecoder tcp(Framing::Tcp, ~0ull);
    FrameEvent t = tcp.next(bad, 8);
    CHECK(t.kind == FrameEventKind::MessageStart);
    CHECK_EQ(t.length, 0x0200000000000000ull);
}

TW_TEST(sp_framing_boundary_and_reset) {
    FrameDecoder dec(Framing::Tcp);
    CHECK(dec.at_boundary());
    CHECK(dec.next(kTcpPing, 3).kind == FrameEventKind::NeedMore);
    CHECK(!dec.at_boundary()); // a close now would cut a prefix
    dec.reset();
    CHECK(dec.at_boundary());
    Collector c;
    CHECK(c.feed(dec, kTcpPing, sizeof kTcpPing));
    REQUIRE_EQ(c.messages.size(), 1u);
    CHECK(dec.at_boundary());
    // Reset also clears a sticky error.
    const uint8_t bad = 0x07;
    FrameDecoder ipc(Framing::Ipc);
    CHECK(ipc.next(&bad, 1).kind == FrameEventKind::Error);
    ipc.reset();
    CHECK(ipc.error() == FrameError::None);
    Collector c2;
    CHECK(c2.feed(ipc, kIpcPing, sizeof kIpcPing));
    CHECK_EQ(c2.messages.size(), 1u);
}

TW_TEST(sp_framing_state_is_tiny) {
    CHECK(sizeof(FrameDecoder) <= 32);
    const FrameError all[] = {FrameError::None, FrameError::TooLarge, FrameError::BadIpcType};
    for (FrameError a : all)
        for (FrameError b : all)
            if (a != b) CHECK(std::strcmp(to_string(a), to_string(b)) != 0);
}
