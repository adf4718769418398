// Stats: counters and high-water marks, readable at any time with Context::stats().
// Every drop, refusal and pause the library makes is counted here.
#pragma once
#include <cstdint>

namespace tickwire {

struct Stats {
    uint64_t memory_bytes = 0;             // the one block taken at init

    uint32_t connections_open = 0;
    uint32_t connections_high_water = 0;
    uint64_t connections_accepted = 0;
    uint64_t connections_dialed = 0;       // successful connects, reconnects included
    uint64_t connections_refused = 0;      // accepted then closed at once: no connection slot
    uint64_t connections_failed = 0;       // closed with an error

    uint32_t ring_blocks_in_use = 0;
    uint32_t ring_blocks_high_water = 0;
    uint64_t ring_block_waits = 0;         // a read paused because the block pool was empty

    uint32_t message_slots_in_use = 0;
    uint32_t message_slots_high_water = 0;
    uint64_t message_slot_misses = 0;      // a message slot was needed and none was free

    uint32_t timers_in_use = 0;
    uint32_t events_high_water = 0;
    uint64_t events_deferred = 0;          // work left for the next update because the queue was full
    uint64_t events_dropped = 0;           // should stay 0: work is deferred before a drop

    uint64_t bytes_received = 0;
    uint64_t bytes_sent = 0;
    uint64_t send_would_block = 0;         // sends refused for lack of room
    uint64_t unsent_bytes_dropped = 0;     // bytes accepted for sending, lost when a connection died
    uint64_t read_syscalls = 0;
    uint64_t write_syscalls = 0;
    uint64_t views_forwarded_in_place = 0; // send_view() sent a view where it lay (its ring block or
                                           // message slot went to the send side): no copy
    uint64_t updates = 0;
    uint64_t dns_queries = 0;
    uint64_t handshakes_failed = 0;        // upgrades refused, malformed or timed out
    uint64_t files_served = 0;             // static HTTP responses
};

} // namespace tickwire
