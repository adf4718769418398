// Sockety encoder: the exact bytes sockety-js puts on the wire (WIRE.md captures), every width
// boundary of every size field, in-place headers, refusals, and encoder output read back by the
// decoder.
#include "tests/framework/check.hpp"

#include "sockety/packet_decoder.hpp"
#include "sockety/packet_encoder.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace tickwire::detail::sockety;
using Bytes = std::vector<uint8_t>;

Bytes hex(const char* s) {
    Bytes out;
    int hi = -1;
    for (; *s; ++s) {
        int v = -1;
        if (*s >= '0' && *s <= '9') v = *s - '0';
        else if (*s >= 'a' && *s <= 'f') v = *s - 'a' + 10;
        if (v < 0) continue;
        if (hi < 0) {
            hi = v;
        } else {
            out.push_back(static_cast<uint8_t>(hi << 4 | v));
            hi = -1;
        }
    }
    return out;
}

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

Bytes text(const char* s) { return Bytes(s, s + std::strlen(s)); }

Bytes raw(const Uuid& u) { return Bytes(u.bytes, u.bytes + 16); }

Uuid U(const char* t) {
    Uuid u;
    uuid_from_text(t, 36, u);
    return u;
}

const Uuid U1 = U("1b4e28ba-2fa1-41d2-883f-0016d3cca427");
const Uuid U2 = U("9f0c1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b");

std::string show(const Bytes& b) {
    std::string s;
    char h[4];
    for (size_t i = 0; i < b.size() && i < 64; ++i) {
        std::snprintf(h, sizeof h, "%02x ", b[i]);
        s += h;
    }
    if (b.size() > 64) s += "...";
    return s;
}

void check_bytes(const Bytes& got, const Bytes& want, const char* file, int line) {
    if (got == want) return;
    std::string detail = "got [" + show(got) + "] want [" + show(want) + "]";
    tw_test::fail(file, line, "encoded bytes", detail.c_str());
}
#define CHECK_BYTES(got, want) check_bytes((got), (want), __FILE__, __LINE__)

// Runs an encode function into a roomy buffer and returns exactly what it wrote.
template <typename F>
Bytes enc(F f, size_t cap = 1 << 20) {
    Bytes buf(cap);
    const size_t n = f(buf.data(), buf.size());
    buf.resize(n);
    return buf;
}

Bytes message(const MessageDesc& m) {
    return enc([&](uint8_t* o, size_t c) { return encode_message(o, c, m); });
}
Bytes response(const ResponseDesc& r) {
    return enc([&](uint8_t* o, size_t c) { return encode_response(o, c, r); });
}

MessageDesc msg(const char* action, uint64_t data_size = 0, bool expects = true, bool stream = false) {
    MessageDesc m;
    m.id = U1;
    m.action = reinterpret_cast<const uint8_t*>(action);
    m.action_size = std::strlen(action);
    m.data_size = data_size;
    m.expects_response = expects;
    m.has_stream = stream;
    return m;
}

FileDesc file(const char* name, uint64_t size) {
    FileDesc f;
    f.name = reinterpret_cast<const uint8_t*>(name);
    f.name_size = std::strlen(name);
    f.size = size;
    return f;
}

// Decodes a complete input (no connection header) and returns its events, stopping at an error.
std::vector<Event> decode_events(const Bytes& in) {
    std::vector<ChannelState> channels(kMaxChannels);
    PacketDecoder d;
    d.init(DecoderLimits(), channels.data(), channels.size(), false);
    std::vector<Event> out;
    size_t off = 0;
    for (;;) {
        const Decoded r = d.feed(in.data() + off, in.size() - off);
        off += r.consumed;
        if (r.event.type == EventType::NeedMore) break;
        out.push_back(r.event);
        if (r.event.type == EventType::Error) break;
    }
    return out;
}

const Event* find(const std::vector<Event>& events, EventType type, size_t nth = 0) {
    for (const Event& e : events)
        if (e.type == type && nth-- == 0) return &e;
    return nullptr;
}

} // namespace

// --- Captured bytes ----------------------------------------------------------------------------------

