// Sockety decoder: the captured traffic of WIRE.md decoded into events, byte-by-byte (and every
// other split) feeding equal to one-shot feeding, the channel bookkeeping, and one malformed input
// per DecodeError.
#include "tests/framework/check.hpp"

#include "sockety/event_text.hpp"
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

// --- Building inputs -----------------------------------------------------------------------------

struct B {
    Bytes b;
    B& hex(const char* s) {
        int hi = -1;
        for (; *s; ++s) {
            const char c = *s;
            int v = -1;
            if (c >= '0' && c <= '9') v = c - '0';
            else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
            else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
            if (v < 0) continue;
            if (hi < 0) {
                hi = v;
            } else {
                b.push_back(static_cast<uint8_t>(hi << 4 | v));
                hi = -1;
            }
        }
        return *this;
    }
    B& str(const char* s) {
        while (*s) b.push_back(static_cast<uint8_t>(*s++));
        return *this;
    }
    B& uuid(const Uuid& u) {
        b.insert(b.end(), u.bytes, u.bytes + 16);
        return *this;
    }
    B& pattern(size_t n) {  // recognisable payload bytes
        for (size_t i = 0; i < n; ++i) b.push_back(static_cast<uint8_t>(i * 7 + 3));
        return *this;
    }
    B& add(const Bytes& more) {
        b.insert(b.end(), more.begin(), more.end());
        return *this;
    }
    // A packet with a uint8 size: `type` byte, content size, content.
    B& pkt(uint8_t type, const Bytes& content) {
        b.push_back(type);
        b.push_back(static_cast<uint8_t>(content.size()));
        return add(content);
    }
};

std::string fnv_hex(const uint8_t* p, size_t n) {
    uint32_t h = 2166136261u;  // FNV-1a, to compare big payloads by content
    for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 16777619u;
    char s[16];
    std::snprintf(s, sizeof s, "%08x", h);
    return s;
}

Uuid U(const char* text) {
    Uuid u;
    uuid_from_text(text, 36, u);
    return u;
}

const Uuid U1 = U("1b4e28ba-2fa1-41d2-883f-0016d3cca427");
const Uuid U2 = U("9f0c1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b");
const Uuid U3 = U("00112233-4455-4677-8899-aabbccddeeff");
#define S1 "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
#define S2 "9f0c1a2b-3c4d-4e5f-8a6b-7c8d9e0f1a2b"
#define S3 "00112233-4455-4677-8899-aabbccddeeff"

// --- Decoding into comparable lines ----------------------------------------------------------------

bool is_chunk(EventType t) {
    return t == EventType::ActionChunk || t == EventType::FileNameChunk || t == EventType::DataChunk ||
           t == EventType::StreamChunk || t == EventType::FileChunk;
}

struct Rec {
    Event ev;
    std::string bytes;
};

// Pieces of one name or payload split by the feeding are joined, so that any split of the same
// input gives the same records.
void push_merged(std::vector<Rec>& out, const Event& e) {
    if (is_chunk(e.type) && !out.empty()) {
        Rec& prev = out.back();
        if (prev.ev.type == e.type && prev.ev.channel == e.channel && prev.ev.file_index == e.file_index &&
            !prev.ev.last) {
            prev.bytes.append(reinterpret_cast<const char*>(e.bytes.data), e.bytes.size);
            prev.ev.last = e.last;
            prev.ev.finished = e.finished;
            return;
        }
    }
    Rec r{e, std::string()};
    if (is_chunk(e.type)) r.bytes.assign(reinterpret_cast<const char*>(e.bytes.data), e.bytes.size);
    out.push_back(r);
}

std::string line_of(const Rec& r) {
    Event e = r.ev;
    e.bytes.size = r.bytes.size();
    char text[256];
    describe(e, text, sizeof text);
    std::string line = text;
    if (is_chunk(e.type)) {
        bool printable = r.bytes.size() <= 24;
        for (char c : r.bytes) printable = printable && c >= 0x20 && c < 0x7f;
        if (printable) {
            line += " \"" + r.bytes + "\"";
        } else {
            line += " fnv=" + fnv_hex(reinterpret_cast<const uint8_t*>(r.bytes.data()), r.bytes.size());
        }
    }
    return line;
}

struct Options {
    DecoderLimits limits = small_limits();
    bool connection_header = false;
    int only_channel = -1;  // >= 0: keep only that channel's events (and errors)
    static DecoderLimits small_limits() {
        DecoderLimits l;
        l.channels = 32;  // keeps the many decodes of the split checks cheap
        return l;
    }
};

bool channel_scoped(EventType t) {
    return !(t == EventType::ConnectionHeader || t == EventType::SwitchChannel || t == EventType::FastReply ||
             t == EventType::Heartbeat || t == EventType::GoAway || t == EventType::NeedMore || t == EventType::Error);
}

bool keep(const Options& o, const Event& e) {
    if (o.only_channel < 0 || e.type == EventType::Error) return true;
    return channel_scoped(e.type) && e.channel == o.only_channel;
}

// Feeds `in` in pieces of `step` bytes (0: all at once) and returns one line per merged event,
// ending with the error if there is one.
std::vector<std::string> decode(const Bytes& in, size_t step, const Options& o = Options()) {
    std::vector<ChannelState> channels(o.limits.channels);
    PacketDecoder d;
    std::vector<Rec> recs;
    if (!d.init(o.limits, channels.data(), channels.size(), o.connection_header)) return {"init failed"};
    if (step == 0) step = in.size() ? in.size() : 1;
    bool failed = false;
    for (size_t at = 0; at <= in.size() && !failed; at += step) {
        const size_t len = std::min(step, in.size() - at);
        const uint8_t* p = in.data() + at;
        size_t off = 0;
        for (;;) {
            const Decoded r = d.feed(p + off, len - off);
            off += r.consumed;
            if (r.event.type == EventType::NeedMore) {
                if (off != len) recs.push_back(Rec{Event(), "NeedMore left input unused"});
                break;
            }
            if (r.event.type == EventType::Error) {
                recs.push_back(Rec{r.event, std::string()});
                failed = true;
                break;
            }
            if (keep(o, r.event)) push_merged(recs, r.event);
        }
        if (len == 0) break;
    }
    std::vector<std::string> lines;
    for (const Rec& r : recs) lines.push_back(line_of(r));
    return lines;
}

void check_lines(const std::vector<std::string>& got, const std::vector<std::string>& want, const char* file,
                 int line) {
    const size_t n = std::max(got.size(), want.size());
    for (size_t i = 0; i < n; ++i) {
        const std::string g = i < got.size() ? got[i] : "(missing)";
        const std::string w = i < want.size() ? want[i] : "(nothing)";
        if (g != w) {
            std::string detail = "event " + std::to_string(i) + ": got [" + g + "] want [" + w + "]";
            tw_test::fail(file, line, "decoded events", detail.c_str());
            return;
        }
    }
}
#define CHECK_LINES(got, ...) check_lines((got), std::vector<std::string>__VA_ARGS__, __FILE__, __LINE__)

