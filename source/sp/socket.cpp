// tickwire::SpSocket: the application's calls on an SP message socket. The pattern rules are in
// patterns.cpp, the pipes' input path in socket_hooks.cpp.
#include <cstring>
#include <new>

#include "sp/socket_state.hpp"

namespace tickwire {

using detail::ConnSlot;
using detail::SpPipe;
using detail::SpSocketState;

static_assert(sizeof(SpSocketState) <= 4096, "SpSocket::storage_ is too small");
static_assert(alignof(SpSocketState) <= 8, "SpSocket::storage_ is not aligned enough");
static_assert(kSpMaxPipes <= 256, "ConnSlot::sp_pipe is one byte");
static_assert(kSpMaxPipes <= 32, "SpSocketState::live has one bit per pipe");

const char* to_string(SpPattern p) noexcept {
    switch (p) {
    case SpPattern::Pair: return "pair";
    case SpPattern::Push: return "push";
    case SpPattern::Pull: return "pull";
    case SpPattern::Pub: return "pub";
    case SpPattern::Sub: return "sub";
    case SpPattern::Req: return "req";
    case SpPattern::Rep: return "rep";
    case SpPattern::Bus: return "bus";
    case SpPattern::Surveyor: return "surveyor";
    case SpPattern::Respondent: return "respondent";
    case SpPattern::Pair1: return "pair1";
    }
    return "?";
}

namespace {
detail::sp::Protocol protocol_of(SpPattern p) noexcept {
    using detail::sp::Protocol;
    switch (p) {
    case SpPattern::Pair: return Protocol::Pair0;
    case SpPattern::Push: return Protocol::Push;
    case SpPattern::Pull: return Protocol::Pull;
    case SpPattern::Pub: return Protocol::Pub;
    case SpPattern::Sub: return Protocol::Sub;
    case SpPattern::Req: return Protocol::Req;
    case SpPattern::Rep: return Protocol::Rep;
    case SpPattern::Bus: return Protocol::Bus;
    case SpPattern::Surveyor: return Protocol::Surveyor;
    case SpPattern::Respondent: return Protocol::Respondent;
    case SpPattern::Pair1: return Protocol::Pair1;
    }
    return Protocol::Pair0;
}
} // namespace

Error SpSocket::open(Context& ctx, SpPattern pattern, const SpOptions& options) noexcept {
    if (state_) return Error::AlreadyInitialized;
    detail::Engine* e = ctx.engine();
    if (!e) return Error::NotInitialized;
    uint32_t slot = detail::Engine::kMaxSpSockets;
    for (uint32_t i = 0; i < detail::Engine::kMaxSpSockets; ++i)
        if (!e->sp_sockets[i]) { slot = i; break; }
    if (slot == detail::Engine::kMaxSpSockets) return Error::NoConnectionSlot;  // 32 sockets open
    state_ = new (storage_) SpSocketState();
    e->sp_sockets[slot] = state_;
    state_->index = static_cast<uint8_t>(slot + 1);
    state_->engine = e;
    state_->context = &ctx;
    state_->pattern = pattern;
    state_->proto = protocol_of(pattern);
    state_->options = options;
    uint32_t start = 0;
    // Request ids start at a random value (as in both libraries) so that a restarted REQ does
    // not match replies meant for its previous life.
    if (!state_->engine->random.fill(&start, sizeof start)) start = static_cast<uint32_t>(state_->engine->now_us);
    state_->ids = detail::sp::RequestIdGenerator(start);
    return Error::Ok;
}

void SpSocket::close() noexcept {
    if (!state_) return;
    SpSocketState& st = *state_;
    if (st.context->engine() != st.engine) {  // the Context shut down first: its memory is gone
        st.~SpSocketState();
        state_ = nullptr;
        return;
    }
    detail::Engine& e = *st.engine;
    st.unlink_forward();
    if (st.draining && !st.drain_done) --e.sp_serviced;
    e.sp_sockets[st.index - 1] = nullptr;  // no hook reaches this state any more
    for (SpPipe& p : st.pipes) {
        if (ConnSlot* s = st.conn(p)) {
            if (st.owns(*s)) {
                s->sp_socket = 0;
                (void)Conn(&e, p.conn).abort();
            }
        }
        if (p.slot) (void)e.messages.release(p.slot);
        st.drop_out(p);
    }
    for (ListenerId& l : st.listeners)
        if (l.valid()) (void)e.close_listener(l);
    for (SpSocketState::Request& r : st.reqs) st.end_request(r);
    st.~SpSocketState();
    state_ = nullptr;
}

Result<ListenerId> SpSocket::listen(const char* url) noexcept {
    if (!state_) return Error::NotInitialized;
    SpSocketState& st = *state_;
    for (ListenerId& l : st.listeners) {
        if (l.valid()) continue;
        ListenOptions opts;
        // ws://: the listener speaks (and echoes) its own "<pattern>.sp.nanomsg.org".
        opts.ws.subprotocols = detail::sp::ws_subprotocol_to_accept(st.proto);
        Result<ListenerId> r = st.engine->listen(url, opts, st.index);
        if (r) l = r.value;
        return r;
    }
    return Error::NoListenerSlot;
}

Result<Conn> SpSocket::dial(const char* url) noexcept {
    if (!state_) return Error::NotInitialized;
    SpSocketState& st = *state_;
    st.sweep();
    if (st.pipes_in_use() >= st.pipe_limit()) return Error::NoConnectionSlot;
    for (uint32_t i = 0; i < kSpMaxPipes; ++i) {
        SpPipe& p = st.pipes[i];
        if (p.conn) continue;
        DialOptions opts;
        opts.reconnect = true;  // SP dialers redial forever, as nanomsg and NNG do
        // ws://: the dialer asks for its PEER's protocol (a REQ dialer sends rep.sp.nanomsg.org).
        opts.ws.subprotocols = detail::sp::ws_subprotocol_to_request(st.proto);
        Result<Conn> r = st.engine->dial(url, opts, st.index, static_cast<uint8_t>(i));
        if (!r) return r;
        // An ipc connect may have finished inside dial(): sp_opened found the entry by index.
        if (!p.conn) {  // (sp_opened may have set up the rest of the entry already: keep it)
            p.conn = r.value.id();
            st.live |= 1u << i;
        }
        p.dialed = true;
        return r;
    }
    return Error::NoConnectionSlot;
}

Read SpSocket::try_read(SpMessage& out) noexcept {
    if (!state_) return Read::Closed;
    return state_->read(out);
}

namespace detail {
Read SpSocketState::read(SpMessage& out) noexcept {
    if (pattern == SpPattern::Req && !options.raw) req_service();
    for (uint32_t rest = live; rest;) {
        const uint32_t pi = next_in(rest, recv_cursor);
        rest &= ~(1u << pi);
        if (!pipes[pi].conn) continue;
        for (;;) {
            pump(pi);
            if (!take(pi, out)) break;
            out.request_id = 0;
            if (options.raw ? accept_raw(out) : accept_incoming(out)) {
                recv_cursor = pi + 1;
                ++counts.received;
                return Read::Message;
            }
            ++counts.dropped_in;
            out.release();  // not for the application (pattern rule): next one
        }
    }
    // Nothing whole yet, but part of a message has arrived on a pipe: Partial.
    for (uint32_t rest = live; rest; rest &= rest - 1) {
        const SpPipe& p = pipes[lowest_bit(rest)];
        const ConnSlot* s = ready_conn(p);
        if (s && !s->rx_lent && (s->rx.used() > 0 || (p.slot && p.have < p.need))) {
            out.data = nullptr;
            out.size = 0;
            return Read::Partial;
        }
    }
    return Read::NoData;
}
} // namespace detail

Error SpSocket::send(const void* data, size_t size) noexcept {
    if (!state_) return Error::NotInitialized;
    if (size && !data) return Error::InvalidArgument;
    // A raw socket sends the bytes as they are: header and body are one to it.
    const Error e = state_->options.raw ? state_->route_raw(nullptr, 0, data, size) : state_->route(data, size);
    state_->unstage();  // a large message's copy stays only with the pipes that took it
    return state_->counted(e);
}

Result<uint32_t> SpSocket::request(const void* data, size_t size) noexcept {
    if (!state_) return Error::NotInitialized;
    if (state_->pattern != SpPattern::Req || state_->options.raw) return Error::WrongState;
    if (size && !data) return Error::InvalidArgument;
    uint32_t id = 0;
    const Error e = state_->counted(state_->start_request(data, size, &id));
    state_->unstage();
    if (e != Error::Ok) return e;
    return id;
}

Error SpSocket::cancel(uint32_t request_id) noexcept {
    if (!state_) return Error::NotInitialized;
    for (SpSocketState::Request& r : state_->reqs)
        if (r.slot && r.id == request_id) {
            state_->end_request(r);
            return Error::Ok;
        }
    return Error::InvalidArgument;
}

size_t SpSocket::requests_in_flight() const noexcept {
    if (!state_) return 0;
    size_t n = 0;
    for (const SpSocketState::Request& r : state_->reqs) n += r.slot != 0;
    return n;
}

Error SpSocket::survey_status() const noexcept {
    if (!state_) return Error::NotInitialized;
    if (state_->pattern != SpPattern::Surveyor || !state_->survey_id) return Error::WrongState;
    return state_->engine->now_us > state_->survey_deadline_us ? Error::TimedOut : Error::Ok;
}

Error SpSocket::send_raw(const void* header, size_t header_size, const void* body, size_t size) noexcept {
    if (!state_) return Error::NotInitialized;
    if (!state_->options.raw) return Error::WrongState;
    if ((size && !body) || (header_size && !header)) return Error::InvalidArgument;
    const Error e = state_->route_raw(static_cast<const uint8_t*>(header), header_size, body, size);
    state_->unstage();
    return state_->counted(e);
}

Error SpSocket::send_to(Conn pipe, const void* data, size_t size) noexcept {
    if (!state_) return Error::NotInitialized;
    if (size && !data) return Error::InvalidArgument;
    SpPipe* p = state_->find(pipe.id());
    if (!p) return Error::InvalidHandle;
    ConnSlot* s = state_->ready_conn(*p);
    if (!s) return Error::WrongState;
    const Error e = state_->send_framed(*s, nullptr, 0, data, size);
    state_->unstage();
    return state_->counted(e);
}

Error SpSocket::reply(const SpMessage& request, const void* data, size_t size) noexcept {
    if (!state_) return Error::NotInitialized;
    const bool answers = state_->pattern == SpPattern::Rep || state_->pattern == SpPattern::Respondent;
    if (!answers || request.backtrace_size == 0) return Error::WrongState;
    if (size && !data) return Error::InvalidArgument;
    SpPipe* p = state_->find(request.pipe.id());
    ConnSlot* s = p ? state_->ready_conn(*p) : nullptr;
    if (!s) return Error::Ok;  // the requester is gone: the reply is dropped, as REP does
    const Error e = state_->send_framed(*s, request.backtrace, request.backtrace_size, data, size);
    state_->unstage();
    if (e == Error::Ok && state_->bt_pipe == request.pipe.id()) state_->bt_pipe = 0;
    return state_->counted(e);
}

Error SpSocket::subscribe(std::string_view prefix) noexcept {
    if (!state_) return Error::NotInitialized;
    SpSocketState& st = *state_;
    if (st.pattern != SpPattern::Sub) return Error::WrongState;
    if (prefix.size() > kSpMaxPrefix) return Error::TooLarge;
    int free_entry = -1;
    for (size_t i = 0; i < kSpMaxSubscriptions; ++i) {
        if (!st.sub_used[i]) {
            if (free_entry < 0) free_entry = static_cast<int>(i);
            continue;
        }
        if (st.sub_len[i] == prefix.size() && std::memcmp(st.subs[i], prefix.data(), prefix.size()) == 0) return Error::Ok;
    }
    if (free_entry < 0) return Error::NoMessageSlot;
    const size_t i = static_cast<size_t>(free_entry);
    if (!prefix.empty()) std::memcpy(st.subs[i], prefix.data(), prefix.size());
    st.sub_len[i] = static_cast<uint8_t>(prefix.size());
    st.sub_used[i] = true;
    return Error::Ok;
}

Error SpSocket::unsubscribe(std::string_view prefix) noexcept {
    if (!state_) return Error::NotInitialized;
    SpSocketState& st = *state_;
    if (st.pattern != SpPattern::Sub) return Error::WrongState;
    for (size_t i = 0; i < kSpMaxSubscriptions; ++i)
        if (st.sub_used[i] && st.sub_len[i] == prefix.size() && std::memcmp(st.subs[i], prefix.data(), prefix.size()) == 0) {
            st.sub_used[i] = false;
            return Error::Ok;
        }
    return Error::InvalidArgument;
}

size_t SpSocket::ready_pipes() const noexcept {
    if (!state_) return 0;
    size_t n = 0;
    for (const SpPipe& p : state_->pipes)
        if (state_->ready_conn(p)) ++n;
    return n;
}

Error SpSocket::last_pipe_error() const noexcept { return state_ ? state_->last_error : Error::NotInitialized; }
uint64_t SpSocket::pipe_failures() const noexcept { return state_ ? state_->failures : 0; }

SpCounters SpSocket::counters() const noexcept { return state_ ? state_->counts : SpCounters{}; }

} // namespace tickwire
