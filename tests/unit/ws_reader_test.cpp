// Tests of the WebSocket message reader (source/ws/reader.*), grouped like the Autobahn
// testsuite: framing, ping/pong, reserved bits, opcodes, fragmentation, UTF-8, close handling,
// limits; then the feeding contract (NeedMore, in-place unmasking, linearising a ring) and the
// equivalence of whole / byte-by-byte / ring-chunked feeding.
#include "tests/framework/check.hpp"
#include "ws/frame.hpp"
#include "ws/reader.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

using namespace tickwire::detail::ws;

namespace {

using Bytes = std::vector<uint8_t>;

constexpr uint8_t kCont = 0x0, kText = 0x1, kBin = 0x2, kClose = 0x8, kPing = 0x9, kPong = 0xA;

const MaskKey kRfcKey = {{0x37, 0xfa, 0x21, 0x3d}};

// Length field forms for raw frames.
enum class Len { Minimal, Force16, Force64 };

// Builds any frame, valid or not: `b0` is the whole first byte (FIN, RSV, opcode).
Bytes raw(uint8_t b0, const std::string& payload, bool masked, Len form = Len::Minimal,
          MaskKey key = kRfcKey) {
    Bytes out;
    out.push_back(b0);
    const uint64_t n = payload.size();
    const uint8_t m = masked ? 0x80 : 0;
    if (form == Len::Force64 || (form == Len::Minimal && n > 0xFFFF)) {
        out.push_back(m | 127);
        for (int i = 7; i >= 0; --i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
    } else if (form == Len::Force16 || n > 125) {
        out.push_back(m | 126);
        out.push_back(static_cast<uint8_t>(n >> 8));
        out.push_back(static_cast<uint8_t>(n));
    } else {
        out.push_back(static_cast<uint8_t>(m | n));
    }
    if (masked) out.insert(out.end(), key.bytes, key.bytes + 4);
    for (size_t i = 0; i < payload.size(); ++i)
        out.push_back(static_cast<uint8_t>(payload[i] ^ (masked ? key.bytes[i % 4] : 0)));
    return out;
}

uint8_t b0(bool fin, uint8_t op) { return static_cast<uint8_t>((fin ? 0x80 : 0) | op); }

// A well-formed frame as a peer of a reader in `role` sends it (clients mask, servers don't).
Bytes fr(Role role, bool fin, uint8_t op, const std::string& payload) {
    return raw(b0(fin, op), payload, role == Role::Server);
}

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

std::string close_payload(uint16_t code, const std::string& reason = "") {
    std::string s;
    s += static_cast<char>(code >> 8);
    s += static_cast<char>(code & 0xFF);
    return s + reason;
}

std::string pattern(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + i % 26);
    return s;
}

// One reported event, with its view copied out.
struct Ev {
    explicit Ev(ReadEvent e = ReadEvent::NeedMore) : event(e) {}
    ReadEvent event;
    Opcode opcode = Opcode::Continuation;
    bool first = false, fin = false;
    std::string data;
    uint16_t code = 0;
    ReadError error = ReadError::None;

    bool operator==(const Ev& o) const {
        return event == o.event && opcode == o.opcode && first == o.first && fin == o.fin &&
               data == o.data && code == o.code && error == o.error;
    }
};

Ev to_ev(const ReadResult& r) {
    Ev e;
    e.event = r.event;
    if (r.event == ReadEvent::DataChunk) {
        e.opcode = r.opcode;
        e.first = r.first;
        e.fin = r.fin;
    }
    if (r.size) e.data.assign(reinterpret_cast<const char*>(r.data), r.size);
    e.code = r.close_code;
    e.error = r.error;
    return e;
}

// Checks the contract on every result; counts violations instead of aborting so a test reports.
struct Contract {
    int violations = 0;
    int linearised = 0; // reads from a copy across the ring's wrap
    void check(const ReadResult& r, size_t offered) {
        if (r.consumed > offered) ++violations;
        switch (r.event) {
        case ReadEvent::NeedMore:
            if (r.need == 0 || r.consumed + r.need <= offered) ++violations; // truly needs more
            break;
        case ReadEvent::Error:
        case ReadEvent::Done:
            if (r.consumed != 0) ++violations;
            break;
        default:
            if (r.consumed == 0) ++violations; // every event makes progress
            if (r.size && (r.data == nullptr)) ++violations;
            break;
        }
    }
};

// Feeds everything in one span, as many calls as it takes.
std::vector<Ev> run_whole(Reader& reader, Bytes bytes, Contract* c = nullptr) {
    std::vector<Ev> log;
    size_t pos = 0;
    for (int guard = 0; guard < 100000; ++guard) {
        const size_t offered = bytes.size() - pos;
        ReadResult r = reader.read(bytes.data() + pos, offered);
        if (c) c->check(r, offered);
        pos += r.consumed;
        if (r.event == ReadEvent::NeedMore) break;
        log.push_back(to_ev(r));
        if (r.event == ReadEvent::Error || r.event == ReadEvent::Done) break;
    }
    return log;
}

std::vector<Ev> run_whole(Role role, const Bytes& bytes, uint64_t limit = 0) {
    ReaderOptions o;
    o.role = role;
    o.max_message_size = limit;
    Reader reader(o);
    return run_whole(reader, bytes);
}

// Feeds the bytes as they "arrive" one at a time: the span grows by one byte whenever the
// reader answers NeedMore.
std::vector<Ev> run_bytewise(Reader& reader, Bytes bytes, Contract* c = nullptr) {
    std::vector<Ev> log;
    size_t pos = 0, avail = 0;
    for (int guard = 0; guard < 1000000; ++guard) {
        const size_t offered = avail - pos;
        ReadResult r = reader.read(bytes.data() + pos, offered);
        if (c) c->check(r, offered);
        pos += r.consumed;
        if (r.event == ReadEvent::NeedMore) {
            if (avail == bytes.size()) break;
            ++avail;
            continue;
        }
        log.push_back(to_ev(r));
        if (r.event == ReadEvent::Error || r.event == ReadEvent::Done) break;
    }
    return log;
}

// Small deterministic PRNG for chunk sizes.
struct Rng {
    uint64_t s;
    uint32_t next() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return static_cast<uint32_t>(s);
    }
    size_t below(size_t n) { return n ? next() % n : 0; }
};

// Emulates the core: bytes arrive in random amounts into a ring of `cap` bytes; the reader sees
// the first contiguous span; when it needs more contiguous bytes than that span holds but the
// ring has them across the wrap, exactly `need` bytes are copied to a stack buffer and read
// from there (which must then consume all of them, or ask for more).
std::vector<Ev> run_ring(Reader& reader, const Bytes& bytes, uint64_t seed, size_t cap,
                         Contract* c = nullptr) {
    std::vector<Ev> log;
    Bytes ring(cap);
    size_t rpos = 0, fill = 0, produced = 0;
    Rng rng{seed * 2654435761u + 1};
    auto produce = [&]() {
        size_t n = 1 + rng.below(40);
        n = std::min({n, cap - fill, bytes.size() - produced});
        for (size_t i = 0; i < n; ++i) ring[(rpos + fill + i) % cap] = bytes[produced + i];
        fill += n;
        produced += n;
        return n;
    };
    for (int guard = 0; guard < 1000000; ++guard) {
        const size_t first = std::min(fill, cap - rpos);
        ReadResult r = reader.read(ring.data() + rpos, first);
        if (c) c->check(r, first);
        uint8_t stack[kMaxNeed];
        // Linearise across the wrap, as the core will: copy exactly `need` bytes, and again
        // with more when the reader learns that it needs more (a header's full size).
        while (r.event == ReadEvent::NeedMore && r.consumed == 0 && r.need > first &&
               r.need <= fill) {
            if (r.need > sizeof stack) {
                if (c) ++c->violations;
                return log;
            }
            const size_t need = r.need;
            for (size_t i = 0; i < need; ++i) stack[i] = ring[(rpos + i) % cap];
            if (c) ++c->linearised;
            r = reader.read(stack, need);
            if (c) {
                c->check(r, need);
                if (r.event != ReadEvent::NeedMore && r.event != ReadEvent::Error &&
                    r.consumed != need)
                    ++c->violations; // a linearised header/control frame is consumed whole
            }
        }
        rpos = (rpos + r.consumed) % cap;
        fill -= r.consumed;
        if (r.event == ReadEvent::NeedMore) {
            if (r.consumed > 0 && r.need <= fill) continue; // progress; more is already here
            if (produced == bytes.size()) break;            // the stream is over
            produce();
            continue;
        }
        log.push_back(to_ev(r));
        if (r.event == ReadEvent::Error || r.event == ReadEvent::Done) break;
    }
    return log;
}

