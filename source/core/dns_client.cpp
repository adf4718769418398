// The DNS client in the loop: reads resolv.conf and hosts once at start-up, opens its UDP
// sockets on first use, and moves the resolver (transport/dns/resolver.hpp) inside update().
// Dialers whose host is a name wait in ConnState::Resolving until it answers.
#include <cstring>

#include "core/engine.hpp"
#include "platform/entropy.hpp"

namespace tickwire::detail {

namespace {
bool random_fill(void*, void* out, size_t len) { return platform::fill_entropy(out, len); }

// "ADDR", "ADDR:PORT" or "[V6]:PORT".
bool parse_server_override(const char* text, dns::NameServer& out) noexcept {
    const size_t len = std::strlen(text);
    const char* host = text;
    size_t host_len = len;
    const char* port = nullptr;
    if (len > 0 && text[0] == '[') {
        const char* close = static_cast<const char*>(std::memchr(text, ']', len));
        if (!close) return false;
        host = text + 1;
        host_len = static_cast<size_t>(close - host);
        if (close[1] == ':') port = close + 2;
    } else if (const char* colon = static_cast<const char*>(std::memchr(text, ':', len))) {
        if (!std::memchr(colon + 1, ':', len - static_cast<size_t>(colon + 1 - text))) {  // not bare IPv6
            host_len = static_cast<size_t>(colon - text);
            port = colon + 1;
        }
    }
    if (!dns::parse_nameserver(host, host_len, out)) return false;
    if (port) {
        unsigned v = 0;
        for (const char* p = port; *p; ++p) {
            if (*p < '0' || *p > '9') return false;
            v = v * 10 + static_cast<unsigned>(*p - '0');
            if (v > 65535) return false;
        }
        out.port = static_cast<uint16_t>(v);
    }
    return true;
}

void server_address(const dns::NameServer& s, platform::Address& out) noexcept {
    platform::make_ip_address_raw(s.addr, s.family == 6 ? 16 : 4, s.port, out);
}
} // namespace

void Engine::dns_init() noexcept {
    if (config.max_dns_lookups == 0) return;
    char conf_text[4096];
    long n = config.resolv_conf_path ? platform::read_small_file(config.resolv_conf_path, conf_text, sizeof conf_text) : -1;
    dns::ResolvConf conf = dns::ResolvConf::parse(conf_text, n > 0 ? static_cast<size_t>(n) : 0);
    if (config.dns_server) {
        dns::NameServer s;
        if (parse_server_override(config.dns_server, s)) {
            conf.server_count = 0;
            (void)conf.add_server(s);
        } else {
            log(LogLevel::Warn, "dns_server '%s' is not ADDR[:PORT]; using resolv.conf", config.dns_server);
        }
    }
    long h = config.hosts_path ? platform::read_small_file(config.hosts_path, dns.hosts_text, config.hosts_file_max) : -1;
    if (h >= static_cast<long>(config.hosts_file_max))
        log(LogLevel::Warn, "%s is larger than hosts_file_max (%u bytes): the rest is ignored", config.hosts_path,
            config.hosts_file_max);
    dns.hosts = dns::HostsFile(dns.hosts_text, h > 0 ? static_cast<size_t>(h) : 0);
    dns.ready = dns.resolver.init(conf, &dns.hosts, dns.slots, config.max_dns_lookups, random_fill, nullptr) ==
                dns::DnsStatus::Ok;
}

void Engine::dns_shutdown() noexcept {
    for (int v6 = 0; v6 < 2; ++v6) {
        platform::SocketHandle& s = v6 ? dns.socket6 : dns.socket4;
        if (s == platform::kInvalidSocket) continue;
        poller.remove(s, dns_token(v6));
        platform::close_socket(s);
        s = platform::kInvalidSocket;
    }
}

Error Engine::dns_begin(uint32_t di) noexcept {
    DialerSlot& d = dialers[di];
    if (!dns.ready) return Error::DnsFailed;
    dns::Resolver::Start st = dns.resolver.start(d.host, std::strlen(d.host), dns::Family::Any);
    if (st.status == dns::DnsStatus::TableFull) return Error::NoDnsSlot;
    if (st.status != dns::DnsStatus::Ok) return Error::DnsFailed;
    d.lookup = st.handle;
    ++dns.pending;
    ++stats.dns_queries;
    return Error::Ok;
}

void Engine::dns_cancel(uint32_t di) noexcept {
    DialerSlot& d = dialers[di];
    if (d.lookup.value == 0) return;
    dns.resolver.cancel(d.lookup);
    d.lookup = dns::LookupHandle{};
    --dns.pending;
}

void Engine::dns_receive(int v6) noexcept {
    platform::SocketHandle s = v6 ? dns.socket6 : dns.socket4;
    uint8_t buf[1232];  // what an EDNS-less UDP answer can be (512) with room to spare
    for (;;) {
        platform::Address from;
        platform::IoResult r = platform::receive_datagram(s, buf, sizeof buf, from);
        if (r.error != Error::Ok) return;
        for (uint8_t i = 0; i < dns.resolver.server_count(); ++i) {
            platform::Address a;
            server_address(dns.resolver.server(i), a);
            if (platform::same_address(a, from)) {
                dns.resolver.on_datagram(i, buf, r.bytes);
                break;
            }
        }
    }
}

// Sends what is due, then hands outcomes to the dialers that wait (the resolver's order).
void Engine::dns_step() noexcept {
    if (!dns.ready || dns.pending == 0) return;
    uint8_t query[dns::kMaxQuerySize];
    for (;;) {
        dns::Resolver::Datagram dg = dns.resolver.next_datagram(query, sizeof query, static_cast<uint64_t>(now_us / 1000));
        if (dg.size == 0) break;
        const dns::NameServer& server = dns.resolver.server(dg.server);
        const int v6 = server.family == 6;
        platform::SocketHandle& s = v6 ? dns.socket6 : dns.socket4;
        if (s == platform::kInvalidSocket) {
            if (platform::open_datagram(v6 ? platform::Family::IPv6 : platform::Family::IPv4, s) != Error::Ok) continue;
            if (poller.add(s, dns_token(v6), platform::kReadable) != Error::Ok) {
                platform::close_socket(s);
                s = platform::kInvalidSocket;
                continue;
            }
        }
        platform::Address to;
        server_address(server, to);
        (void)platform::send_datagram(s, to, query, dg.size);  // a lost datagram is retried
    }
    for (uint32_t di = 0; di < max_dialers && dns.pending > 0; ++di) {
        DialerSlot& d = dialers[di];
        if (!d.in_use || d.lookup.value == 0) continue;
        dns::DnsAddress addrs[dns::kMaxAddressesPerLookup];
        dns::Resolver::Result r = dns.resolver.poll_result(d.lookup, addrs, dns::kMaxAddressesPerLookup);
        if (r.state == dns::LookupState::Pending) continue;
        d.lookup = dns::LookupHandle{};
        --dns.pending;
        const uint32_t c = d.conn;
        if (r.state == dns::LookupState::Resolved && r.count > 0) {
            platform::make_ip_address_raw(addrs[0].bytes, addrs[0].family == 6 ? 16 : 4, d.port, d.address);
            d.resolved = true;
            dial_start(di);
        } else {
            const bool not_found = r.reason == dns::DnsStatus::NxDomain || r.reason == dns::DnsStatus::NoData;
            fail_conn(c, not_found ? Error::DnsNotFound : Error::DnsFailed);
        }
    }
}

int64_t Engine::dns_deadline_us() const noexcept {
    if (!dns.ready || dns.pending == 0) return TimerHeap::kNever;
    const uint64_t ms = dns.resolver.next_deadline();
    if (ms == UINT64_MAX) return TimerHeap::kNever;
    return static_cast<int64_t>(ms) * 1000;
}

} // namespace tickwire::detail
