// The Sockety session on the core: the engine's hooks for a Protocol::Sockety connection (opened,
// bytes read, tx drained, deadline, released) and the receiving side, try_read. Decoding happens
// on demand inside try_read, straight from the rx ring: every item is one decoder event (or a
// whole header), and payload chunks are views of the ring that the caller releases. Only the
// peer's connection header is read eagerly, because sending needs its channel limit.
#include <cstring>
#include <new>

#include "core/arena.hpp"
#include "sockety/session.hpp"

namespace tickwire::detail {

namespace {
uint32_t hash_size_for(uint32_t in_flight) noexcept {
    uint32_t n = 16;
    while (n < in_flight * 2) n <<= 1;
    return n;
}

template <typename Fn>
size_t carve(const SocketyConfig& cfg, uint8_t* base, Fn&& assign) noexcept {
    Arena a(base, base ? ~size_t{0} : 0);
    auto* dch = a.take<sockety::ChannelState>(cfg.channels, 8);
    auto* in = a.take<SocketyInChannel>(cfg.channels, 8);
    auto* sizes = a.take<uint64_t>(static_cast<size_t>(cfg.channels) * cfg.max_files, 8);
    auto* units = a.take<SocketyUnit>(cfg.max_in_flight, 8);
    auto* unit_free = a.take<uint32_t>(cfg.max_in_flight);
    auto* hash = a.take<uint32_t>(hash_size_for(cfg.max_in_flight));
    auto* owner = a.take<uint32_t>(cfg.send_channels);
    auto* chan_free = a.take<uint16_t>(cfg.send_channels);
    auto* files = a.take<SocketyFileRec>(cfg.max_files, 8);
    auto* action = a.take<char>(cfg.max_action_size);
    auto* names = a.take<char>(cfg.max_names_size);
    if (base) assign(dch, in, sizes, units, unit_free, hash, owner, chan_free, files, action, names);
    return (a.used() + 63) & ~size_t{63};
}
} // namespace

size_t sockety_session_bytes(const SocketyConfig& cfg) noexcept {
    return carve(cfg, nullptr, [](auto...) {});
}

void sockety_session_layout(const SocketyConfig& cfg, uint8_t* base, SocketySession& s) noexcept {
    (void)carve(cfg, base, [&](sockety::ChannelState* dch, SocketyInChannel* in, uint64_t* sizes, SocketyUnit* units,
                               uint32_t* unit_free, uint32_t* hash, uint32_t* owner, uint16_t* chan_free,
                               SocketyFileRec* files, char* action, char* names) {
        s.decoder_channels = dch;
        s.in = in;
        s.in_file_sizes = sizes;
        s.units = units;
        s.unit_free = unit_free;
        s.hash = hash;
        s.hash_mask = hash_size_for(cfg.max_in_flight) - 1;
        s.out_owner = owner;
        s.chan_free = chan_free;
        s.files = files;
        s.action = action;
        s.names = names;
        for (uint32_t i = 0; i < cfg.max_in_flight; ++i) new (&units[i]) SocketyUnit();
    });
}

SocketySession* sockety_session(Engine& e, ConnSlot& s) noexcept {
    if (s.protocol != Protocol::Sockety || s.sockety == kNone) return nullptr;
    SocketySession& ss = e.sockety[s.sockety];
    return ss.in_use ? &ss : nullptr;
}

const char* Engine::sockety_detail(const ConnSlot& s) const noexcept {
    if (s.protocol != Protocol::Sockety || s.sockety == kNone) return nullptr;
    return sockety[s.sockety].detail;
}

void sockety_fail(Engine& e, ConnSlot& s, Error err, const char* detail) noexcept {
    if (SocketySession* ss = sockety_session(e, s)) ss->detail = detail;
    e.log(LogLevel::Info, "sockety connection %u: %s", e.index_of(s), detail);
    e.fail_conn(e.index_of(s), err);
}

// --- engine hooks -------------------------------------------------------------------------

bool Engine::sockety_opened(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    const SocketyConfig& cfg = config.sockety;
    if (s.sockety != kNone) sockety_free_session(s);  // a dialer's previous connection
    if (sockety_free_count == 0) {
        log(LogLevel::Warn, "sockety: no session free (Config::sockety.max_sessions = %u)", cfg.max_sessions);
        return false;
    }
    const uint32_t i = sockety_free[--sockety_free_count];
    SocketySession& ss = sockety[i];
    // Everything but the tables' places (and the units' generations) starts over.
    SocketySession fresh;
    fresh.decoder_channels = ss.decoder_channels;
    fresh.in = ss.in;
    fresh.in_file_sizes = ss.in_file_sizes;
    fresh.units = ss.units;
    fresh.unit_free = ss.unit_free;
    fresh.hash = ss.hash;
    fresh.hash_mask = ss.hash_mask;
    fresh.out_owner = ss.out_owner;
    fresh.chan_free = ss.chan_free;
    fresh.files = ss.files;
    fresh.action = ss.action;
    fresh.names = ss.names;
    ss = fresh;
    ss.in_use = true;
    sockety::DecoderLimits limits;
    limits.channels = cfg.channels;
    limits.max_action_size = cfg.max_action_size;
    limits.max_file_name_size = cfg.max_names_size < sockety::kMaxFileNameSize ? cfg.max_names_size : sockety::kMaxFileNameSize;
    limits.max_files = cfg.max_files;
    (void)ss.decoder.init(limits, ss.decoder_channels, cfg.channels);
    ss.decoder.set_whole_headers(true);  // small headers as one event (try_read's fast path)
    std::memset(static_cast<void*>(ss.in), 0, sizeof(SocketyInChannel) * cfg.channels);
    for (uint32_t u = 0; u < cfg.max_in_flight; ++u) {
        ss.units[u].gen = sockety_gen;
        sockety_gen = next_gen(sockety_gen);
        ss.units[u].state = SocketyUnit::Free;
        ss.units[u].slot = 0;
        ss.unit_free[u] = cfg.max_in_flight - 1 - u;
    }
    ss.unit_free_count = cfg.max_in_flight;
    for (uint32_t h = 0; h <= ss.hash_mask; ++h) ss.hash[h] = kNone;
    for (uint32_t ch = 0; ch < cfg.send_channels; ++ch) ss.out_owner[ch] = kNone;
    ss.last_tx_us = now_us;
    s.sockety = i;

    // Our header goes first, without waiting for the peer's (WIRE.md §1).
    uint8_t hdr[sockety::kMaxConnectionHeaderSize];
    const size_t n = sockety::encode_connection_header(hdr, sizeof hdr, cfg.channels);
    if (n == 0 || tx_reserve(s, n) != Error::Ok) {
        s.flags &= static_cast<uint16_t>(~kConnOweWritable);
        return false;
    }
    s.tx.write(blocks, hdr, static_cast<uint32_t>(n));
    list(c);  // the heartbeat clock starts once the connection is announced (sockety_arm)
    return true;
}

void Engine::sockety_arm(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    SocketySession* ss = sockety_session(*this, s);
    if (!ss) return;
    const SocketyConfig& cfg = config.sockety;
    int64_t due = TimerHeap::kNever;
    if (cfg.heartbeat_ms) due = ss->last_tx_us + static_cast<int64_t>(cfg.heartbeat_ms) * 1000;
    if (cfg.idle_timeout_ms) {
        const int64_t last = s.last_rx_us > 0 ? s.last_rx_us : now_us;
        const int64_t idle = last + static_cast<int64_t>(cfg.idle_timeout_ms) * 1000;
        if (idle < due) due = idle;
    }
    if (due != TimerHeap::kNever) deadlines.arm(conn_deadline(c), due);
}

void Engine::sockety_deadline(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    SocketySession* ss = sockety_session(*this, s);
    if (!ss) return;
    if (s.tls != kNone && !tls_sessions[s.tls].handshake_done()) return;
    const SocketyConfig& cfg = config.sockety;
    const int64_t last_rx = s.last_rx_us > 0 ? s.last_rx_us : ss->last_tx_us;
    // A full rx ring means we stopped reading, not that the peer went quiet.
    const bool we_stalled = s.rx.has_block() && s.rx.free_space(blocks.block_size()) == 0;
    if (cfg.idle_timeout_ms && !we_stalled && now_us - last_rx >= static_cast<int64_t>(cfg.idle_timeout_ms) * 1000) {
        if (s.last_rx_us == 0) s.last_rx_us = now_us;  // a first deadline before any byte: start the clock
        else {
            sockety_fail(*this, s, Error::TimedOut, "idle timeout: nothing received");
            return;
        }
    }
    if (cfg.heartbeat_ms && now_us - ss->last_tx_us >= static_cast<int64_t>(cfg.heartbeat_ms) * 1000 &&
        ss->lock == kNone && tx_reserve(s, 1) == Error::Ok) {
        s.flags &= static_cast<uint16_t>(~kConnOweWritable);
        const uint8_t hb = 0xA0;
        s.tx.write(blocks, &hb, 1);
        ss->last_tx_us = now_us;
        list(c);
    }
    sockety_arm(c);
}

// New bytes: the peer's connection header is taken at once (sending waits for its channel
// limit); the rest waits for try_read. The application hears of them with a Data event.
void Engine::sockety_after_read(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    SocketySession* ss = sockety_session(*this, s);
    if (!ss) return;
    if (ss->peer_channels == 0 && !s.rx_lent && !s.rx.empty()) {
        RingSpan rs[2] = {};
        (void)s.rx.readable(blocks, rs);
        const sockety::Decoded d = ss->decoder.feed(rs[0].data, rs[0].size);
        if (d.event.type == sockety::EventType::Error) {
            sockety_fail(*this, s, Error::ProtocolError, sockety::to_string(d.event.error));
            return;
        }
        if (d.consumed) {
            s.rx.consumed(static_cast<uint32_t>(d.consumed));
        }
        if (d.event.type == sockety::EventType::ConnectionHeader) {
            uint32_t n = d.event.channels;
            if (n > config.sockety.send_channels) n = config.sockety.send_channels;
            ss->peer_channels = n;
            // Channel 0 first, as sockety-js does (its captures show channel 0 for serial traffic).
            ss->chan_free_count = 0;
            for (uint32_t ch = n; ch-- > 0;) ss->chan_free[ss->chan_free_count++] = static_cast<uint16_t>(ch);
            sockety_pump(*this, s);
            if (s.state == ConnState::Closed || (s.flags & kConnInGraveyard)) return;
        }
    }
    if (s.flags & kConnAnnounced) notify_data(c);
}

void Engine::sockety_tx_drained(uint32_t c) noexcept {
    ConnSlot& s = conns[c];
    if (!sockety_session(*this, s)) return;
    sockety_pump(*this, s);
}

// The connection is going: units in flight are dropped with their message slots. The session
// itself (and its failure text) stays until the next update.
void Engine::sockety_release(ConnSlot& s) noexcept {
    SocketySession* ss = sockety_session(*this, s);
    if (!ss) return;
    for (uint32_t u = 0; u < config.sockety.max_in_flight; ++u) {
        SocketyUnit& unit = ss->units[u];
        sockety_close_unit_files(*this, unit);  // files it was reading from disk
        unit.flags = 0;
        if (unit.slot) (void)messages.release(unit.slot);
        unit.slot = 0;
        if (unit.state != SocketyUnit::Free) unit.gen = next_gen(unit.gen);
        unit.state = SocketyUnit::Free;
    }
    ss->unit_free_count = 0;
    for (uint32_t ch = 0; ch < config.sockety.channels; ++ch)
        if (ss->in[ch].slot) {  // data being assembled whole
            (void)messages.release(ss->in[ch].slot);
            ss->in[ch].slot = 0;
        }
    ss->fifo_head = ss->fifo_tail = ss->lock = kNone;
    ss->disk_units = 0;
    ss->peer_channels = 0;
    ss->chan_free_count = 0;
}

void Engine::sockety_free_session(ConnSlot& s) noexcept {
    if (s.sockety == kNone) return;
    SocketySession& ss = sockety[s.sockety];
    if (ss.in_use) {
        sockety_release(s);
        ss.in_use = false;
        sockety_free[sockety_free_count++] = s.sockety;
    }
    s.sockety = kNone;
}

// --- receiving ----------------------------------------------------------------------------

namespace {

struct Reader {
    Engine& e;
    ConnSlot& s;
    SocketySession& ss;
    const SocketyConfig& cfg;

