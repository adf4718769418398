// Fuzz target for the SP pattern headers (source/sp/pattern_header.*).
//
// Input layout: byte 0 = max hops, byte 1 = piece-size seed, the rest = a message body.
// Properties (abort() on violation):
//  * parse_backtrace agrees with a plain reference parser (same error, same header size);
//  * the incremental BacktraceReader fed in pieces agrees with the one-shot parse;
//  * a parsed backtrace is the message's first header_size bytes, its last word has the top bit,
//    the others do not, and it has at most the (clamped) hop limit words;
//  * device push_hop then pop_hop is the identity (round trip);
//  * read_id_header and read_pair1_header never read past the message and obey their rules.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "sp/big_endian.hpp"
#include "sp/pattern_header.hpp"

using namespace tickwire::detail::sp;

namespace {

void require(bool ok) {
    if (!ok) std::abort();
}

// The rule written out the obvious way, independent of the reader's state machine.
BacktraceParse reference(const uint8_t* m, size_t len, size_t max_hops) {
    if (max_hops < 1) max_hops = 1;
    if (max_hops > kMaxHopsLimit) max_hops = kMaxHopsLimit;
    size_t words = 0;
    for (size_t off = 0;; off += 4) {
        if (len - off == 0) return {HeaderError::MissingId, 0};
        if (len - off < 4) return {HeaderError::PartialWord, 0};
        ++words;
        if (load_be32(m + off) & 0x80000000u) return {HeaderError::None, off + 4};
        if (words == max_hops) return {HeaderError::TooManyHops, 0};
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const size_t max_hops = data[0] % 20; // includes out-of-range values to test clamping
    uint32_t seed = data[1] | 0x100u;
    const uint8_t* msg = data + 2;
    const size_t len = size - 2;

    Backtrace bt;
    const BacktraceParse one = parse_backtrace(msg, len, max_hops, &bt);
    const BacktraceParse ref = reference(msg, len, max_hops);
    require(one.error == ref.error && one.header_size == ref.header_size);

    // Incremental, in pieces.
    BacktraceReader rd(max_hops);
    size_t off = 0, body_at = 0;
    bool done = false;
    while (off < len) {
        seed = seed * 1103515245u + 12345u;
        size_t n = 1 + (seed >> 16) % 7;
        if (n > len - off) n = len - off;
        const BacktraceReader::Step s = rd.feed(msg + off, n);
        require(s.consumed <= n);
        if (s.status == BacktraceReader::Status::Done && !done) {
            done = true;
            body_at = off + s.consumed;
        }
        if (s.status != BacktraceReader::Status::NeedMore) break;
        require(s.consumed == n);
        off += n;
    }
    const HeaderError fin = rd.finish();
    require(fin == one.error);
    if (one.error == HeaderError::None) {
        require(done && body_at == one.header_size);
        require(bt.size() == one.header_size && std::memcmp(bt.bytes(), msg, bt.size()) == 0);
        require(rd.backtrace().size() == bt.size());
        const size_t words = bt.word_count();
        require(words >= 1 && words <= kMaxHopsLimit && words <= (max_hops ? max_hops : 1));
        for (size_t i = 0; i + 1 < words; ++i) require((bt.word(i) & kIdFlag) == 0);
        require((bt.id() & kIdFlag) != 0 && bt.id() == bt.word(words - 1));

        // Device round trip: push a pipe id, pop it, get the same stack back.
        Backtrace copy = bt;
        const uint32_t pipe = load_be32(msg) & 0x7fffffffu;
        require(copy.push_hop(pipe) == HeaderError::None);
        require(copy.word_count() == words + 1 && copy.word(0) == pipe);
        uint32_t popped = 0;
        require(copy.pop_hop(&popped) == HeaderError::None && popped == pipe);
        require(copy.size() == bt.size() && std::memcmp(copy.bytes(), bt.bytes(), bt.size()) == 0);
        require(copy.push_hop(pipe | kIdFlag) == HeaderError::BadPipeId);
        if (words == 1) require(copy.pop_hop(&popped) == HeaderError::NotAHop);
    }

    // The one-word headers.
    const IdParse id = read_id_header(msg, len);
    if (len < 4) {
        require(id.error == HeaderError::PartialWord);
    } else if (msg[0] & 0x80) {
        require(id.error == HeaderError::None && id.id == load_be32(msg));
    } else {
        require(id.error == HeaderError::MissingId);
    }
    const Pair1Parse p1 = read_pair1_header(msg, len, static_cast<uint32_t>(max_hops));
    if (len < 4) {
        require(p1.error == HeaderError::PartialWord);
    } else {
        const uint32_t h = load_be32(msg);
        require(p1.hops == h);
        if (h > 0xff) require(p1.error == HeaderError::BadHopCount);
        else if (h > max_hops) require(p1.error == HeaderError::TtlExceeded);
        else require(p1.error == HeaderError::None);
    }
    return 0;
}
