// libFuzzer target for the WebSocket message reader (source/ws/reader.*).
//
// Input byte 0 picks the mode and options, byte 1 seeds the chunking; the rest is the payload.
//   Raw mode: the rest is a byte stream from a peer. It is read by a reader of either role four
//     ways: in one span, one byte at a time, and through an emulated ring (random arrival sizes)
//     that linearises a header/control frame across the wrap by hand or with read_spans(). The
//     merged messages and events must agree, the feeding contract must hold, and everything
//     reported must obey the protocol (text valid UTF-8, control payloads <= 125, valid close
//     codes, limits).
//   Round-trip mode: the rest describes messages and control frames; they are encoded with
//     encode_header/apply_mask (in two pieces, using the offset)/Fragmenter/encode_close_payload
//     (masked with input-chosen keys when the reader is a server); every header must decode back
//     (decode_header); the frames are fed through the ring and must come back identical.
// Any violation calls abort().
#include "ws/close_code.hpp"
#include "ws/frame.hpp"
#include "ws/reader.hpp"
#include "ws/utf8.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace tickwire::detail::ws;

namespace {

using Bytes = std::vector<uint8_t>;

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "ws_reader_fuzz: %s\n", what);
    std::abort();
}
#define FUZZ_ASSERT(c)                                                                             \
    do {                                                                                           \
        if (!(c)) fail(#c);                                                                        \
    } while (0)

struct Ev {
    ReadEvent event;
    Opcode opcode;
    bool first, fin;
    std::string data;
    uint16_t code;
    ReadError error;
    bool operator==(const Ev& o) const {
        return event == o.event && opcode == o.opcode && first == o.first && fin == o.fin &&
               data == o.data && code == o.code && error == o.error;
    }
};

Ev to_ev(const ReadResult& r) {
    Ev e{r.event, Opcode::Continuation, false, false, {}, r.close_code, r.error};
    if (r.event == ReadEvent::DataChunk) {
        e.opcode = r.opcode;
        e.first = r.first;
        e.fin = r.fin;
    }
    if (r.size) e.data.assign(reinterpret_cast<const char*>(r.data), r.size);
    return e;
}

// The feeding contract, checked on every result.
void check_result(const ReadResult& r, size_t offered, const ReaderOptions& o) {
    FUZZ_ASSERT(r.consumed <= offered);
    switch (r.event) {
    case ReadEvent::NeedMore:
        FUZZ_ASSERT(r.need >= 1 && r.need <= kMaxNeed);
        FUZZ_ASSERT(r.consumed + r.need > offered);
        break;
    case ReadEvent::Error:
        FUZZ_ASSERT(r.consumed == 0);
        FUZZ_ASSERT(r.error != ReadError::None);
        FUZZ_ASSERT(r.close_code == close_code_for(r.error));
        break;
    case ReadEvent::Done: FUZZ_ASSERT(r.consumed == 0); break;
    case ReadEvent::DataChunk:
        FUZZ_ASSERT(r.consumed > 0);
        FUZZ_ASSERT(r.opcode == Opcode::Text || r.opcode == Opcode::Binary);
        if (o.max_message_size) FUZZ_ASSERT(r.size <= o.max_message_size);
        break;
    case ReadEvent::Ping:
    case ReadEvent::Pong: FUZZ_ASSERT(r.consumed > 0 && r.size <= kMaxControlPayload); break;
    case ReadEvent::Close:
        FUZZ_ASSERT(r.consumed > 0 && r.size <= kMaxCloseReason);
        FUZZ_ASSERT(r.close_code == close_code::kNoStatus || is_valid_close_code(r.close_code));
        FUZZ_ASSERT(utf8_valid(r.data, r.size));
        break;
    }
    if (r.size) FUZZ_ASSERT(r.data != nullptr);
}

std::vector<Ev> run_whole(const ReaderOptions& o, Bytes bytes) {
    Reader reader(o);
    std::vector<Ev> log;
    size_t pos = 0;
    for (;;) {
        ReadResult r = reader.read(bytes.data() + pos, bytes.size() - pos);
        check_result(r, bytes.size() - pos, o);
        if (r.event != ReadEvent::NeedMore && r.event != ReadEvent::Error &&
            r.event != ReadEvent::Done)
            FUZZ_ASSERT(r.data == nullptr || (r.data >= bytes.data() + pos &&
                                              r.data + r.size <= bytes.data() + pos + r.consumed));
        pos += r.consumed;
        if (r.event == ReadEvent::NeedMore) break;
        log.push_back(to_ev(r));
        if (r.event == ReadEvent::Error || r.event == ReadEvent::Done) break;
    }
    return log;
}

std::vector<Ev> run_bytewise(const ReaderOptions& o, Bytes bytes) {
    Reader reader(o);
    std::vector<Ev> log;
    size_t pos = 0, avail = 0;
    for (;;) {
        ReadResult r = reader.read(bytes.data() + pos, avail - pos);
        check_result(r, avail - pos, o);
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

struct Rng {
    uint64_t s;
    uint32_t next() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return static_cast<uint32_t>(s);
    }
};

// The core's way: a ring of `cap` bytes, random arrivals, linearisation across the wrap.
std::vector<Ev> run_ring(const ReaderOptions& o, const Bytes& bytes, uint64_t seed, size_t cap) {
    Reader reader(o);
    std::vector<Ev> log;
    Bytes ring(cap);
    size_t rpos = 0, fill = 0, produced = 0;
    Rng rng{seed | 1};
    for (;;) {
        const size_t first = std::min(fill, cap - rpos);
        uint8_t stack[kMaxNeed];
        ReadResult r;
        if (seed & 0x100) { // through the reader's own helper for two spans
            const SpansRead sr =
                read_spans(reader, ring.data() + rpos, first, ring.data(), fill - first, stack);
            r = sr.result;
            FUZZ_ASSERT(r.consumed <= fill);
            if (sr.from_scratch && r.size)
                FUZZ_ASSERT(r.data >= stack && r.data < stack + kMaxNeed);
            if (!sr.from_scratch && r.size)
                FUZZ_ASSERT(r.data >= ring.data() && r.data < ring.data() + cap);
        } else {
            r = reader.read(ring.data() + rpos, first);
            check_result(r, first, o);
        }
        while (r.event == ReadEvent::NeedMore && r.consumed == 0 && r.need > first &&
               r.need <= fill) {
            const size_t need = r.need;
            for (size_t i = 0; i < need; ++i) stack[i] = ring[(rpos + i) % cap];
            r = reader.read(stack, need);
            check_result(r, need, o);
            if (r.event != ReadEvent::NeedMore && r.event != ReadEvent::Error)
                FUZZ_ASSERT(r.consumed == need);
        }
        rpos = (rpos + r.consumed) % cap;
        fill -= r.consumed;
        if (r.event == ReadEvent::NeedMore) {
            if (r.consumed > 0 && r.need <= fill) continue;
            if (produced == bytes.size()) break;
            // Arrivals of a few bytes or of many, as a socket delivers them.
            size_t n = 1 + rng.next() % ((rng.next() & 1) ? 16u : 4096u);
            n = std::min({n, cap - fill, bytes.size() - produced});
            FUZZ_ASSERT(n > 0); // the ring (>= kMaxNeed) can always take what is needed
            for (size_t i = 0; i < n; ++i) ring[(rpos + fill + i) % cap] = bytes[produced + i];
            fill += n;
            produced += n;
            continue;
        }
        log.push_back(to_ev(r));
        if (r.event == ReadEvent::Error || r.event == ReadEvent::Done) break;
    }
    return log;
}

// Merges chunks into messages and checks the chunk sequence and message-level rules. A message
// cut by an Error is dropped (fail-fast UTF-8: how much of it came first depends on chunking).
std::vector<Ev> messages(const std::vector<Ev>& log, const ReaderOptions& o) {
    std::vector<Ev> out;
    bool open = false;
    Ev cur{};
    for (const Ev& e : log) {
        if (e.event != ReadEvent::DataChunk) {
            out.push_back(e);
            continue;
        }
        FUZZ_ASSERT(e.first != open);
        if (!open) {
            cur = e;
            open = true;
        } else {
            FUZZ_ASSERT(e.opcode == cur.opcode);
            cur.data += e.data;
        }
        if (o.max_message_size) FUZZ_ASSERT(cur.data.size() <= o.max_message_size);
        if (e.fin) {
            if (cur.opcode == Opcode::Text)
                FUZZ_ASSERT(
                    utf8_valid(reinterpret_cast<const uint8_t*>(cur.data.data()), cur.data.size()));
            cur.fin = true;
            out.push_back(cur);
            open = false;
        }
    }
    // Nothing follows a terminal event.
    for (size_t i = 0; i + 1 < out.size(); ++i)
        FUZZ_ASSERT(out[i].event != ReadEvent::Error && out[i].event != ReadEvent::Done);
    return out;
}

void raw_mode(const ReaderOptions& o, uint8_t seed, const uint8_t* data, size_t size) {
    const Bytes bytes(data, data + size);
    const std::vector<Ev> whole = messages(run_whole(o, bytes), o);
    if (size <= 4096) FUZZ_ASSERT(messages(run_bytewise(o, bytes), o) == whole);
    const size_t cap = kMaxNeed + seed % 200;
    const uint64_t ring_seed = uint64_t{seed} * 0x9E3779B97F4A7C15ull + size;
    FUZZ_ASSERT(messages(run_ring(o, bytes, ring_seed & ~uint64_t{0x100}, cap), o) == whole);
    FUZZ_ASSERT(messages(run_ring(o, bytes, ring_seed | 0x100, cap), o) == whole); // read_spans
}

// ---- round trip ------------------------------------------------------------------------------

struct Input {
    const uint8_t* p;
    size_t n;
    uint8_t byte() {
        if (!n) return 0;
        --n;
        return *p++;
    }
    std::string take(size_t k) {
        k = std::min(k, n);
        std::string s(reinterpret_cast<const char*>(p), k);
        p += k;
        n -= k;
        return s;
    }
};

void round_trip_mode(const ReaderOptions& o, uint8_t seed, const uint8_t* data, size_t size) {
    Input in{data, size};
    const bool masked = o.role == Role::Server;
    Bytes wire;
    std::vector<Ev> want;
    uint8_t hdr[kMaxHeaderSize];

    auto key_from = [&](MaskKey& k) {
        for (uint8_t& b : k.bytes) b = in.byte();
    };
    // Every header written must decode to what was asked (encode -> decode == identity).
    auto check_header = [&](const uint8_t* h, size_t hn, bool fin, Opcode op, uint64_t len,
                            const MaskKey* k) {
        FUZZ_ASSERT(hn == header_size(len, k != nullptr));
        FrameHeader d{};
        FUZZ_ASSERT(decode_header(h, hn, d) == hn);
        FUZZ_ASSERT(d.fin == fin && d.opcode == static_cast<uint8_t>(op) && d.rsv == 0);
        FUZZ_ASSERT(d.payload_len == len && d.minimal_length && d.masked == (k != nullptr));
        if (k) FUZZ_ASSERT(std::memcmp(d.mask.bytes, k->bytes, 4) == 0);
        for (size_t short_len = 0; short_len < hn; ++short_len)
            FUZZ_ASSERT(decode_header(h, short_len, d) == 0);
    };
    // Appends a header and its payload, masked (with a key) in two pieces to use the offset.
    auto put = [&](const uint8_t* h, size_t hn, std::string payload, const MaskKey* k) {
        FUZZ_ASSERT(hn >= 2 && hn <= kMaxHeaderSize);
        wire.insert(wire.end(), h, h + hn);
        if (k) {
            auto* p = reinterpret_cast<uint8_t*>(&payload[0]);
            const size_t split = payload.empty() ? 0 : (seed + wire.size()) % (payload.size() + 1);
            apply_mask(p, split, *k, 0);
            apply_mask(p + split, payload.size() - split, *k, split);
        }
        wire.insert(wire.end(), payload.begin(), payload.end());
    };
    auto control = [&](Opcode op, const std::string& payload) {
        MaskKey k{};
        key_from(k);
        const size_t hn = encode_header(hdr, true, op, payload.size(), masked ? &k : nullptr);
        check_header(hdr, hn, true, op, payload.size(), masked ? &k : nullptr);
        put(hdr, hn, payload, masked ? &k : nullptr);
    };

    int items = 0;
    while (in.n > 0 && items++ < 64 && wire.size() < (size_t{1} << 20)) {
        const uint8_t kind = in.byte();
        if ((kind & 3) == 3) { // a ping or pong on its own
            const std::string payload = in.take(in.byte() % 126);
            const Opcode op = (kind & 4) ? Opcode::Pong : Opcode::Ping;
            control(op, payload);
            want.push_back(Ev{op == Opcode::Ping ? ReadEvent::Ping : ReadEvent::Pong,
                              Opcode::Continuation, false, false, payload, 0, ReadError::None});
            continue;
        }
        // A data message, fragmented, perhaps with pings between its frames.
        const Opcode op = (kind & 1) ? Opcode::Text : Opcode::Binary;
        size_t len = in.byte();
        if (kind & 8) len = len * 256 + in.byte(); // up to 64 KiB
        const bool big = (kind & 0x0C) == 0x0C;    // over 64 KiB: 64-bit lengths, filled in below
        if (big) len += 65536;
        std::string payload = in.take(len);
        if (big) payload.resize(len, 'f');
        if (o.max_message_size && payload.size() > o.max_message_size)
            payload.resize(o.max_message_size);
        if (op == Opcode::Text &&
            !utf8_valid(reinterpret_cast<const uint8_t*>(payload.data()), payload.size()))
            for (char& ch : payload) ch = static_cast<char>(ch & 0x7F);
        const uint64_t max_frame = (kind >> 4) * (big ? 7u * 4096u : 13u); // 0: one frame
        const bool interleave = (kind & 2) != 0;
        Fragmenter f(op, payload.size(), max_frame);
        FUZZ_ASSERT(f.valid());
        while (!f.done()) {
            MaskKey k{};
            key_from(k);
            const Fragment fr = f.next(hdr, masked ? &k : nullptr);
            FUZZ_ASSERT(fr.header_size != 0);
            check_header(hdr, fr.header_size, fr.last, fr.offset == 0 ? op : Opcode::Continuation,
                         fr.size, masked ? &k : nullptr);
            put(hdr, fr.header_size, payload.substr(fr.offset, fr.size), masked ? &k : nullptr);
            if (interleave && !fr.last) {
                control(Opcode::Ping, "i");
                want.push_back(Ev{ReadEvent::Ping, Opcode::Continuation, false, false, "i", 0,
                                  ReadError::None});
            }
        }
        // Ping events came before the message completes; put the message after them.
        want.push_back(Ev{ReadEvent::DataChunk, op, true, true, payload, 0, ReadError::None});
    }
    // Data events are merged at FIN, so interleaved pings precede their message in `want` and
    // in the merged log alike. End with a close frame.
    uint8_t close[kMaxClosePayload];
    const uint16_t codes[] = {1000, 1001, 1003, 1011, 3000, 4999, close_code::kNoStatus};
    const uint16_t code = codes[seed % 7];
    std::string reason = in.take(in.byte() % 124);
    for (char& ch : reason) ch = static_cast<char>((ch & 0x3F) | 0x20);
    if (code == close_code::kNoStatus) reason.clear();
    const CloseEncodeResult cr = encode_close_payload(
        code, reinterpret_cast<const uint8_t*>(reason.data()), reason.size(), close, sizeof close);
    FUZZ_ASSERT(cr.error == CloseEncodeError::None);
    control(Opcode::Close, std::string(reinterpret_cast<const char*>(close), cr.size));
    want.push_back(
        Ev{ReadEvent::Close, Opcode::Continuation, false, false, reason, code, ReadError::None});
    control(Opcode::Ping, "after close: never read");
    want.push_back(Ev{ReadEvent::Done, Opcode::Continuation, false, false, {}, 0, ReadError::None});

    const size_t cap = kMaxNeed + seed;
    const std::vector<Ev> got = messages(run_ring(o, wire, seed * 31u + size, cap), o);
    FUZZ_ASSERT(got == want);
    FUZZ_ASSERT(messages(run_whole(o, wire), o) == want);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const uint8_t mode = data[0];
    const uint8_t seed = data[1];
    ReaderOptions o;
    o.role = (mode & 1) ? Role::Client : Role::Server;
    o.accept_non_minimal_length = (mode & 2) != 0;
    const uint64_t limits[] = {0, 16, 1000, 70000};
    o.max_message_size = limits[(mode >> 2) & 3];
    if (mode & 0x10)
        round_trip_mode(o, seed, data + 2, size - 2);
    else
        raw_mode(o, seed, data + 2, size - 2);
    return 0;
}
