// A non-blocking DNS client resolver as a state machine: it decides what to send, when to
// retry and what an answer means; the core owns the UDP socket(s), the clock and the files.
//
// How the core drives it, once per update, in this order:
//     for each datagram received on a DNS socket:                    // 1. feed replies
//         resolver.on_datagram(index_of_server(source address), bytes, n);  // drop unknown sources
//     Resolver::Datagram d;                                         // 2. expire timers, send
//     while ((d = resolver.next_datagram(buf, sizeof buf, now_ms)).size > 0)
//         sendto(socket_for(resolver.server(d.server)), buf, d.size);   // a lost send is fine:
//                                                                     // the retry timer covers it
//     for each lookup it waits on:                                  // 3. collect outcomes
//         Resolver::Result r = resolver.poll_result(handle, addrs, cap);
//     then sleep at most until resolver.next_deadline().
// Timeouts are noticed only inside next_datagram, so step 2 must come before step 3 (and
// after any sleep): a lookup that just timed out has no deadline left to wake the core for.
// Each lookup is answered from the hosts text first, then "localhost" is answered without the
// network (127.0.0.1 / ::1), and only then is DNS asked. Such lookups are Resolved at once.
//
// Retries: each query is sent to the first server (the next one per lookup with `rotate`),
// waits conf.timeout_ms, then goes to the next server, for at most attempts x servers sends,
// with the same id throughout. A reply is accepted from any server the query went to, so a
// late answer from a slow first server still counts. SERVFAIL, REFUSED, NOTIMP, FORMERR and
// malformed replies from the server being waited on move to the next server at once;
// NXDOMAIN, NODATA and truncated replies end the query.
// Family Any sends A and AAAA at once; when one of them has addresses, the other is no longer
// retried after its current wait. IPv4 addresses come first in the result.
// Anti-spoofing: 16-bit ids from the caller's random source, unique among pending queries;
// replies must come from a server asked (the core reports the source) and repeat our exact
// question. Source-port randomization is the core's part: use an ephemeral port per socket.
// Memory: a caller-provided array of slots, about 500 bytes each; nothing else.
#pragma once
#include <cstddef>
#include <cstdint>

#include "transport/dns/dns_message.hpp"
#include "transport/dns/dns_types.hpp"
#include "transport/dns/hosts_file.hpp"
#include "transport/dns/resolv_conf.hpp"

namespace tickwire::detail::dns {

constexpr size_t kMaxAddressesPerLookup = 8;  // Family::Any: 4 of each

// Slot index in the low 16 bits, generation in the high 16 (never 0, so 0 is never valid).
struct LookupHandle {
    uint32_t value = 0;
};

enum class LookupState : uint8_t { Pending, Resolved, Failed };

// One outstanding query (A or AAAA) of a lookup.
struct DnsQuery {
    enum class State : uint8_t { Unused, Due, Waiting, Done };
    uint64_t deadline_ms = 0;          // Waiting: when the current send is given up
    uint16_t id = 0;
    RecordType type = RecordType::A;
    State state = State::Unused;
    uint8_t sends = 0;                 // datagrams sent so far
    uint8_t asked = 0;                 // bit i: server i was sent this query
    uint8_t server = 0;                // the server of the latest send
    DnsStatus status = DnsStatus::Ok;  // Done: the outcome; before: the last server error seen
    uint8_t first = 0;                 // this query's part of the slot's address array
    uint8_t cap = 0;
    uint8_t count = 0;
};

// Storage for one lookup. Callers only allocate arrays of these (once, at start-up).
struct DnsLookupSlot {
    DnsQuery queries[2];
    DnsAddress addrs[kMaxAddressesPerLookup];
    uint16_t generation = 1;
    bool used = false;
    Family family = Family::V4;
    uint8_t name_len = 0;
    uint8_t first_server = 0;  // send n of each query goes to (first_server + n) % servers
    char name[kMaxNameLength];  // validated, no trailing dot, not NUL-terminated
};

class Resolver {
public:
    // Fills `len` bytes with unpredictable data; false on failure. Random::fill fits.
    using RandomFill = bool (*)(void* ctx, void* out, size_t len);

    struct Start {
        DnsStatus status;
        LookupHandle handle;  // valid only when status is Ok
    };
    struct Datagram {
        DnsStatus status;  // BufferTooSmall if `cap` < kMaxQuerySize: nothing was consumed
        uint8_t server;    // index into server(): where to send
        size_t size;       // 0: nothing due now
    };
    struct Result {
        LookupState state;
        DnsStatus reason;  // Failed: why (NxDomain, Timeout, ServerFailure...); else Ok
        size_t count;      // Resolved: addresses written to `out`
    };

    Resolver() noexcept = default;
    Resolver(const Resolver&) = delete;
    Resolver& operator=(const Resolver&) = delete;

    // `slots` (1..65535 of them) and `hosts` (may be null) are borrowed and must outlive the
    // resolver; `conf` is copied. Errors: InvalidArgument (no slots, too many, no random
    // source), NoServers (conf has none; ResolvConf::parse always gives one).
    DnsStatus init(const ResolvConf& conf, const HostsFile* hosts, DnsLookupSlot* slots,
                   size_t slot_count, RandomFill random, void* random_ctx) noexcept;

    // Begins resolving `name` (not an IP literal: check those first). Errors: the name errors
    // of validate_name, TableFull, RandomFailed. The first datagrams go out at the next
    // next_datagram(); hosts and localhost answers are ready at once.
    Start start(const char* name, size_t len, Family family) noexcept;

    // Expires timers, then writes the next due query into `out` (give it kMaxQuerySize bytes)
    // and says which server it is for. Call until size is 0. Never blocks.
    Datagram next_datagram(uint8_t* out, size_t cap, uint64_t now_ms) noexcept;

    // Feeds one received datagram from server index `server`. Datagrams that match no pending
    // query (id, server asked, question) are ignored; nothing here can fail.
    void on_datagram(uint8_t server, const uint8_t* data, size_t len) noexcept;

    // Pending, or the outcome. Resolved/Failed release the lookup: its handle is dead after
    // that (a later call answers Failed/InvalidHandle), so pass room for the addresses
    // (kMaxAddressesPerLookup at most are kept; extra ones beyond `cap` are dropped).
    Result poll_result(LookupHandle h, DnsAddress* out, size_t cap) noexcept;

    // Abandons a lookup (pending or finished); later replies to it are ignored.
    void cancel(LookupHandle h) noexcept;

    // The earliest time next_datagram has work: 0 if something is due now, UINT64_MAX if no
    // query is pending. The core may sleep until then (or until a datagram arrives).
    uint64_t next_deadline() const noexcept;

    uint8_t server_count() const noexcept { return conf_.server_count; }
    const NameServer& server(uint8_t i) const noexcept { return conf_.servers[i < conf_.server_count ? i : 0]; }

private:
    DnsLookupSlot* find(LookupHandle h) noexcept;
    bool pick_id(uint16_t* id) noexcept;
    void expire(uint64_t now_ms) noexcept;
    void release(DnsLookupSlot& slot) noexcept;
    unsigned send_budget() const noexcept;

    ResolvConf conf_;
    const HostsFile* hosts_ = nullptr;
    DnsLookupSlot* slots_ = nullptr;
    uint16_t slot_count_ = 0;
    uint8_t rotate_next_ = 0;
    RandomFill random_ = nullptr;
    void* random_ctx_ = nullptr;
};

} // namespace tickwire::detail::dns
