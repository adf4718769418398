#include "sp/pattern_header.hpp"

#include <cstring>

#include "sp/big_endian.hpp"

namespace tickwire::detail::sp {

const char* to_string(HeaderError e) noexcept {
    switch (e) {
    case HeaderError::None: return "none";
    case HeaderError::PartialWord: return "SP header: message ends inside a header word";
    case HeaderError::MissingId: return "SP header: no request/survey id (top bit) in message";
    case HeaderError::TooManyHops: return "SP header: too many hops";
    case HeaderError::NotAHop: return "SP header: first word is the id, not a pipe id";
    case HeaderError::BadPipeId: return "SP header: pipe id has the top bit set";
    case HeaderError::BadHopCount: return "SP header: pair v1 hop count out of range";
    case HeaderError::TtlExceeded: return "SP header: pair v1 hop count above max TTL";
    }
    return "SP header: ?";
}

// --- Backtrace ------------------------------------------------------------------------------

uint32_t Backtrace::word(size_t i) const noexcept {
    return i < word_count() ? load_be32(bytes_ + i * kWordSize) : 0;
}

uint32_t Backtrace::id() const noexcept {
    return size_ == 0 ? 0 : load_be32(bytes_ + size_ - kWordSize);
}

bool Backtrace::append_word(uint32_t w) noexcept {
    if (size_ + kWordSize > kBacktraceCapacity) return false;
    store_be32(w, bytes_ + size_);
    size_ = static_cast<uint8_t>(size_ + kWordSize);
    return true;
}

HeaderError Backtrace::push_hop(uint32_t pipe_id) noexcept {
    if (pipe_id & kIdFlag) return HeaderError::BadPipeId;
    if (size_ + kWordSize > kBacktraceCapacity) return HeaderError::TooManyHops;
    std::memmove(bytes_ + kWordSize, bytes_, size_);
    store_be32(pipe_id, bytes_);
    size_ = static_cast<uint8_t>(size_ + kWordSize);
    return HeaderError::None;
}

HeaderError Backtrace::pop_hop(uint32_t* pipe_id) noexcept {
    if (size_ == 0) return HeaderError::MissingId;
    const uint32_t first = load_be32(bytes_);
    if (first & kIdFlag) return HeaderError::NotAHop;
    *pipe_id = first;
    size_ = static_cast<uint8_t>(size_ - kWordSize);
    std::memmove(bytes_, bytes_ + kWordSize, size_);
    return HeaderError::None;
}

// --- BacktraceReader ------------------------------------------------------------------------

namespace {
uint8_t clamp_hops(size_t max_hops) noexcept {
    if (max_hops < 1) return 1;
    if (max_hops > kMaxHopsLimit) return static_cast<uint8_t>(kMaxHopsLimit);
    return static_cast<uint8_t>(max_hops);
}
} // namespace

BacktraceReader::BacktraceReader(size_t max_hops) noexcept : max_hops_(clamp_hops(max_hops)) {}

void BacktraceReader::reset() noexcept {
    trace_.clear();
    have_ = 0;
    status_ = Status::NeedMore;
    error_ = HeaderError::None;
}

BacktraceReader::Step BacktraceReader::feed(const uint8_t* data, size_t len) noexcept {
    if (status_ != Status::NeedMore) return {status_, 0};
    size_t used = 0;
    while (used < len) {
        // Copy what is missing of the current word (usually all 4 bytes at once).
        size_t take = kWordSize - have_;
        if (take > len - used) take = len - used;
        std::memcpy(word_ + have_, data + used, take);
        have_ = static_cast<uint8_t>(have_ + take);
        used += take;
        if (have_ < kWordSize) break;
        have_ = 0;

        const uint32_t w = load_be32(word_);
        trace_.append_word(w); // cannot fail: max_hops_ <= kMaxHopsLimit < capacity
        if (w & kIdFlag) {
            status_ = Status::Done;
            break;
        }
        // Same point as NNG's rep0: after max_hops words without the id, drop; the rest of the
        // message is not looked at.
        if (trace_.word_count() >= max_hops_) {
            status_ = Status::Failed;
            error_ = HeaderError::TooManyHops;
            break;
        }
    }
    return {status_, used};
}

HeaderError BacktraceReader::finish() noexcept {
    if (status_ == Status::NeedMore) {
        status_ = Status::Failed;
        error_ = have_ != 0 ? HeaderError::PartialWord : HeaderError::MissingId;
    }
    return error_;
}

BacktraceParse parse_backtrace(const uint8_t* msg, size_t len, size_t max_hops,
                               Backtrace* out) noexcept {
    BacktraceReader rd(max_hops);
    const BacktraceReader::Step s = rd.feed(msg, len);
    const HeaderError e = rd.finish();
    if (out) *out = rd.backtrace();
    return {e, e == HeaderError::None ? s.consumed : 0};
}

// --- id header ------------------------------------------------------------------------------

void write_id_header(uint32_t id, uint8_t out[kWordSize]) noexcept {
    store_be32(id | kIdFlag, out);
}

IdParse read_id_header(const uint8_t* msg, size_t len) noexcept {
    if (len < kWordSize) return {HeaderError::PartialWord, 0};
    const uint32_t id = load_be32(msg);
    if (!(id & kIdFlag)) return {HeaderError::MissingId, 0};
    return {HeaderError::None, id};
}

// --- pair v1 --------------------------------------------------------------------------------

void write_pair1_header(uint32_t hops, uint8_t out[kPair1HeaderSize]) noexcept {
    store_be32(hops, out);
}

Pair1Parse read_pair1_header(const uint8_t* msg, size_t len, uint32_t max_ttl) noexcept {
    if (len < kPair1HeaderSize) return {HeaderError::PartialWord, 0};
    const uint32_t hops = load_be32(msg);
    if (hops > kPair1MaxHopCount) return {HeaderError::BadHopCount, hops};
    if (hops > max_ttl) return {HeaderError::TtlExceeded, hops};
    return {HeaderError::None, hops};
}

HeaderError next_pair1_hops(uint32_t hops, uint32_t* out) noexcept {
    if (hops >= kPair1MaxHopCount) return HeaderError::BadHopCount;
    *out = hops + 1;
    return HeaderError::None;
}

} // namespace tickwire::detail::sp
