// libFuzzer target for the HTTP/1.1 head parser (requests and responses). abort() on any broken
// property:
//   1. invariants of every result: head_size <= input and <= max_head_bytes, header count <=
//      max_headers, every view inside the input, parsed fields obey the grammar, NeedMore only
//      below the size limit;
//   2. feeding the input in pieces with a HeadScan (into a fresh buffer each call, as a ring that
//      moves) gives, at every step, exactly what a one-shot parse of the same prefix gives;
//   3. a tighter limit never turns an error into Done, and agrees with the generous one on Done;
//   4. round trip: a parsed head written back in canonical form parses to the same fields;
//   5. the static-file path mapped from a parsed target is always safe;
//   6. the WebSocket handshake checks run on every parsed head, and any request the server
//      accepts yields a 101 that a client holding that key accepts, with the chosen subprotocol.
// Build: clang++ -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -Isource -Iinclude -I.
//        tests/fuzz/http_head_fuzz.cpp source/http/*.cpp source/ws/handshake.cpp
//        source/crypto/hash.cpp -lmbedcrypto -o /tmp/http_head_fuzz
#include "http/chars.hpp"
#include "http/head_parser.hpp"
#include "http/static_files.hpp"
#include "ws/handshake.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

using namespace tickwire::detail::http;

