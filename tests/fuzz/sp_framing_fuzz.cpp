// Fuzz target for the SP tcp / ipc frame decoder (source/sp/framing.*).
//
// Input layout: byte 0 = flags (bit 0: ipc, bit 1: round-trip mode), bytes 1..4 = seed for the
// piece sizes and the size limit, the rest = payload.
//  * decode mode: the payload is fed as wire bytes in pseudo-random pieces; every event must obey
//    the decoder's contract (consumed <= input, chunks inside the input and within the announced
//    length, NeedMore only with all input used, errors only where the bytes call for them).
//  * round-trip mode: the payload is cut into messages, framed with encode_prefix, fed in
//    pseudo-random pieces, and must decode to exactly the same messages; the first message over
//    the limit must be reported as TooLarge as soon as its prefix is complete.
// Any violation calls abort().
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "sp/big_endian.hpp"
#include "sp/framing.hpp"

using namespace tickwire::detail::sp;

namespace {

void require(bool ok) {
    if (!ok) std::abort();
}

struct Rng {
    uint32_t s;
    uint32_t next() {
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        return s;
    }
    // A piece size: mostly small (splits prefixes everywhere), sometimes large.
    size_t piece(size_t left) {
        const uint32_t r = next();
        size_t n = (r & 3) == 0 ? 1 + (r >> 8) % 4096 : 1 + (r >> 8) % 11;
        return n < left ? n : left;
    }
};

constexpr size_t kMaxMessages = 512;
constexpr size_t kWireCap = 1 << 17;

void decode_mode(Framing f, Rng& rng, const uint8_t* data, size_t size) {
    const uint64_t max = rng.next() % 300; // small limit so TooLarge is exercised
    FrameDecoder dec(f, max);
    bool in_msg = false;
    uint64_t announced = 0, got = 0;
    size_t off = 0;
    while (off < size) {
        const size_t n = rng.piece(size - off);
        const uint8_t* p = data + off;
        size_t left = n;
        for (;;) {
            FrameEvent ev = dec.next(p, left);
            require(ev.consumed <= left);
            if (ev.kind == FrameEventKind::NeedMore) {
                require(ev.consumed == left);
                break;
            }
            if (ev.kind == FrameEventKind::Error) {
                require(ev.error != FrameError::None && dec.error() == ev.error);
                require(!in_msg);
                if (ev.error == FrameError::BadIpcType) require(f == Framing::Ipc);
                // Sticky.
                require(dec.next(p, left).kind == FrameEventKind::Error);
                return;
            }
            switch (ev.kind) {
            case FrameEventKind::MessageStart:
                require(!in_msg && ev.length <= max);
                in_msg = true;
                announced = ev.length;
                got = 0;
                break;
            case FrameEventKind::BodyChunk:
                require(in_msg && ev.size > 0 && ev.size == ev.consumed && ev.data == p);
                got += ev.size;
                require(got <= announced);
                require(dec.remaining() == announced - got);
                break;
            case FrameEventKind::MessageEnd:
                require(in_msg && got == announced && ev.consumed == 0);
                in_msg = false;
                require(dec.at_boundary());
                break;
            default:
                require(false);
            }
            p += ev.consumed;
            left -= ev.consumed;
        }
        off += n;
    }
}

void round_trip_mode(Framing f, Rng& rng, const uint8_t* data, size_t size) {
    static uint8_t wire[kWireCap];
    static size_t msg_off[kMaxMessages], msg_len[kMaxMessages];
    const uint64_t max = rng.next() % 400;

    // Cut the payload into messages: one length byte (scaled), then that many bytes.
    size_t count = 0, used = 0, wlen = 0;
    while (used < size && count < kMaxMessages) {
        size_t len = size_t{data[used++]} * (1 + (rng.next() & 3));
        if (len > size - used) len = size - used;
        const size_t pfx = prefix_size(f);
        if (wlen + pfx + len > kWireCap) break;
        require(encode_prefix(f, len, wire + wlen) == pfx);
        wlen += pfx;
        std::memcpy(wire + wlen, data + used, len);
        msg_off[count] = used;
        msg_len[count] = len;
        wlen += len;
        used += len;
        ++count;
    }
    // Expected: messages up to the first one over the limit, then TooLarge.
    size_t expect_ok = 0;
    size_t too_large_at = 0; // wire offset just past the oversize message's prefix
    while (expect_ok < count && msg_len[expect_ok] <= max)
        too_large_at += prefix_size(f) + msg_len[expect_ok++];
    too_large_at += prefix_size(f);

    FrameDecoder dec(f, max);
    size_t done = 0, pos_in_msg = 0, off = 0;
    bool in_msg = false, failed = false;
    while (off < wlen && !failed) {
        const size_t n = rng.piece(wlen - off);
        const uint8_t* p = wire + off;
        size_t left = n;
        for (;;) {
            FrameEvent ev = dec.next(p, left);
            require(ev.consumed <= left);
            if (ev.kind == FrameEventKind::NeedMore) break;
            if (ev.kind == FrameEventKind::Error) {
                // Must be the first oversize message, detected at the end of its prefix.
                require(ev.error == FrameError::TooLarge && done == expect_ok && done < count);
                require(static_cast<size_t>(p - wire) + ev.consumed == too_large_at);
                failed = true;
                break;
            }
            if (ev.kind == FrameEventKind::MessageStart) {
                require(!in_msg && done < count && ev.length == msg_len[done]);
                in_msg = true;
                pos_in_msg = 0;
            } else if (ev.kind == FrameEventKind::BodyChunk) {
                require(in_msg && pos_in_msg + ev.size <= msg_len[done]);
                require(std::memcmp(ev.data, data + msg_off[done] + pos_in_msg, ev.size) == 0);
                pos_in_msg += ev.size;
            } else {
                require(in_msg && pos_in_msg == msg_len[done]);
                in_msg = false;
                ++done;
            }
            p += ev.consumed;
            left -= ev.consumed;
        }
        off += n;
    }
    if (!failed) {
        // The last message's end needs no input: drain it.
        FrameEvent ev = dec.next(nullptr, 0);
        if (ev.kind == FrameEventKind::MessageEnd) {
            require(in_msg && pos_in_msg == msg_len[done]);
            ++done;
            in_msg = false;
        }
        require(!in_msg && dec.at_boundary());
        require(done == count && expect_ok == count);
    }
}

} // namespace

// decode_prefix (the socket's whole-prefix decoder) must agree with FrameDecoder on the same bytes.
void prefix_agrees(Framing f, uint64_t max, const uint8_t* p, size_t size) {
    if (size < prefix_size(f)) return;
    uint64_t length = 0;
    const FrameError e = decode_prefix(f, p, max, length);
    FrameDecoder dec(f, max);
    const FrameEvent ev = dec.next(p, prefix_size(f));
    if (ev.kind == FrameEventKind::Error) {
        require(e == ev.error);
    } else {
        require(ev.kind == FrameEventKind::MessageStart && e == FrameError::None && length == ev.length);
    }
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 5) return 0;
    const Framing f = (data[0] & 1) ? Framing::Ipc : Framing::Tcp;
    Rng rng{load_be32(data + 1) | 1u};
    prefix_agrees(f, load_be32(data + 1) % 1000, data + 5, size - 5);
    if (data[0] & 2)
        round_trip_mode(f, rng, data + 5, size - 5);
    else
        decode_mode(f, rng, data + 5, size - 5);
    return 0;
}