// Merges data chunks into whole messages. A message cut short by an Error is dropped (with
// fail-fast UTF-8 checks the valid prefix delivered before the error depends on chunking).
// Counts chunk-sequence violations (first/fin/opcode consistency) in `bad`.
std::vector<Ev> messages(const std::vector<Ev>& log, int* bad = nullptr) {
    std::vector<Ev> out;
    bool open = false;
    Ev cur(ReadEvent::DataChunk);
    int violations = 0;
    for (const Ev& e : log) {
        if (e.event != ReadEvent::DataChunk) {
            out.push_back(e);
            continue;
        }
        if (e.first == open) ++violations; // first exactly when no message is open
        if (!open) {
            cur = e;
            cur.fin = false;
            open = true;
        } else {
            if (e.opcode != cur.opcode) ++violations;
            cur.data += e.data;
        }
        if (e.fin) {
            cur.fin = true;
            out.push_back(cur);
            open = false;
        }
    }
    if (bad) *bad += violations;
    return out;
}

Ev data_msg(Opcode op, const std::string& s) {
    Ev e(ReadEvent::DataChunk);
    e.opcode = op;
    e.first = e.fin = true;
    e.data = s;
    return e;
}
Ev ctl(ReadEvent ev, const std::string& s, uint16_t code = 0) {
    Ev e(ev);
    e.data = s;
    e.code = code;
    return e;
}
Ev err(ReadError r) {
    Ev e(ReadEvent::Error);
    e.error = r;
    e.code = close_code_for(r);
    return e;
}

// Runs `bytes` through a reader of `role` fed whole, byte by byte and ring-chunked, checks the
// contract and that all agree, and returns the merged messages of the whole feed.
std::vector<Ev> all_ways(Role role, const Bytes& bytes, uint64_t limit = 0,
                         int* disagreements = nullptr) {
    ReaderOptions o;
    o.role = role;
    o.max_message_size = limit;
    Contract c;
    int bad = 0;
    Reader a(o);
    const std::vector<Ev> whole = messages(run_whole(a, bytes, &c), &bad);
    Reader b(o);
    const std::vector<Ev> bytewise = messages(run_bytewise(b, bytes, &c), &bad);
    int differ = (whole == bytewise) ? 0 : 1;
    for (uint64_t seed = 1; seed <= 6; ++seed) {
        Reader r(o);
        const std::vector<Ev> ring = messages(run_ring(r, bytes, seed, static_cast<size_t>(140 + seed * 7), &c), &bad);
        if (!(ring == whole)) ++differ;
    }
    differ += c.violations + bad;
    if (disagreements)
        *disagreements += differ;
    else
        CHECK_EQ(differ, 0);
    return whole;
}

bool ends_with_error(const std::vector<Ev>& log, ReadError e) {
    return !log.empty() && log.back().event == ReadEvent::Error && log.back().error == e &&
           log.back().code == close_code_for(e);
}

const Role kRoles[] = {Role::Server, Role::Client};

} // namespace

// ==== 1. Framing ===============================================================================

TW_TEST(ws_reader_rfc_unmasked_hello_as_client) {
    Bytes b = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    Reader reader(ReaderOptions{Role::Client, 0, false});
    ReadResult r = reader.read(b.data(), b.size());
    REQUIRE(r.event == ReadEvent::DataChunk);
    CHECK_EQ(r.consumed, size_t{7});
    CHECK(r.opcode == Opcode::Text);
    CHECK(r.first);
    CHECK(r.fin);
    REQUIRE_EQ(r.size, size_t{5});
    CHECK(std::memcmp(r.data, "Hello", 5) == 0);
    CHECK(r.data == b.data() + 2); // a view into the span, no copy
    CHECK(!reader.in_message());
}

TW_TEST(ws_reader_rfc_masked_hello_as_server_unmasks_in_place) {
    Bytes b = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    Reader reader;
    ReadResult r = reader.read(b.data(), b.size());
    REQUIRE(r.event == ReadEvent::DataChunk);
    CHECK_EQ(r.consumed, size_t{11});
    REQUIRE_EQ(r.size, size_t{5});
    CHECK(r.data == b.data() + 6);
    CHECK(std::memcmp(b.data() + 6, "Hello", 5) == 0); // unmasked in the caller's buffer
    CHECK(r.first && r.fin);
}

TW_TEST(ws_reader_rfc_fragmented_hello) {
    Bytes b = {0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f};
    Reader reader(ReaderOptions{Role::Client, 0, false});
    ReadResult r = reader.read(b.data(), b.size());
    REQUIRE(r.event == ReadEvent::DataChunk);
    CHECK_EQ(r.consumed, size_t{5});
    CHECK(r.opcode == Opcode::Text);
    CHECK(r.first);
    CHECK(!r.fin);
    CHECK(reader.in_message());
    ReadResult r2 = reader.read(b.data() + 5, b.size() - 5);
    REQUIRE(r2.event == ReadEvent::DataChunk);
    CHECK_EQ(r2.consumed, size_t{4});
    CHECK(r2.opcode == Opcode::Text); // the message's opcode, on a continuation
    CHECK(!r2.first);
    CHECK(r2.fin);
    CHECK(std::string(reinterpret_cast<const char*>(r2.data), r2.size) == "lo");
    CHECK(!reader.in_message());
}

