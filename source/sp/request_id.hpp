// The request / survey id rule of REQ and SURVEYOR, sans-I/O: the caller supplies the random
// start (from detail::Random), so tests are deterministic.
//
// Both libraries start at a random value and increment, with the top bit always set (nanomsg:
// `++lastid | 0x80000000`; NNG's captured ids 9d30b8c6, 9d30b8c7 are consecutive). The top bit
// marks the id as the end of the backtrace (pattern_header.hpp). Wraps from 0xffffffff to
// 0x80000000, i.e. 2^31 ids before one repeats; a socket with several outstanding requests
// (contexts) should skip an id that is still in use by calling next() again.
#pragma once
#include <cstdint>

#include "sp/pattern_header.hpp"

namespace tickwire::detail::sp {

class RequestIdGenerator {
public:
    explicit RequestIdGenerator(uint32_t random_start) noexcept : last_(random_start) {}

    // The next id: the previous one plus one, top bit set.
    uint32_t next() noexcept {
        last_ = (last_ + 1u) | kIdFlag;
        return last_;
    }

private:
    uint32_t last_;
};

} // namespace tickwire::detail::sp