// Every split must give what one-shot feeding gives: byte by byte, a few fixed steps, and every
// two-span split (as a ring buffer wraps).
void check_split_equivalence(const Bytes& in, const Options& o, const char* file, int line) {
    const std::vector<std::string> whole = decode(in, 0, o);
    for (size_t step : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{17}}) {
        if (decode(in, step, o) != whole) {
            std::string detail = "step " + std::to_string(step) + " differs from one-shot decoding";
            tw_test::fail(file, line, "split equivalence", detail.c_str());
            return;
        }
    }
    if (in.size() > 4096) return;  // every-split check only on small inputs
    for (size_t cut = 1; cut < in.size(); ++cut) {
        std::vector<ChannelState> channels(o.limits.channels);
        PacketDecoder d;
        d.init(o.limits, channels.data(), channels.size(), o.connection_header);
        std::vector<Rec> recs;
        const uint8_t* spans[2] = {in.data(), in.data() + cut};
        const size_t lens[2] = {cut, in.size() - cut};
        bool failed = false;
        for (int s = 0; s < 2 && !failed; ++s) {
            size_t off = 0;
            for (;;) {
                const Decoded r = d.feed(spans[s] + off, lens[s] - off);
                off += r.consumed;
                if (r.event.type == EventType::NeedMore) break;
                if (r.event.type == EventType::Error) failed = true;
                if (keep(o, r.event)) push_merged(recs, r.event);
                if (failed) break;
            }
        }
        std::vector<std::string> lines;
        for (const Rec& r : recs) lines.push_back(line_of(r));
        if (lines != whole) {
            std::string detail = "two spans cut at " + std::to_string(cut) + " differ from one-shot decoding";
            tw_test::fail(file, line, "split equivalence", detail.c_str());
            return;
        }
    }
}
#define CHECK_SPLITS(in, opts) check_split_equivalence((in), (opts), __FILE__, __LINE__)

// The captured conversation pieces of WIRE.md, shared by several tests.
Bytes files_message() {
    return B()
        .hex("21 2b 10").uuid(U1).hex("05").str("files").hex("02 2f 01")
        .hex("00 03 05").str("a.txt").hex("04 2c 01 05").str("b.bin")
        .hex("c0 03").str("abc").hex("d0").hex("c5 2c 01 01").pattern(300).hex("d1 01")
        .b;
}

} // namespace

// --- Connection header ------------------------------------------------------------------------------

TW_TEST(sockety_decode_connection_header_forms) {
    Options o;
    o.connection_header = true;
    CHECK_LINES(decode(B().hex("e3").b, 0, o), {"ConnectionHeader channels=4096"});
    CHECK_LINES(decode(B().hex("e1 10").b, 0, o), {"ConnectionHeader channels=16"});
    CHECK_LINES(decode(B().hex("e2 2c 01").b, 0, o), {"ConnectionHeader channels=300"});
    CHECK_LINES(decode(B().hex("e0").b, 0, o), {"ConnectionHeader channels=1"});
    // sockety-js writes 256 as `e1 00`; read it as what it meant.
    CHECK_LINES(decode(B().hex("e1 00").b, 0, o), {"ConnectionHeader channels=256"});
    // Bits 2-3 are ignored, like sockety-js does; counts over 4096 are capped (ids end at 4095).
    CHECK_LINES(decode(B().hex("ec").b, 0, o), {"ConnectionHeader channels=1"});
    CHECK_LINES(decode(B().hex("e2 ff ff").b, 0, o), {"ConnectionHeader channels=4096"});
    // Packets may follow in the same read.
    const Bytes in = B().hex("e2 2c 01 a0 01").b;
    CHECK_LINES(decode(in, 1, o), {"ConnectionHeader channels=300", "Heartbeat", "SwitchChannel ch=1"});
    CHECK_SPLITS(in, o);
}

TW_TEST(sockety_decode_connection_header_errors) {
    Options o;
    o.connection_header = true;
    CHECK_LINES(decode(B().hex("00").b, 0, o), {"Error bad connection header"});
    CHECK_LINES(decode(B().hex("a0").b, 0, o), {"Error bad connection header"});
    CHECK_LINES(decode(B().hex("e2 00 00").b, 0, o), {"Error bad connection header"});
    CHECK_LINES(decode(B().hex("e2 00 00").b, 1, o), {"Error bad connection header"});
    // sockety-js swallows an error right after the header (WIRE.md §10); we report it.
    CHECK_LINES(decode(B().hex("e3 f0").b, 0, o), {"ConnectionHeader channels=4096", "Error unknown packet type"});
}

// --- Messages as captured -------------------------------------------------------------------------

TW_TEST(sockety_decode_captured_messages) {
    // send(accept)
    CHECK_LINES(decode(B().hex("21 18 00").uuid(U1).hex("06").str("accept").b, 0),
                {"MessageStart ch=0 id=" S1 " stream=0 expects=1 action_size=6",
                 "ActionChunk ch=0 size=6 last=1 \"accept\"", "HeaderSizes ch=0 data=0 files=0 total=0",
                 "HeaderEnd ch=0 finished=1"});
    // pass(noop): no response expected
    CHECK_LINES(decode(B().hex("20 16 00").uuid(U1).hex("04").str("noop").b, 0),
                {"MessageStart ch=0 id=" S1 " stream=0 expects=0 action_size=4",
                 "ActionChunk ch=0 size=4 last=1 \"noop\"", "HeaderSizes ch=0 data=0 files=0 total=0",
                 "HeaderEnd ch=0 finished=1"});
    // send(echo, "hello")
    const Bytes hello = B().hex("21 17 40").uuid(U1).hex("04").str("echo").hex("05").hex("e0 05").str("hello").b;
    CHECK_LINES(decode(hello, 0),
                {"MessageStart ch=0 id=" S1 " stream=0 expects=1 action_size=4",
                 "ActionChunk ch=0 size=4 last=1 \"echo\"", "HeaderSizes ch=0 data=5 files=0 total=0",
                 "HeaderEnd ch=0 finished=0", "DataChunk ch=0 size=5 last=1 finished=1 \"hello\""});
    CHECK_SPLITS(hello, Options());
    // send(echo, 300 B): data size uint16, Data packet size uint16
    const Bytes p300 = B().pattern(300).b;
    const Bytes echo300 = B().hex("21 18 80").uuid(U1).hex("04").str("echo").hex("2c 01").hex("e4 2c 01").add(p300).b;
    CHECK_LINES(decode(echo300, 0),
                {"MessageStart ch=0 id=" S1 " stream=0 expects=1 action_size=4",
                 "ActionChunk ch=0 size=4 last=1 \"echo\"", "HeaderSizes ch=0 data=300 files=0 total=0",
                 "HeaderEnd ch=0 finished=0",
                 "DataChunk ch=0 size=300 last=1 finished=1 fnv=" + fnv_hex(p300.data(), p300.size())});
    // send(echo, 70 000 B): data size uint48, Data packet size uint24
    const Bytes p70k = B().pattern(70000).b;
    const Bytes echo70k =
        B().hex("21 1c c0").uuid(U1).hex("04").str("echo").hex("70 11 01 00 00 00").hex("e8 70 11 01").add(p70k).b;
    CHECK_LINES(decode(echo70k, 0),
                {"MessageStart ch=0 id=" S1 " stream=0 expects=1 action_size=4",
                 "ActionChunk ch=0 size=4 last=1 \"echo\"", "HeaderSizes ch=0 data=70000 files=0 total=0",
                 "HeaderEnd ch=0 finished=0",
                 "DataChunk ch=0 size=70000 last=1 finished=1 fnv=" + fnv_hex(p70k.data(), p70k.size())});
    CHECK_SPLITS(echo70k, Options());
}

