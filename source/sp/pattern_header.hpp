// The SP protocol headers that precede the body inside a message (after the tcp/ipc framing, or
// at the start of a ws message): the req/rep and surveyor/respondent backtrace and the pair v1
// hop count. Pure functions and small value types; no allocation.
//
// Backtrace (shared/sp/WIRE.md §6, §7): 32-bit big-endian words. The last word has the top bit
// set and is the request / survey id; the words before it (top bit clear) are pipe ids pushed by
// devices (raw REP sockets), one per hop, the newest first. REQ and SURVEYOR send exactly one
// word; REP and RESPONDENT send the whole received stack back verbatim in front of the reply.
// Both libraries answer 8 words (7 hops + id) and drop 9 (NN_MAXTTL / NNG_OPT_MAXTTL = 8).
//
// What real peers do with a bad header (for the caller's policy; this file only reports):
//   PartialWord, MissingId   nanomsg drops the message, NNG closes the connection
//   TooManyHops              both drop the message silently and keep the connection
//   pair v1: PartialWord, BadHopCount -> NNG closes; TtlExceeded -> NNG drops
#pragma once
#include <cstddef>
#include <cstdint>

namespace tickwire::detail::sp {

constexpr size_t kWordSize = 4;
constexpr uint32_t kIdFlag = 0x80000000u; // top bit: "this word is the request/survey id"

// Words (hops + the id) a received backtrace may have by default, as in both libraries.
constexpr size_t kDefaultMaxHops = 8;
// Highest configurable limit (NNG's NNI_MAX_MAX_TTL); larger requests are clamped to it.
constexpr size_t kMaxHopsLimit = 15;
// A Backtrace holds one more word than the limit so that a device can push its pipe id onto a
// stack that is already at the limit (the next receiver then drops it, as the libraries do).
constexpr size_t kBacktraceCapacity = (kMaxHopsLimit + 1) * kWordSize;

enum class HeaderError : uint8_t {
    None,
    PartialWord, // the message ends inside a word (fewer than 4 bytes left)
    MissingId,   // the message ends on a word boundary before any word with the top bit set
    TooManyHops, // more words than the hop limit / the capacity without reaching the id
    NotAHop,     // pop_hop: the first word is the id (top bit set), not a pipe id
    BadPipeId,   // push_hop: a pipe id must have the top bit clear
    BadHopCount, // pair v1: hop count > 0xff (received) or >= 0xff (to forward)
    TtlExceeded, // pair v1: hop count above the configured max TTL
};

const char* to_string(HeaderError e) noexcept;

// A backtrace in wire order: bytes() can be copied verbatim in front of a reply body.
class Backtrace {
public:
    const uint8_t* bytes() const noexcept { return bytes_; }
    size_t size() const noexcept { return size_; }          // in bytes, a multiple of 4
    size_t word_count() const noexcept { return size_ / kWordSize; }
    uint32_t word(size_t i) const noexcept;                  // i < word_count()
    // The request/survey id (the last word) of a complete backtrace; 0 when empty.
    uint32_t id() const noexcept;
    void clear() noexcept { size_ = 0; }

    // Appends one word at the end (used by the parser). False when the capacity is full.
    bool append_word(uint32_t w) noexcept;

    // Raw-mode device, request direction: puts our pipe id in front (top bit clear required).
    // Errors: BadPipeId, TooManyHops (capacity full).
    HeaderError push_hop(uint32_t pipe_id) noexcept;
    // Raw-mode device, reply direction: removes the first word, the pipe to send the reply to.
    // Errors: MissingId (empty), NotAHop (the first word is the id: this hop has no pipe id).
    HeaderError pop_hop(uint32_t* pipe_id) noexcept;

private:
    uint8_t bytes_[kBacktraceCapacity] = {};
    uint8_t size_ = 0;
};

// Reads a backtrace from the start of a message given in pieces (the BodyChunks of the framing
// decoder, or one span). Keeps the words in a Backtrace; the bytes after the header are the body.
//
//     BacktraceReader rd(max_hops);
//     per chunk: auto s = rd.feed(p, n); body starts at p + s.consumed once s.status is Done.
//     at MessageEnd: if (rd.status() != Done) error = rd.finish();
class BacktraceReader {
public:
    enum class Status : uint8_t { NeedMore, Done, Failed };
    struct Step {
        Status status;
        size_t consumed; // header bytes taken from this input (0 after Done or Failed)
    };

    // `max_hops` words at most, the id included; clamped to [1, kMaxHopsLimit].
    explicit BacktraceReader(size_t max_hops = kDefaultMaxHops) noexcept;

    Step feed(const uint8_t* data, size_t len) noexcept;
    // Call at the end of the message: returns None if the header was complete, otherwise
    // PartialWord or MissingId (and the reader becomes Failed), or the earlier error.
    HeaderError finish() noexcept;
    void reset() noexcept;

    Status status() const noexcept { return status_; }
    HeaderError error() const noexcept { return error_; }
    const Backtrace& backtrace() const noexcept { return trace_; }

private:
    Backtrace trace_;
    uint8_t word_[kWordSize] = {};
    uint8_t have_ = 0; // bytes of the current word
    uint8_t max_hops_;
    Status status_ = Status::NeedMore;
    HeaderError error_ = HeaderError::None;
};

struct BacktraceParse {
    HeaderError error;
    size_t header_size; // bytes of backtrace at the start of the message; the body follows
};

// One-shot form for a message held in one span: parses into *out (may be null).
BacktraceParse parse_backtrace(const uint8_t* msg, size_t len, size_t max_hops,
                               Backtrace* out) noexcept;

// REQ / SURVEYOR sending: writes the one-word header, id with the top bit forced on.
void write_id_header(uint32_t id, uint8_t out[kWordSize]) noexcept;

struct IdParse {
    HeaderError error; // PartialWord (< 4 bytes) or MissingId (top bit clear)
    uint32_t id;       // the id, top bit included; the body follows 4 bytes in
};

// REQ / SURVEYOR receiving a reply: the first word must be an id (devices have popped their hops).
// Matching the id to the outstanding request / survey is the caller's job.
IdParse read_id_header(const uint8_t* msg, size_t len) noexcept;

// Pair v1 (NNG only): one 32-bit big-endian hop count; a cooked sender writes 1.
constexpr size_t kPair1HeaderSize = 4;
constexpr uint32_t kPair1MaxHopCount = 0xff;
constexpr uint32_t kPair1DefaultMaxTtl = 8;

void write_pair1_header(uint32_t hops, uint8_t out[kPair1HeaderSize]) noexcept;

struct Pair1Parse {
    HeaderError error; // PartialWord, BadHopCount (> 0xff), TtlExceeded (> max_ttl)
    uint32_t hops;     // the count read (also set with TtlExceeded)
};

Pair1Parse read_pair1_header(const uint8_t* msg, size_t len, uint32_t max_ttl) noexcept;

// Raw pair v1 forwarding: the count to send on for a message that arrived with `hops`.
// BadHopCount when hops >= 0xff (NNG refuses to send those).
HeaderError next_pair1_hops(uint32_t hops, uint32_t* out) noexcept;

} // namespace tickwire::detail::sp