TW_TEST(ws_reader_rfc_ping_and_masked_pong) {
    Bytes ping = {0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    std::vector<Ev> log = run_whole(Role::Client, ping);
    REQUIRE_EQ(log.size(), size_t{1});
    CHECK(log[0] == ctl(ReadEvent::Ping, "Hello"));
    Bytes pong = {0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    log = run_whole(Role::Server, pong);
    REQUIRE_EQ(log.size(), size_t{1});
    CHECK(log[0] == ctl(ReadEvent::Pong, "Hello"));
}

TW_TEST(ws_reader_rfc_256_and_64k_binary) {
    for (Role role : kRoles) {
        for (size_t n : {size_t{256}, size_t{65536}}) {
            const std::string p = pattern(n);
            Bytes b = fr(role, true, kBin, p);
            CHECK_EQ(b[1] & 0x7F, n == 256 ? 126 : 127);
            std::vector<Ev> m = all_ways(role, b);
            REQUIRE_EQ(m.size(), size_t{1});
            CHECK(m[0] == data_msg(Opcode::Binary, p));
        }
    }
}

TW_TEST(ws_reader_framing_lengths_text_and_binary) {
    for (Role role : kRoles) {
        for (size_t n : {0u, 1u, 125u, 126u, 127u, 128u, 1000u, 65535u, 65536u, 70000u}) {
            const std::string p = pattern(n);
            std::vector<Ev> m =
                all_ways(role, cat({fr(role, true, kText, p), fr(role, true, kBin, p)}));
            REQUIRE_EQ(m.size(), size_t{2});
            CHECK(m[0] == data_msg(Opcode::Text, p));
            CHECK(m[1] == data_msg(Opcode::Binary, p));
        }
    }
}

TW_TEST(ws_reader_framing_empty_messages_are_reported) {
    for (Role role : kRoles) {
        Bytes b = cat({fr(role, true, kText, ""), fr(role, true, kBin, "")});
        std::vector<Ev> log = run_whole(role, b);
        REQUIRE_EQ(log.size(), size_t{2});
        CHECK(log[0] == data_msg(Opcode::Text, ""));
        CHECK(log[1] == data_msg(Opcode::Binary, ""));
    }
}

TW_TEST(ws_reader_framing_many_frames_in_one_span) {
    for (Role role : kRoles) {
        Bytes b;
        for (int i = 0; i < 50; ++i)
            b = cat({b, fr(role, true, i % 2 ? kBin : kText, pattern(static_cast<size_t>(i)))});
        std::vector<Ev> m = all_ways(role, b);
        REQUIRE_EQ(m.size(), size_t{50});
        for (size_t i = 0; i < 50; ++i)
            CHECK(m[i] == data_msg(i % 2 ? Opcode::Binary : Opcode::Text, pattern(i)));
    }
}

TW_TEST(ws_reader_framing_state_is_tiny) { CHECK(sizeof(Reader) <= 32); }

// ==== 2. Ping / Pong ===========================================================================

TW_TEST(ws_reader_ping_pong_payloads) {
    for (Role role : kRoles) {
        std::string bin;
        for (int i = 0; i < 125; ++i) bin += static_cast<char>(255 - i);
        Bytes b = cat({fr(role, true, kPing, ""), fr(role, true, kPing, "Hello"),
                       fr(role, true, kPing, bin), fr(role, true, kPong, ""),
                       fr(role, true, kPong, "unsolicited")});
        std::vector<Ev> m = all_ways(role, b);
        REQUIRE_EQ(m.size(), size_t{5});
        CHECK(m[0] == ctl(ReadEvent::Ping, ""));
        CHECK(m[1] == ctl(ReadEvent::Ping, "Hello"));
        CHECK(m[2] == ctl(ReadEvent::Ping, bin));
        CHECK(m[3] == ctl(ReadEvent::Pong, ""));
        CHECK(m[4] == ctl(ReadEvent::Pong, "unsolicited"));
    }
}

TW_TEST(ws_reader_ping_too_long_is_1002) {
    for (Role role : kRoles) {
        // 126 bytes needs the 16-bit form: detected from the first two bytes.
        Bytes b = fr(role, true, kPing, pattern(126));
        std::vector<Ev> log = all_ways(role, b);
        CHECK(ends_with_error(log, ReadError::ControlTooLong));
        Reader reader(ReaderOptions{role, 0, false});
        ReadResult r = reader.read(b.data(), 2); // before any payload arrives
        CHECK(r.event == ReadEvent::Error);
        CHECK_EQ(r.close_code, 1002);
        // The 16-bit length form, even announcing 3 bytes: len7 == 126 is over 125 already.
        CHECK(ends_with_error(
            all_ways(role, raw(b0(true, kPong), "abc", role == Role::Server, Len::Force16)),
            ReadError::ControlTooLong));
    }
}

TW_TEST(ws_reader_ping_fragmented_is_1002) {
    for (Role role : kRoles) {
        CHECK(ends_with_error(all_ways(role, fr(role, false, kPing, "x")),
                              ReadError::FragmentedControl));
        CHECK(ends_with_error(all_ways(role, fr(role, false, kClose, "")),
                              ReadError::FragmentedControl));
        CHECK(ends_with_error(all_ways(role, fr(role, false, kPong, "")),
                              ReadError::FragmentedControl));
    }
}

TW_TEST(ws_reader_ping_after_error_is_not_read) {
    Bytes b = cat({fr(Role::Server, false, kPing, "x"), fr(Role::Server, true, kPing, "y")});
    std::vector<Ev> log = run_whole(Role::Server, b);
    REQUIRE_EQ(log.size(), size_t{1});
    CHECK(log[0] == err(ReadError::FragmentedControl));
}

// ==== 3. Reserved bits =========================================================================

TW_TEST(ws_reader_reserved_bits_are_1002) {
    for (Role role : kRoles) {
        for (uint8_t rsv = 1; rsv < 8; ++rsv) {
            const uint8_t bits = static_cast<uint8_t>(rsv << 4);
            for (uint8_t op : {kText, kBin, kPing, kClose}) {
                Bytes b =
                    cat({fr(role, true, kText, "ok"),
                         raw(static_cast<uint8_t>(b0(true, op) | bits), "", role == Role::Server)});
                std::vector<Ev> log = all_ways(role, b);
                REQUIRE_EQ(log.size(), size_t{2});
                CHECK(log[0] == data_msg(Opcode::Text, "ok")); // what came before is delivered
                CHECK(log[1] == err(ReadError::ReservedBits));
            }
            // On a continuation frame too.
            Bytes c =
                cat({fr(role, false, kText, "a"),
                     raw(static_cast<uint8_t>(b0(true, kCont) | bits), "b", role == Role::Server)});
            CHECK(ends_with_error(all_ways(role, c), ReadError::ReservedBits));
        }
    }
}

// ==== 4. Opcodes ===============================================================================

TW_TEST(ws_reader_reserved_opcodes_are_1002) {
    for (Role role : kRoles) {
        for (int op_int : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
            const auto op = static_cast<uint8_t>(op_int);
            for (const char* payload : {"", "reserved"}) {
                Bytes b = cat({fr(role, true, kText, "ok"), fr(role, true, op, payload),
                               fr(role, true, kPing, "")});
                std::vector<Ev> log = all_ways(role, b);
                REQUIRE_EQ(log.size(), size_t{2});
                CHECK(log[0] == data_msg(Opcode::Text, "ok"));
                CHECK(log[1] == err(ReadError::ReservedOpcode));
            }
        }
    }
}

// ==== 5. Fragmentation =========================================================================

TW_TEST(ws_reader_fragmentation_text_and_binary) {
    for (Role role : kRoles) {
        Bytes b = cat({fr(role, false, kText, "frag"), fr(role, false, kCont, "ment"),
                       fr(role, true, kCont, "ed"), fr(role, false, kBin, "12"),
                       fr(role, true, kCont, "34")});
        std::vector<Ev> m = all_ways(role, b);
        REQUIRE_EQ(m.size(), size_t{2});
        CHECK(m[0] == data_msg(Opcode::Text, "fragmented"));
        CHECK(m[1] == data_msg(Opcode::Binary, "1234"));
    }
}

TW_TEST(ws_reader_fragmentation_control_between_fragments) {
    for (Role role : kRoles) {
        Bytes b = cat({fr(role, false, kText, "frag"), fr(role, true, kPing, "p1"),
                       fr(role, false, kCont, "ment"), fr(role, true, kPong, "p2"),
                       fr(role, true, kCont, "ed")});
        std::vector<Ev> log = run_whole(role, b);
        REQUIRE_EQ(log.size(), size_t{5});
        CHECK(log[0].event == ReadEvent::DataChunk && log[0].first && !log[0].fin);
        CHECK(log[1] == ctl(ReadEvent::Ping, "p1"));
        CHECK(log[2].event == ReadEvent::DataChunk && !log[2].first && !log[2].fin);
        CHECK(log[3] == ctl(ReadEvent::Pong, "p2"));
        CHECK(log[4].event == ReadEvent::DataChunk && !log[4].first && log[4].fin);
        CHECK(log[4].opcode == Opcode::Text);
        std::vector<Ev> m = all_ways(role, b);
        REQUIRE_EQ(m.size(), size_t{3});
        CHECK(m[2] == data_msg(Opcode::Text, "fragmented"));
    }
}

TW_TEST(ws_reader_fragmentation_empty_fragments) {
    for (Role role : kRoles) {
        Bytes b = cat({fr(role, false, kText, ""), fr(role, false, kCont, ""),
                       fr(role, false, kCont, "x"), fr(role, false, kCont, ""),
                       fr(role, true, kCont, "")});
        std::vector<Ev> log = run_whole(role, b);
        CHECK_EQ(log.size(), size_t{5}); // each frame reported, even empty ones
        std::vector<Ev> m = all_ways(role, b);
        REQUIRE_EQ(m.size(), size_t{1});
        CHECK(m[0] == data_msg(Opcode::Text, "x"));
    }
}

TW_TEST(ws_reader_fragmentation_continuation_without_message_is_1002) {
    for (Role role : kRoles) {
        CHECK(ends_with_error(all_ways(role, fr(role, true, kCont, "x")),
                              ReadError::UnexpectedContinuation));
        CHECK(ends_with_error(all_ways(role, fr(role, false, kCont, "x")),
                              ReadError::UnexpectedContinuation));
        // After a complete message, a continuation is unexpected again.
        Bytes b = cat(
            {fr(role, false, kText, "a"), fr(role, true, kCont, "b"), fr(role, true, kCont, "c")});
        std::vector<Ev> m = all_ways(role, b);
        REQUIRE_EQ(m.size(), size_t{2});
        CHECK(m[0] == data_msg(Opcode::Text, "ab"));
        CHECK(m[1] == err(ReadError::UnexpectedContinuation));
    }
}

TW_TEST(ws_reader_fragmentation_new_message_inside_open_one_is_1002) {
    for (Role role : kRoles) {
        for (uint8_t op : {kText, kBin}) {
            for (bool fin : {true, false}) {
                Bytes b = cat({fr(role, false, kText, "a"), fr(role, fin, op, "b")});
                CHECK(ends_with_error(all_ways(role, b), ReadError::ExpectedContinuation));
            }
        }
    }
}

TW_TEST(ws_reader_fragmentation_close_between_fragments) {
    for (Role role : kRoles) {
        Bytes b =
            cat({fr(role, false, kText, "a"), fr(role, true, kClose, close_payload(1000, "bye")),
                 fr(role, true, kCont, "b")});
        std::vector<Ev> log = run_whole(role, b);
        REQUIRE_EQ(log.size(), size_t{3});
        CHECK(log[0].event == ReadEvent::DataChunk);
        CHECK(log[1] == ctl(ReadEvent::Close, "bye", 1000));
        CHECK(log[2].event == ReadEvent::Done);
    }
}

// ==== 6. UTF-8 =================================================================================

namespace {
// Autobahn 6.2: "Hello-µ@ßöäüàá-UTF-8!!"
const std::string kUtf8Text =
    "\x48\x65\x6c\x6c\x6f\x2d\xc2\xb5\x40\xc3\x9f\xc3\xb6\xc3\xa4\xc3\xbc\xc3\xa0\xc3\xa1\x2d\x55"
    "\x54\x46\x2d\x38\x21\x21";
// Autobahn 6.4.1: κόσμε, then a code point over U+10FFFF, then "edited".
const std::string kFailFast =
    "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xf4\x90\x80\x80\x65\x64\x69\x74\x65\x64";
} // namespace

TW_TEST(ws_reader_utf8_valid_text_split_at_every_position) {
    for (Role role : kRoles) {
        for (size_t at = 0; at <= kUtf8Text.size(); ++at) {
            Bytes b = cat({fr(role, false, kText, kUtf8Text.substr(0, at)),
                           fr(role, true, kCont, kUtf8Text.substr(at))});
            std::vector<Ev> m = all_ways(role, b);
            REQUIRE_EQ(m.size(), size_t{1});
            CHECK(m[0] == data_msg(Opcode::Text, kUtf8Text));
        }
        // One byte per frame.
        Bytes b;
        for (size_t i = 0; i < kUtf8Text.size(); ++i)
            b = cat({b, fr(role, i + 1 == kUtf8Text.size(), i == 0 ? kText : kCont,
                           kUtf8Text.substr(i, 1))});
        std::vector<Ev> m = all_ways(role, b);
        REQUIRE_EQ(m.size(), size_t{1});
        CHECK(m[0] == data_msg(Opcode::Text, kUtf8Text));
    }
}

TW_TEST(ws_reader_utf8_invalid_text_is_1007) {
    const char* bad[] = {"\x80", "\xC0\x80", "\xE0\x80\x80", "\xED\xA0\x80",    "\xF4\x90\x80\x80",
                         "\xFF", "abc\xFE",  "\xC2\x41",     "\xF0\x8F\xBF\xBF"};
    for (Role role : kRoles) {
        for (const char* s : bad) {
            std::vector<Ev> m = all_ways(role, fr(role, true, kText, s));
            REQUIRE_EQ(m.size(), size_t{1});
            CHECK(m[0] == err(ReadError::InvalidUtf8));
        }
        // Binary messages are not validated.
        std::vector<Ev> m = all_ways(role, fr(role, true, kBin, "\xFF\xC0\x80"));
        REQUIRE_EQ(m.size(), size_t{1});
        CHECK(m[0] == data_msg(Opcode::Binary, "\xFF\xC0\x80"));
    }
}

TW_TEST(ws_reader_utf8_fails_fast_within_a_frame) {
    for (Role role : kRoles) {
        Bytes b = fr(role, true, kText, kFailFast);
        const size_t header = b.size() - kFailFast.size();
        // Only the header and the bytes up to the offending 0x90 have arrived.
        Reader reader(ReaderOptions{role, 0, false});
        ReadResult r = reader.read(b.data(), header + 13);
        CHECK(r.event == ReadEvent::Error);
        CHECK(r.error == ReadError::InvalidUtf8);
        CHECK_EQ(r.close_code, 1007);
        // Chunked: the valid prefix may be delivered, then the error, before the frame ends.
        b = fr(role, true, kText, kFailFast); // the first read unmasked part of it in place
        Reader chunked(ReaderOptions{role, 0, false});
        ReadResult a = chunked.read(b.data(), header + 11); // κόσμε
        CHECK(a.event == ReadEvent::DataChunk);
        CHECK(a.first && !a.fin);
        ReadResult f4 = chunked.read(b.data() + a.consumed, 1); // F4: still possible
        CHECK(f4.event == ReadEvent::DataChunk);
        ReadResult x = chunked.read(b.data() + a.consumed + 1, 1); // 90: impossible
        CHECK(x.event == ReadEvent::Error);
        CHECK(x.error == ReadError::InvalidUtf8);
    }
}

TW_TEST(ws_reader_utf8_fails_fast_across_frames) {
    for (Role role : kRoles) {
        // F4 ends the first frame (fine so far), 90 starts the second: fail there, before FIN.
        Bytes b = cat({fr(role, false, kText, "ab\xF4"), fr(role, false, kCont, "\x90\x80\x80"),
                       fr(role, true, kCont, "z")});
        Reader reader(ReaderOptions{role, 0, false});
        std::vector<Ev> log = run_whole(reader, b);
        REQUIRE_EQ(log.size(), size_t{2});
        CHECK(log[0].event == ReadEvent::DataChunk);
        CHECK(log[1] == err(ReadError::InvalidUtf8));
        CHECK(ends_with_error(all_ways(role, b), ReadError::InvalidUtf8));
    }
}

TW_TEST(ws_reader_utf8_sequence_may_span_frames_and_chunks) {
    for (Role role : kRoles) {
        Bytes b = cat({fr(role, false, kText, "\xF0\x9F"), fr(role, true, kPing, ""),
                       fr(role, false, kCont, "\x98"), fr(role, true, kCont, "\x80!")});
        std::vector<Ev> m = all_ways(role, b);
        REQUIRE_EQ(m.size(), size_t{2});
        CHECK(m[0] == ctl(ReadEvent::Ping, ""));
        CHECK(m[1] == data_msg(Opcode::Text, "\xF0\x9F\x98\x80!"));
    }
}

TW_TEST(ws_reader_utf8_incomplete_at_message_end_is_1007) {
    for (Role role : kRoles) {
        CHECK(ends_with_error(all_ways(role, fr(role, true, kText, "\xE2\x82")),
                              ReadError::InvalidUtf8));
        // Completed by an empty final fragment? No: still incomplete.
        Bytes b = cat({fr(role, false, kText, "\xE2\x82"), fr(role, true, kCont, "")});
        CHECK(ends_with_error(all_ways(role, b), ReadError::InvalidUtf8));
        // Completed by the next fragment: fine.
        Bytes ok = cat({fr(role, false, kText, "\xE2\x82"), fr(role, true, kCont, "\xAC")});
        std::vector<Ev> m = all_ways(role, ok);
        REQUIRE_EQ(m.size(), size_t{1});
        CHECK(m[0] == data_msg(Opcode::Text, "\xE2\x82\xAC"));
    }
}

TW_TEST(ws_reader_utf8_state_resets_between_messages) {
    for (Role role : kRoles) {
        // A binary message with a dangling lead byte does not affect the next text message.
        Bytes b = cat({fr(role, true, kBin, "\xE2"), fr(role, true, kText, "ok")});
        std::vector<Ev> m = all_ways(role, b);
        REQUIRE_EQ(m.size(), size_t{2});
        CHECK(m[1] == data_msg(Opcode::Text, "ok"));
    }
}

// ==== 7. Close handling ========================================================================

TW_TEST(ws_reader_close_empty_is_1005) {
    for (Role role : kRoles) {
        Bytes b = cat({fr(role, true, kClose, ""), fr(role, true, kText, "after")});
        std::vector<Ev> log = run_whole(role, b);
        REQUIRE_EQ(log.size(), size_t{2});
        CHECK(log[0] == ctl(ReadEvent::Close, "", 1005));
        CHECK(log[1].event == ReadEvent::Done); // nothing is read after a Close
    }
}

TW_TEST(ws_reader_close_code_and_reason) {
    for (Role role : kRoles) {
        std::vector<Ev> m = all_ways(role, fr(role, true, kClose, close_payload(1000)));
        REQUIRE(!m.empty());
        CHECK(m[0] == ctl(ReadEvent::Close, "", 1000));
        m = all_ways(role, fr(role, true, kClose, close_payload(1001, "going \xC3\xA9")));
        REQUIRE(!m.empty());
        CHECK(m[0] == ctl(ReadEvent::Close, "going \xC3\xA9", 1001));
        const std::string longest(123, 'r');
        m = all_ways(role, fr(role, true, kClose, close_payload(4000, longest)));
        REQUIRE(!m.empty());
        CHECK(m[0] == ctl(ReadEvent::Close, longest, 4000));
    }
}

TW_TEST(ws_reader_close_one_byte_payload_is_1002) {
    for (Role role : kRoles)
        CHECK(ends_with_error(all_ways(role, fr(role, true, kClose, "\x03")),
                              ReadError::CloseTooShort));
}

TW_TEST(ws_reader_close_valid_codes) {
    for (Role role : kRoles) {
        for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014,
                         3000, 3999, 4000, 4999}) {
            std::vector<Ev> m =
                all_ways(role, fr(role, true, kClose, close_payload(static_cast<uint16_t>(code))));
            REQUIRE(!m.empty());
            CHECK(m[0] == ctl(ReadEvent::Close, "", static_cast<uint16_t>(code)));
        }
    }
}