TW_TEST(sockety_decode_captured_stream_message) {
    CHECK_LINES(decode(B().hex("23 18 00").uuid(U1).hex("06").str("stream").b, 0),
                {"MessageStart ch=0 id=" S1 " stream=1 expects=1 action_size=6",
                 "ActionChunk ch=0 size=6 last=1 \"stream\"", "HeaderSizes ch=0 data=0 files=0 total=0",
                 "HeaderEnd ch=0 finished=0"});
    // pass() of a stream draft: stream bit without "expects response", and at once a Stream End.
    CHECK_LINES(decode(B().hex("22 18 00").uuid(U1).hex("06").str("stream").hex("80").b, 0),
                {"MessageStart ch=0 id=" S1 " stream=1 expects=0 action_size=6",
                 "ActionChunk ch=0 size=6 last=1 \"stream\"", "HeaderSizes ch=0 data=0 files=0 total=0",
                 "HeaderEnd ch=0 finished=0", "StreamEnd ch=0 finished=1"});
}

TW_TEST(sockety_decode_captured_files) {
    const Bytes in = files_message();
    const Bytes p300 = B().pattern(300).b;
    CHECK_LINES(decode(in, 0),
                {"MessageStart ch=0 id=" S1 " stream=0 expects=1 action_size=5",
                 "ActionChunk ch=0 size=5 last=1 \"files\"", "HeaderSizes ch=0 data=0 files=2 total=303",
                 "FileHeader ch=0 index=0 size=3 name_size=5", "FileNameChunk ch=0 index=0 size=5 last=1 \"a.txt\"",
                 "FileHeader ch=0 index=1 size=300 name_size=5", "FileNameChunk ch=0 index=1 size=5 last=1 \"b.bin\"",
                 "HeaderEnd ch=0 finished=0", "FileChunk ch=0 index=0 size=3 \"abc\"", "FileEnd ch=0 index=0 finished=0",
                 "FileChunk ch=0 index=1 size=300 fnv=" + fnv_hex(p300.data(), p300.size()),
                 "FileEnd ch=0 index=1 finished=1"});
    CHECK_SPLITS(in, Options());
}

TW_TEST(sockety_decode_captured_big_file_headers) {
    // 1 MiB: total size uint24 (flags 0x14), file size uint24 (header 08).
    CHECK_LINES(decode(B().hex("21 27 14").uuid(U1).hex("05").str("files").hex("01 00 00 10 08 00 00 10 07").str("big.bin").b, 0),
                {"MessageStart ch=0 id=" S1 " stream=0 expects=1 action_size=5",
                 "ActionChunk ch=0 size=5 last=1 \"files\"", "HeaderSizes ch=0 data=0 files=1 total=1048576",
                 "FileHeader ch=0 index=0 size=1048576 name_size=7", "FileNameChunk ch=0 index=0 size=7 last=1 \"big.bin\"",
                 "HeaderEnd ch=0 finished=0"});
    // 17 MiB: total size uint32 (flags 0x18), file size uint48 (header 0c).
    CHECK_LINES(decode(B().hex("21 2d 18").uuid(U1).hex("05").str("files")
                           .hex("01 00 00 10 01 0c 00 00 10 01 00 00 09").str("big17.bin").b, 0),
                {"MessageStart ch=0 id=" S1 " stream=0 expects=1 action_size=5",
                 "ActionChunk ch=0 size=5 last=1 \"files\"", "HeaderSizes ch=0 data=0 files=1 total=17825792",
                 "FileHeader ch=0 index=0 size=17825792 name_size=9", "FileNameChunk ch=0 index=0 size=9 last=1 \"big17.bin\"",
                 "HeaderEnd ch=0 finished=0"});
}

TW_TEST(sockety_decode_file_size_bits_11_are_uint32) {
    // sockety-js writes `cc` + uint32 size (its own reader wrongly expects uint48). We read uint32.
    const Bytes in = B().pkt(0x21, B().hex("10").uuid(U1).hex("01").str("f").hex("01 03 00 00 03 01").str("x").b)
                         .hex("cc 03 00 00 00").str("abc").hex("d0").b;
    CHECK_LINES(decode(in, 0),
                {"MessageStart ch=0 id=" S1 " stream=0 expects=1 action_size=1", "ActionChunk ch=0 size=1 last=1 \"f\"",
                 "HeaderSizes ch=0 data=0 files=1 total=3", "FileHeader ch=0 index=0 size=3 name_size=1",
                 "FileNameChunk ch=0 index=0 size=1 last=1 \"x\"", "HeaderEnd ch=0 finished=0",
                 "FileChunk ch=0 index=0 size=3 \"abc\"", "FileEnd ch=0 index=0 finished=1"});
}