TW_TEST(sockety_encode_connection_header) {
    auto ch = [](uint32_t n) { return enc([n](uint8_t* o, size_t c) { return encode_connection_header(o, c, n); }); };
    CHECK_BYTES(ch(4096), hex("e3"));
    CHECK_BYTES(ch(16), hex("e1 10"));
    CHECK_BYTES(ch(300), hex("e2 2c 01"));
    CHECK_BYTES(ch(1), hex("e0"));
    CHECK_BYTES(ch(2), hex("e1 02"));
    CHECK_BYTES(ch(255), hex("e1 ff"));
    CHECK_BYTES(ch(256), hex("e2 00 01"));  // not sockety-js's `e1 00`
    CHECK_BYTES(ch(4095), hex("e2 ff 0f"));
    CHECK_EQ(connection_header_size(0), size_t{0});
    CHECK_EQ(connection_header_size(4097), size_t{0});
    uint8_t small[2];
    CHECK_EQ(encode_connection_header(small, 2, 300), size_t{0});
    CHECK_EQ(encode_connection_header(small, 2, 255), size_t{2});
}

TW_TEST(sockety_encode_captured_messages) {
    CHECK_BYTES(message(msg("accept")), cat({hex("21 18 00"), raw(U1), hex("06"), text("accept")}));
    CHECK_BYTES(message(msg("noop", 0, false)), cat({hex("20 16 00"), raw(U1), hex("04"), text("noop")}));
    CHECK_BYTES(message(msg("echo", 5)), cat({hex("21 17 40"), raw(U1), hex("04"), text("echo"), hex("05")}));
    CHECK_BYTES(message(msg("echo", 300)), cat({hex("21 18 80"), raw(U1), hex("04"), text("echo"), hex("2c 01")}));
    CHECK_BYTES(message(msg("echo", 70000)),
                cat({hex("21 1c c0"), raw(U1), hex("04"), text("echo"), hex("70 11 01 00 00 00")}));
    CHECK_BYTES(message(msg("stream", 0, true, true)), cat({hex("23 18 00"), raw(U1), hex("06"), text("stream")}));
    CHECK_BYTES(message(msg("stream", 0, false, true)), cat({hex("22 18 00"), raw(U1), hex("06"), text("stream")}));
    // The Data packets that follow them.
    const Bytes hello = text("hello");
    CHECK_BYTES(enc([&](uint8_t* o, size_t c) { return encode_payload_packet(o, c, PacketType::Data, hello.data(), hello.size()); }),
                hex("e0 05 68 65 6c 6c 6f"));
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_payload_header(o, c, PacketType::Data, 300); }), hex("e4 2c 01"));
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_payload_header(o, c, PacketType::Data, 70000); }), hex("e8 70 11 01"));
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_payload_header(o, c, PacketType::Data, 4194305); }),
                hex("e8 01 00 40"));
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_payload_header(o, c, PacketType::Data, 20971520); }),
                hex("ec 00 00 40 01"));
}

TW_TEST(sockety_encode_captured_files) {
    const FileDesc two[2] = {file("a.txt", 3), file("b.bin", 300)};
    MessageDesc m = msg("files");
    m.files = two;
    m.files_count = 2;
    CHECK_BYTES(message(m), cat({hex("21 2b 10"), raw(U1), hex("05"), text("files"), hex("02 2f 01"), hex("00 03 05"),
                                 text("a.txt"), hex("04 2c 01 05"), text("b.bin")}));
    const FileDesc big[1] = {file("big.bin", 1 << 20)};
    m.files = big;
    m.files_count = 1;
    CHECK_BYTES(message(m), cat({hex("21 27 14"), raw(U1), hex("05"), text("files"), hex("01 00 00 10 08 00 00 10 07"),
                                 text("big.bin")}));
    const FileDesc big17[1] = {file("big17.bin", 17u << 20)};
    m.files = big17;
    CHECK_BYTES(message(m), cat({hex("21 2d 18"), raw(U1), hex("05"), text("files"),
                                 hex("01 00 00 10 01 0c 00 00 10 01 00 00 09"), text("big17.bin")}));
    // File and File End packets of the captured transfer.
    const Bytes abc = text("abc");
    CHECK_BYTES(enc([&](uint8_t* o, size_t c) { return encode_payload_packet(o, c, PacketType::File, abc.data(), 3, 0); }),
                hex("c0 03 61 62 63"));
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_payload_header(o, c, PacketType::File, 300, 1); }), hex("c5 2c 01 01"));
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_file_end(o, c, 0); }), hex("d0"));
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_file_end(o, c, 1); }), hex("d1 01"));
    // sockety-js's 17 MiB File packet header (which its own reader cannot parse, WIRE.md §6).
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_payload_header(o, c, PacketType::File, 17u << 20, 0); }),
                hex("cc 00 00 10 01"));
    CHECK(kInteropMaxFilePacketContent < (17u << 20));
    CHECK_EQ(payload_header_size(PacketType::File, kInteropMaxFilePacketContent, 0), size_t{4});
}