TW_TEST(ws_reader_close_invalid_codes_are_1002) {
    for (Role role : kRoles) {
        for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
            std::vector<Ev> m =
                all_ways(role, fr(role, true, kClose, close_payload(static_cast<uint16_t>(code))));
            REQUIRE_EQ(m.size(), size_t{1});
            CHECK(m[0] == err(ReadError::InvalidCloseCode));
        }
    }
}

TW_TEST(ws_reader_close_invalid_reason_is_1007) {
    for (Role role : kRoles) {
        std::vector<Ev> m =
            all_ways(role, fr(role, true, kClose, close_payload(1000, "\xCE\xBA\xE1\xBD")));
        REQUIRE_EQ(m.size(), size_t{1});
        CHECK(m[0] == err(ReadError::InvalidCloseReason));
        CHECK_EQ(m[0].code, 1007);
    }
}

TW_TEST(ws_reader_close_then_done_forever) {
    Bytes b = cat(
        {fr(Role::Server, true, kClose, close_payload(1000)), fr(Role::Server, true, kText, "x")});
    Reader reader;
    ReadResult r = reader.read(b.data(), b.size());
    CHECK(r.event == ReadEvent::Close);
    CHECK(reader.closed());
    for (int i = 0; i < 3; ++i) {
        ReadResult d = reader.read(b.data() + r.consumed, b.size() - r.consumed);
        CHECK(d.event == ReadEvent::Done);
        CHECK_EQ(d.consumed, size_t{0});
    }
    CHECK(!reader.failed());
}