TW_TEST(sockety_decode_captured_responses) {
    CHECK_LINES(decode(B().hex("51 22 40").uuid(U1).uuid(U2).hex("04").hex("e0 04").str("pong").b, 0),
                {"ResponseStart ch=0 parent=" S1 " id=" S2 " stream=0 expects=1", "HeaderSizes ch=0 data=4 files=0 total=0",
                 "HeaderEnd ch=0 finished=0", "DataChunk ch=0 size=4 last=1 finished=1 \"pong\""});
    CHECK_LINES(decode(B().hex("51 21 00").uuid(U1).uuid(U2).b, 0),
                {"ResponseStart ch=0 parent=" S1 " id=" S2 " stream=0 expects=1", "HeaderSizes ch=0 data=0 files=0 total=0",
                 "HeaderEnd ch=0 finished=1"});
    // 0x50: a Response without the "expects response" bit is fine too.
    CHECK_LINES(decode(B().hex("50 21 00").uuid(U1).uuid(U2).b, 0),
                {"ResponseStart ch=0 parent=" S1 " id=" S2 " stream=0 expects=0", "HeaderSizes ch=0 data=0 files=0 total=0",
                 "HeaderEnd ch=0 finished=1"});
    // 70 000 B of data
    const Bytes p70k = B().pattern(70000).b;
    CHECK_LINES(decode(B().hex("51 27 c0").uuid(U1).uuid(U2).hex("70 11 01 00 00 00 e8 70 11 01").add(p70k).b, 0),
                {"ResponseStart ch=0 parent=" S1 " id=" S2 " stream=0 expects=1",
                 "HeaderSizes ch=0 data=70000 files=0 total=0", "HeaderEnd ch=0 finished=0",
                 "DataChunk ch=0 size=70000 last=1 finished=1 fnv=" + fnv_hex(p70k.data(), p70k.size())});
    // stream echo: sockety-js clients cannot take this (WIRE.md §4); we can.
    const Bytes stream = B().hex("53 21 00").uuid(U1).uuid(U2).hex("70 06").str("hello ").hex("70 05").str("world").hex("80").b;
    CHECK_LINES(decode(stream, 0),
                {"ResponseStart ch=0 parent=" S1 " id=" S2 " stream=1 expects=1", "HeaderSizes ch=0 data=0 files=0 total=0",
                 "HeaderEnd ch=0 finished=0", "StreamChunk ch=0 size=11 \"hello world\"", "StreamEnd ch=0 finished=1"});
    CHECK_SPLITS(stream, Options());
    // files
    const Bytes p300 = B().pattern(300).b;
    const Bytes files = B().hex("51 35 10").uuid(U1).uuid(U2).hex("02 2f 01 00 03 05").str("a.txt").hex("04 2c 01 05").str("b.bin")
                            .hex("c0 03").str("abc").hex("d0 c5 2c 01 01").add(p300).hex("d1 01").b;
    CHECK_LINES(decode(files, 0),
                {"ResponseStart ch=0 parent=" S1 " id=" S2 " stream=0 expects=1", "HeaderSizes ch=0 data=0 files=2 total=303",
                 "FileHeader ch=0 index=0 size=3 name_size=5", "FileNameChunk ch=0 index=0 size=5 last=1 \"a.txt\"",
                 "FileHeader ch=0 index=1 size=300 name_size=5", "FileNameChunk ch=0 index=1 size=5 last=1 \"b.bin\"",
                 "HeaderEnd ch=0 finished=0", "FileChunk ch=0 index=0 size=3 \"abc\"", "FileEnd ch=0 index=0 finished=0",
                 "FileChunk ch=0 index=1 size=300 fnv=" + fnv_hex(p300.data(), p300.size()),
                 "FileEnd ch=0 index=1 finished=1"});
    CHECK_SPLITS(files, Options());
}

TW_TEST(sockety_decode_captured_concurrent_streams) {
    // Three client streams on channels 0-2 (WIRE.md §7), then the ends.
    const Bytes in = B()
        .hex("23 16 00").uuid(U1).hex("04").str("sink").hex("01")
        .hex("23 16 00").uuid(U2).hex("04").str("sink").hex("02")
        .hex("23 16 00").uuid(U3).hex("04").str("sink").hex("00")
        .hex("70 04").str("s0r0").hex("01").hex("70 04").str("s1r0").hex("02").hex("70 04").str("s2r0")
        .hex("00 80 01 80 02 80").b;
    const std::vector<std::string> got = decode(in, 0);
    REQUIRE_EQ(got.size(), size_t{26});
    CHECK(got[0] == "MessageStart ch=0 id=" S1 " stream=1 expects=1 action_size=4");
    CHECK(got[3] == "HeaderEnd ch=0 finished=0");
    CHECK(got[4] == "SwitchChannel ch=1");
    CHECK(got[5] == "MessageStart ch=1 id=" S2 " stream=1 expects=1 action_size=4");
    CHECK(got[10] == "MessageStart ch=2 id=" S3 " stream=1 expects=1 action_size=4");
    CHECK(got[15] == "StreamChunk ch=0 size=4 \"s0r0\"");
    CHECK(got[17] == "StreamChunk ch=1 size=4 \"s1r0\"");
    CHECK(got[19] == "StreamChunk ch=2 size=4 \"s2r0\"");
    CHECK(got[21] == "StreamEnd ch=0 finished=1");
    CHECK(got[23] == "StreamEnd ch=1 finished=1");
    CHECK(got[25] == "StreamEnd ch=2 finished=1");
    CHECK_SPLITS(in, Options());
    // The server side of 18 stream echoes: 2-byte switches from channel 16 on.
    const Bytes server = B().hex("0f").hex("53 21 00").uuid(U1).uuid(U2).hex("10 10").hex("53 21 00").uuid(U2).uuid(U3)
                             .hex("10 11").hex("53 21 00").uuid(U3).uuid(U1)
                             .hex("10 11 70 03").str("c17").hex("10 10 80 10 11 80 0f 80").b;
    const std::vector<std::string> s = decode(server, 0);
    REQUIRE_EQ(s.size(), size_t{20});
    CHECK(s[1] == "ResponseStart ch=15 parent=" S1 " id=" S2 " stream=1 expects=1");
    CHECK(s[4] == "SwitchChannel ch=16");
    CHECK(s[5] == "ResponseStart ch=16 parent=" S2 " id=" S3 " stream=1 expects=1");
    CHECK(s[8] == "SwitchChannel ch=17");
    CHECK(s[13] == "StreamChunk ch=17 size=3 \"c17\"");
    CHECK(s[15] == "StreamEnd ch=16 finished=1");
    CHECK(s[17] == "StreamEnd ch=17 finished=1");
    CHECK(s[19] == "StreamEnd ch=15 finished=1");
}

TW_TEST(sockety_decode_signals_and_fast_replies) {
    CHECK_LINES(decode(B().hex("30").uuid(U1).hex("32").uuid(U2).hex("41 2c").uuid(U3).hex("4f ff").uuid(U1).b, 0),
                {"FastReply id=" S1 " code=0", "FastReply id=" S2 " code=2", "FastReply id=" S3 " code=300",
                 "FastReply id=" S1 " code=4095"});
    // Unlike sockety-js, ids are not forced to v4.
    CHECK_LINES(decode(B().hex("30").hex("00000000 00000000 00000000 00000000").b, 0),
                {"FastReply id=00000000-0000-0000-0000-000000000000 code=0"});
    // The high form may carry small codes too.
    CHECK_LINES(decode(B().hex("40 07").uuid(U1).b, 0), {"FastReply id=" S1 " code=7"});
    // Low bits of the one-byte signals are ignored, as sockety-js does.
    CHECK_LINES(decode(B().hex("a0 b0 a5 bf").b, 0), {"Heartbeat", "GoAway", "Heartbeat", "GoAway"});
    // Switch Channel: both forms, the long one also for small ids.
    Options all;
    all.limits.channels = 4096;
    CHECK_LINES(decode(B().hex("0f 10 10 1f ff 10 05 00").b, 0, all),
                {"SwitchChannel ch=15", "SwitchChannel ch=16", "SwitchChannel ch=4095", "SwitchChannel ch=5",
                 "SwitchChannel ch=0"});
}