TW_TEST(sockety_encode_captured_responses) {
    ResponseDesc r;
    r.parent_id = U1;
    r.id = U2;
    r.data_size = 4;
    CHECK_BYTES(response(r), cat({hex("51 22 40"), raw(U1), raw(U2), hex("04")}));
    r.data_size = 70000;
    CHECK_BYTES(response(r), cat({hex("51 27 c0"), raw(U1), raw(U2), hex("70 11 01 00 00 00")}));
    r.data_size = 0;
    CHECK_BYTES(response(r), cat({hex("51 21 00"), raw(U1), raw(U2)}));
    r.has_stream = true;
    CHECK_BYTES(response(r), cat({hex("53 21 00"), raw(U1), raw(U2)}));
    r.has_stream = false;
    r.expects_response = false;
    CHECK_BYTES(response(r), cat({hex("50 21 00"), raw(U1), raw(U2)}));
    const FileDesc two[2] = {file("a.txt", 3), file("b.bin", 300)};
    r.expects_response = true;
    r.files = two;
    r.files_count = 2;
    CHECK_BYTES(response(r), cat({hex("51 35 10"), raw(U1), raw(U2), hex("02 2f 01 00 03 05"), text("a.txt"),
                                  hex("04 2c 01 05"), text("b.bin")}));
    // Stream packets of the stream echo.
    const Bytes hello = text("hello ");
    CHECK_BYTES(enc([&](uint8_t* o, size_t c) { return encode_payload_packet(o, c, PacketType::Stream, hello.data(), hello.size()); }),
                cat({hex("70 06"), hello}));
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_stream_end(o, c); }), hex("80"));
}

TW_TEST(sockety_encode_small_packets) {
    auto sw = [](uint32_t ch) { return enc([ch](uint8_t* o, size_t c) { return encode_switch_channel(o, c, ch); }); };
    CHECK_BYTES(sw(0), hex("00"));
    CHECK_BYTES(sw(1), hex("01"));
    CHECK_BYTES(sw(15), hex("0f"));
    CHECK_BYTES(sw(16), hex("10 10"));
    CHECK_BYTES(sw(17), hex("10 11"));
    CHECK_BYTES(sw(300), hex("11 2c"));
    CHECK_BYTES(sw(4095), hex("1f ff"));
    CHECK_EQ(switch_channel_size(4096), size_t{0});
    auto fr = [](uint32_t code) { return enc([code](uint8_t* o, size_t c) { return encode_fast_reply(o, c, U1, code); }); };
    CHECK_BYTES(fr(0), cat({hex("30"), raw(U1)}));
    CHECK_BYTES(fr(2), cat({hex("32"), raw(U1)}));
    CHECK_BYTES(fr(15), cat({hex("3f"), raw(U1)}));
    CHECK_BYTES(fr(16), cat({hex("40 10"), raw(U1)}));
    CHECK_BYTES(fr(300), cat({hex("41 2c"), raw(U1)}));
    CHECK_BYTES(fr(4095), cat({hex("4f ff"), raw(U1)}));
    CHECK_EQ(fast_reply_size(4096), size_t{0});
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_heartbeat(o, c); }), hex("a0"));
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_go_away(o, c); }), hex("b0"));
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_abort(o, c); }), hex("90"));
    auto fe = [](uint32_t i) { return enc([i](uint8_t* o, size_t c) { return encode_file_end(o, c, i); }); };
    CHECK_BYTES(fe(255), hex("d1 ff"));
    CHECK_BYTES(fe(256), hex("d2 00 01"));
    CHECK_BYTES(fe(65535), hex("d2 ff ff"));
    CHECK_BYTES(fe(65536), hex("d3 00 00 01"));
    CHECK_BYTES(fe(0xffffff), hex("d3 ff ff ff"));
    CHECK_EQ(file_end_size(0x1000000), size_t{0});
    uint8_t none[1];
    CHECK_EQ(encode_heartbeat(none, 0), size_t{0});
    CHECK_EQ(encode_fast_reply(none, 1, U1, 0), size_t{0});
}