namespace {

constexpr size_t kMaxHeaders = 64;

#define FUZZ_ASSERT(cond)                                                            \
    do {                                                                             \
        if (!(cond)) {                                                               \
            std::fprintf(stderr, "property failed: %s (line %d)\n", #cond, __LINE__); \
            std::abort();                                                            \
        }                                                                            \
    } while (0)

HeadLimits make_limits(size_t bytes, size_t headers) {
    HeadLimits l;
    l.max_head_bytes = bytes;
    l.max_headers = headers;
    return l;
}

const HeadLimits kGenerous = make_limits(1 << 16, kMaxHeaders);
const HeadLimits kTight = make_limits(200, 3);

bool inside(std::string_view view, std::string_view input) {
    if (view.empty()) return true;
    return view.data() >= input.data() && view.data() + view.size() <= input.data() + input.size();
}

bool all_of(std::string_view text, bool (*pred)(unsigned char) noexcept) {
    for (char c : text)
        if (!pred(static_cast<unsigned char>(c))) return false;
    return true;
}

void check_headers(const HeaderList& headers, const HeadLimits& limits, std::string_view input) {
    FUZZ_ASSERT(headers.count <= limits.max_headers);
    for (const Header& h : headers) {
        FUZZ_ASSERT(inside(h.name, input) && inside(h.value, input));
        FUZZ_ASSERT(is_token(h.name));
        FUZZ_ASSERT(all_of(h.value, is_field_char));
        FUZZ_ASSERT(h.value.empty() || (!is_ows(static_cast<unsigned char>(h.value.front())) &&
                                        !is_ows(static_cast<unsigned char>(h.value.back()))));
    }
}

void check_result(const ParseResult& r, std::string_view input, const HeadLimits& limits) {
    switch (r.status) {
    case ParseStatus::Done:
        FUZZ_ASSERT(r.error == HeadError::None);
        FUZZ_ASSERT(r.head_size > 0 && r.head_size <= input.size() && r.head_size <= limits.max_head_bytes);
        FUZZ_ASSERT(input[r.head_size - 1] == '\n');
        break;
    case ParseStatus::NeedMore:
        FUZZ_ASSERT(r.error == HeadError::None && r.head_size == 0);
        FUZZ_ASSERT(input.size() < limits.max_head_bytes);
        break;
    case ParseStatus::Error:
        FUZZ_ASSERT(r.error != HeadError::None && r.head_size == 0);
        FUZZ_ASSERT(std::strlen(to_string(r.error)) > 0);
        break;
    }
}

void check_request(const Request& q, std::string_view input, const HeadLimits& limits) {
    for (std::string_view v : {q.method, q.target, q.path, q.query}) FUZZ_ASSERT(inside(v, input));
    FUZZ_ASSERT(is_token(q.method));
    FUZZ_ASSERT(!q.target.empty() && all_of(q.target, is_vchar));
    FUZZ_ASSERT(q.path.data() == q.target.data() && q.path.find('?') == std::string_view::npos);
    FUZZ_ASSERT(q.minor_version >= 0 && q.minor_version <= 9);
    check_headers(q.headers, limits, input);
}

void check_response(const Response& s, std::string_view input, const HeadLimits& limits) {
    FUZZ_ASSERT(inside(s.reason, input));
    FUZZ_ASSERT(s.status >= 100 && s.status <= 999);
    FUZZ_ASSERT(s.minor_version >= 0 && s.minor_version <= 9);
    FUZZ_ASSERT(all_of(s.reason, is_field_char));
    check_headers(s.headers, limits, input);
}

bool same(const ParseResult& a, const ParseResult& b) {
    return a.status == b.status && a.error == b.error && a.head_size == b.head_size;
}

void append(std::string& out, std::string_view text) { out.append(text.data(), text.size()); }

void write_headers(std::string& out, const HeaderList& headers) {
    for (const Header& h : headers) {
        append(out, h.name);
        out += ": ";
        append(out, h.value);
        out += "\r\n";
    }
    out += "\r\n";
}

bool same_headers(const HeaderList& a, const HeaderList& b) {
    if (a.count != b.count) return false;
    for (size_t i = 0; i < a.count; ++i)
        if (a.items[i].name != b.items[i].name || a.items[i].value != b.items[i].value) return false;
    return true;
}

bool same_message(const Request& a, const Request& b) {
    return a.method == b.method && a.target == b.target && a.path == b.path && a.query == b.query &&
           a.minor_version == b.minor_version && same_headers(a.headers, b.headers);
}

bool same_message(const Response& a, const Response& b) {
    return a.status == b.status && a.minor_version == b.minor_version && a.reason == b.reason &&
           same_headers(a.headers, b.headers);
}

void check_message(const Request& q, std::string_view input) { check_request(q, input, kGenerous); }
void check_message(const Response& s, std::string_view input) { check_response(s, input, kGenerous); }

template <typename Message>
using ParseFn = ParseResult (*)(std::string_view, const HeadLimits&, Header*, Message&, HeadScan*) noexcept;

// Property 2: pieces of varying size, each call with a freshly allocated copy of the prefix.
template <typename Message>
void check_incremental(std::string_view input, ParseFn<Message> parse) {
    HeadScan scan;
    Header storage[kMaxHeaders];
    Header fresh_storage[kMaxHeaders];
    size_t len = 0;
    for (size_t step = 0;; ++step) {
        const std::string prefix(input.substr(0, len));
        Message message;
        const ParseResult resumed = parse(prefix, kGenerous, storage, message, &scan);
        Message fresh_message;
        const ParseResult fresh = parse(prefix, kGenerous, fresh_storage, fresh_message, nullptr);
        FUZZ_ASSERT(same(resumed, fresh));
        if (resumed.done()) {
            // Every view points into this call's buffer, not an earlier (freed) one.
            check_message(message, prefix);
            FUZZ_ASSERT(same_message(message, fresh_message));
            FUZZ_ASSERT(scan.checked == 0);  // ready for the next head
        }
        if (!resumed.need_more()) return;
        if (len == input.size()) return;
        // Piece sizes 1..13 taken from the data itself, so the fuzzer explores the split points.
        len += 1 + static_cast<unsigned char>(input[step % input.size()]) % 13;
        if (len > input.size()) len = input.size();
    }
}

// Property 6, server side: check the request; if accepted, answer and check the answer as the
// client that sent it would.
void fuzz_server_handshake(const Request& request) {
    using namespace tickwire::detail::ws;
    const std::string_view supported[] = {"chat", "rep.sp.nanomsg.org"};
    const std::string_view chosen = choose_subprotocol(request.headers, supported, 2);
    FUZZ_ASSERT(chosen.empty() || chosen.data() == supported[0].data() ||
                chosen.data() == supported[1].data());

    UpgradeRequest up;
    const UpgradeRequestError e = check_upgrade_request(request, up);
    char buf[1024];
    if (e != UpgradeRequestError::None) {
        const int status = http_status_for(e);
        FUZZ_ASSERT(status == 400 || status == 426);
        FUZZ_ASSERT(write_rejection(buf, sizeof buf, e).ok());
        return;
    }
    FUZZ_ASSERT(up.key.size() == kKeyTextSize);
    AcceptParams accept;
    accept.key = up.key;
    accept.subprotocol = chosen;
    const tickwire::detail::http::WriteResult w = write_accept_response(buf, sizeof buf, accept);
    FUZZ_ASSERT(w.ok());

    Header storage[kMaxHeaders];
    Response response;
    const ParseResult r = parse_response(std::string_view(buf, w.size), kGenerous, storage, response);
    FUZZ_ASSERT(r.done() && r.head_size == w.size);
    ClientKey key;
    std::memcpy(key.text, up.key.data(), kKeyTextSize);
    std::string_view client_choice;
    FUZZ_ASSERT(check_upgrade_response(response, key, supported, 2, client_choice) ==
                UpgradeResponseError::None);
    FUZZ_ASSERT(client_choice == chosen);
}

// Property 6, client side: any parsed response is judged without crashing, and a chosen
// subprotocol is always one of ours.
void fuzz_client_handshake(const Response& response) {
    using namespace tickwire::detail::ws;
    ClientKey key;
    std::memcpy(key.text, "dGhlIHNhbXBsZSBub25jZQ==", kKeyTextSize);
    const std::string_view offered[] = {"chat", "superchat"};
    std::string_view chosen;
    const UpgradeResponseError e = check_upgrade_response(response, key, offered, 2, chosen);
    FUZZ_ASSERT(std::strlen(to_string(e)) > 0);
    if (e == UpgradeResponseError::None) {
        FUZZ_ASSERT(response.status == 101);
        FUZZ_ASSERT(chosen.empty() || chosen.data() == offered[0].data() ||
                    chosen.data() == offered[1].data());
    }
}

void fuzz_request(std::string_view input) {
    Header storage[kMaxHeaders];
    Request request;
    const ParseResult r = parse_request(input, kGenerous, storage, request);
    check_result(r, input, kGenerous);
    if (r.done()) check_request(request, input, kGenerous);

    Header tight_storage[3];
    Request tight_request;
    const ParseResult t = parse_request(input, kTight, tight_storage, tight_request);
    check_result(t, input, kTight);
    if (t.done()) {
        check_request(tight_request, input, kTight);
        FUZZ_ASSERT(r.done() && r.head_size == t.head_size);  // property 3
    }
    if (r.done() && r.head_size <= kTight.max_head_bytes && request.headers.count <= kTight.max_headers)
        FUZZ_ASSERT(t.done());
    if (r.failed() && r.error != HeadError::TooManyHeaders && r.error != HeadError::HeadTooLarge)
        FUZZ_ASSERT(!t.done());

    check_incremental<Request>(input, parse_request);
    if (!r.done()) return;
    fuzz_server_handshake(request);

    // Property 4: canonical form round trip.
    std::string canonical;
    append(canonical, request.method);
    canonical += ' ';
    append(canonical, request.target);
    canonical += " HTTP/1.";
    canonical += static_cast<char>('0' + request.minor_version);
    canonical += "\r\n";
    write_headers(canonical, request.headers);
    Header again_storage[kMaxHeaders];
    Request again;
    const ParseResult a = parse_request(canonical, kGenerous, again_storage, again);
    FUZZ_ASSERT(a.done() && a.head_size == canonical.size());
    FUZZ_ASSERT(again.method == request.method && again.target == request.target &&
                again.path == request.path && again.query == request.query &&
                again.minor_version == request.minor_version);
    FUZZ_ASSERT(same_headers(again.headers, request.headers));

    // Property 5: whatever the target, a mapped path is relative and cannot escape the root.
    char path[256];
    const PathResult p = map_target_to_path(request.target, path, sizeof path);
    if (p.ok()) {
        const std::string_view rel(path, p.size);
        FUZZ_ASSERT(p.size < sizeof path && path[p.size] == '\0');
        FUZZ_ASSERT(!rel.empty() && rel.front() != '/');
        FUZZ_ASSERT(rel.find('\\') == std::string_view::npos && rel.find(':') == std::string_view::npos);
        FUZZ_ASSERT(rel.find(std::string_view("\0", 1)) == std::string_view::npos);
        FUZZ_ASSERT(rel.find("//") == std::string_view::npos);
        std::string_view rest = rel;
        while (true) {  // no segment is empty or starts with '.'
            const size_t slash = rest.find('/');
            const std::string_view segment = rest.substr(0, slash);
            FUZZ_ASSERT(!segment.empty() && segment.front() != '.');
            if (slash == std::string_view::npos) break;
            rest.remove_prefix(slash + 1);
        }
    } else {
        FUZZ_ASSERT(p.size == 0);
    }
}

void fuzz_response(std::string_view input) {
    Header storage[kMaxHeaders];
    Response response;
    const ParseResult r = parse_response(input, kGenerous, storage, response);
    check_result(r, input, kGenerous);
    if (r.done()) check_response(response, input, kGenerous);

    Header tight_storage[3];
    Response tight_response;
    const ParseResult t = parse_response(input, kTight, tight_storage, tight_response);
    check_result(t, input, kTight);
    if (t.done()) FUZZ_ASSERT(r.done() && r.head_size == t.head_size);

    check_incremental<Response>(input, parse_response);
    if (!r.done()) return;
    fuzz_client_handshake(response);

    std::string canonical = "HTTP/1.";
    canonical += static_cast<char>('0' + response.minor_version);
    canonical += ' ';
    canonical += std::to_string(response.status);
    if (!response.reason.empty()) {
        canonical += ' ';
        append(canonical, response.reason);
    }
    canonical += "\r\n";
    write_headers(canonical, response.headers);
    Header again_storage[kMaxHeaders];
    Response again;
    const ParseResult a = parse_response(canonical, kGenerous, again_storage, again);
    FUZZ_ASSERT(a.done() && a.head_size == canonical.size());
    FUZZ_ASSERT(again.status == response.status && again.minor_version == response.minor_version);
    FUZZ_ASSERT(again.reason == response.reason);
    FUZZ_ASSERT(same_headers(again.headers, response.headers));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size > 8192) return 0;  // the incremental check is quadratic-ish; heads are small anyway
    const std::string input(reinterpret_cast<const char*>(data), size);  // exact-size heap copy
    fuzz_request(input);
    fuzz_response(input);
    return 0;
}