// --- Headers split by Continue, interleaving ----------------------------------------------------------

TW_TEST(sockety_decode_header_split_by_continue_anywhere) {
    // The files message header (43 content bytes) cut at every point into Message + Continue, with
    // a heartbeat, a fast reply and another channel's whole message in between. Channel 0's events
    // must be those of the uncut message.
    const Bytes whole = files_message();
    Options o;
    o.only_channel = 0;
    o.limits.channels = 2;
    const std::vector<std::string> want = decode(whole, 0, o);
    const size_t content = 0x2b;
    const Bytes between = B().hex("a0 30").uuid(U3).hex("01 20 16 00").uuid(U2).hex("04").str("noop").hex("00").b;
    // (cut == content would leave an empty Continue after a complete header: an error.)
    for (size_t cut = 0; cut < content; ++cut) {
        B in;
        in.pkt(0x21, Bytes(whole.begin() + 2, whole.begin() + 2 + static_cast<long>(cut)));
        in.add(between);
        in.pkt(0x60, Bytes(whole.begin() + 2 + static_cast<long>(cut), whole.begin() + 2 + static_cast<long>(content)));
        in.add(Bytes(whole.begin() + 2 + static_cast<long>(content), whole.end()));
        const std::vector<std::string> got = decode(in.b, 0, o);
        if (got != want) {
            std::string detail = "cut at " + std::to_string(cut) + ": last event [" + (got.empty() ? "" : got.back()) + "]";
            tw_test::fail(__FILE__, __LINE__, "header split by Continue", detail.c_str());
            return;
        }
        if (cut % 7 == 0) CHECK_SPLITS(in.b, o);
    }
}

TW_TEST(sockety_decode_header_split_three_ways) {
    // Cut inside the uuid (after 10 bytes, as probed against sockety-js) and inside a file name.
    const Bytes whole = files_message();
    Options o;
    o.only_channel = 0;
    const std::vector<std::string> want = decode(whole, 0, o);
    B in;
    in.pkt(0x21, Bytes(whole.begin() + 2, whole.begin() + 12)).hex("a0 a0");
    in.pkt(0x60, Bytes(whole.begin() + 12, whole.begin() + 42)).hex("b0");
    in.pkt(0x60, Bytes(whole.begin() + 42, whole.begin() + 45));
    in.add(Bytes(whole.begin() + 45, whole.end()));
    CHECK(decode(in.b, 0, o) == want);
    CHECK_SPLITS(in.b, o);
    // Without the filter the name comes in two pieces around the Go Away.
    const std::vector<std::string> raw = decode(in.b, 0);
    REQUIRE(raw.size() > 10);
    CHECK(raw[8] == "FileNameChunk ch=0 index=1 size=2 last=0 \"b.\"");
    CHECK(raw[9] == "GoAway");
    CHECK(raw[10] == "FileNameChunk ch=0 index=1 size=3 last=1 \"bin\"");
}

TW_TEST(sockety_decode_body_before_file_headers_finish) {
    // Data and file 0 may come while the header still lists file 1 (the spec only asks that a
    // file's own header comes before its content); file 1's content may not.
    const Bytes first = B().hex("50").uuid(U1).hex("01").str("a").hex("02 02 03 00").hex("00 01 01").str("x").b;
    const Bytes start = B().pkt(0x21, first).hex("e0 02").str("hi").hex("c0 01").str("q").hex("d0").b;
    const Bytes ok = B().add(start).pkt(0x60, B().hex("00 02 01").str("y").b).hex("c1 02 01").str("zz").hex("d1 01").b;
    CHECK_LINES(decode(ok, 0),
                {"MessageStart ch=0 id=" S1 " stream=0 expects=1 action_size=1", "ActionChunk ch=0 size=1 last=1 \"a\"",
                 "HeaderSizes ch=0 data=2 files=2 total=3", "FileHeader ch=0 index=0 size=1 name_size=1",
                 "FileNameChunk ch=0 index=0 size=1 last=1 \"x\"", "DataChunk ch=0 size=2 last=1 finished=0 \"hi\"",
                 "FileChunk ch=0 index=0 size=1 \"q\"", "FileEnd ch=0 index=0 finished=0",
                 "FileHeader ch=0 index=1 size=2 name_size=1", "FileNameChunk ch=0 index=1 size=1 last=1 \"y\"",
                 "HeaderEnd ch=0 finished=0", "FileChunk ch=0 index=1 size=2 \"zz\"", "FileEnd ch=0 index=1 finished=1"});
    CHECK_SPLITS(ok, Options());
    // File 1 (content or end) before its header: refused.
    CHECK(decode(B().add(start).hex("c1 01 01").str("z").b, 0).back() == "Error packet with nothing in progress to belong to");
    CHECK(decode(B().add(start).hex("d1 01").b, 0).back() == "Error packet with nothing in progress to belong to");
}

TW_TEST(sockety_decode_interleaved_channels) {
    // WIRE.md §7 probe: Message A + part of A's data on 0, Message B + part of B's data on 1, back.
    const Bytes in = B()
        .hex("21 17 40").uuid(U1).hex("04").str("echo").hex("0a").hex("e0 04").str("aaaa")
        .hex("01").hex("21 17 40").uuid(U2).hex("04").str("echo").hex("06").hex("e0 03").str("bbb")
        .hex("00 e0 06").str("AAAAAA").hex("01 e0 03").str("BBB").b;
    const std::vector<std::string> got = decode(in, 0);
    REQUIRE_EQ(got.size(), size_t{15});
    CHECK(got[4] == "DataChunk ch=0 size=4 last=0 finished=0 \"aaaa\"");
    CHECK(got[5] == "SwitchChannel ch=1");
    CHECK(got[10] == "DataChunk ch=1 size=3 last=0 finished=0 \"bbb\"");
    CHECK(got[12] == "DataChunk ch=0 size=6 last=1 finished=1 \"AAAAAA\"");
    CHECK(got[14] == "DataChunk ch=1 size=3 last=1 finished=1 \"BBB\"");
    CHECK_SPLITS(in, Options());
}