// --- Width boundaries --------------------------------------------------------------------------------

TW_TEST(sockety_encode_packet_size_boundaries) {
    struct Case {
        uint64_t size;
        const char* bytes;
    } cases[] = {
        {0, "e0 00"},
        {255, "e0 ff"},
        {256, "e4 00 01"},
        {65535, "e4 ff ff"},
        {65536, "e8 00 00 01"},
        {0xffffff, "e8 ff ff ff"},
        {0x1000000, "ec 00 00 00 01"},
        {0xffffffff, "ec ff ff ff ff"},
    };
    for (const Case& c : cases) {
        CHECK_BYTES(enc([&](uint8_t* o, size_t cap) { return encode_payload_header(o, cap, PacketType::Data, c.size); }), hex(c.bytes));
        Bytes want = hex(c.bytes);
        want[0] = static_cast<uint8_t>(0x70 | (want[0] & 0x0f));
        CHECK_BYTES(enc([&](uint8_t* o, size_t cap) { return encode_payload_header(o, cap, PacketType::Stream, c.size); }), want);
        want[0] = static_cast<uint8_t>(0x60 | (want[0] & 0x0f));
        CHECK_BYTES(enc([&](uint8_t* o, size_t cap) { return encode_payload_header(o, cap, PacketType::Continue, c.size); }), want);
    }
    CHECK_EQ(payload_header_size(PacketType::Data, 0x100000000ull), size_t{0});
    CHECK_EQ(payload_header_size(PacketType::Heartbeat, 1), size_t{0});
    CHECK_EQ(payload_header_size(PacketType::Message, 1), size_t{0});
    // File: size and index widths together.
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_payload_header(o, c, PacketType::File, 255, 255); }), hex("c1 ff ff"));
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_payload_header(o, c, PacketType::File, 256, 256); }), hex("c6 00 01 00 01"));
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_payload_header(o, c, PacketType::File, 65536, 65536); }),
                hex("cb 00 00 01 00 00 01"));
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_payload_header(o, c, PacketType::File, 0xffffffff, 0xffffff); }),
                hex("cf ff ff ff ff ff ff ff"));
    CHECK_EQ(payload_header_size(PacketType::File, 0xffffffff, 0xffffff), kMaxPayloadHeaderSize);
    CHECK_EQ(payload_header_size(PacketType::File, 1, 0x1000000), size_t{0});
    // Message/Response packet size: the prefix alone.
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_header_packet_prefix(o, c, PacketType::Message, 255, false, true); }),
                hex("21 ff"));
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_header_packet_prefix(o, c, PacketType::Message, 256, true, true); }),
                hex("27 00 01"));
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_header_packet_prefix(o, c, PacketType::Response, 65536, false, false); }),
                hex("58 00 00 01"));
    CHECK_BYTES(enc([](uint8_t* o, size_t c) { return encode_header_packet_prefix(o, c, PacketType::Response, 0x1000000, true, false); }),
                hex("5e 00 00 00 01"));
    CHECK_EQ(header_packet_prefix_size(0x100000000ull), size_t{0});
    uint8_t b[8];
    CHECK_EQ(encode_header_packet_prefix(b, sizeof b, PacketType::Continue, 1, false, false), size_t{0});
}