// ==== 9. Limits and lengths ====================================================================

TW_TEST(ws_reader_limit_single_frame) {
    for (Role role : kRoles) {
        std::vector<Ev> m = all_ways(role, fr(role, true, kBin, pattern(100)), 100);
        REQUIRE_EQ(m.size(), size_t{1});
        CHECK(m[0] == data_msg(Opcode::Binary, pattern(100)));
        Bytes big = fr(role, true, kText, pattern(101));
        CHECK(ends_with_error(all_ways(role, big, 100), ReadError::MessageTooBig));
        // Reported from the header alone, before any payload is delivered.
        ReaderOptions o{role, 100, false};
        Reader reader(o);
        const size_t header = big.size() - 101;
        ReadResult r = reader.read(big.data(), header);
        CHECK(r.event == ReadEvent::Error);
        CHECK(r.error == ReadError::MessageTooBig);
        CHECK_EQ(r.close_code, 1009);
    }
}

TW_TEST(ws_reader_limit_counts_all_fragments) {
    for (Role role : kRoles) {
        Bytes ok = cat({fr(role, false, kBin, pattern(60)), fr(role, true, kPing, pattern(100)),
                        fr(role, true, kCont, pattern(40)), fr(role, true, kBin, pattern(100))});
        std::vector<Ev> m = all_ways(role, ok, 100);
        REQUIRE_EQ(m.size(), size_t{3}); // control frames do not count; the count restarts
        CHECK(m[1].data.size() == 100);
        CHECK(m[2].data.size() == 100);
        Bytes over = cat({fr(role, false, kBin, pattern(60)), fr(role, false, kCont, pattern(40)),
                          fr(role, true, kCont, "x")});
        Reader reader(ReaderOptions{role, 100, false});
        std::vector<Ev> log = run_whole(reader, over);
        REQUIRE_EQ(log.size(), size_t{3});
        CHECK(log[2] == err(ReadError::MessageTooBig));
        CHECK(ends_with_error(all_ways(role, over, 100), ReadError::MessageTooBig));
    }
}