TW_TEST(sockety_decode_signals_between_message_and_data) {
    const Bytes in = B().hex("21 17 40").uuid(U1).hex("04").str("echo").hex("05").hex("a0 30").uuid(U2)
                         .hex("b0 e0 02").str("he").hex("a0 e0 03").str("llo").b;
    CHECK_LINES(decode(in, 0),
                {"MessageStart ch=0 id=" S1 " stream=0 expects=1 action_size=4", "ActionChunk ch=0 size=4 last=1 \"echo\"",
                 "HeaderSizes ch=0 data=5 files=0 total=0", "HeaderEnd ch=0 finished=0", "Heartbeat",
                 "FastReply id=" S2 " code=0", "GoAway", "DataChunk ch=0 size=2 last=0 finished=0 \"he\"", "Heartbeat",
                 "DataChunk ch=0 size=3 last=1 finished=1 \"llo\""});
    CHECK_SPLITS(in, Options());
}

TW_TEST(sockety_decode_empty_action_zero_packets_and_empty_files) {
    // "" is a valid action; a zero-size Data packet is nothing; an empty file has only File End.
    const Bytes in = B().pkt(0x21, B().hex("50").uuid(U1).hex("00 02 01 00 00 00 00 01").str("e").b)
                         .hex("e0 00 e0 02").str("hi").hex("d0").b;
    CHECK_LINES(decode(in, 0),
                {"MessageStart ch=0 id=" S1 " stream=0 expects=1 action_size=0", "HeaderSizes ch=0 data=2 files=1 total=0",
                 "FileHeader ch=0 index=0 size=0 name_size=1", "FileNameChunk ch=0 index=0 size=1 last=1 \"e\"",
                 "HeaderEnd ch=0 finished=0", "DataChunk ch=0 size=2 last=1 finished=0 \"hi\"",
                 "FileEnd ch=0 index=0 finished=1"});
    CHECK_SPLITS(in, Options());
    // An empty file name and a non-minimal index width (`c1 .. 00` = index 0 as uint8).
    const Bytes in2 = B().pkt(0x21, B().hex("10").uuid(U1).hex("01").str("f").hex("01 02 00 00 02 00").b)
                          .hex("c1 02 00").str("zz").hex("d1 00").b;
    CHECK_LINES(decode(in2, 0),
                {"MessageStart ch=0 id=" S1 " stream=0 expects=1 action_size=1", "ActionChunk ch=0 size=1 last=1 \"f\"",
                 "HeaderSizes ch=0 data=0 files=1 total=2", "FileHeader ch=0 index=0 size=2 name_size=0",
                 "HeaderEnd ch=0 finished=0", "FileChunk ch=0 index=0 size=2 \"zz\"", "FileEnd ch=0 index=0 finished=1"});
    // A Message packet of size 0: the whole header comes in a Continue.
    const Bytes in3 = B().hex("21 00 a0").pkt(0x60, B().hex("00").uuid(U1).hex("00").b).b;
    CHECK_LINES(decode(in3, 0),
                {"Heartbeat", "MessageStart ch=0 id=" S1 " stream=0 expects=1 action_size=0",
                 "HeaderSizes ch=0 data=0 files=0 total=0", "HeaderEnd ch=0 finished=1"});
}

TW_TEST(sockety_decode_abort_frees_the_channel) {
    // WIRE.md §9: Message(echo, 10 B), Data(5 B), Abort, then a new Message on the same channel.
    const Bytes in = B().hex("21 17 40").uuid(U1).hex("04").str("echo").hex("0a").hex("e0 05").str("hello").hex("90")
                         .hex("21 18 00").uuid(U2).hex("06").str("accept").hex("90").b;
    const std::vector<std::string> got = decode(in, 0);
    REQUIRE_EQ(got.size(), size_t{11});
    CHECK(got[5] == "Abort ch=0 aborted=1 response=0 id=" S1);
    CHECK(got[6] == "MessageStart ch=0 id=" S2 " stream=0 expects=1 action_size=6");
    CHECK(got[9] == "HeaderEnd ch=0 finished=1");
    CHECK(got[10] == "Abort ch=0 aborted=0 response=0 id=00000000-0000-0000-0000-000000000000");
    CHECK_SPLITS(in, Options());
    // Abort while the header (4 of its uuid bytes in) waits for its Continue.
    const Bytes in2 = B().pkt(0x51, B().hex("00 01 02 03 04").b).hex("90 60 01 00").b;
    CHECK_LINES(decode(in2, 0), {"Abort ch=0 aborted=1 response=1 id=00000000-0000-0000-0000-000000000000",
                                 "Error packet with nothing in progress to belong to"});
}

TW_TEST(sockety_decode_channel_state_is_exposed) {
    std::vector<ChannelState> channels(16);
    DecoderLimits limits;
    limits.channels = 16;
    PacketDecoder d;
    REQUIRE(d.init(limits, channels.data(), channels.size(), false));
    const Bytes in = B().hex("03 23 17 40").uuid(U1).hex("04").str("echo").hex("05 e0 02").str("he").b;
    size_t off = 0;
    for (;;) {
        const Decoded r = d.feed(in.data() + off, in.size() - off);
        off += r.consumed;
        if (r.event.type == EventType::NeedMore || r.event.type == EventType::Error) break;
    }
    CHECK_EQ(off, in.size());
    CHECK_EQ(d.current_channel(), 3);
    const ChannelState& ch = d.channel_state(3);
    CHECK(ch.phase == ChannelState::Phase::Body);
    CHECK_EQ(ch.data_left, uint64_t{3});
    CHECK(ch.stream_open);
    CHECK(ch.id == U1);
    CHECK(d.channel_state(0).idle());
    CHECK(sizeof(ChannelState) <= 128);
    CHECK(sizeof(PacketDecoder) <= 96);
}

TW_TEST(sockety_decode_zero_consumption_events_need_a_call_with_no_input) {
    // The header ends with the span: HeaderSizes and HeaderEnd still come, from empty feeds.
    const Bytes in = B().hex("21 18 00").uuid(U1).hex("06").str("accept").b;
    std::vector<ChannelState> channels(1);
    DecoderLimits limits;
    limits.channels = 1;
    PacketDecoder d;
    REQUIRE(d.init(limits, channels.data(), channels.size(), false));
    size_t off = 0;
    std::vector<EventType> types;
    std::vector<size_t> consumed;
    for (int i = 0; i < 10; ++i) {
        const Decoded r = d.feed(in.data() + off, in.size() - off);
        off += r.consumed;
        if (r.event.type == EventType::NeedMore) break;
        types.push_back(r.event.type);
        consumed.push_back(r.consumed);
    }
    REQUIRE_EQ(types.size(), size_t{4});
    CHECK(types[2] == EventType::HeaderSizes);
    CHECK(types[3] == EventType::HeaderEnd);
    CHECK_EQ(consumed[2], size_t{0});
    CHECK_EQ(consumed[3], size_t{0});
    const Decoded again = d.feed(nullptr, 0);
    CHECK(again.event.type == EventType::NeedMore);
    CHECK_EQ(again.consumed, size_t{0});
}