TW_TEST(sockety_encode_data_size_boundaries) {
    struct Case {
        uint64_t size;
        uint8_t flags;
        const char* bytes;
    } cases[] = {
        {0, 0x00, ""},
        {1, 0x40, "01"},
        {255, 0x40, "ff"},
        {256, 0x80, "00 01"},
        {65535, 0x80, "ff ff"},
        {65536, 0xc0, "00 00 01 00 00 00"},  // no 3/4-byte option: uint48 at once
        {0xffffff, 0xc0, "ff ff ff 00 00 00"},
        {0x100000000ull, 0xc0, "00 00 00 00 01 00"},
        {kMaxUint48, 0xc0, "ff ff ff ff ff ff"},
    };
    for (const Case& c : cases) {
        const Bytes tail = hex(c.bytes);
        const Bytes want = cat({hex("21"), Bytes{static_cast<uint8_t>(1 + 16 + 1 + 1 + tail.size()), c.flags}, raw(U1), hex("01"), text("x"), tail});
        const Bytes got = message(msg("x", c.size));
        CHECK_BYTES(got, want);
        const std::vector<Event> ev = decode_events(got);
        const Event* sizes = find(ev, EventType::HeaderSizes);
        REQUIRE(sizes != nullptr);
        CHECK_EQ(sizes->data_size, c.size);
    }
    CHECK_EQ(message_packet_size(msg("x", kMaxUint48 + 1)), size_t{0});
}

TW_TEST(sockety_encode_action_size_boundaries) {
    std::string a255(255, 'a'), a256(256, 'b'), a65535(65535, 'c'), a65536(65536, 'd');
    const Bytes m255 = message(msg(a255.c_str()));
    REQUIRE_EQ(m255.size(), size_t{3 + 1 + 16 + 1 + 255});  // 273 content bytes: uint16 packet size
    CHECK_EQ(m255[0], 0x25);
    CHECK_EQ(m255[3], 0x00);   // G = 0
    CHECK_EQ(m255[20], 0xff);  // uint8 length
    const Bytes m256 = message(msg(a256.c_str()));
    REQUIRE_EQ(m256.size(), size_t{3 + 1 + 16 + 2 + 256});
    CHECK_EQ(m256[3], 0x02);   // G = 1
    CHECK_EQ(m256[20], 0x00);  // uint16 length
    CHECK_EQ(m256[21], 0x01);
    const Bytes m65535 = message(msg(a65535.c_str()));
    REQUIRE_EQ(m65535.size(), size_t{4 + 1 + 16 + 2 + 65535});
    CHECK_EQ(m65535[0], 0x29);  // uint24 packet size
    CHECK_EQ(message_packet_size(msg(a65536.c_str())), size_t{0});
    // "" is a valid action.
    CHECK_BYTES(message(msg("")), cat({hex("21 12 00"), raw(U1), hex("00")}));
    const Bytes* all[3] = {&m255, &m256, &m65535};
    const uint32_t lengths[3] = {255, 256, 65535};
    for (int i = 0; i < 3; ++i) {
        const std::vector<Event> ev = decode_events(*all[i]);
        CHECK(ev.back().type == EventType::HeaderEnd);
        const Event* start = find(ev, EventType::MessageStart);
        REQUIRE(start != nullptr);
        CHECK_EQ(start->name_size, lengths[i]);
    }
}

