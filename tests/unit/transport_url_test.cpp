#include <cstring>

#include "tests/framework/check.hpp"
#include "transport/url.hpp"

using namespace tickwire;
using namespace tickwire::detail;

static Error parse(const char* s, Url& u) { return parse_url(s, std::strlen(s), u); }

TW_TEST(url_tcp_ipv4_ipv6_and_any) {
    Url u;
    REQUIRE_EQ(parse("tcp://127.0.0.1:9000", u), Error::Ok);
    CHECK(u.scheme == Scheme::Tcp);
    CHECK(u.host.equals("127.0.0.1"));
    CHECK_EQ(u.port, 9000);
    REQUIRE_EQ(parse("tcp://[::1]:9001", u), Error::Ok);
    CHECK(u.host.equals("::1"));
    CHECK(u.host_is_ipv6_literal);
    CHECK_EQ(u.port, 9001);
    REQUIRE_EQ(parse("tcp://*:0", u), Error::Ok);
    CHECK(u.host.equals("*"));
    CHECK_EQ(u.port, 0);
}

TW_TEST(url_ipc_and_inproc_keep_the_rest_as_path) {
    Url u;
    REQUIRE_EQ(parse("ipc:///tmp/x.sock", u), Error::Ok);
    CHECK(u.scheme == Scheme::Ipc);
    CHECK(u.path.equals("/tmp/x.sock"));
    REQUIRE_EQ(parse("inproc://my-queue", u), Error::Ok);
    CHECK(u.scheme == Scheme::Inproc);
    CHECK(u.path.equals("my-queue"));
}

TW_TEST(url_ws_defaults_path_and_port_and_splits_query) {
    Url u;
    REQUIRE_EQ(parse("ws://example.com/chat?room=1&x", u), Error::Ok);
    CHECK(u.scheme == Scheme::Ws);
    CHECK_EQ(u.port, 80);
    CHECK(u.path.equals("/chat"));
    CHECK(u.query.equals("room=1&x"));
    REQUIRE_EQ(parse("wss://h", u), Error::Ok);
    CHECK_EQ(u.port, 443);
    CHECK(u.path.equals("/"));
    REQUIRE_EQ(parse("tls://h:1", u), Error::Ok);
    CHECK(u.scheme == Scheme::TlsTcp);
    REQUIRE_EQ(parse("sockety+tls://h:9", u), Error::Ok);
    CHECK(u.scheme == Scheme::SocketyTls);
    CHECK(scheme_uses_tls(u.scheme));
}

TW_TEST(url_rejects_malformed) {
    Url u;
    CHECK_EQ(parse("tcp://127.0.0.1", u), Error::InvalidUrl);       // no port
    CHECK_EQ(parse("tcp://:80", u), Error::InvalidUrl);             // no host
    CHECK_EQ(parse("tcp://h:65536", u), Error::InvalidUrl);
    CHECK_EQ(parse("tcp://h:12a", u), Error::InvalidUrl);
    CHECK_EQ(parse("tcp://[::1:80", u), Error::InvalidUrl);
    CHECK_EQ(parse("tcp://[zz]:80", u), Error::InvalidUrl);
    CHECK_EQ(parse("tcp://h h:80", u), Error::InvalidUrl);
    CHECK_EQ(parse("ftp://h:21", u), Error::UnsupportedScheme);
    CHECK_EQ(parse("127.0.0.1:80", u), Error::InvalidUrl);
    CHECK_EQ(parse("ipc://", u), Error::InvalidUrl);
    CHECK_EQ(parse("", u), Error::InvalidUrl);
    CHECK_EQ(parse_url(nullptr, 0, u), Error::InvalidUrl);
    const char with_nul[] = "tcp://a\0b:80";
    CHECK_EQ(parse_url(with_nul, sizeof with_nul - 1, u), Error::InvalidUrl);
}