TW_TEST(ws_reader_limit_zero_streams_huge_frames) {
    // 2^62 bytes announced: fine without a limit; the reader streams what arrives.
    Bytes b = {0x82, 0x7F, 0x40, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c'};
    Reader reader(ReaderOptions{Role::Client, 0, false});
    ReadResult r = reader.read(b.data(), b.size());
    REQUIRE(r.event == ReadEvent::DataChunk);
    CHECK_EQ(r.size, size_t{3});
    CHECK(r.first && !r.fin);
    CHECK(reader.in_message());
    ReadResult n = reader.read(b.data() + b.size(), 0);
    CHECK(n.event == ReadEvent::NeedMore);
    CHECK_EQ(n.need, size_t{1});
    // With any limit it is too big.
    Reader limited(ReaderOptions{Role::Client, uint64_t{1} << 61, false});
    CHECK(limited.read(b.data(), b.size()).error == ReadError::MessageTooBig);
}

TW_TEST(ws_reader_length_top_bit_is_1002) {
    for (Role role : kRoles) {
        Bytes b = {0x82, static_cast<uint8_t>((role == Role::Server ? 0x80 : 0) | 127),
                   0x80, 0,
                   0,    0,
                   0,    0,
                   0,    1};
        if (role == Role::Server) b.insert(b.end(), {1, 2, 3, 4});
        CHECK(ends_with_error(all_ways(role, b), ReadError::LengthTopBit));
        // With a limit as well: a protocol error, not "too big".
        CHECK(ends_with_error(all_ways(role, b, 1000), ReadError::LengthTopBit));
    }
}

TW_TEST(ws_reader_non_minimal_length) {
    for (Role role : kRoles) {
        const bool masked = role == Role::Server;
        // The boundaries: 125 fits len7, 65535 fits 16 bits.
        Bytes l16 = raw(b0(true, kText), pattern(125), masked, Len::Force16);
        Bytes l64 = raw(b0(true, kBin), pattern(65535), masked, Len::Force64);
        Bytes small64 = raw(b0(true, kBin), "short", masked, Len::Force64);
        CHECK(ends_with_error(all_ways(role, l16), ReadError::NonMinimalLength));
        CHECK(ends_with_error(all_ways(role, l64), ReadError::NonMinimalLength));
        CHECK(ends_with_error(all_ways(role, small64), ReadError::NonMinimalLength));
        // 126 in the 16-bit form and 65536 in the 64-bit form are minimal.
        std::vector<Ev> m =
            all_ways(role, cat({raw(b0(true, kBin), pattern(126), masked, Len::Force16),
                                raw(b0(true, kBin), pattern(65536), masked, Len::Force64)}));
        REQUIRE_EQ(m.size(), size_t{2});
        CHECK(m[0] == data_msg(Opcode::Binary, pattern(126)));
        CHECK(m[1] == data_msg(Opcode::Binary, pattern(65536)));
        // Accepted when asked to.
        Reader lenient(ReaderOptions{role, 0, true});
        std::vector<Ev> log = run_whole(lenient, cat({l16, l64, small64}));
        REQUIRE_EQ(log.size(), size_t{3});
        CHECK(log[0] == data_msg(Opcode::Text, pattern(125)));
        CHECK(log[1] == data_msg(Opcode::Binary, pattern(65535)));
        CHECK(log[2] == data_msg(Opcode::Binary, "short"));
    }
}

// ==== Masking by role ==========================================================================

TW_TEST(ws_reader_server_rejects_unmasked_frames) {
    for (uint8_t op : {kText, kBin, kPing, kClose}) {
        std::vector<Ev> m = all_ways(Role::Server, raw(b0(true, op), "", false));
        REQUIRE_EQ(m.size(), size_t{1});
        CHECK(m[0] == err(ReadError::UnmaskedFrame));
    }
}

TW_TEST(ws_reader_client_rejects_masked_frames) {
    for (uint8_t op : {kText, kBin, kPong, kClose}) {
        std::vector<Ev> m = all_ways(Role::Client, raw(b0(true, op), "x", true));
        REQUIRE_EQ(m.size(), size_t{1});
        CHECK(m[0] == err(ReadError::MaskedFrame));
    }
}

// ==== Errors ===================================================================================

TW_TEST(ws_reader_error_is_sticky) {
    Bytes b = cat({raw(0xC1, "x", true), fr(Role::Server, true, kText, "fine")});
    Reader reader;
    ReadResult r = reader.read(b.data(), b.size());
    CHECK(r.event == ReadEvent::Error);
    CHECK(r.error == ReadError::ReservedBits);
    CHECK_EQ(r.consumed, size_t{0});
    CHECK(reader.failed());
    CHECK(reader.error() == ReadError::ReservedBits);
    for (int i = 0; i < 3; ++i) {
        ReadResult again = reader.read(b.data() + 7, b.size() - 7); // even on valid bytes
        CHECK(again.event == ReadEvent::Error);
        CHECK(again.error == ReadError::ReservedBits);
        CHECK_EQ(again.close_code, 1002);
        CHECK_EQ(again.consumed, size_t{0});
    }
}

TW_TEST(ws_reader_error_precedence) {
    // RSV bits before the mask check before the opcode.
    std::vector<Ev> m = all_ways(Role::Server, raw(0xF3, "", false));
    REQUIRE_EQ(m.size(), size_t{1});
    CHECK(m[0].error == ReadError::ReservedBits);
    m = all_ways(Role::Server, raw(0x83, "", false));
    REQUIRE_EQ(m.size(), size_t{1});
    CHECK(m[0].error == ReadError::UnmaskedFrame);
}

TW_TEST(ws_reader_error_names_and_codes) {
    const ReadError all[] = {ReadError::ReservedBits,
                             ReadError::UnmaskedFrame,
                             ReadError::MaskedFrame,
                             ReadError::ReservedOpcode,
                             ReadError::FragmentedControl,
                             ReadError::ControlTooLong,
                             ReadError::UnexpectedContinuation,
                             ReadError::ExpectedContinuation,
                             ReadError::NonMinimalLength,
                             ReadError::LengthTopBit,
                             ReadError::MessageTooBig,
                             ReadError::InvalidUtf8,
                             ReadError::CloseTooShort,
                             ReadError::InvalidCloseCode,
                             ReadError::InvalidCloseReason};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; ++i) {
        for (size_t j = i + 1; j < sizeof all / sizeof all[0]; ++j)
            CHECK(std::strcmp(to_string(all[i]), to_string(all[j])) != 0);
        const uint16_t want =
            all[i] == ReadError::MessageTooBig                                              ? 1009
            : (all[i] == ReadError::InvalidUtf8 || all[i] == ReadError::InvalidCloseReason) ? 1007
                                                                                            : 1002;
        CHECK_EQ(close_code_for(all[i]), want);
    }
    CHECK_EQ(close_code_for(ReadError::None), 0);
    CHECK(std::strcmp(to_string(ReadEvent::NeedMore), "need more") == 0);
}

// ==== The feeding contract =====================================================================