TW_TEST(sockety_encode_files_boundaries) {
    // Files count: 0 none, 255 uint8, 256 uint16, 65536 uint24. Empty names and sizes keep it small.
    std::vector<FileDesc> files(65536);
    struct CountCase {
        size_t count;
        uint8_t flags;
        size_t count_width;
    } counts[] = {{1, 0x10, 1}, {255, 0x10, 1}, {256, 0x20, 2}, {65535, 0x20, 2}, {65536, 0x30, 3}};
    for (const CountCase& c : counts) {
        MessageDesc m = msg("f");
        m.files = files.data();
        m.files_count = c.count;
        const Bytes got = message(m);
        REQUIRE(!got.empty());
        const size_t content = 1 + 16 + 1 + 1 + c.count_width + 2 + c.count * 3;
        CHECK_EQ(got.size(), header_packet_prefix_size(content) + content);
        CHECK_EQ(got[header_packet_prefix_size(content)], c.flags);
        const std::vector<Event> ev = decode_events(got);
        const Event* sizes = find(ev, EventType::HeaderSizes);
        REQUIRE(sizes != nullptr);
        CHECK_EQ(sizes->files_count, static_cast<uint32_t>(c.count));
        CHECK(ev.back().type == EventType::HeaderEnd);
    }
    // Total files size: 2, 3, 4, 6 bytes. File size: 1, 2, 3, 6 bytes.
    struct SizeCase {
        uint64_t size;
        uint8_t total_bits;  // FF
        size_t total_width;
        uint8_t file_bits;   // header AA
        size_t file_width;
    } sizes[] = {
        {0, 0, 2, 0, 1},
        {255, 0, 2, 0, 1},
        {256, 0, 2, 1, 2},
        {65535, 0, 2, 1, 2},
        {65536, 1, 3, 2, 3},
        {0xffffff, 1, 3, 2, 3},
        {0x1000000, 2, 4, 3, 6},
        {0xffffffff, 2, 4, 3, 6},
        {0x100000000ull, 3, 6, 3, 6},
        {kMaxUint48, 3, 6, 3, 6},
    };
    for (const SizeCase& c : sizes) {
        const FileDesc one[1] = {file("n", c.size)};
        MessageDesc m = msg("f");
        m.files = one;
        m.files_count = 1;
        const Bytes got = message(m);
        const size_t content = 1 + 16 + 1 + 1 + 1 + c.total_width + 1 + c.file_width + 1 + 1;
        REQUIRE_EQ(got.size(), 2 + content);
        CHECK_EQ(got[2], static_cast<uint8_t>(0x10 | c.total_bits << 2));
        const size_t hdr = 2 + 1 + 16 + 2 + 1 + c.total_width;
        CHECK_EQ(got[hdr], static_cast<uint8_t>(c.file_bits << 2));
        CHECK_EQ(read_le(&got[hdr - c.total_width], c.total_width), c.size);
        CHECK_EQ(read_le(&got[hdr + 1], c.file_width), c.size);
        const std::vector<Event> ev = decode_events(got);
        const Event* fh = find(ev, EventType::FileHeader);
        REQUIRE(fh != nullptr);
        CHECK_EQ(fh->file_size, c.size);
        CHECK(ev.back().type == EventType::HeaderEnd);
    }
    // File name length: 255 uint8, 256 uint16 (B bit).
    std::string n255(255, 'n'), n256(256, 'm');
    for (const std::string* n : {&n255, &n256}) {
        const FileDesc one[1] = {file(n->c_str(), 7)};
        MessageDesc m = msg("f");
        m.files = one;
        m.files_count = 1;
        const Bytes got = message(m);
        const size_t prefix = header_packet_prefix_size(got.size() - 2);
        const size_t hdr = prefix + 1 + 16 + 2 + 1 + 2;
        CHECK_EQ(got[hdr], n->size() > 255 ? 0x02 : 0x00);
        const std::vector<Event> ev = decode_events(got);
        const Event* fh = find(ev, EventType::FileHeader);
        REQUIRE(fh != nullptr);
        CHECK_EQ(fh->name_size, static_cast<uint32_t>(n->size()));
    }
    // Refusals: size over uint48, total over uint48, name over 65535, count over uint24.
    const FileDesc too_big[1] = {file("x", kMaxUint48 + 1)};
    MessageDesc m = msg("f");
    m.files = too_big;
    m.files_count = 1;
    CHECK_EQ(message_packet_size(m), size_t{0});
    const FileDesc sum_too_big[2] = {file("x", kMaxUint48), file("y", 1)};
    m.files = sum_too_big;
    m.files_count = 2;
    CHECK_EQ(message_packet_size(m), size_t{0});
    std::string n65536(65536, 'z');
    const FileDesc long_name[1] = {file(n65536.c_str(), 1)};
    m.files = long_name;
    m.files_count = 1;
    CHECK_EQ(message_packet_size(m), size_t{0});
    m.files = nullptr;
    CHECK_EQ(message_packet_size(m), size_t{0});
    m.files = files.data();
    m.files_count = 0x1000000;
    CHECK_EQ(message_packet_size(m), size_t{0});
}

// --- In place, buffers, splitting ------------------------------------------------------------------

