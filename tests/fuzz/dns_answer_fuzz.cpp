// libFuzzer target for everything in the resolver that reads untrusted bytes: the DNS reply
// reader (directly and through Resolver::on_datagram), resolv.conf and hosts text, and the
// address literal parsers. Properties checked besides "no crash, no UB":
//   - a reply reader result never claims more addresses than the caller's room;
//   - round trip: any input accepted as a host name builds a query which, read back as a reply
//     (QR set, no answers), is NODATA for that very name, id and type;
//   - the resolv.conf parser always yields 1..3 servers and clamped options.
// Seeds (tests/fuzz/corpus/dns_answer/) are replies to "example.test" with id 0x1234, a
// resolv.conf and a hosts file.
#include <cstdlib>
#include <cstring>

#include "transport/dns/dns_message.hpp"
#include "transport/dns/hosts_file.hpp"
#include "transport/dns/ip_literal.hpp"
#include "transport/dns/resolv_conf.hpp"
#include "transport/dns/resolver.hpp"

using namespace tickwire::detail::dns;

namespace {

const char kName[] = "example.test";
constexpr size_t kNameLen = sizeof kName - 1;

void require(bool ok) {
    if (!ok) std::abort();
}

void check_reply(const uint8_t* data, size_t size, uint16_t id, RecordType type) {
    DnsAddress out[3];
    AnswerParse r = parse_answer(data, size, id, kName, kNameLen, type, out, 3);
    require(r.count <= 3);
    if (r.status != DnsStatus::Ok) {
        require(r.count == 0);
        return;
    }
    require(r.count > 0 && r.found >= r.count);
    for (size_t i = 0; i < r.count; ++i) {
        require(out[i].family == (type == RecordType::A ? 4 : 6));
        require(out[i].ttl_s <= 0x7FFFFFFFu);
    }
}

// A resolver whose random source hands out the id the input carries, so that the input is
// taken as the reply to its query.
struct FixedId {
    uint16_t id;
    static bool fill(void* ctx, void* out, size_t len) {
        auto* self = static_cast<FixedId*>(ctx);
        if (len != 2) return false;
        auto* b = static_cast<uint8_t*>(out);
        b[0] = static_cast<uint8_t>(self->id >> 8);
        b[1] = static_cast<uint8_t>(self->id & 0xFF);
        self->id = static_cast<uint16_t>(self->id + 1);  // the AAAA query gets id + 1
        return true;
    }
};

void drive_resolver(const uint8_t* data, size_t size, uint16_t id) {
    static DnsLookupSlot slots[2];
    FixedId rnd{id};
    ResolvConf conf = ResolvConf::parse(nullptr, 0);
    Resolver r;
    require(r.init(conf, nullptr, slots, 2, &FixedId::fill, &rnd) == DnsStatus::Ok);
    Resolver::Start s = r.start(kName, kNameLen, Family::Any);
    require(s.status == DnsStatus::Ok);
    uint8_t buf[kMaxQuerySize];
    while (r.next_datagram(buf, sizeof buf, 0).size > 0) {}
    r.on_datagram(0, data, size);
    DnsAddress out[kMaxAddressesPerLookup];
    Resolver::Result res = r.poll_result(s.handle, out, kMaxAddressesPerLookup);
    require(res.count <= kMaxAddressesPerLookup);
    r.cancel(s.handle);
}

void check_name_round_trip(const uint8_t* data, size_t size) {
    const char* name = reinterpret_cast<const char*>(data);
    uint8_t query[kMaxQuerySize];
    QueryBuild q = build_query(name, size, RecordType::Aaaa, 0xBEEF, query, sizeof query);
    if (q.status != DnsStatus::Ok) return;
    require(q.size <= kMaxQuerySize);
    require(!looks_like_ip_literal(name, size > 0 && name[size - 1] == '.' ? size - 1 : size));
    query[2] |= 0x80;  // QR: the query read as an empty reply
    DnsAddress out[1];
    AnswerParse r = parse_answer(query, q.size, 0xBEEF, name, size, RecordType::Aaaa, out, 1);
    require(r.status == DnsStatus::NoData);
}

void check_text(const uint8_t* data, size_t size) {
    const char* text = reinterpret_cast<const char*>(data);
    ResolvConf c = ResolvConf::parse(text, size);
    require(c.server_count >= 1 && c.server_count <= ResolvConf::kMaxServers);
    require(c.timeout_ms >= 1000 && c.timeout_ms <= 30000);
    require(c.attempts >= 1 && c.attempts <= 5);
    for (size_t i = 0; i < c.server_count; ++i) {
        require(c.servers[i].family == 4 || c.servers[i].family == 6);
        require(std::memchr(c.servers[i].zone, '\0', sizeof c.servers[i].zone) != nullptr);
    }
    HostsFile hosts(text, size);
    DnsAddress out[4];
    require(hosts.lookup("localhost", 9, Family::Any, out, 4) <= 4);
    require(hosts.lookup(kName, kNameLen, Family::V6, out, 2) <= 2);
    uint8_t addr[16];
    parse_ipv4(text, size, addr);
    parse_ipv6(text, size, addr);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size >= 2) {
        const uint16_t id = static_cast<uint16_t>((data[0] << 8) | data[1]);
        check_reply(data, size, id, RecordType::A);
        check_reply(data, size, id, RecordType::Aaaa);
        drive_resolver(data, size, id);
    }
    check_name_round_trip(data, size);
    check_text(data, size);
    return 0;
}