TW_TEST(ws_reader_need_more_for_headers) {
    // Masked 64-bit-length header: 14 bytes.
    Bytes b = raw(b0(true, kBin), pattern(70000), true);
    Reader reader;
    ReadResult r = reader.read(b.data(), 0);
    CHECK(r.event == ReadEvent::NeedMore);
    CHECK_EQ(r.need, size_t{2});
    r = reader.read(b.data(), 1);
    CHECK_EQ(r.need, size_t{2});
    for (size_t n = 2; n < 14; ++n) {
        r = reader.read(b.data(), n);
        CHECK(r.event == ReadEvent::NeedMore);
        CHECK_EQ(r.need, size_t{14});
        CHECK_EQ(r.consumed, size_t{0});
    }
    // The whole header but no payload: the header is consumed, then one payload byte is needed.
    r = reader.read(b.data(), 14);
    CHECK(r.event == ReadEvent::NeedMore);
    CHECK_EQ(r.consumed, size_t{14});
    CHECK_EQ(r.need, size_t{1});
    CHECK(reader.in_message());
    r = reader.read(b.data() + 14, 3);
    CHECK(r.event == ReadEvent::DataChunk);
    CHECK(r.first);
    CHECK(std::string(reinterpret_cast<const char*>(r.data), r.size) == "abc");
    // 16-bit header.
    Bytes s = raw(b0(true, kBin), pattern(200), true);
    Reader r16;
    CHECK_EQ(r16.read(s.data(), 3).need, size_t{8});
}

TW_TEST(ws_reader_need_more_for_whole_control_frames) {
    Bytes b = fr(Role::Server, true, kPing, pattern(100));
    Reader reader;
    for (size_t n = 2; n < b.size(); ++n) {
        ReadResult r = reader.read(b.data(), n);
        CHECK(r.event == ReadEvent::NeedMore);
        CHECK_EQ(r.need, size_t{106});
        CHECK_EQ(r.consumed, size_t{0});
    }
    CHECK(std::memcmp(b.data(), raw(b0(true, kPing), pattern(100), true).data(), b.size()) ==
          0); // untouched
    ReadResult r = reader.read(b.data(), b.size());
    CHECK(r.event == ReadEvent::Ping);
    CHECK_EQ(r.consumed, size_t{106});
    // The largest control frame is the most the reader ever asks for.
    Bytes biggest = fr(Role::Server, true, kClose, close_payload(1000, std::string(123, 'x')));
    CHECK_EQ(biggest.size(), kMaxNeed);
    Reader fresh;
    CHECK_EQ(fresh.read(biggest.data(), 2).need, kMaxNeed);
}

TW_TEST(ws_reader_payload_in_arbitrary_chunks) {
    for (Role role : kRoles) {
        const std::string p = pattern(1000);
        Bytes b = fr(role, true, kText, p);
        Reader reader(ReaderOptions{role, 0, false});
        size_t pos = 0, step = 1;
        std::string got;
        int chunks = 0;
        size_t avail = 2;
        while (pos < b.size()) {
            ReadResult r = reader.read(b.data() + pos, avail - pos);
            pos += r.consumed;
            if (r.event == ReadEvent::DataChunk) {
                got.append(reinterpret_cast<const char*>(r.data), r.size);
                CHECK_EQ(r.first, chunks == 0);
                ++chunks;
                if (r.fin) break;
            } else {
                REQUIRE(r.event == ReadEvent::NeedMore);
            }
            avail = std::min(b.size(), avail + step);
            step = step * 7 % 31 + 1;
        }
        CHECK(got == p);
        CHECK(chunks > 20);
        CHECK(!reader.in_message());
    }
}

TW_TEST(ws_reader_linearised_copy_is_consumed_whole) {
    // A control frame straddling the ring's wrap, read from a copy of exactly `need` bytes.
    Bytes b = cat({fr(Role::Server, true, kPing, "hello"), fr(Role::Server, true, kText, "x")});
    Reader reader;
    ReadResult r = reader.read(b.data(), 4); // the first span ends at the wrap
    REQUIRE(r.event == ReadEvent::NeedMore);
    uint8_t copy[kMaxNeed];
    std::memcpy(copy, b.data(), r.need);
    ReadResult c = reader.read(copy, r.need);
    CHECK(c.event == ReadEvent::Ping);
    CHECK_EQ(c.consumed, r.need);
    CHECK(c.data == copy + 6);
    CHECK(std::string(reinterpret_cast<const char*>(c.data), c.size) == "hello");
}

TW_TEST(ws_reader_between_frames) {
    Bytes b = fr(Role::Client, true, kBin, "abcdef");
    Reader reader(ReaderOptions{Role::Client, 0, false});
    CHECK(reader.between_frames());
    ReadResult r = reader.read(b.data(), 4); // header + 2 payload bytes
    CHECK(r.event == ReadEvent::DataChunk);
    CHECK(!reader.between_frames());
    r = reader.read(b.data() + 4, 4);
    CHECK(r.fin);
    CHECK(reader.between_frames());
}

// ---- read_spans: the linearisation protocol done by the reader's helper ----

TW_TEST(ws_reader_spans_header_straddling_the_wrap) {
    // A masked 64-bit-length header (14 bytes) split at every position: the first span ends
    // after k bytes, the rest is at the ring's start.
    for (Role role : kRoles) {
        const std::string p = pattern(70000);
        const Bytes b = fr(role, true, kBin, p);
        const size_t header = role == Role::Server ? 14 : 10;
        for (size_t k = 0; k < header; ++k) {
            Bytes first(b.begin(), b.begin() + static_cast<long>(k));
            Bytes second(b.begin() + static_cast<long>(k), b.end());
            Reader reader(ReaderOptions{role, 0, false});
            uint8_t scratch[kMaxNeed];
            SpansRead sr = read_spans(reader, first.data(), first.size(), second.data(),
                                      second.size(), scratch);
            // The header is read from the copy (or, with nothing before the wrap, from the
            // second span itself); the payload waits for the next call.
            CHECK_EQ(sr.from_scratch, k > 0);
            if (k == 0) { // the whole frame lies in the second span
                CHECK(sr.result.event == ReadEvent::DataChunk);
                CHECK_EQ(sr.result.consumed, b.size());
                continue;
            }
            REQUIRE(sr.result.event == ReadEvent::NeedMore);
            CHECK_EQ(sr.result.consumed, header);
            CHECK_EQ(sr.result.need, size_t{1});
            // Then the payload from the ring (the second span after the header's tail).
            const size_t off = header - k;
            ReadResult r = reader.read(second.data() + off, second.size() - off);
            REQUIRE(r.event == ReadEvent::DataChunk);
            CHECK(r.first && r.fin);
            CHECK(std::string(reinterpret_cast<const char*>(r.data), r.size) == p);
        }
    }
}