TW_TEST(sockety_decode_need_more_reports_missing_header_bytes) {
    std::vector<ChannelState> channels(1);
    DecoderLimits limits;
    limits.channels = 1;
    PacketDecoder d;
    REQUIRE(d.init(limits, channels.data(), channels.size(), true));
    const Bytes in = B().hex("e3 41").b;
    Decoded r = d.feed(in.data(), in.size());
    CHECK(r.event.type == EventType::ConnectionHeader);
    CHECK_EQ(r.consumed, size_t{1});
    r = d.feed(in.data() + 1, 1);
    CHECK(r.event.type == EventType::NeedMore);
    CHECK_EQ(r.consumed, size_t{1});
    CHECK_EQ(r.event.need, size_t{17});  // the rest of an 18-byte high Fast Reply
}

// --- Errors ---------------------------------------------------------------------------------------------

TW_TEST(sockety_decode_error_unknown_type_and_sticky) {
    CHECK_LINES(decode(B().hex("a0 f0 a0").b, 0), {"Heartbeat", "Error unknown packet type"});
    std::vector<ChannelState> channels(1);
    DecoderLimits limits;
    limits.channels = 1;
    PacketDecoder d;
    REQUIRE(d.init(limits, channels.data(), channels.size(), false));
    const Bytes in = B().hex("a0 ff").b;
    Decoded r = d.feed(in.data(), in.size());
    CHECK(r.event.type == EventType::Heartbeat);
    r = d.feed(in.data() + 1, 1);
    CHECK(r.event.type == EventType::Error);
    CHECK(r.event.error == DecodeError::UnknownPacketType);
    CHECK_EQ(r.consumed, size_t{0});  // the bad byte is not consumed
    r = d.feed(in.data(), in.size());
    CHECK(r.event.type == EventType::Error);
    CHECK(r.event.error == DecodeError::UnknownPacketType);
    CHECK_EQ(r.consumed, size_t{0});
    CHECK(d.failed());
    CHECK(d.error() == DecodeError::UnknownPacketType);
    // init starts over.
    REQUIRE(d.init(limits, channels.data(), channels.size(), false));
    CHECK(d.feed(in.data(), 1).event.type == EventType::Heartbeat);
}

TW_TEST(sockety_decode_error_not_initialized) {
    PacketDecoder d;
    const uint8_t byte = 0xa0;
    CHECK(d.feed(&byte, 1).event.error == DecodeError::NotInitialized);
    std::vector<ChannelState> channels(8);
    DecoderLimits limits;
    limits.channels = 16;
    CHECK(!d.init(limits, channels.data(), channels.size()));
    CHECK(d.feed(&byte, 1).event.error == DecodeError::NotInitialized);
    limits.channels = 0;
    CHECK(!d.init(limits, channels.data(), channels.size()));
    limits.channels = 4097;
    CHECK(!d.init(limits, channels.data(), channels.size()));
    limits.channels = 8;
    CHECK(!d.init(limits, nullptr, 8));
    CHECK(d.init(limits, channels.data(), channels.size()));
}

TW_TEST(sockety_decode_error_channel_out_of_range) {
    Options o;
    o.limits.channels = 16;
    CHECK_LINES(decode(B().hex("0f 10 10").b, 0, o), {"SwitchChannel ch=15", "Error channel id over the announced channel count"});
    o.limits.channels = 1;
    CHECK_LINES(decode(B().hex("00 01").b, 0, o), {"SwitchChannel ch=0", "Error channel id over the announced channel count"});
    o.limits.channels = 300;
    CHECK_LINES(decode(B().hex("11 2b 11 2c").b, 0, o), {"SwitchChannel ch=299", "Error channel id over the announced channel count"});
}

TW_TEST(sockety_decode_error_channel_busy) {
    const char* kBusy = "Error message or response started on a busy channel";
    // A new Message while the previous one on the channel waits for data (sockety-js: "There is
    // already packet in process.").
    const Bytes echo5 = B().hex("21 17 40").uuid(U1).hex("04").str("echo").hex("05").b;
    CHECK(decode(B().add(echo5).hex("21 18 00").uuid(U2).hex("06").str("accept").b, 0).back() == kBusy);
    // A Response while a stream is open.
    const Bytes stream = B().hex("23 18 00").uuid(U1).hex("06").str("stream").b;
    CHECK(decode(B().add(stream).hex("51 21 00").uuid(U1).uuid(U2).b, 0).back() == kBusy);
    // A Message while the previous header waits for its Continue.
    CHECK(decode(B().pkt(0x21, B().hex("00 01").b).hex("21 00").b, 0).back() == kBusy);
    // On another channel it is fine.
    CHECK(decode(B().add(stream).hex("01 51 21 00").uuid(U1).uuid(U2).b, 0).back() == "HeaderEnd ch=1 finished=1");
}

TW_TEST(sockety_decode_error_unexpected_packets) {
    const std::string kUnexpected = "Error packet with nothing in progress to belong to";
    CHECK(decode(B().hex("60 01 00").b, 0).back() == kUnexpected);  // Continue on an idle channel
    CHECK(decode(B().hex("e0 01 00").b, 0).back() == kUnexpected);  // Data on an idle channel
    CHECK(decode(B().hex("e0 00").b, 0).back() == kUnexpected);     // even an empty one
    CHECK(decode(B().hex("70 01 00").b, 0).back() == kUnexpected);  // Stream on an idle channel
    CHECK(decode(B().hex("80").b, 0).back() == kUnexpected);        // Stream End on an idle channel
    CHECK(decode(B().hex("c0 01 00").b, 0).back() == kUnexpected);  // File on an idle channel
    CHECK(decode(B().hex("d0").b, 0).back() == kUnexpected);        // File End on an idle channel
    const Bytes echo5 = B().hex("21 17 40").uuid(U1).hex("04").str("echo").hex("05").b;
    CHECK(decode(B().add(echo5).hex("70 01 00").b, 0).back() == kUnexpected);  // no stream declared
    CHECK(decode(B().add(echo5).hex("80").b, 0).back() == kUnexpected);
    CHECK(decode(B().add(echo5).hex("60 01 00").b, 0).back() == kUnexpected);  // header already complete
    // Body packets before the header's sizes arrived (the header waits for a Continue).
    const Bytes partial = B().pkt(0x23, B().hex("40 11 22 33 44").b).b;
    CHECK(decode(B().add(partial).hex("70 01 00").b, 0).back() == kUnexpected);
    CHECK(decode(B().add(partial).hex("e0 01 00").b, 0).back() == kUnexpected);
    CHECK(decode(B().add(partial).hex("80").b, 0).back() == kUnexpected);
    // Stream End twice (data still pending, so the message is not finished).
    const Bytes twice = B().hex("23 17 40").uuid(U1).hex("04").str("echo").hex("01 80 80").b;
    CHECK_LINES(decode(twice, 0), {"MessageStart ch=0 id=" S1 " stream=1 expects=1 action_size=4",
                                   "ActionChunk ch=0 size=4 last=1 \"echo\"", "HeaderSizes ch=0 data=1 files=0 total=0",
                                   "HeaderEnd ch=0 finished=0", "StreamEnd ch=0 finished=0", kUnexpected});
    // A File End past the files count while data is still pending.
    const Bytes files = B().pkt(0x21, B().hex("50").uuid(U1).hex("01").str("f").hex("02 02 00 00 00 00 01").str("a")
                                          .hex("00 00 01").str("b").b).b;  // 2 empty files, 2 data bytes
    CHECK(decode(B().add(files).hex("d0 d1 01").b, 0).back() == "FileEnd ch=0 index=1 finished=0");
    CHECK(decode(B().add(files).hex("d0 d1 01 d0").b, 0).back() == kUnexpected);
}

