// A Config for a small device: about 256 KiB of RAM in all, of which tickwire's arena takes at
// most kDeviceProfileBudget (Context::required_memory(device_profile()) stays below it; the
// test device_profile_fits_its_ram_budget holds it to that). Build with the MinSize
// configuration (-Os, --gc-sections) and only the protocols you use:
//
//     premake4 --file=premake5.lua --protocols=ws gmake    # or ws,sp / sp / sockety / all
//     make -C build config=minsize tickwire               # the library alone, no samples
//
// Change the fields you need after the call; README.md ("A constrained device") has the sums.
#pragma once
#include <cstddef>

#include "tickwire/config.hpp"

namespace tickwire {

// Bytes of the device's RAM the profile gives tickwire's arena (one block, taken at init).
constexpr size_t kDeviceProfileBudget = 48 * 1024;

inline Config device_profile() noexcept {
    Config c;
    c.max_connections = 4;        // accepted, dialed and inproc ends together
    c.max_listeners = 2;
    c.max_dialers = 2;
    c.ring_block_size = 2 * 1024; // a send or a WebSocket frame must fit one block
    c.ring_block_count = 8;       // both directions of all 4 connections (reads take at most 7: one stays for sending)
    c.message_slots = 4;          // reassembled messages, retained views, WebSocket upgrade heads
    c.message_slot_size = 2 * 1024;
    c.max_timers = 8;
    c.event_queue_size = 32;
    c.max_dns_lookups = 1;        // dial by name, one lookup at a time
    c.hosts_file_max = 1024;
    c.listen_backlog = 4;
    c.poller = PollerKind::Poll;  // epoll reserves a 512-event batch (6-8 KiB); poll() 16 B a socket
    // No TLS: mbedTLS would add ~36 KiB of its own heap per connection (README, "Memory").
    c.tls.max_sessions = 0;
    return c;
}

} // namespace tickwire
