#include "transport/dns/resolver.hpp"

#include <cstring>

namespace tickwire::detail::dns {
namespace {

using State = DnsQuery::State;

bool is_localhost(const char* name, size_t len) noexcept {
    return same_host_name(name, len, "localhost", 9);
}

size_t localhost_addresses(Family family, DnsAddress* out) noexcept {
    size_t n = 0;
    if (family != Family::V6) {
        out[n] = DnsAddress{};
        out[n].family = 4;
        out[n].bytes[0] = 127;
        out[n].bytes[3] = 1;
        ++n;
    }
    if (family != Family::V4) {
        out[n] = DnsAddress{};
        out[n].family = 6;
        out[n].bytes[15] = 1;
        ++n;
    }
    return n;
}

bool active(const DnsQuery& q) noexcept { return q.state == State::Due || q.state == State::Waiting; }

void finish(DnsQuery& q, DnsStatus status) noexcept {
    q.state = State::Done;
    q.status = status;
}

bool has_addresses(const DnsQuery& q) noexcept { return q.state == State::Done && q.status == DnsStatus::Ok; }

// Outcomes that end a query: the name's answer, whichever server gives it.
bool is_final_answer(DnsStatus s) noexcept {
    return s == DnsStatus::Ok || s == DnsStatus::NxDomain || s == DnsStatus::NoData || s == DnsStatus::Truncated;
}

// Replies that are not an answer to this query at all (stale, spoofed, misrouted).
bool is_not_ours(DnsStatus s) noexcept {
    return s == DnsStatus::IdMismatch || s == DnsStatus::NotAResponse || s == DnsStatus::QuestionMismatch ||
           s == DnsStatus::BadName;
}

} // namespace

DnsStatus Resolver::init(const ResolvConf& conf, const HostsFile* hosts, DnsLookupSlot* slots,
                         size_t slot_count, RandomFill random, void* random_ctx) noexcept {
    if (slots == nullptr || slot_count == 0 || slot_count > 0xFFFF || random == nullptr)
        return DnsStatus::InvalidArgument;
    if (conf.server_count == 0 || conf.server_count > ResolvConf::kMaxServers) return DnsStatus::NoServers;
    conf_ = conf;
    if (conf_.attempts == 0) conf_.attempts = 1;
    if (conf_.timeout_ms == 0) conf_.timeout_ms = 1;
    hosts_ = hosts;
    slots_ = slots;
    slot_count_ = static_cast<uint16_t>(slot_count);
    random_ = random;
    random_ctx_ = random_ctx;
    rotate_next_ = 0;
    for (size_t i = 0; i < slot_count; ++i) slots_[i] = DnsLookupSlot{};
    return DnsStatus::Ok;
}

unsigned Resolver::send_budget() const noexcept {
    const unsigned budget = static_cast<unsigned>(conf_.attempts) * conf_.server_count;
    return budget < 255 ? budget : 255;  // `sends` is 8 bits
}

bool Resolver::pick_id(uint16_t* id) noexcept {
    for (int tries = 0; tries < 8; ++tries) {
        uint8_t b[2];
        if (!random_(random_ctx_, b, sizeof b)) return false;
        uint16_t candidate = static_cast<uint16_t>((b[0] << 8) | b[1]);
        bool taken = false;
        for (size_t i = 0; i < slot_count_ && !taken; ++i) {
            if (!slots_[i].used) continue;
            for (const DnsQuery& q : slots_[i].queries)
                if (active(q) && q.id == candidate) taken = true;
        }
        if (!taken) {
            *id = candidate;
            return true;
        }
    }
    return false;
}

void Resolver::release(DnsLookupSlot& slot) noexcept {
    uint16_t generation = static_cast<uint16_t>(slot.generation + 1);
    if (generation == 0) generation = 1;
    slot.used = false;
    slot.generation = generation;
    slot.queries[0] = DnsQuery{};
    slot.queries[1] = DnsQuery{};
}

DnsLookupSlot* Resolver::find(LookupHandle h) noexcept {
    size_t index = h.value & 0xFFFF;
    uint16_t generation = static_cast<uint16_t>(h.value >> 16);
    if (slots_ == nullptr || index >= slot_count_) return nullptr;
    DnsLookupSlot& slot = slots_[index];
    if (!slot.used || slot.generation != generation) return nullptr;
    return &slot;
}

Resolver::Start Resolver::start(const char* name, size_t len, Family family) noexcept {
    size_t n = 0;
    DnsStatus s = validate_name(name, len, &n);
    if (s != DnsStatus::Ok) return {s, {}};
    if (slots_ == nullptr) return {DnsStatus::InvalidArgument, {}};
    size_t index = 0;
    while (index < slot_count_ && slots_[index].used) ++index;
    if (index == slot_count_) return {DnsStatus::TableFull, {}};

    DnsLookupSlot& slot = slots_[index];
    slot.used = true;
    slot.family = family;
    slot.name_len = static_cast<uint8_t>(n);
    std::memcpy(slot.name, name, n);
    const LookupHandle handle{(static_cast<uint32_t>(slot.generation) << 16) | static_cast<uint32_t>(index)};

    // Answers that need no network: the hosts text, then the built-in localhost.
    size_t local = hosts_ ? hosts_->lookup(name, n, family, slot.addrs, kMaxAddressesPerLookup) : 0;
    if (local == 0 && is_localhost(name, n)) local = localhost_addresses(family, slot.addrs);
    if (local > 0) {
        DnsQuery& q = slot.queries[0];
        q.cap = q.count = static_cast<uint8_t>(local);
        finish(q, DnsStatus::Ok);
        return {DnsStatus::Ok, handle};
    }

    const uint8_t half = kMaxAddressesPerLookup / 2;
    const size_t nqueries = family == Family::Any ? 2 : 1;
    for (size_t i = 0; i < nqueries; ++i) {
        DnsQuery& q = slot.queries[i];
        if (!pick_id(&q.id)) {
            release(slot);
            return {DnsStatus::RandomFailed, {}};
        }
        q.type = (family == Family::V6 || i == 1) ? RecordType::Aaaa : RecordType::A;
        q.first = static_cast<uint8_t>(i * half);
        q.cap = family == Family::Any ? half : static_cast<uint8_t>(kMaxAddressesPerLookup);
        q.state = State::Due;  // now its id counts as taken for the next pick_id
    }
    slot.first_server = 0;
    if (conf_.rotate) slot.first_server = static_cast<uint8_t>(rotate_next_++ % conf_.server_count);
    return {DnsStatus::Ok, handle};
}

void Resolver::expire(uint64_t now_ms) noexcept {
    for (size_t i = 0; i < slot_count_; ++i) {
        DnsLookupSlot& slot = slots_[i];
        if (!slot.used) continue;
        for (int k = 0; k < 2; ++k) {
            DnsQuery& q = slot.queries[k];
            if (q.state != State::Waiting || now_ms < q.deadline_ms) continue;
            if (has_addresses(slot.queries[1 - k]))
                finish(q, DnsStatus::Timeout);  // the sibling has answered: don't keep it waiting
            else if (q.sends < send_budget())
                q.state = State::Due;
            else
                finish(q, q.status != DnsStatus::Ok ? q.status : DnsStatus::Timeout);
        }
    }
}

Resolver::Datagram Resolver::next_datagram(uint8_t* out, size_t cap, uint64_t now_ms) noexcept {
    if (out == nullptr || cap < kMaxQuerySize) return {DnsStatus::BufferTooSmall, 0, 0};
    expire(now_ms);
    for (size_t i = 0; i < slot_count_; ++i) {
        DnsLookupSlot& slot = slots_[i];
        if (!slot.used) continue;
        for (DnsQuery& q : slot.queries) {
            if (q.state != State::Due) continue;
            QueryBuild b = build_query(slot.name, slot.name_len, q.type, q.id, out, cap);
            if (b.status != DnsStatus::Ok) {  // cannot happen for a validated name; end it cleanly
                finish(q, b.status);
                continue;
            }
            uint8_t server = static_cast<uint8_t>((slot.first_server + q.sends) % conf_.server_count);
            ++q.sends;
            q.asked = static_cast<uint8_t>(q.asked | (1u << server));
            q.server = server;
            q.state = State::Waiting;
            q.deadline_ms = now_ms + conf_.timeout_ms;
            return {DnsStatus::Ok, server, b.size};
        }
    }
    return {DnsStatus::Ok, 0, 0};
}

void Resolver::on_datagram(uint8_t server, const uint8_t* data, size_t len) noexcept {
    if (data == nullptr || len < 2 || server >= conf_.server_count) return;
    const uint16_t id = static_cast<uint16_t>((data[0] << 8) | data[1]);
    const uint8_t server_bit = static_cast<uint8_t>(1u << server);
    for (size_t i = 0; i < slot_count_; ++i) {
        DnsLookupSlot& slot = slots_[i];
        if (!slot.used) continue;
        for (DnsQuery& q : slot.queries) {
            if (!active(q) || q.id != id || (q.asked & server_bit) == 0) continue;
            AnswerParse r = parse_answer(data, len, id, slot.name, slot.name_len, q.type,
                                         slot.addrs + q.first, q.cap);
            if (is_not_ours(r.status)) return;
            if (is_final_answer(r.status)) {
                q.count = static_cast<uint8_t>(r.count);
                finish(q, r.status);
                return;
            }
            // A server error or a broken reply: remember it; if it came from the server we are
            // waiting on, move on to the next one now rather than at the timeout.
            q.status = r.status;
            if (q.state == State::Waiting && q.server == server) {
                if (q.sends < send_budget())
                    q.state = State::Due;
                else
                    finish(q, r.status);
            }
            return;  // ids are unique among active queries
        }
    }
}

Resolver::Result Resolver::poll_result(LookupHandle h, DnsAddress* out, size_t cap) noexcept {
    DnsLookupSlot* slot = find(h);
    if (slot == nullptr) return {LookupState::Failed, DnsStatus::InvalidHandle, 0};
    for (const DnsQuery& q : slot->queries)
        if (active(q)) return {LookupState::Pending, DnsStatus::Ok, 0};

    size_t copied = 0;
    bool any_address = false;
    DnsStatus reason = DnsStatus::NoData;
    for (const DnsQuery& q : slot->queries) {
        if (q.state != State::Done) continue;
        if (q.status == DnsStatus::Ok) {
            any_address = true;
            for (size_t k = 0; k < q.count && out != nullptr && copied < cap; ++k)
                out[copied++] = slot->addrs[q.first + k];
        } else if (reason == DnsStatus::NoData) {
            reason = q.status;  // the first real failure says most; NODATA only if all say it
        }
    }
    release(*slot);
    if (any_address) return {LookupState::Resolved, DnsStatus::Ok, copied};
    return {LookupState::Failed, reason, 0};
}

void Resolver::cancel(LookupHandle h) noexcept {
    if (DnsLookupSlot* slot = find(h)) release(*slot);
}

uint64_t Resolver::next_deadline() const noexcept {
    uint64_t earliest = UINT64_MAX;
    for (size_t i = 0; i < slot_count_; ++i) {
        const DnsLookupSlot& slot = slots_[i];
        if (!slot.used) continue;
        for (const DnsQuery& q : slot.queries) {
            if (q.state == State::Due) return 0;
            if (q.state == State::Waiting && q.deadline_ms < earliest) earliest = q.deadline_ms;
        }
    }
    return earliest;
}

} // namespace tickwire::detail::dns