TW_TEST(ws_reader_spans_control_frame_straddling_the_wrap) {
    for (Role role : kRoles) {
        const Bytes b = cat({fr(role, true, kPing, pattern(125)), fr(role, true, kText, "next")});
        const size_t total = b.size() - (role == Role::Server ? 10 : 6);
        for (size_t k = 1; k < total; ++k) {
            Bytes first(b.begin(), b.begin() + static_cast<long>(k));
            Bytes second(b.begin() + static_cast<long>(k), b.end());
            Reader reader(ReaderOptions{role, 0, false});
            uint8_t scratch[kMaxNeed];
            SpansRead sr = read_spans(reader, first.data(), first.size(), second.data(),
                                      second.size(), scratch);
            REQUIRE(sr.result.event == ReadEvent::Ping);
            CHECK(sr.from_scratch);
            CHECK_EQ(sr.result.consumed, total);
            CHECK(sr.result.data >= scratch && sr.result.data < scratch + kMaxNeed);
            CHECK(std::string(reinterpret_cast<const char*>(sr.result.data), sr.result.size) ==
                  pattern(125));
            CHECK(first == Bytes(b.begin(), b.begin() + static_cast<long>(k))); // ring untouched
        }
        // Not enough bytes in both spans together: NeedMore, nothing copied in vain.
        Bytes first(b.begin(), b.begin() + 1);
        Bytes second(b.begin() + 1, b.begin() + 20);
        Reader reader(ReaderOptions{role, 0, false});
        uint8_t scratch[kMaxNeed];
        SpansRead sr = read_spans(reader, first.data(), 1, second.data(), second.size(), scratch);
        CHECK(sr.result.event == ReadEvent::NeedMore);
        CHECK_EQ(sr.result.need, total);
        CHECK_EQ(sr.result.consumed, size_t{0});
    }
}

TW_TEST(ws_reader_spans_ring_equivalence) {
    // A ring driven only through read_spans gives the same messages as one whole span.
    for (Role role : kRoles) {
        Bytes b;
        for (int i = 0; i < 150; ++i) {
            const size_t n = static_cast<size_t>(i * 7 % 126);
            if (i % 3 == 0)
                b = cat({b, fr(role, true, kPing, pattern(n))});
            else
                b = cat({b, fr(role, false, kText, pattern(n)), fr(role, true, kCont, "!")});
        }
        Reader whole_reader(ReaderOptions{role, 0, false});
        const std::vector<Ev> want = messages(run_whole(whole_reader, b));
        REQUIRE_EQ(want.size(), size_t{150});
        for (size_t cap : {kMaxNeed, kMaxNeed + 1, size_t{200}, size_t{333}}) {
            Reader reader(ReaderOptions{role, 0, false});
            Bytes ring(cap);
            size_t rpos = 0, fill = 0, produced = 0, step = 0;
            std::vector<Ev> log;
            int scratch_reads = 0;
            for (int guard = 0; guard < 200000; ++guard) {
                const size_t first = std::min(fill, cap - rpos);
                uint8_t scratch[kMaxNeed];
                SpansRead sr = read_spans(reader, ring.data() + rpos, first, ring.data(),
                                          fill - first, scratch);
                scratch_reads += sr.from_scratch;
                const ReadResult& r = sr.result;
                rpos = (rpos + r.consumed) % cap;
                fill -= r.consumed;
                if (r.event == ReadEvent::NeedMore) {
                    if (r.consumed > 0) continue;
                    if (produced == b.size()) break;
                    size_t n = std::min({1 + (step++ * 37) % 97, cap - fill, b.size() - produced});
                    for (size_t i = 0; i < n; ++i) ring[(rpos + fill + i) % cap] = b[produced + i];
                    fill += n;
                    produced += n;
                    continue;
                }
                log.push_back(to_ev(r));
                if (r.event == ReadEvent::Error || r.event == ReadEvent::Done) break;
            }
            CHECK(messages(log) == want);
            CHECK(scratch_reads > 5);
        }
    }
}

// ==== Equivalence of feeding patterns ==========================================================

TW_TEST(ws_reader_equivalence_mixed_stream) {
    for (Role role : kRoles) {
        Bytes b = cat({fr(role, true, kText, kUtf8Text), fr(role, true, kPing, "p"),
                       fr(role, false, kBin, pattern(300)), fr(role, true, kPong, pattern(125)),
                       fr(role, false, kCont, ""), fr(role, true, kCont, pattern(70000)),
                       fr(role, true, kText, ""), fr(role, false, kText, "\xF0\x9F"),
                       fr(role, true, kPing, ""), fr(role, true, kCont, "\x98\x80"),
                       fr(role, true, kBin, pattern(126)),
                       fr(role, true, kClose, close_payload(1001, "bye")),
                       fr(role, true, kText, "ignored")});
        int differ = 0;
        std::vector<Ev> m = all_ways(role, b, 0, &differ);
        CHECK_EQ(differ, 0);
        REQUIRE_EQ(m.size(), size_t{10});
        CHECK(m[0] == data_msg(Opcode::Text, kUtf8Text));
        CHECK(m[1] == ctl(ReadEvent::Ping, "p"));
        CHECK(m[2] == ctl(ReadEvent::Pong, pattern(125)));
        CHECK(m[3] == data_msg(Opcode::Binary, pattern(300) + pattern(70000)));
        CHECK(m[4] == data_msg(Opcode::Text, ""));
        CHECK(m[5] == ctl(ReadEvent::Ping, ""));
        CHECK(m[6] == data_msg(Opcode::Text, "\xF0\x9F\x98\x80"));
        CHECK(m[7] == data_msg(Opcode::Binary, pattern(126)));
        CHECK(m[8] == ctl(ReadEvent::Close, "bye", 1001));
        CHECK(m[9].event == ReadEvent::Done);
    }
}

TW_TEST(ws_reader_equivalence_ring_wraps_through_headers_and_controls) {
    // Many small frames through a small ring: headers and control frames straddle the wrap.
    for (Role role : kRoles) {
        Bytes b;
        for (int i = 0; i < 200; ++i)
            b = cat(
                {b, fr(role, true, i % 3 ? kBin : kPing, pattern(static_cast<size_t>(i % 90)))});
        ReaderOptions o{role, 0, false};
        Reader whole_reader(o);
        const std::vector<Ev> whole = run_whole(whole_reader, b);
        CHECK_EQ(whole.size(), size_t{200});
        for (uint64_t seed = 1; seed < 5; ++seed) {
            Contract c;
            Reader reader(o);
            const std::vector<Ev> ring = run_ring(reader, b, seed, static_cast<size_t>(kMaxNeed + seed), &c);
            CHECK(messages(ring) == whole);
            CHECK_EQ(c.violations, 0);
            CHECK(c.linearised > 10);
        }
    }
}

TW_TEST(ws_reader_equivalence_with_varied_mask_keys) {
    // Different keys per frame, payload lengths around word boundaries.
    Bytes b;
    std::vector<Ev> want;
    for (uint8_t i = 0; i < 40; ++i) {
        const MaskKey k = {{i, static_cast<uint8_t>(i * 7), static_cast<uint8_t>(255 - i), 0x5A}};
        const std::string p = pattern(i * 3u);
        b = cat({b, raw(b0(true, kBin), p, true, Len::Minimal, k)});
        want.push_back(data_msg(Opcode::Binary, p));
    }
    std::vector<Ev> m = all_ways(Role::Server, b);
    CHECK(m == want);
}

TW_TEST(ws_reader_equivalence_for_error_streams) {
    for (Role role : kRoles) {
        const Bytes cases[] = {
            cat({fr(role, true, kText, "ok"), fr(role, true, kText, kFailFast)}),
            cat({fr(role, false, kText, pattern(200)), fr(role, false, kCont, "\xED\xA0\x80")}),
            cat({fr(role, true, kPing, "x"), raw(0x93, "", role == Role::Server)}),
            cat({fr(role, false, kBin, pattern(50)), fr(role, true, kBin, "")}),
            cat({fr(role, true, kClose, close_payload(1000, "\xFF"))}),
        };
        for (const Bytes& b : cases) {
            int differ = 0;
            std::vector<Ev> m = all_ways(role, b, 0, &differ);
            CHECK_EQ(differ, 0);
            CHECK(!m.empty() && m.back().event == ReadEvent::Error);
        }
    }
}