TW_TEST(sockety_decode_error_data_overflow) {
    const std::string kOverflow = "Error more data than declared";
    const Bytes echo5 = B().hex("21 17 40").uuid(U1).hex("04").str("echo").hex("05").b;
    CHECK(decode(B().add(echo5).hex("e0 06").str("hello!").b, 0).back() == kOverflow);
    CHECK(decode(B().add(echo5).hex("e0 03").str("hel").hex("e0 03").str("lo!").b, 0).back() == kOverflow);
    // Data on a message that declared none (its channel is busy with the stream).
    const Bytes stream = B().hex("23 18 00").uuid(U1).hex("06").str("stream").b;
    CHECK(decode(B().add(stream).hex("e0 01 00").b, 0).back() == kOverflow);
    // More file content than the files declared.
    const Bytes one_file = B().pkt(0x21, B().hex("10").uuid(U1).hex("01").str("f").hex("01 03 00 00 03 01").str("x").b).b;
    CHECK(decode(B().add(one_file).hex("c0 04").str("abcd").b, 0).back() == kOverflow);
    CHECK(decode(B().add(one_file).hex("c0 02").str("ab").hex("c0 02").str("cd").b, 0).back() == kOverflow);
}

TW_TEST(sockety_decode_error_file_index_out_of_range) {
    const std::string kIndex = "Error file index over the files count";
    const Bytes one_file = B().pkt(0x21, B().hex("10").uuid(U1).hex("01").str("f").hex("01 03 00 00 03 01").str("x").b).b;
    CHECK(decode(B().add(one_file).hex("c1 01 01").str("a").b, 0).back() == kIndex);
    CHECK(decode(B().add(one_file).hex("d1 01").b, 0).back() == kIndex);
    CHECK(decode(B().add(one_file).hex("d3 ff ff ff").b, 0).back() == kIndex);
    CHECK(decode(B().add(one_file).hex("ce 01 00 00 00 00 01").str("a").b, 0).back() == kIndex);
}

TW_TEST(sockety_decode_error_header_overrun) {
    // The packet says 25 bytes; the header holds 24.
    const Bytes in = B().hex("21 19 00").uuid(U1).hex("06").str("accept").hex("a0").b;
    CHECK_LINES(decode(in, 0), {"MessageStart ch=0 id=" S1 " stream=0 expects=1 action_size=6",
                                "ActionChunk ch=0 size=6 last=1 \"accept\"", "HeaderSizes ch=0 data=0 files=0 total=0",
                                "Error packet longer than the header it carries"});
    CHECK_SPLITS(in, Options());
    // The same in a Continue: a Response header cut after 15 bytes of its parent id.
    const Bytes in2 = B().pkt(0x51, B().hex("00").add(Bytes(U1.bytes, U1.bytes + 15)).b)
                          .pkt(0x60, B().hex("27").uuid(U2).hex("00").b).b;
    CHECK(decode(in2, 0).back() == "Error packet longer than the header it carries");
}

TW_TEST(sockety_decode_error_bad_header_file_sizes) {
    const std::string kBad = "Error file sizes do not add up to the total files size";
    // total 2, but the file says 3
    CHECK(decode(B().pkt(0x21, B().hex("10").uuid(U1).hex("01").str("f").hex("01 02 00 00 03 01").str("x").b).b, 0).back() == kBad);
    // total 4, the file says 3
    CHECK(decode(B().pkt(0x21, B().hex("10").uuid(U1).hex("01").str("f").hex("01 04 00 00 03 01").str("x").b).b, 0).back() == kBad);
    // files count written as 0 with a non-zero total
    CHECK(decode(B().pkt(0x21, B().hex("10").uuid(U1).hex("01").str("f").hex("00 05 00").b).b, 0).back() == kBad);
    // ... and with a zero total it is just a message without files
    CHECK(decode(B().pkt(0x21, B().hex("10").uuid(U1).hex("01").str("f").hex("00 00 00").b).b, 0).back() ==
          "HeaderEnd ch=0 finished=1");
}

TW_TEST(sockety_decode_error_limits) {
    Options o;
    o.limits.max_action_size = 4;
    CHECK(decode(B().hex("21 16 00").uuid(U1).hex("04").str("noop").b, 0, o).back() == "HeaderEnd ch=0 finished=1");
    CHECK_LINES(decode(B().hex("21 17 00").uuid(U1).hex("05").str("files").b, 0, o), {"Error action name over the limit"});
    // A 16-bit action length: 301 over a limit of 300.
    o.limits.max_action_size = 300;
    CHECK_LINES(decode(B().hex("25 00 02 02").uuid(U1).hex("2d 01").b, 0, o), {"Error action name over the limit"});
    Options f;
    f.limits.max_file_name_size = 4;
    const Bytes name5 = B().pkt(0x21, B().hex("10").uuid(U1).hex("01").str("f").hex("01 03 00 00 03 05").str("x.txt").b).b;
    CHECK(decode(name5, 0, f).back() == "Error file name over the limit");
    f.limits.max_file_name_size = 5;
    CHECK(decode(name5, 0, f).back() == "HeaderEnd ch=0 finished=0");
    Options n;
    n.limits.max_files = 1;
    const Bytes two = B().pkt(0x21, B().hex("10").uuid(U1).hex("01").str("f").hex("02 00 00 00 00 00 00 00 00").b).b;
    CHECK(decode(two, 0, n).back() == "Error files count over the limit");
    n.limits.max_files = 2;
    CHECK(decode(two, 0, n).back() == "HeaderEnd ch=0 finished=0");
}

TW_TEST(sockety_decode_error_strings_are_distinct) {
    for (int a = 0; a <= static_cast<int>(DecodeError::NotInitialized); ++a)
        for (int b = a + 1; b <= static_cast<int>(DecodeError::NotInitialized); ++b)
            CHECK(std::string(to_string(static_cast<DecodeError>(a))) != to_string(static_cast<DecodeError>(b)));
    CHECK(std::string(to_string(static_cast<DecodeError>(200))) == "unknown decode error");
}
