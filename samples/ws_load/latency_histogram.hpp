// LatencyHistogram: a fixed-size log-linear histogram of nanosecond values, for the load tools
// of this folder. Recording is a few shifts and one increment — no allocation, no sorting — so
// it can sit in the hot loop of a load generator without disturbing what it measures.
//
// Values below 128 ns have their own bucket; above, every power of two is split into 64 equal
// buckets, so a reported percentile is within 1/64 (1.6 %) of the true value, from 128 ns up to
// 2^40 ns (18 minutes; larger values land in the last bucket).
#pragma once
#include <cstdint>
#include <cstring>

namespace sample {

class LatencyHistogram {
public:
    void record(uint64_t ns) noexcept {
        ++counts_[index_of(ns)];
        ++total_;
        if (ns > max_) max_ = ns;
    }

    void clear() noexcept {
        std::memset(counts_, 0, sizeof counts_);
        total_ = 0;
        max_ = 0;
    }

    uint64_t count() const noexcept { return total_; }
    uint64_t max() const noexcept { return max_; }

    // The value below which a fraction `q` (0..1) of the recorded values lie: the middle of the
    // bucket holding that rank. 0 when nothing was recorded.
    uint64_t percentile(double q) const noexcept {
        if (total_ == 0) return 0;
        uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(total_));
        if (rank >= total_) rank = total_ - 1;
        uint64_t seen = 0;
        for (uint32_t i = 0; i < kBuckets; ++i) {
            seen += counts_[i];
            if (seen > rank) return middle_of(i);
        }
        return max_;
    }

private:
    static constexpr uint32_t kLinear = 128;   // exact buckets for 0..127
    static constexpr uint32_t kSubBits = 6;    // 64 buckets per power of two above that
    static constexpr uint32_t kMaxExp = 40;
    static constexpr uint32_t kBuckets = kLinear + (kMaxExp - 7 + 1) * (1u << kSubBits);

    static uint32_t index_of(uint64_t v) noexcept {
        if (v < kLinear) return static_cast<uint32_t>(v);
        uint32_t msb = 63u - static_cast<uint32_t>(__builtin_clzll(v));  // >= 7
        if (msb > kMaxExp) return kBuckets - 1;
        const uint32_t shift = msb - kSubBits;                            // >= 1
        const uint32_t sub = static_cast<uint32_t>(v >> shift) - (1u << kSubBits);  // 0..63
        return kLinear + (msb - 7) * (1u << kSubBits) + sub;
    }

    static uint64_t middle_of(uint32_t i) noexcept {
        if (i < kLinear) return i;
        const uint32_t k = i - kLinear;
        const uint32_t msb = 7 + k / (1u << kSubBits);
        const uint32_t shift = msb - kSubBits;
        const uint64_t low = (static_cast<uint64_t>((1u << kSubBits) + k % (1u << kSubBits))) << shift;
        return low + (uint64_t{1} << shift) / 2;
    }

    uint64_t counts_[kBuckets] = {};
    uint64_t total_ = 0;
    uint64_t max_ = 0;
};

} // namespace sample
