// WebSocket on the core: the opening handshake (both roles), frames in and out of the rings,
// the closing handshake, and plain HTTP GET for static files on a ws:// listener. The codecs are
// sans-I/O (http/head_parser, ws/handshake, ws/reader, ws/frame); this file is where they meet
// the connection's rings, its timers and its events.
#include <cstdio>
#include <cstring>
#include <new>

#include "core/engine.hpp"
#include "http/head_parser.hpp"
#include "http/static_files.hpp"
#include "platform/file.hpp"
#include "ws/handshake.hpp"

namespace tickwire {

std::string_view RequestInfo::header(std::string_view name) const noexcept {
    // Scans the head's header lines; the head was validated by the parser when it arrived.
    size_t pos = head.find('\n');
    while (pos != std::string_view::npos && pos + 1 < head.size()) {
        const size_t start = pos + 1;
        size_t end = head.find('\n', start);
        if (end == std::string_view::npos) end = head.size();
        std::string_view line = head.substr(start, end - start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        const size_t colon = line.find(':');
        if (colon == name.size()) {
            bool same = true;
            for (size_t i = 0; i < colon && same; ++i) {
                char a = line[i], b = name[i];
                if (a >= 'A' && a <= 'Z') a = static_cast<char>(a + 32);
                if (b >= 'A' && b <= 'Z') b = static_cast<char>(b + 32);
                same = a == b;
            }
            if (same) {
                std::string_view v = line.substr(colon + 1);
                while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
                while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
                return v;
            }
        }
        pos = end;
    }
    return {};
}

} // namespace tickwire

namespace tickwire::detail {

namespace {

constexpr size_t kMaxHeadBytes = 8192;
constexpr size_t kMaxHeaders = 32;
constexpr size_t kMaxSubprotocols = 8;
constexpr size_t kMaxExtraHeaders = 8;
// Room kept free in the tx ring before a frame is decoded, so that the pong or close reply a
// control frame calls for always fits.
constexpr uint32_t kControlReplyRoom = 2 + 4 + 125;

ws::Opcode opcode_for(DataKind k) noexcept { return k == DataKind::Text ? ws::Opcode::Text : ws::Opcode::Binary; }
DataKind kind_for(ws::Opcode op) noexcept { return op == ws::Opcode::Text ? DataKind::Text : DataKind::Binary; }

// "a, b,c" -> views of each token.
size_t split_list(const char* text, std::string_view* out, size_t cap) noexcept {
    if (!text) return 0;
    size_t n = 0;
    const char* p = text;
    while (*p && n < cap) {
        while (*p == ' ' || *p == '\t' || *p == ',') ++p;
        const char* start = p;
        while (*p && *p != ',') ++p;
        const char* end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t')) --end;
        if (end > start) out[n++] = std::string_view(start, static_cast<size_t>(end - start));
    }
    return n;
}

// "Name: value\r\n..." -> header views (lines without a colon are skipped).
size_t split_headers(const char* text, http::Header* out, size_t cap) noexcept {
    if (!text) return 0;
    size_t n = 0;
    const char* p = text;
    while (*p && n < cap) {
        const char* eol = std::strchr(p, '\n');
        const char* end = eol ? eol : p + std::strlen(p);
        const char* line_end = end > p && end[-1] == '\r' ? end - 1 : end;
        const char* colon = static_cast<const char*>(std::memchr(p, ':', static_cast<size_t>(line_end - p)));
        if (colon) {
            const char* v = colon + 1;
            while (v < line_end && (*v == ' ' || *v == '\t')) ++v;
            out[n++] = {std::string_view(p, static_cast<size_t>(colon - p)), std::string_view(v, static_cast<size_t>(line_end - v))};
        }
        if (!eol) break;
        p = eol + 1;
    }
    return n;
}

uint64_t message_limit(const Engine& e, const WsOptions& o) noexcept {
    if (o.streaming) return o.max_message;
    const uint64_t slot = e.messages.slot_size();
    return o.max_message == 0 || o.max_message > slot ? slot : o.max_message;
}

} // namespace

bool Engine::next_mask(ws::MaskKey& out) noexcept {
    if (mask_used + 4 > sizeof mask_cache) {
        if (!random.fill(mask_cache, sizeof mask_cache)) return false;
        mask_used = 0;
    }
    std::memcpy(out.bytes, mask_cache + mask_used, 4);
    mask_used += 4;
    return true;
}

// --- opening handshake, server side --------------------------------------------------------

void Engine::ws_accepted(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    s.protocol = Protocol::WebSocket;
    s.ws = WsConnState();
    s.ws.phase = WsPhase::ServerHandshake;
    deadlines.arm(conn_deadline(c), now_us + static_cast<int64_t>(config.handshake_timeout_ms) * 1000);
}

namespace {
// Writes an HTTP response head (rejection or error) and lets the connection end after it.
void reject(Engine& e, uint32_t c, int status, ws::UpgradeRequestError why) noexcept {
    ConnSlot& s = e.conns[c];
    char buf[512];
    http::WriteResult w = why != ws::UpgradeRequestError::None ? ws::write_rejection(buf, sizeof buf, why)
                                                               : ws::write_rejection(buf, sizeof buf, status);
    if (w.ok() && s.tx.free_space(e.blocks.block_size()) >= w.size && s.tx.ensure_block(e.blocks))
        s.tx.write(e.blocks, reinterpret_cast<const uint8_t*>(buf), static_cast<uint32_t>(w.size));
    ++e.stats.handshakes_failed;
    e.log(LogLevel::Info, "connection %u: upgrade refused with %d", c, status);
    s.ws.phase = WsPhase::Failed;
    s.close_reason = Error::HandshakeFailed;
    e.list(c);
}
} // namespace

// Serves one static file request; the body follows in ws_tx_drained as the tx ring drains.
static void serve_file(Engine& e, uint32_t c, const http::Request& req, size_t head_size) noexcept {
    ConnSlot& s = e.conns[c];
    const WsOptions& o = e.ws_options(s);
    const http::StaticRequest sr = http::classify_static_request(req);
    char path[512];
    const size_t root_len = std::strlen(o.static_root);
    int status = 200;
    uint64_t size = 0;
    platform::FileHandle f = platform::kInvalidFile;
    if (!sr.method_allowed) {
        status = 405;
    } else if (root_len + 2 >= sizeof path) {
        status = 404;
    } else {
        std::memcpy(path, o.static_root, root_len);
        path[root_len] = '/';
        http::PathResult pr = http::map_target_to_path(req.target, path + root_len + 1, sizeof path - root_len - 1);
        if (!pr.ok()) status = 404;
        else if ((f = platform::open_file_for_reading(path, size)) == platform::kInvalidFile) status = 404;
    }
    char head[512];
    http::WriteResult w = status == 200
        ? http::write_file_head(head, sizeof head, sr, http::mime_type_for(path), size)
        : http::write_static_error(head, sizeof head, sr, status);
    e.consume_rx(s, static_cast<uint32_t>(head_size));
    if (!w.ok() || !s.tx.ensure_block(e.blocks) || s.tx.free_space(e.blocks.block_size()) < w.size) {
        platform::close_file(f);
        e.close_now(c, Error::WouldBlock, true);
        return;
    }
    s.tx.write(e.blocks, reinterpret_cast<const uint8_t*>(head), static_cast<uint32_t>(w.size));
    ++e.stats.files_served;
    s.ws.phase = WsPhase::Http;
    s.ws.flags = static_cast<uint8_t>((status == 200 && !sr.head_only ? 0 : kWsHeadOnly) | (sr.keep_alive ? kWsKeepAlive : 0));
    if (status == 200 && !sr.head_only) {
        s.ws.file = f;
        s.ws.file_left = size;
    } else {
        platform::close_file(f);
    }
    e.deadlines.cancel(e.conn_deadline(c));
    e.list(c);
}

// The bytes an HTTP head is parsed from: the rx ring's first span, or — when the ring wraps —
// a copy of its start in `linear`. Empty when nothing arrived.
static std::string_view head_input(Engine& e, ConnSlot& s, char (&linear)[kMaxHeadBytes]) noexcept {
    RingSpan rs[2] = {};
    const int n = s.rx.readable(e.blocks, rs);
    if (n == 0) return {};
    if (n == 1) return std::string_view(reinterpret_cast<const char*>(rs[0].data), rs[0].size);
    const uint32_t take = s.rx.used() < kMaxHeadBytes ? s.rx.used() : static_cast<uint32_t>(kMaxHeadBytes);
    s.rx.peek(e.blocks, 0, reinterpret_cast<uint8_t*>(linear), take);
    return std::string_view(linear, take);
}

static http::HeadLimits head_limits(const Engine& e) noexcept {
    http::HeadLimits limits;
    limits.max_head_bytes = kMaxHeadBytes < e.blocks.block_size() ? kMaxHeadBytes : e.blocks.block_size();
    limits.max_headers = kMaxHeaders;
    return limits;
}

static void server_handshake(Engine& e, uint32_t c) noexcept {
    ConnSlot& s = e.conns[c];
    char linear[kMaxHeadBytes];
    const std::string_view input = head_input(e, s, linear);
    if (input.empty()) return;
    http::HeadLimits limits = head_limits(e);
    limits.empty_target_is_root = s.sp_socket != 0;  // NNG's SP dialer may send no target
    http::Header headers[kMaxHeaders];
    http::Request req;
    const http::ParseResult r = http::parse_request(input, limits, headers, req);
    if (r.need_more()) {
        if (s.rx.used() >= limits.max_head_bytes) reject(e, c, 431, ws::UpgradeRequestError::None);
        return;
    }
    if (r.failed()) {
        reject(e, c, 400, ws::UpgradeRequestError::None);
        return;
    }
    const WsOptions& o = e.ws_options(s);
    if (!ws::wants_websocket(req)) {
        if (o.static_root) serve_file(e, c, req, r.head_size);
        else reject(e, c, 426, ws::UpgradeRequestError::NotWebSocket);
        return;
    }
    ws::UpgradeRequest up;
    const ws::UpgradeRequestError err = ws::check_upgrade_request(req, up);
    if (err != ws::UpgradeRequestError::None) {
        reject(e, c, ws::http_status_for(err), err);
        return;
    }
    if (o.accept_origin && !o.accept_origin(up.origin, o.accept_origin_user)) {
        reject(e, c, 403, ws::UpgradeRequestError::None);
        return;
    }
    std::string_view supported[kMaxSubprotocols];
    const size_t nsup = split_list(o.subprotocols, supported, kMaxSubprotocols);
    const std::string_view chosen = ws::choose_subprotocol(req.headers, supported, nsup);
    if (s.sp_socket && !e.sp_ws_path_matches(s, req.path)) {  // NNG: exactly the bound path
        reject(e, c, 404, ws::UpgradeRequestError::None);
        return;
    }
    if (s.sp_socket && chosen.empty() && !e.sp_ws_accepts_bare(s)) {
        // An SP socket speaks only its own "<pattern>.sp.nanomsg.org" (nanomsg answers 400 too).
        reject(e, c, 400, ws::UpgradeRequestError::None);
        return;
    }
    http::Header extra[kMaxExtraHeaders];
    ws::AcceptParams ap;
    ap.key = up.key;
    ap.subprotocol = chosen;
    ap.extra_headers = extra;
    ap.extra_count = split_headers(o.extra_headers, extra, kMaxExtraHeaders);
    char response[1024];
    const http::WriteResult w = ws::write_accept_response(response, sizeof response, ap);
    if (!w.ok() || !s.tx.ensure_block(e.blocks) || s.tx.free_space(e.blocks.block_size()) < w.size) {
        reject(e, c, 500, ws::UpgradeRequestError::None);
        return;
    }
    s.tx.write(e.blocks, reinterpret_cast<const uint8_t*>(response), static_cast<uint32_t>(w.size));
    if (!chosen.empty()) {
        s.ws.subprotocol_off = static_cast<uint16_t>(chosen.data() - o.subprotocols);
        s.ws.subprotocol_len = static_cast<uint8_t>(chosen.size());
    }
    // Keep the request for the application until the next update: a message slot holds the
    // RequestInfo and a copy of the head (views point into the copy).
    const uint64_t slot = e.messages.acquire();
    if (slot && sizeof(RequestInfo) + r.head_size <= e.messages.slot_size()) {
        uint8_t* mem = e.messages.data(slot);
        char* text = reinterpret_cast<char*>(mem + sizeof(RequestInfo));
        std::memcpy(text, input.data(), r.head_size);
        auto rebase = [&](std::string_view v) {
            if (v.empty() || v.data() < input.data() || v.data() >= input.data() + r.head_size) return std::string_view();
            return std::string_view(text + (v.data() - input.data()), v.size());
        };
        auto* info = new (mem) RequestInfo();
        info->head = std::string_view(text, r.head_size);
        info->path = rebase(req.path);
        info->query = rebase(req.query);
        info->origin = rebase(up.origin);
        info->subprotocol = chosen;
        s.ws.request = slot;
        e.defer_slot(slot);
    } else if (slot) {
        (void)e.messages.release(slot);
    }
    e.consume_rx(s, static_cast<uint32_t>(r.head_size));
    ws::ReaderOptions ro;
    ro.role = ws::Role::Server;
    ro.max_message_size = message_limit(e, o);
    s.ws.reader = ws::Reader(ro);
    s.ws.phase = WsPhase::Open;
    e.deadlines.cancel(e.conn_deadline(c));
    if (s.sp_socket) {  // a pipe of an SP socket: never announced; messages flow from here
        ++e.stats.connections_accepted;
        e.sp_opened(c);
        e.list(c);
        return;
    }
    s.flags |= kConnAnnounced;
    ++e.stats.connections_accepted;
    Event ev;
    ev.type = EventType::Accepted;
    ev.conn = e.conn_handle(c);
    ev.listener = ListenerId{make_handle(s.listener, e.listeners[s.listener].gen)};
    ev.time_us = e.now_us;
    (void)e.events.push(ev);
    e.list(c);
}

// --- opening handshake, client side --------------------------------------------------------

void Engine::ws_connected(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    DialerSlot& d = dialers[s.dialer];
    s.protocol = Protocol::WebSocket;
    s.ws = WsConnState();
    s.ws.phase = WsPhase::ClientHandshake;
    ws::ClientKey key;
    if (!random.fill(d.nonce, sizeof d.nonce) || !ws::make_client_key(d.nonce, key)) {
        fail_conn(c, Error::SystemError);
        return;
    }
    char host[300];
    const bool default_port = d.port == 80 || d.port == 443;
    std::snprintf(host, sizeof host, default_port ? "%s" : "%s:%u", d.host, d.port);
    std::string_view offered[kMaxSubprotocols];
    http::Header extra[kMaxExtraHeaders];
    ws::ClientRequestParams p;
    p.host = host;
    p.target = d.target;
    p.key = key;
    p.protocols = offered;
    p.protocol_count = split_list(d.ws.subprotocols, offered, kMaxSubprotocols);
    p.origin = d.ws.origin ? std::string_view(d.ws.origin) : std::string_view();
    p.extra_headers = extra;
    p.extra_count = split_headers(d.ws.extra_headers, extra, kMaxExtraHeaders);
    char request[2048];
    const http::WriteResult w = ws::write_upgrade_request(request, sizeof request, p);
    if (!w.ok() || !s.tx.ensure_block(blocks) || s.tx.free_space(blocks.block_size()) < w.size) {
        fail_conn(c, Error::HandshakeFailed);
        return;
    }
    s.tx.write(blocks, reinterpret_cast<const uint8_t*>(request), static_cast<uint32_t>(w.size));
    deadlines.arm(conn_deadline(c), now_us + static_cast<int64_t>(config.handshake_timeout_ms) * 1000);
    list(c);
}

static void client_handshake(Engine& e, uint32_t c) noexcept {
    ConnSlot& s = e.conns[c];
    DialerSlot& d = e.dialers[s.dialer];
    char linear[kMaxHeadBytes];
    const std::string_view input = head_input(e, s, linear);
    if (input.empty()) return;
    const http::HeadLimits limits = head_limits(e);
    http::Header headers[kMaxHeaders];
    http::Response resp;
    const http::ParseResult r = http::parse_response(input, limits, headers, resp);
    if (r.need_more() && s.rx.used() < limits.max_head_bytes) return;
    ws::ClientKey key;
    std::string_view offered[kMaxSubprotocols];
    const size_t noff = split_list(d.ws.subprotocols, offered, kMaxSubprotocols);
    std::string_view chosen;
    if (!r.done() || !ws::make_client_key(d.nonce, key) ||
        ws::check_upgrade_response(resp, key, offered, noff, chosen) != ws::UpgradeResponseError::None) {
        e.log(LogLevel::Info, "connection %u: upgrade response refused (status %d)", c, resp.status);
        ++e.stats.handshakes_failed;
        e.fail_conn(c, Error::HandshakeFailed);
        return;
    }
    for (size_t i = 0; i < noff; ++i)
        if (offered[i] == chosen) {
            s.ws.subprotocol_off = static_cast<uint16_t>(offered[i].data() - d.ws.subprotocols);
            s.ws.subprotocol_len = static_cast<uint8_t>(offered[i].size());
        }
    e.consume_rx(s, static_cast<uint32_t>(r.head_size));
    ws::ReaderOptions ro;
    ro.role = ws::Role::Client;
    ro.max_message_size = message_limit(e, d.ws);
    s.ws.reader = ws::Reader(ro);
    s.ws.phase = WsPhase::Open;
    e.deadlines.cancel(e.conn_deadline(c));
    d.backoff_ms = e.config.reconnect_min_ms;
    ++e.stats.connections_dialed;
    if (s.sp_socket) e.sp_opened(c);  // a pipe of an SP socket: up now (no SP header on ws)
    e.emit(EventType::Connected, c);
}

// --- frames in ------------------------------------------------------------------------------

namespace {
enum class Step : uint8_t { Continue, Stop, Handed, Ended };

// What a decoding step may do with the frame at the front of the ring.
enum class StepMode : uint8_t {
    Read,         // hand data to the application (try_read)
    ControlOnly,  // inside update(): answer control frames, leave data for the application
    Discard,      // our Close is out: drop data until the peer's Close arrives
};

// The common case, decided from two bytes: a final frame with a 7-bit length that lies whole
// in the span (the full header parse happens once, in the reader).
inline bool small_whole_frame(const uint8_t* p, size_t n) noexcept {
    if (n < 2 || !(p[0] & 0x80)) return false;
    const size_t len = p[1] & 0x7F;
    return len < 126 && 2 + ((p[1] & 0x80) ? 4 : 0) + len <= n;
}
} // namespace

// One decoding step on the front of the rx ring (see StepMode).
static Step ws_step(Engine& e, uint32_t c, ReadView* out, Read* answer, StepMode mode) noexcept {
    const bool control_only = mode == StepMode::ControlOnly;
    const bool discard = mode == StepMode::Discard;
    ConnSlot& s = e.conns[c];
    WsConnState& w = s.ws;
    const WsOptions& o = e.ws_options(s);
    RingSpan rs[2] = {};
    const int n = s.rx.readable(e.blocks, rs);
    if (n == 0) return Step::Stop;
    if (s.tx.free_space(e.blocks.block_size()) < kControlReplyRoom) return Step::Stop;  // pong room first
    const bool at_boundary = w.reader.between_frames();
    if (control_only && (!at_boundary || !ws::is_control_opcode(rs[0].data[0] & 0x0F))) return Step::Stop;
    // Whole messages that are not one contiguous frame are assembled in a message slot; take
    // it before the reader moves, so that an empty pool only means "later".
    if (!discard && !o.streaming && w.message == 0 && at_boundary && !ws::is_control_opcode(rs[0].data[0] & 0x0F) &&
        !small_whole_frame(rs[0].data, rs[0].size)) {
        ws::FrameHeader h;
        const size_t hs = ws::decode_header(rs[0].data, rs[0].size, h);
        const bool whole_here = hs > 0 && h.fin && h.payload_len <= rs[0].size - hs;
        if (!whole_here && !(hs > 0 && h.payload_len > message_limit(e, o))) {
            w.message = e.messages.acquire();
            w.message_size = 0;
            if (!w.message) return Step::Stop;  // counted as a miss; retried on the next read
        }
    }
    // A header or control frame split by the ring's wrap is decoded from a linear copy.
    uint8_t scratch[ws::kMaxNeed];
    const ws::SpansRead sr = ws::read_spans(w.reader, rs[0].data, rs[0].size, n > 1 ? rs[1].data : nullptr,
                                            n > 1 ? rs[1].size : 0, scratch);
    const ws::ReadResult r = sr.result;
    const bool from_scratch = sr.from_scratch;
    switch (r.event) {
    case ws::ReadEvent::NeedMore:
        if (r.consumed) e.consume_rx(s, static_cast<uint32_t>(r.consumed));
        return r.consumed ? Step::Continue : Step::Stop;
    case ws::ReadEvent::DataChunk: {
        if (discard) {
            e.consume_rx(s, static_cast<uint32_t>(r.consumed));
            return Step::Continue;
        }
        const DataKind kind = kind_for(r.opcode);
        if (o.streaming) {
            if (r.size == 0 || from_scratch) {  // a frame header only: nothing to hand out...
                e.consume_rx(s, static_cast<uint32_t>(r.consumed));
                if (!r.fin) return Step::Continue;
                // ... unless it ends the message (which may be empty): that is said below.
            }
            const bool first = !(w.flags & kWsStreamStarted);
            out->data = r.size && !from_scratch ? r.data : nullptr;
            out->size = out->data ? r.size : 0;
            out->kind = kind;
            out->offset = w.message_size;
            out->first = first;
            out->final = r.fin;
            out->received = w.message_size + out->size;
            out->total = first && r.fin ? out->size : 0;
            if (out->data) {
                out->consume_ = static_cast<uint32_t>(r.consumed);
                s.rx_lent = out->consume_;
            }
            if (r.fin) {
                w.message_size = 0;
                w.flags &= static_cast<uint8_t>(~kWsStreamStarted);
            } else {
                w.message_size += static_cast<uint32_t>(out->size);
                w.flags |= kWsStreamStarted;
            }
            *answer = first && r.fin ? Read::Message : Read::Partial;
            return Step::Handed;
        }
        if (w.message == 0) {
            // One whole frame in one piece: hand it out where it lies.
            out->data = r.data;
            out->size = r.size;
            out->kind = kind;
            out->received = out->total = r.size;
            out->consume_ = static_cast<uint32_t>(r.consumed);
            s.rx_lent = out->consume_;
            if (from_scratch) {  // only an empty frame can come whole from the scratch copy
                e.consume_rx(s, static_cast<uint32_t>(r.consumed));
                s.rx_lent = 0;
                out->consume_ = 0;
                out->data = nullptr;
            }
            *answer = Read::Message;
            return Step::Handed;
        }
        uint8_t* dst = e.messages.data(w.message);
        if (r.size) std::memcpy(dst + w.message_size, r.data, r.size);
        w.message_size += static_cast<uint32_t>(r.size);
        e.consume_rx(s, static_cast<uint32_t>(r.consumed));
        if (!r.fin) {
            *answer = Read::Partial;
            out->received = w.message_size;
            return Step::Continue;
        }
        out->data = dst;
        out->size = w.message_size;
        out->kind = kind;
        out->received = out->total = w.message_size;
        out->message_ = w.message;
        w.message = 0;
        w.message_size = 0;
        *answer = Read::Message;
        return Step::Handed;
    }
    case ws::ReadEvent::Ping:
        (void)e.ws_send(s, ws::Opcode::Pong, r.data, r.size, true);  // room was checked above
        e.consume_rx(s, static_cast<uint32_t>(r.consumed));
        e.emit(EventType::Ping, c);
        return Step::Continue;
    case ws::ReadEvent::Pong:
        e.consume_rx(s, static_cast<uint32_t>(r.consumed));
        return Step::Continue;
    case ws::ReadEvent::Close: {
        w.close_code = r.close_code;
        w.flags |= kWsCloseReceived;
        // The reason outlives the ring: a message slot keeps it until the update after Closed.
        if (r.size) {
            const uint64_t slot = e.messages.acquire();
            if (slot) {
                std::memcpy(e.messages.data(slot), r.data, r.size);
                w.reason = slot;
                w.reason_len = static_cast<uint8_t>(r.size);
            }
        }
        e.consume_rx(s, static_cast<uint32_t>(r.consumed));
        if (!(w.flags & kWsCloseSent)) {
            // Echo the code (RFC 6455 §5.5.1); 1005 means "none given" and is never sent.
            uint8_t payload[2] = {static_cast<uint8_t>(r.close_code >> 8), static_cast<uint8_t>(r.close_code)};
            (void)e.ws_send(s, ws::Opcode::Close, payload, r.close_code == 1005 ? 0 : 2, true);
            w.flags |= kWsCloseSent;
        }
        w.phase = WsPhase::Closing;
        e.list(c);
        *answer = Read::Closed;
        return Step::Ended;
    }
    case ws::ReadEvent::Error: {
        Error err = Error::ProtocolError;
        if (r.close_code == 1007) err = Error::InvalidUtf8;
        if (r.close_code == 1009) err = Error::MessageTooLarge;
        e.log(LogLevel::Info, "connection %u: %s", c, ws::to_string(r.error));
        e.ws_fail(c, err, r.close_code);
        *answer = Read::Closed;
        return Step::Ended;
    }
    case ws::ReadEvent::Done:
        *answer = Read::Closed;
        return Step::Ended;
    }
    return Step::Stop;
}

Read Engine::ws_try_read(ConnSlot& s, uint64_t handle, ReadView& out) noexcept {
    const uint32_t c = index_of(s);
    out.clear();
    if (s.rx_lent || s.view_kept) return Read::NoData;  // release the view you hold first
    const bool open = s.state == ConnState::Open || s.state == ConnState::Closing;
    if (!open || s.ws.phase != WsPhase::Open) {
        return s.state == ConnState::Closed || s.ws.phase == WsPhase::Failed || s.ws.phase == WsPhase::Closing
                   ? Read::Closed
                   : Read::NoData;
    }
    Read answer = Read::NoData;
    for (;;) {
        const Step st = ws_step(*this, c, &out, &answer, StepMode::Read);
        if (st == Step::Continue) continue;
        if (st == Step::Handed) {
            out.engine_ = this;
            out.conn_ = handle;
            out.time_us = s.last_rx_us;
            return answer;
        }
        if (st == Step::Ended) return Read::Closed;
        break;
    }
    if (answer == Read::Partial || s.ws.message != 0) {
        out.clear();  // progress only: nothing to consume
        out.received = s.ws.message_size;
        out.first = false;
        out.final = false;
        return Read::Partial;
    }
    if (s.flags & kConnPeerEof) return Read::Closed;
    return Read::NoData;
}

void Engine::ws_after_read(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    switch (s.ws.phase) {
    case WsPhase::ServerHandshake: server_handshake(*this, c); break;
    case WsPhase::ClientHandshake: client_handshake(*this, c); break;
    case WsPhase::Failed: {  // nothing more is read from a connection that is going away
        consume_rx(s, s.rx.used());
        return;
    }
    default: break;
    }
    ReadView unused;
    Read answer = Read::NoData;
    if (s.ws.phase == WsPhase::Closing && !(s.ws.flags & kWsCloseReceived) && !s.rx_lent) {
        // We said Close: what the peer still sends is dropped until its Close arrives, so that
        // a peer busy sending is not left blocked on a connection nobody reads.
        if (s.ws.message) {
            (void)messages.release(s.ws.message);
            s.ws.message = 0;
        }
        while (s.ws.phase == WsPhase::Closing && ws_step(*this, c, &unused, &answer, StepMode::Discard) == Step::Continue) {
        }
        return;
    }
    if (s.ws.phase != WsPhase::Open || s.rx_lent || s.ws.message) {
        if (s.ws.phase == WsPhase::Open) notify_data(c);
        return;
    }
    // Answer pings and closes that reach the front now, even if the application reads nothing.
    while (s.ws.phase == WsPhase::Open && ws_step(*this, c, &unused, &answer, StepMode::ControlOnly) == Step::Continue) {
    }
    s.rx.release_if_empty(blocks);
    if (s.ws.phase == WsPhase::Open) notify_data(c);
}

uint32_t events_per_conn() noexcept;  // conn_io.cpp

bool Engine::ws_announce_slot_waiters() noexcept {
    for (uint32_t c = 0; c < config.max_connections; ++c) {
        ConnSlot& s = conns[c];
        // Unread bytes and no message in assembly: what waits may be a message without a slot.
        // (One that only waits to be read gets a second Data event: harmless, it is there.)
        if (s.protocol != Protocol::WebSocket || s.state != ConnState::Open || s.ws.phase != WsPhase::Open ||
            s.rx.empty() || s.rx_lent || s.ws.message || (s.flags & kConnInGraveyard) || ws_options(s).streaming)
            continue;
        if (events.room() < events_per_conn()) return false;
        s.flags &= static_cast<uint16_t>(~kConnDataNotified);
        notify_data(c);
    }
    return true;
}

// --- frames out -----------------------------------------------------------------------------

Error Engine::ws_send(ConnSlot& s, ws::Opcode op, const void* data, size_t size, bool fin) noexcept {
    if (s.protocol != Protocol::WebSocket) return Error::WrongState;
    const bool control = ws::is_control_opcode(static_cast<uint8_t>(op));
    if (!control && (s.ws.phase != WsPhase::Open || (s.ws.flags & kWsCloseSent))) return Error::WrongState;
    if (control && (s.ws.flags & kWsCloseSent)) return Error::WrongState;
    if (s.flags & kConnWriteOpen) return Error::PendingWrite;
    const bool masked = s.dialer != kNone;  // clients mask every frame
    const size_t hs = ws::header_size(size, masked);
    const Error room = tx_reserve(s, hs + size);
    if (room != Error::Ok) return room;
    ws::MaskKey key{};
    if (masked && !next_mask(key)) return Error::SystemError;
    uint8_t header[ws::kMaxHeaderSize];
    const size_t written = ws::encode_header(header, fin, op, size, masked ? &key : nullptr);
    const uint32_t cap = blocks.block_size();
    if (s.tx.contiguous_free(cap) >= written + size) {  // the usual case: one piece, no wrap
        uint8_t* at = s.tx.tail_ptr(blocks);
        std::memcpy(at, header, written);
        if (size) std::memcpy(at + written, data, size);
        if (masked && size) ws::apply_mask(at + written, size, key, 0);
        s.tx.produced(static_cast<uint32_t>(written + size));
        list(index_of(s));
        return Error::Ok;
    }
    s.tx.write(blocks, header, static_cast<uint32_t>(written));
    const uint32_t start = s.tx.tail;
    if (size) s.tx.write(blocks, static_cast<const uint8_t*>(data), static_cast<uint32_t>(size));
    if (masked && size) {
        const uint32_t off = start & (cap - 1);
        const size_t first = cap - off < size ? cap - off : size;
        ws::apply_mask(blocks.data(s.tx.block) + off, first, key, 0);
        if (size > first) ws::apply_mask(blocks.data(s.tx.block), size - first, key, first);
    }
    list(index_of(s));
    return Error::Ok;
}

Result<WriteSpan> Engine::ws_begin(ConnSlot& s, DataKind kind, size_t size) noexcept {
    if (s.protocol != Protocol::WebSocket || s.ws.phase != WsPhase::Open || s.state != ConnState::Open ||
        (s.ws.flags & (kWsCloseSent | kWsFragmentOpen)))
        return Error::WrongState;
    if (s.flags & kConnWriteOpen) return Error::PendingWrite;
    const size_t hs = ws::header_size(size, s.dialer != kNone);
    const Error room = tx_reserve(s, hs + size);
    if (room != Error::Ok) return room;
    if (s.tx.empty()) s.tx.head = s.tx.tail = 0;
    if (s.tx.contiguous_free(blocks.block_size()) < hs + size) {  // room, but split by the wrap
        s.flags |= kConnOweWritable;
        ++stats.send_would_block;
        return Error::WouldBlock;
    }
    s.flags |= kConnWriteOpen;
    s.ws.flags = static_cast<uint8_t>(s.ws.flags | kWsMessageOpen | (kind == DataKind::Text ? kWsMessageKindText : 0));
    s.write_reserved = static_cast<uint32_t>(size);
    return WriteSpan{s.tx.tail_ptr(blocks) + hs, size};
}

Error Engine::ws_commit(ConnSlot& s, size_t size) noexcept {
    const bool masked = s.dialer != kNone;
    const bool text = (s.ws.flags & kWsMessageKindText) != 0;
    s.flags &= static_cast<uint16_t>(~kConnWriteOpen);
    s.ws.flags &= static_cast<uint8_t>(~(kWsMessageOpen | kWsMessageKindText));
    const size_t reserved_hs = ws::header_size(s.write_reserved, masked);
    s.write_reserved = 0;
    if (size == 0) {  // cancelled
        s.tx.release_if_empty(blocks);
        return Error::Ok;
    }
    uint8_t* base = s.tx.tail_ptr(blocks);
    const size_t hs = ws::header_size(size, masked);
    // A shorter message may need a shorter length field: the payload moves up to meet it.
    if (hs != reserved_hs) std::memmove(base + hs, base + reserved_hs, size);
    ws::MaskKey key{};
    if (masked && !next_mask(key)) return Error::SystemError;
    uint8_t header[ws::kMaxHeaderSize];
    ws::encode_header(header, true, text ? ws::Opcode::Text : ws::Opcode::Binary, size, masked ? &key : nullptr);
    std::memcpy(base, header, hs);
    if (masked) ws::apply_mask(base + hs, size, key, 0);
    s.tx.produced(static_cast<uint32_t>(hs + size));
    list(index_of(s));
    return Error::Ok;
}

Error Engine::ws_close(ConnSlot& s, uint16_t code, std::string_view reason) noexcept {
    if (s.protocol != Protocol::WebSocket) return Error::WrongState;
    if (s.ws.flags & kWsCloseSent) return Error::Ok;
    if (s.ws.phase != WsPhase::Open) return Error::WrongState;
    if (reason.size() > 123 || code < 1000 || code == 1005 || code == 1006 || code == 1015 || code >= 5000)
        return Error::InvalidArgument;
    uint8_t payload[125];
    payload[0] = static_cast<uint8_t>(code >> 8);
    payload[1] = static_cast<uint8_t>(code);
    if (!reason.empty()) std::memcpy(payload + 2, reason.data(), reason.size());
    const Error e = ws_send(s, ws::Opcode::Close, payload, 2 + reason.size(), true);
    if (e != Error::Ok) return e;
    s.ws.flags |= kWsCloseSent;
    s.ws.close_code = code;
    s.ws.phase = WsPhase::Closing;
    // The peer has this long to answer our Close before the connection is dropped.
    deadlines.arm(conn_deadline(index_of(s)), now_us + static_cast<int64_t>(config.handshake_timeout_ms) * 1000);
    return Error::Ok;
}

void Engine::ws_fail(uint32_t c, Error err, uint16_t code) noexcept {
    ConnSlot& s = conns[c];
    if (!(s.ws.flags & kWsCloseSent) && s.ws.phase == WsPhase::Open) {
        uint8_t payload[2] = {static_cast<uint8_t>(code >> 8), static_cast<uint8_t>(code)};
        (void)ws_send(s, ws::Opcode::Close, payload, 2, true);
        s.ws.flags |= kWsCloseSent;
    }
    s.ws.close_code = code;
    s.ws.phase = WsPhase::Failed;
    s.close_reason = err;
    ++stats.connections_failed;
    emit(EventType::Error, c, err);
    list(c);
}

// After the tx ring drained: feed a file body, or finish a connection that is ending.
void Engine::ws_tx_drained(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    if (s.ws.phase == WsPhase::Http) {
        const uint32_t cap = blocks.block_size();
        while (s.ws.file_left > 0 && s.tx.ensure_block(blocks) && s.tx.free_space(cap) > 0) {
            RingSpan rs[2] = {};
            (void)s.tx.writable(blocks, rs);
            const size_t want = rs[0].size < s.ws.file_left ? rs[0].size : static_cast<size_t>(s.ws.file_left);
            const long got = platform::read_file(s.ws.file, rs[0].data, want);
            if (got <= 0) {  // the file shrank or failed under us: the response cannot be completed
                platform::close_file(s.ws.file);
                s.ws.file = platform::kInvalidFile;
                close_now(c, Error::SystemError, true);
                return;
            }
            s.tx.produced(static_cast<uint32_t>(got));
            s.ws.file_left -= static_cast<uint64_t>(got);
        }
        if (s.ws.file_left == 0 && s.ws.file != platform::kInvalidFile) {
            platform::close_file(s.ws.file);
            s.ws.file = platform::kInvalidFile;
        }
        if (s.ws.file_left > 0 || !tx_idle(s)) {
            list(c);
            return;
        }
        if (s.ws.flags & kWsKeepAlive) {
            s.ws.phase = WsPhase::ServerHandshake;  // the next request on this connection
            s.ws.flags = 0;
            deadlines.arm(conn_deadline(c), now_us + static_cast<int64_t>(config.handshake_timeout_ms) * 1000);
            if (!s.rx.empty()) server_handshake(*this, c);
        } else {
            close_now(c, Error::Ok, false);
        }
        return;
    }
    if (!tx_idle(s)) return;
    if (s.ws.phase == WsPhase::Failed) {
        close_now(c, s.close_reason, false);
    } else if (s.ws.phase == WsPhase::Closing && (s.ws.flags & kWsCloseReceived)) {
        const bool redial = s.dialer != kNone && dialers[s.dialer].reconnect && !(s.flags & kConnNoReconnect);
        if (redial) fail_conn(c, Error::PeerClosed);
        else close_now(c, Error::Ok, false);
    }
}

void Engine::ws_deadline(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    switch (s.ws.phase) {
    case WsPhase::ServerHandshake:
    case WsPhase::Http:
        ++stats.handshakes_failed;
        close_now(c, Error::HandshakeTimeout, true);
        break;
    case WsPhase::ClientHandshake:
        ++stats.handshakes_failed;
        fail_conn(c, Error::HandshakeTimeout);
        break;
    case WsPhase::Closing:
    case WsPhase::Failed:
        close_now(c, s.close_reason, true);  // the peer never answered our Close
        break;
    default: break;
    }
}

// The peer's FIN. True when handled here (the WebSocket rules decide how the connection ends).
bool Engine::ws_peer_eof(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    if (s.protocol != Protocol::WebSocket) return false;
    if (s.ws.phase == WsPhase::Open && !(s.ws.flags & kWsCloseReceived)) {
        s.ws.close_code = 1006;  // no closing handshake (RFC 6455 §7.1.5)
        if ((s.flags & kConnAnnounced) || s.sp_socket) {  // an SP ws dialer redials
            fail_conn(c, Error::PeerClosed);
            return true;
        }
    }
    if (s.ws.phase == WsPhase::ClientHandshake) {
        fail_conn(c, Error::HandshakeFailed);
        return true;
    }
    close_now(c, s.ws.phase == WsPhase::Closing ? Error::Ok : s.close_reason, false);
    return true;
}

size_t Engine::broadcast(const Conn* list_of, size_t count, DataKind kind, const void* data, size_t size) noexcept {
    // Server frames are not masked, so one encoding serves every server-side connection.
    uint8_t header[ws::kMaxHeaderSize];
    const size_t hs = ws::encode_header(header, true, opcode_for(kind), size, nullptr);
    size_t sent = 0;
    for (size_t i = 0; i < count; ++i) {
        ConnSlot* s = conn_from_handle(list_of[i].id());
        if (!s || s->protocol != Protocol::WebSocket || s->ws.phase != WsPhase::Open || (s->ws.flags & kWsCloseSent) ||
            (s->flags & kConnWriteOpen) || s->state != ConnState::Open) {
            continue;
        }
        if (s->dialer != kNone) {  // a client connection masks: its own frame
            if (ws_send(*s, opcode_for(kind), data, size, true) == Error::Ok) ++sent;
            continue;
        }
        if (tx_reserve(*s, hs + size) != Error::Ok) continue;
        s->tx.write(blocks, header, static_cast<uint32_t>(hs));
        if (size) s->tx.write(blocks, static_cast<const uint8_t*>(data), static_cast<uint32_t>(size));
        list(index_of(*s));
        ++sent;
    }
    return sent;
}

} // namespace tickwire::detail