    Read fail(const char* why, Error err = Error::ProtocolError) noexcept {
        sockety_fail(e, s, err, why);
        return Read::Closed;
    }

    SocketyInChannel& in(uint16_t ch) noexcept { return ss.in[ch]; }
    uint64_t& file_size(uint16_t ch, uint32_t index) noexcept {
        return ss.in_file_sizes[static_cast<size_t>(ch) * cfg.max_files + index];
    }
    void unit_done(uint16_t ch) noexcept {
        SocketyInChannel& ic = in(ch);
        if (ic.active) {
            ic.active = false;
            --ss.in_active;
        }
    }

    // The item of a header that has ended, from its channel's record and the session's
    // header fields (the action, files and names it collected).
    void header_item(SocketyView& v, uint16_t ch, bool finished) noexcept {
        const SocketyInChannel& ic = ss.in[ch];
        v.kind = ss.header_response ? SocketyKind::Response : SocketyKind::Message;
        std::memcpy(v.id.bytes, ic.id.bytes, 16);
        v.channel = ch;
        v.is_response = ss.header_response;
        v.expects_response = ic.expects_response;
        v.has_stream = ic.has_stream;
        v.data_size = ic.data_size;
        v.files_count = ic.files_count;
        v.files_size = ic.files_size;
        v.finished = finished;
        v.action = std::string_view(ss.action, ss.action_len);
        v.files_ = ss.files;
        v.names_ = ss.names;
        if (ss.header_response) {
            std::memcpy(v.parent.bytes, ss.header_parent.bytes, 16);
            v.matched = sockety_match_reply(e, ss, ss.header_parent, v.tag);
        }
    }