TW_TEST(sockety_encode_header_in_front_of_placed_payload) {
    // Reserve the maximum, place the payload, then write the header right before it.
    uint8_t buf[kMaxPayloadHeaderSize + 300];
    uint8_t* content = buf + kMaxPayloadHeaderSize;
    for (int i = 0; i < 300; ++i) content[i] = static_cast<uint8_t>(i);
    size_t h = encode_payload_header_before(content, kMaxPayloadHeaderSize, PacketType::Data, 300);
    REQUIRE_EQ(h, size_t{3});
    CHECK_BYTES(Bytes(content - h, content), hex("e4 2c 01"));
    CHECK_EQ(content[0], 0);  // payload untouched
    h = encode_payload_header_before(content, kMaxPayloadHeaderSize, PacketType::File, 300, 70000);
    REQUIRE_EQ(h, size_t{6});
    CHECK_BYTES(Bytes(content - h, content), hex("c7 2c 01 70 11 01"));
    // Exactly the header size as headroom is enough; one less is not.
    CHECK_EQ(encode_payload_header_before(content, 3, PacketType::Stream, 300), size_t{3});
    CHECK_EQ(encode_payload_header_before(content, 2, PacketType::Stream, 300), size_t{0});
    CHECK_EQ(encode_payload_header_before(nullptr, 8, PacketType::Stream, 300), size_t{0});
    // The packet decodes back to the payload.
    h = encode_payload_header_before(content, kMaxPayloadHeaderSize, PacketType::Data, 300);
    const Bytes header = message(msg("echo", 300));
    Bytes stream = header;
    stream.insert(stream.end(), content - h, content + 300);
    const std::vector<Event> ev = decode_events(stream);
    const Event* data = find(ev, EventType::DataChunk);
    REQUIRE(data != nullptr);
    CHECK_EQ(data->bytes.size, size_t{300});
    CHECK(data->last && data->finished);
}

TW_TEST(sockety_encode_refuses_small_buffers) {
    const MessageDesc m = msg("accept");
    const size_t n = message_packet_size(m);
    REQUIRE_EQ(n, size_t{26});
    Bytes buf(n);
    CHECK_EQ(encode_message(buf.data(), n - 1, m), size_t{0});
    CHECK_EQ(encode_message(nullptr, n, m), size_t{0});
    CHECK_EQ(encode_message(buf.data(), n, m), n);
    MessageDesc bad = m;
    bad.action = nullptr;
    CHECK_EQ(message_packet_size(bad), size_t{0});
    ResponseDesc r;
    CHECK_EQ(response_packet_size(r), size_t{35});
    CHECK_EQ(encode_response(buf.data(), 34, r), size_t{0});
    const uint8_t payload[4] = {1, 2, 3, 4};
    CHECK_EQ(encode_payload_packet(buf.data(), 5, PacketType::Data, payload, 4), size_t{0});
    CHECK_EQ(encode_payload_packet(buf.data(), 6, PacketType::Data, payload, 4), size_t{6});
    CHECK_EQ(encode_payload_packet(buf.data(), 6, PacketType::Data, nullptr, 4), size_t{0});
}

TW_TEST(sockety_encode_long_header_split_into_continue) {
    // A writer may cut header content anywhere: Message prefix + part, Continue + rest.
    const FileDesc two[2] = {file("a.txt", 3), file("b.bin", 300)};
    MessageDesc m = msg("files");
    m.files = two;
    m.files_count = 2;
    const size_t content = message_content_size(m);
    REQUIRE_EQ(content, size_t{0x2b});
    Bytes body(content);
    REQUIRE_EQ(encode_message_content(body.data(), body.size(), m), content);
    Bytes out(64);
    size_t n = encode_header_packet_prefix(out.data(), out.size(), PacketType::Message, 20, false, true);
    out.resize(n);
    out.insert(out.end(), body.begin(), body.begin() + 20);
    Bytes cont(8);
    cont.resize(encode_payload_header(cont.data(), cont.size(), PacketType::Continue, content - 20));
    CHECK_BYTES(cont, hex("60 17"));
    out.insert(out.end(), cont.begin(), cont.end());
    out.insert(out.end(), body.begin() + 20, body.end());
    const std::vector<Event> ev = decode_events(out);
    REQUIRE(!ev.empty());
    CHECK(ev.back().type == EventType::HeaderEnd);
    const Event* fh = find(ev, EventType::FileHeader, 1);
    REQUIRE(fh != nullptr);
    CHECK_EQ(fh->file_size, uint64_t{300});
    ResponseDesc r;
    r.parent_id = U1;
    r.id = U2;
    Bytes rc(64);
    CHECK_EQ(encode_response_content(rc.data(), rc.size(), r), size_t{33});
    CHECK_EQ(rc[0], 0x00);
    CHECK(Bytes(rc.begin() + 1, rc.begin() + 17) == raw(U1));
}