    // The owner fields of a chunk-like item.
    void owner(SocketyView& v, uint16_t ch) noexcept {
        const SocketyInChannel& ic = ss.in[ch];
        std::memcpy(v.id.bytes, ic.id.bytes, 16);
        v.is_response = ic.is_response;
        v.channel = ch;
    }
};

constexpr uint64_t kFileEnded = ~uint64_t{0};

// `v = SocketyView()` field by field: once per item, and the compiler builds the assignment as a
// 240-byte temporary cleared with `rep stos` (a fifth of try_read's time on a busy connection).
// A field added to SocketyView or ReadView must be added here: the size check says so.
static_assert(sizeof(void*) != 8 || sizeof(SocketyView) == 240, "reset_view: reset the new SocketyView fields");
void reset_view(SocketyView& v) noexcept {
    v.kind = SocketyKind::Message;
    v.id = SocketyId();
    v.parent = SocketyId();
    v.tag = 0;
    v.matched = v.is_response = v.expects_response = v.has_stream = v.last = v.finished = false;
    v.code = v.channel = 0;
    v.action = std::string_view();
    v.data_size = v.files_size = 0;
    v.files_count = v.file_index = 0;
    v.offset = 0;
    v.data = nullptr;
    v.size = 0;
    v.view_.clear();
    v.view_.time_us = 0;
    v.files_ = nullptr;
    v.names_ = nullptr;
}

} // namespace

Read sockety_try_read(Engine& e, ConnSlot& s, uint64_t handle, SocketyView& out) noexcept {
    SocketySession* ssp = sockety_session(e, s);
    if (!ssp) return Read::Closed;
    SocketySession& ss = *ssp;
    if (s.rx_lent) return Read::NoData;  // the previous chunk is still out: release it first
    Reader r{e, s, ss, e.config.sockety};
    reset_view(out);
    uint32_t consumed = 0;  // bytes used by items that hold no view, consumed in one go
    auto finish = [&](Read result) {
        if (consumed) e.consume_rx(s, consumed);
        return result;
    };
    for (;;) {
        const uint32_t avail = s.rx.used() - consumed;
        RingSpan rs[2] = {};
        const int n = avail ? s.rx.spans(e.blocks, s.rx.head + consumed, avail, rs) : 0;
        const uint8_t* p = n ? rs[0].data : nullptr;
        const size_t len = n ? rs[0].size : 0;
        const sockety::Decoded d = ss.decoder.feed(p, len);
        consumed += static_cast<uint32_t>(d.consumed);
        const sockety::Event& ev = d.event;
        switch (ev.type) {
        case sockety::EventType::NeedMore:
            if (n == 2) continue;  // the ring wrapped: go on with its second span
            // What arrived before the end stays readable until the next update.
            if ((s.flags & kConnPeerEof) || s.state == ConnState::Closed || s.state == ConnState::Backoff)
                return finish(Read::Closed);
            return finish(Read::NoData);
        case sockety::EventType::Error: {
            const Error err = ev.error == sockety::DecodeError::ActionTooLong ||
                                      ev.error == sockety::DecodeError::FileNameTooLong ||
                                      ev.error == sockety::DecodeError::TooManyFiles
                                  ? Error::MessageTooLarge
                                  : Error::ProtocolError;
            return r.fail(sockety::to_string(ev.error), err);
        }
        case sockety::EventType::ConnectionHeader: {
            uint32_t ch = ev.channels;
            if (ch > e.config.sockety.send_channels) ch = e.config.sockety.send_channels;
            ss.peer_channels = ch;
            ss.chan_free_count = 0;
            for (uint32_t c = ch; c-- > 0;) ss.chan_free[ss.chan_free_count++] = static_cast<uint16_t>(c);
            sockety_pump(e, s);
            continue;
        }
        case sockety::EventType::SwitchChannel:
        case sockety::EventType::Heartbeat:
            continue;
        case sockety::EventType::MessageStart:
        case sockety::EventType::ResponseStart: {
            if (ss.header_open) return r.fail("headers of two channels interleaved (not supported)");
            ss.header_open = true;
            ss.header_channel = ev.channel;
            ss.header_response = ev.type == sockety::EventType::ResponseStart;
            ss.header_parent = ev.parent_id;
            ss.action_len = ss.files_len = ss.names_len = 0;
            SocketyInChannel& ic = r.in(ev.channel);
            if (ic.slot) (void)e.messages.release(ic.slot);
            ic = SocketyInChannel();
            ic.id = ev.id;
            ic.is_response = ss.header_response;
            ic.expects_response = ev.expects_response;
            ic.has_stream = ev.has_stream;
            ic.active = true;
            ++ss.in_active;
            continue;
        }
        case sockety::EventType::ActionChunk:
            // The decoder bounds the action by max_action_size, the size of our buffer.
            std::memcpy(ss.action + ss.action_len, ev.bytes.data, ev.bytes.size);
            ss.action_len += static_cast<uint32_t>(ev.bytes.size);
            continue;
        case sockety::EventType::HeaderSizes: {
            SocketyInChannel& ic = r.in(ev.channel);
            ic.data_size = ev.data_size;
            ic.files_count = ev.files_count;
            ic.files_size = ev.total_files_size;
            continue;
        }
        case sockety::EventType::FileHeader: {
            if (ss.files_len >= r.cfg.max_files) return r.fail("too many files", Error::MessageTooLarge);
            SocketyFileRec& f = ss.files[ss.files_len++];
            f.size = ev.file_size;
            f.name_off = ss.names_len;
            f.name_len = 0;
            r.file_size(ev.channel, ev.file_index) = ev.file_size;
            continue;
        }
        case sockety::EventType::FileNameChunk: {
            if (ss.names_len + ev.bytes.size > r.cfg.max_names_size)
                return r.fail("file names longer than Config::sockety.max_names_size", Error::MessageTooLarge);
            std::memcpy(ss.names + ss.names_len, ev.bytes.data, ev.bytes.size);
            ss.names_len += static_cast<uint32_t>(ev.bytes.size);
            ss.files[ss.files_len - 1].name_len += static_cast<uint32_t>(ev.bytes.size);
            continue;
        }
        case sockety::EventType::HeaderEnd: {
            ss.header_open = false;
            r.header_item(out, ev.channel, ev.finished);
            if (ev.finished) r.unit_done(ev.channel);
            return finish(Read::Message);
        }
        case sockety::EventType::WholeHeader: {
            // MessageStart .. HeaderEnd in one: a file-less header that came whole.
            if (ss.header_open) return r.fail("headers of two channels interleaved (not supported)");
            const bool response = ev.is_response;
            SocketyInChannel& ic = r.in(ev.channel);
            if (ic.slot) (void)e.messages.release(ic.slot);
            ic = SocketyInChannel();
            ic.id = ev.id;
            ic.is_response = response;
            ic.expects_response = ev.expects_response;
            ic.has_stream = ev.has_stream;
            ic.data_size = ev.data_size;
            if (!ev.finished) {
                ic.active = true;
                ++ss.in_active;
            }
            ss.header_channel = ev.channel;
            ss.header_response = response;
            ss.header_parent = ev.parent_id;
            ss.files_len = ss.names_len = 0;
            // The decoder bounds the action by max_action_size, the size of our buffer; copied
            // because the item outlives the ring bytes (consumed below).
            if (ev.bytes.size) std::memcpy(ss.action, ev.bytes.data, ev.bytes.size);
            ss.action_len = static_cast<uint32_t>(ev.bytes.size);
            r.header_item(out, ev.channel, ev.finished);
            return finish(Read::Message);
        }
        case sockety::EventType::DataChunk: {
            if (ss.header_open && ss.header_channel == ev.channel)
                return r.fail("data before the end of its header (not supported)");
            SocketyInChannel& ic = r.in(ev.channel);
            const uint32_t whole = r.cfg.whole_data_max;
            if (whole && ic.data_size <= whole && ic.data_size <= e.messages.slot_size() && (ic.slot || ic.data_off == 0) &&
                !(ic.data_off == 0 && ev.last)) {
                // Assembled in a slot and handed out whole (a piece that is the whole needs no copy).
                if (!ic.slot) ic.slot = e.messages.acquire();
                if (ic.slot) {
                    std::memcpy(e.messages.data(ic.slot) + ic.data_off, ev.bytes.data, ev.bytes.size);
                    ic.data_off += ev.bytes.size;
                    if (!ev.last) continue;
                    r.owner(out, ev.channel);
                    out.kind = SocketyKind::Data;
                    out.offset = 0;
                    out.last = true;
                    out.finished = ev.finished;
                    out.data = e.messages.data(ic.slot);
                    out.size = static_cast<size_t>(ic.data_size);
                    out.view_.engine_ = &e;
                    out.view_.conn_ = handle;
                    out.view_.message_ = ic.slot;
                    out.view_.data = out.data;
                    out.view_.size = out.size;
                    ic.slot = 0;
                    if (ev.finished) r.unit_done(ev.channel);
                    return finish(Read::Message);
                }
            }
            r.owner(out, ev.channel);
            out.kind = SocketyKind::Data;
            out.offset = ic.data_off;
            ic.data_off += ev.bytes.size;
            out.last = ev.last;
            out.finished = ev.finished;
            if (ev.finished) r.unit_done(ev.channel);
            goto lend;
        }
        case sockety::EventType::StreamChunk: {
            SocketyInChannel& ic = r.in(ev.channel);
            r.owner(out, ev.channel);
            out.kind = SocketyKind::Stream;
            out.offset = ic.stream_off;
            ic.stream_off += ev.bytes.size;
            goto lend;
        }
        case sockety::EventType::StreamEnd: {
            r.owner(out, ev.channel);
            out.kind = SocketyKind::StreamEnd;
            out.offset = r.in(ev.channel).stream_off;
            out.last = true;
            out.finished = ev.finished;
            if (ev.finished) r.unit_done(ev.channel);
            return finish(Read::Message);
        }
        case sockety::EventType::FileChunk: {
            if (ss.header_open && ss.header_channel == ev.channel)
                return r.fail("file content before the end of its header (not supported)");
            SocketyInChannel& ic = r.in(ev.channel);
            uint64_t& size = r.file_size(ev.channel, ev.file_index);
            if (size == kFileEnded) return r.fail("file content after its File End");
            if (ic.file_open && ic.file_index != ev.file_index) return r.fail("files interleaved (not supported)");
            if (!ic.file_open) {
                ic.file_open = true;
                ic.file_index = ev.file_index;
                ic.file_off = 0;
            }
            if (ic.file_off + ev.bytes.size > size) return r.fail("more file content than declared");
            r.owner(out, ev.channel);
            out.kind = SocketyKind::File;
            out.file_index = ev.file_index;
            out.offset = ic.file_off;
            ic.file_off += ev.bytes.size;
            goto lend;
        }
        case sockety::EventType::FileEnd: {
            SocketyInChannel& ic = r.in(ev.channel);
            uint64_t& size = r.file_size(ev.channel, ev.file_index);
            if (size == kFileEnded) return r.fail("a repeated File End");
            const bool open_here = ic.file_open && ic.file_index == ev.file_index;
            if (ic.file_open && !open_here) return r.fail("files interleaved (not supported)");
            const uint64_t got = open_here ? ic.file_off : 0;
            if (got != size) return r.fail("File End before the declared size");
            r.owner(out, ev.channel);
            out.kind = SocketyKind::File;
            out.file_index = ev.file_index;
            out.offset = size;
            out.last = true;
            out.finished = ev.finished;
            size = kFileEnded;
            ic.file_open = false;
            if (ev.finished) r.unit_done(ev.channel);
            return finish(Read::Message);
        }
        case sockety::EventType::FastReply: {
            out.kind = SocketyKind::FastReply;
            std::memcpy(out.parent.bytes, ev.id.bytes, 16);
            out.code = ev.code;
            out.matched = sockety_match_reply(e, ss, ev.id, out.tag);
            return finish(Read::Message);
        }
        case sockety::EventType::GoAway: {
            ss.go_away_received = true;
            out.kind = SocketyKind::GoAway;
            const Read res = finish(Read::Message);
            sockety_check_drained(e, s);
            return res;
        }
        case sockety::EventType::Abort: {
            if (!ev.aborted) continue;  // nothing in progress there: nothing to drop
            if (r.in(ev.channel).slot) {
                (void)e.messages.release(r.in(ev.channel).slot);
                r.in(ev.channel).slot = 0;
            }
            if (ss.header_open && ss.header_channel == ev.channel) ss.header_open = false;
            out.kind = SocketyKind::Aborted;
            if (r.in(ev.channel).active) r.owner(out, ev.channel);  // the id we kept from its start
            else std::memcpy(out.id.bytes, ev.id.bytes, 16);
            out.is_response = ev.is_response;
            out.channel = ev.channel;
            out.finished = true;
            r.unit_done(ev.channel);
            return finish(Read::Message);
        }
        }
        continue;
    lend:
        // A chunk: a view of the ring; everything up to its end goes back on release().
        out.data = ev.bytes.data;
        out.size = ev.bytes.size;
        out.view_.engine_ = &e;
        out.view_.conn_ = handle;
        out.view_.consume_ = consumed;
        out.view_.data = out.data;
        out.view_.size = out.size;
        s.rx_lent = consumed;
        {
            const bool whole = out.offset == 0 && out.last;
            return whole ? Read::Message : Read::Partial;
        }
    }
}

} // namespace tickwire::detail
