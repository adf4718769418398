// The sending side of a Sockety session: messages and responses (units) from drafts, their
// declared parts written later in pieces, channels, the FIFO of units waiting for one, fast
// replies, heartbeats, Go Away and Abort; and the matching of replies to our messages by UUID.
//
// How a unit leaves. What a draft gives in memory (header, data, files with content) is its
// *start*. When the FIFO is empty, a channel is free and the tx ring has room, the start is
// written into tx at once (the common case: no copy but into the ring). Otherwise it is encoded
// into a message slot and the unit queues; the pump moves queued units onto free channels in
// order and copies their start into tx as room appears. While a start is only partly in tx, the
// ring ends inside one of its packets, so nothing else may be written: that unit holds the lock.
// Declared parts (write_data / write_file / write_stream) go straight into tx, one packet per
// call, sized to the room there is.
#include <cstring>
#include <new>

#include "platform/file.hpp"
#include "sockety/session.hpp"

namespace tickwire::detail {

namespace {
using sockety::FileDesc;
using sockety::PacketType;

constexpr uint32_t kMaxDraftFiles = 256;     // files per draft (a stack table while encoding)
constexpr size_t kStackHeader = 512;         // headers up to this are built on the stack
constexpr uint64_t kFileEnded = 0;

struct Ctx {
    Engine& e;
    ConnSlot& s;
    SocketySession& ss;
};

uint32_t hash_of(const sockety::Uuid& id) noexcept {
    uint32_t h;
    std::memcpy(&h, id.bytes, 4);  // random bytes of a v4 id
    return h;
}

void hash_insert(SocketySession& ss, uint32_t u) noexcept {
    uint32_t i = hash_of(ss.units[u].id) & ss.hash_mask;
    while (ss.hash[i] != kNone) i = (i + 1) & ss.hash_mask;
    ss.hash[i] = u;
}

uint32_t hash_find(const SocketySession& ss, const sockety::Uuid& id) noexcept {
    uint32_t i = hash_of(id) & ss.hash_mask;
    while (ss.hash[i] != kNone) {
        if (ss.units[ss.hash[i]].id == id) return i;
        i = (i + 1) & ss.hash_mask;
    }
    return kNone;
}

// Linear probing: removal shifts later members of the cluster back (no tombstones).
void hash_remove_at(SocketySession& ss, uint32_t i) noexcept {
    const uint32_t mask = ss.hash_mask;
    ss.hash[i] = kNone;
    uint32_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (ss.hash[j] == kNone) return;
        const uint32_t k = hash_of(ss.units[ss.hash[j]].id) & mask;
        // Move j back to i unless its home k lies cyclically in (i, j].
        const bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
        if (stays) continue;
        ss.hash[i] = ss.hash[j];
        ss.hash[j] = kNone;
        i = j;
    }
}

void unhash(SocketySession& ss, uint32_t u) noexcept {
    SocketyUnit& unit = ss.units[u];
    if (!(unit.flags & kUnitExpects)) return;
    unit.flags &= static_cast<uint8_t>(~kUnitExpects);
    const uint32_t i = hash_find(ss, unit.id);
    if (i != kNone) hash_remove_at(ss, i);
}

void free_unit(Ctx& x, uint32_t u) noexcept {
    SocketyUnit& unit = x.ss.units[u];
    if (unit.flags & kUnitDisk) --x.ss.disk_units;
    sockety_close_unit_files(x.e, unit);
    unit.flags &= static_cast<uint8_t>(~kUnitDisk);
    unhash(x.ss, u);
    if (unit.slot) (void)x.e.messages.release(unit.slot);
    unit.slot = 0;
    unit.state = SocketyUnit::Free;
    unit.gen = next_gen(unit.gen);
    x.ss.unit_free[x.ss.unit_free_count++] = u;
}

SocketyUnit* unit_of(SocketySession& ss, const SocketyConfig& cfg, uint64_t h, uint32_t& index) noexcept {
    index = handle_index(h);
    if (h == 0 || index >= cfg.max_in_flight) return nullptr;
    SocketyUnit& u = ss.units[index];
    if (u.gen != handle_gen(h) || u.state == SocketyUnit::Free) return nullptr;
    return &u;
}

bool next_uuid(Engine& e, sockety::Uuid& out) noexcept {
    if (e.uuid_used + 16 > e.uuid_cache_size) {
        if (!e.random.fill(e.uuid_cache, e.uuid_cache_size)) return false;
        // The v4 bits go into the whole batch now: setting them per id (byte stores, then the
        // id read whole) stalled the store forwarding once per message.
        for (uint32_t i = 0; i + 16 <= e.uuid_cache_size; i += 16) {
            const sockety::Uuid id = sockety::uuid_v4_from_random(e.uuid_cache + i);
            std::memcpy(e.uuid_cache + i, id.bytes, 16);
        }
        e.uuid_used = 0;
    }
    std::memcpy(out.bytes, e.uuid_cache + e.uuid_used, 16);
    e.uuid_used += 16;
    return true;
}

// Free bytes in tx (taking a block if needed); 0 when none.
uint32_t tx_room(Ctx& x) noexcept {
    if (!x.s.tx.ensure_block(x.e.blocks)) {
        x.e.wait_for_block(x.e.index_of(x.s));
        return 0;
    }
    return x.s.tx.free_space(x.e.blocks.block_size());
}

void tx_put(Ctx& x, const void* p, size_t n) noexcept {
    if (n) x.s.tx.write(x.e.blocks, static_cast<const uint8_t*>(p), static_cast<uint32_t>(n));
}

size_t switch_cost(const SocketySession& ss, uint32_t ch) noexcept {
    return ss.tx_channel == ch ? 0 : sockety::switch_channel_size(ch);
}

void put_switch(Ctx& x, uint32_t ch) noexcept {
    if (x.ss.tx_channel == ch) return;
    uint8_t b[2];
    tx_put(x, b, sockety::encode_switch_channel(b, sizeof b, ch));
    x.ss.tx_channel = ch;
}

void wrote(Ctx& x) noexcept {
    x.ss.last_tx_us = x.e.now_us;
    x.e.list(x.e.index_of(x.s));
}

Error would_block(Ctx& x) noexcept {
    x.s.flags |= kConnOweWritable;
    ++x.e.stats.send_would_block;
    x.e.list(x.e.index_of(x.s));  // tx_drained sends Writable once there is room
    return Error::WouldBlock;
}

uint64_t declared_file_size(Engine& e, const SocketyUnit& u, uint32_t i) noexcept {
    if (!(u.flags & kUnitSizes) || i >= u.files_count) return 0;
    uint64_t v;
    std::memcpy(&v, e.messages.data(u.slot) + 8 * static_cast<size_t>(i), 8);
    return v;
}

// The disk file behind file i of a unit (kInvalidFile: none), kept after the sizes in the slot.
platform::FileHandle unit_file(Engine& e, const SocketyUnit& u, uint32_t i) noexcept {
    if (!(u.flags & kUnitDisk) || i >= u.files_count) return platform::kInvalidFile;
    platform::FileHandle f;
    std::memcpy(&f, e.messages.data(u.slot) + 8 * (static_cast<size_t>(u.files_count) + i), sizeof f);
    return f;
}

void set_unit_file(Engine& e, SocketyUnit& u, uint32_t i, platform::FileHandle f) noexcept {
    std::memcpy(e.messages.data(u.slot) + 8 * (static_cast<size_t>(u.files_count) + i), &f, sizeof f);
}

// File Ends of files that are complete (all written, or empty). False when tx had no room (the
// pump tries again: `unsettled` says there is something to look for).
bool settle_files(Ctx& x, SocketyUnit& u) noexcept {
    while (u.cur_file < u.files_count && u.file_left == kFileEnded) {
        const size_t need = switch_cost(x.ss, u.channel) + sockety::file_end_size(u.cur_file);
        if (tx_room(x) < need) {
            x.ss.unsettled = 1;
            return false;
        }
        put_switch(x, u.channel);
        uint8_t b[4];
        tx_put(x, b, sockety::encode_file_end(b, sizeof b, u.cur_file));
        wrote(x);
        const platform::FileHandle f = unit_file(x.e, u, u.cur_file);
        if (f != platform::kInvalidFile) {  // read to the end: closed at once
            platform::close_file(f);
            set_unit_file(x.e, u, u.cur_file, platform::kInvalidFile);
        }
        ++u.cur_file;
        u.file_left = declared_file_size(x.e, u, u.cur_file);
    }
    return true;
}

// A unit whose every part is out frees its channel; it stays only to wait for a reply.
void maybe_complete(Ctx& x, uint32_t ui) noexcept {
    SocketyUnit& u = x.ss.units[ui];
    if (u.state != SocketyUnit::Open || x.ss.lock == ui || u.data_left || u.cur_file < u.files_count ||
        (u.flags & kUnitStream))
        return;
    x.ss.out_owner[u.channel] = kNone;
    x.ss.chan_free[x.ss.chan_free_count++] = u.channel;
    if (u.flags & kUnitDisk) --x.ss.disk_units;  // every file ended: every file closed
    if (u.slot) (void)x.e.messages.release(u.slot);
    u.slot = 0;
    u.flags &= static_cast<uint8_t>(~(kUnitSizes | kUnitDisk));
    if (u.flags & kUnitExpects) u.state = SocketyUnit::Awaiting;
    else free_unit(x, ui);
}

void fifo_push(SocketySession& ss, uint32_t u) noexcept {
    ss.units[u].next = kNone;
    if (ss.fifo_tail == kNone) ss.fifo_head = u;
    else ss.units[ss.fifo_tail].next = u;
    ss.fifo_tail = u;
}

void fifo_unlink(SocketySession& ss, uint32_t u) noexcept {
    uint32_t prev = kNone;
    for (uint32_t i = ss.fifo_head; i != kNone; prev = i, i = ss.units[i].next) {
        if (i != u) continue;
        const uint32_t next = ss.units[i].next;
        if (prev == kNone) ss.fifo_head = next;
        else ss.units[prev].next = next;
        if (ss.fifo_tail == u) ss.fifo_tail = prev;
        return;
    }
}

// Writes a unit's start (header, given data, given files) through `put(const void*, size_t)`.
template <typename Put>
void put_start(Put&& put, const uint8_t* header, size_t header_size, const SocketyDraft& d, uint32_t given_files) noexcept {
    put(header, header_size);
    uint8_t ph[sockety::kMaxPayloadHeaderSize];
    if (d.data && d.data_size) {
        put(ph, sockety::encode_payload_header(ph, sizeof ph, PacketType::Data, d.data_size));
        put(d.data, static_cast<size_t>(d.data_size));
    }
    for (uint32_t i = 0; i < given_files; ++i) {
        const SocketyFile& f = d.files[i];
        // Files are cut in packets the JS reader can parse (WIRE.md §6).
        uint64_t off = 0;
        while (off < f.size) {
            const uint64_t left = f.size - off;
            const uint64_t n = left < sockety::kInteropMaxFilePacketContent ? left : sockety::kInteropMaxFilePacketContent;
            put(ph, sockety::encode_payload_header(ph, sizeof ph, PacketType::File, n, i));
            put(static_cast<const uint8_t*>(f.data) + off, static_cast<size_t>(n));
            off += n;
        }
        put(ph, sockety::encode_file_end(ph, sizeof ph, i));
    }
}

uint64_t start_size(size_t header_size, const SocketyDraft& d, uint32_t given_files) noexcept {
    uint64_t n = header_size;
    if (d.data && d.data_size) n += sockety::payload_header_size(PacketType::Data, d.data_size) + d.data_size;
    for (uint32_t i = 0; i < given_files; ++i) {
        const uint64_t size = d.files[i].size;
        uint64_t off = 0;
        while (off < size) {
            const uint64_t left = size - off;
            const uint64_t k = left < sockety::kInteropMaxFilePacketContent ? left : sockety::kInteropMaxFilePacketContent;
            n += sockety::payload_header_size(PacketType::File, k, i) + k;
            off += k;
        }
        n += sockety::file_end_size(i);
    }
    return n;
}
// Reads the unit's current disk file into tx, packet by packet, while there is room. Straight
// into the ring where it has contiguous room; through a small buffer at the ring's wrap.
void pump_disk(Ctx& x, uint32_t ui) noexcept {
    SocketyUnit& u = x.ss.units[ui];
    const uint32_t cap = x.e.blocks.block_size();
    while (u.state == SocketyUnit::Open && x.ss.lock == kNone && u.cur_file < u.files_count) {
        const platform::FileHandle f = unit_file(x.e, u, u.cur_file);
        if (f == platform::kInvalidFile) return;  // written by the application
        if (u.file_left == kFileEnded) {
            if (!settle_files(x, u)) return;
            continue;
        }
        const size_t sw = switch_cost(x.ss, u.channel);
        const uint32_t room = tx_room(x);
        if (room <= sw + sockety::kMaxPayloadHeaderSize + 64) return;  // wait for a real chunk of room
        put_switch(x, u.channel);
        const uint32_t contiguous = x.s.tx.contiguous_free(cap);
        uint64_t n = u.file_left < sockety::kInteropMaxFilePacketContent ? u.file_left : sockety::kInteropMaxFilePacketContent;
        uint8_t hdr[sockety::kMaxPayloadHeaderSize];
        long got;
        if (contiguous > sockety::kMaxPayloadHeaderSize + 4096) {
            if (n > contiguous - sockety::kMaxPayloadHeaderSize) n = contiguous - sockety::kMaxPayloadHeaderSize;
            const size_t h = sockety::encode_payload_header(hdr, sizeof hdr, PacketType::File, n, u.cur_file);
            uint8_t* at = x.s.tx.tail_ptr(x.e.blocks);
            got = platform::read_file(f, at + h, static_cast<size_t>(n));
            if (got == static_cast<long>(n)) {
                std::memcpy(at, hdr, h);
                x.s.tx.produced(static_cast<uint32_t>(h + n));
            }
        } else {
            uint8_t buf[4096];
            const uint64_t free_now = room - sw - sockety::kMaxPayloadHeaderSize;
            if (n > sizeof buf) n = sizeof buf;
            if (n > free_now) n = free_now;
            got = platform::read_file(f, buf, static_cast<size_t>(n));
            if (got == static_cast<long>(n)) {
                tx_put(x, hdr, sockety::encode_payload_header(hdr, sizeof hdr, PacketType::File, n, u.cur_file));
                tx_put(x, buf, static_cast<size_t>(n));
            }
        }
        if (got != static_cast<long>(n)) {
            // The file shrank (or failed) after its size went out: the unit cannot be finished.
            x.e.log(LogLevel::Warn, "sockety: a file being sent changed size; the unit is aborted");
            const uint8_t abort = 0x90;
            if (tx_room(x) >= 1) tx_put(x, &abort, 1);
            x.ss.out_owner[u.channel] = kNone;
            x.ss.chan_free[x.ss.chan_free_count++] = u.channel;
            free_unit(x, ui);
            return;
        }
        wrote(x);
        u.file_left -= n;
    }
    maybe_complete(x, ui);
}

// A Message or Response packet as the draft describes it, with `files` (sized) as its files.
struct HeaderDesc {
    sockety::MessageDesc m;
    sockety::ResponseDesc r;
    bool response = false;
    size_t size = 0;  // its packet bytes; 0: it cannot be encoded

    HeaderDesc(const SocketyDraft& d, const sockety::Uuid* parent, const sockety::Uuid& id, const FileDesc* files,
               uint32_t files_count) noexcept
        : response(parent != nullptr) {
        if (response) {
            r.parent_id = *parent;
            r.id = id;
            r.data_size = d.data_size;
            r.files = files;
            r.files_count = files_count;
            r.has_stream = d.stream;
            size = sockety::response_packet_size(r);
        } else {
            m.id = id;
            m.action = reinterpret_cast<const uint8_t*>(d.action.data());
            m.action_size = d.action.size();
            m.data_size = d.data_size;
            m.files = files;
            m.files_count = files_count;
            m.has_stream = d.stream;
            m.expects_response = d.expects_response;
            size = sockety::message_packet_size(m);
        }
    }
    size_t encode(uint8_t* out, size_t cap) const noexcept {
        return response ? sockety::encode_response(out, cap, r) : sockety::encode_message(out, cap, m);
    }
};

// The common case of send/respond, taken when it applies (true: `out`, or `err` when it failed;
// false: the general path goes on, with the same id): a unit whose whole body is in the draft (no
// files, no stream, data given or none), written at once while nothing waits before it. Its body
// is complete as soon as it is written, so the channel it goes out on is free again at once: it
// is the free stack's top, read and not popped. The wire bytes and the unit's state afterwards
// are those of the general path (which takes the channel, writes the start, then completes it).
bool send_whole(Ctx& x, const SocketyDraft& d, const sockety::Uuid* parent, const sockety::Uuid& id, SocketyOut& out,
                Error& err) noexcept {
    SocketySession& ss = x.ss;
    if (ss.fifo_head != kNone || ss.lock != kNone || ss.chan_free_count == 0) return false;
    const bool response = parent != nullptr;
    const HeaderDesc header(d, parent, id, nullptr, 0);
    const size_t header_size = header.size;
    if (header_size == 0) {
        err = Error::InvalidArgument;
        return true;
    }
    const uint32_t ch = ss.chan_free[ss.chan_free_count - 1];
    const size_t data_header = d.data_size ? sockety::payload_header_size(PacketType::Data, d.data_size) : 0;
    const uint64_t start = header_size + data_header + d.data_size;
    const uint32_t cap = x.e.blocks.block_size();
    if (header_size > kStackHeader || start + 2 > cap || tx_room(x) < start + switch_cost(ss, ch))
        return false;  // the general path queues it in a message slot, or refuses it
    put_switch(x, ch);
    // The header straight into the ring where it has the room in one piece.
    const uint32_t contiguous = x.s.tx.contiguous_free(cap);
    if (contiguous >= header_size) {
        (void)header.encode(x.s.tx.tail_ptr(x.e.blocks), header_size);
        x.s.tx.produced(static_cast<uint32_t>(header_size));
    } else {
        uint8_t bytes[kStackHeader];
        (void)header.encode(bytes, sizeof bytes);
        tx_put(x, bytes, header_size);
    }
    if (d.data_size) {
        uint8_t ph[sockety::kMaxPayloadHeaderSize];
        tx_put(x, ph, sockety::encode_payload_header(ph, sizeof ph, PacketType::Data, d.data_size));
        tx_put(x, d.data, static_cast<size_t>(d.data_size));
    }
    wrote(x);

    const uint32_t ui = ss.unit_free[--ss.unit_free_count];
    SocketyUnit& u = ss.units[ui];
    u.id = id;
    u.tag = d.tag;
    u.slot = 0;
    u.data_left = 0;
    u.file_left = 0;
    u.files_count = 0;
    u.cur_file = 0;
    u.pend_off = u.pend_end = 0;
    u.channel = static_cast<uint16_t>(ch);
    u.flags = response ? kUnitResponse : 0;
    if (!response && d.expects_response) {  // waits for its reply
        u.flags |= kUnitExpects;
        if (d.keep_waiting) u.flags |= kUnitKeepWaiting;
        u.state = SocketyUnit::Awaiting;
        hash_insert(ss, ui);
    } else {  // done with: free again (its handle is stale at once, as in the general path)
        u.state = SocketyUnit::Free;
        u.gen = next_gen(u.gen);
        ss.unit_free[ss.unit_free_count++] = ui;
    }
    out.value = make_handle(ui, u.gen);
    std::memcpy(out.id.bytes, id.bytes, 16);
    return true;
}

} // namespace

void sockety_close_unit_files(Engine& e, SocketyUnit& u) noexcept {
    if (!(u.flags & kUnitDisk) || !u.slot) return;
    for (uint32_t i = 0; i < u.files_count; ++i) {
        const platform::FileHandle f = unit_file(e, u, i);
        if (f != platform::kInvalidFile) platform::close_file(f);
        set_unit_file(e, u, i, platform::kInvalidFile);
    }
}

// --- the pump -------------------------------------------------------------------------------

void sockety_pump(Engine& e, ConnSlot& s) noexcept {
    SocketySession* ssp = sockety_session(e, s);
    if (!ssp || s.state != ConnState::Open || (s.flags & kConnInGraveyard)) return;
    Ctx x{e, s, *ssp};
    SocketySession& ss = *ssp;
    for (;;) {
        if (ss.lock != kNone) {
            const uint32_t ui = ss.lock;
            SocketyUnit& u = ss.units[ui];
            uint32_t room = tx_room(x);
            const size_t sw = switch_cost(ss, u.channel);
            if (room <= sw) return;
            put_switch(x, u.channel);
            room -= static_cast<uint32_t>(sw);
            const uint32_t left = u.pend_end - u.pend_off;
            const uint32_t n = left < room ? left : room;
            tx_put(x, e.messages.data(u.slot) + u.pend_off, n);
            u.pend_off += n;
            wrote(x);
            if (u.pend_off < u.pend_end) return;  // tx is full: the rest after the next write
            ss.lock = kNone;
            if (!(u.flags & kUnitSizes)) {
                (void)e.messages.release(u.slot);
                u.slot = 0;
            }
            if (!settle_files(x, u)) return;
            maybe_complete(x, ui);
            continue;
        }
        if (ss.fifo_head == kNone || ss.chan_free_count == 0) break;
        const uint32_t ui = ss.fifo_head;
        ss.fifo_head = ss.units[ui].next;
        if (ss.fifo_head == kNone) ss.fifo_tail = kNone;
        SocketyUnit& u = ss.units[ui];
        u.channel = ss.chan_free[--ss.chan_free_count];
        ss.out_owner[u.channel] = ui;
        u.state = SocketyUnit::Open;
        ss.lock = ui;
    }
    // Units reading files from disk write as much as there is room for.
    for (uint32_t ch = 0; ss.disk_units && ss.lock == kNone && ch < ss.peer_channels; ++ch) {
        const uint32_t ui = ss.out_owner[ch];
        if (ui != kNone && (ss.units[ui].flags & kUnitDisk)) pump_disk(x, ui);
    }
    // Units whose File End could not be written for want of room.
    const bool look = ss.unsettled != 0;
    ss.unsettled = 0;
    for (uint32_t ch = 0; look && ch < ss.peer_channels; ++ch) {
        const uint32_t ui = ss.out_owner[ch];
        if (ui == kNone) continue;
        SocketyUnit& u = ss.units[ui];
        if (u.cur_file < u.files_count && u.file_left == kFileEnded) {
            if (!settle_files(x, u)) break;
            maybe_complete(x, ui);
        }
    }
    sockety_check_drained(e, s);
}

void sockety_check_drained(Engine& e, ConnSlot& s) noexcept {
    SocketySession* ss = sockety_session(e, s);
    if (!ss || !(ss->go_away_sent || ss->go_away_received) || s.state != ConnState::Open) return;
    if (ss->unit_free_count != e.config.sockety.max_in_flight || ss->in_active != 0) return;
    // Nothing in flight either way: close like Conn::close() (flush, then close; no redial).
    s.flags |= kConnNoReconnect;
    if (s.dialer != kNone) e.dialers[s.dialer].reconnect = false;
    s.state = ConnState::Closing;
    e.list(e.index_of(s));
}

bool sockety_match_reply(Engine& e, SocketySession& ss, const sockety::Uuid& parent, uint64_t& tag) noexcept {
    tag = 0;
    const uint32_t i = hash_find(ss, parent);
    if (i == kNone) return false;
    const uint32_t ui = ss.hash[i];
    SocketyUnit& u = ss.units[ui];
    tag = u.tag;
    if (u.flags & kUnitKeepWaiting) return true;
    hash_remove_at(ss, i);
    u.flags &= static_cast<uint8_t>(~kUnitExpects);
    if (u.state == SocketyUnit::Awaiting) {
        u.state = SocketyUnit::Free;
        u.gen = next_gen(u.gen);
        ss.unit_free[ss.unit_free_count++] = ui;
    }
    (void)e;
    return true;
}

// --- the application's calls -------------------------------------------------------------

Result<SocketyOut> sockety_send(Engine& e, ConnSlot& s, const SocketyDraft& d, const sockety::Uuid* parent) noexcept {
    SocketySession* ssp = sockety_session(e, s);
    if (!ssp || s.state != ConnState::Open || (s.flags & (kConnWriteShut | kConnShutPending))) return Error::WrongState;
    SocketySession& ss = *ssp;
    Ctx x{e, s, ss};
    const bool response = parent != nullptr;
    if (!response && (ss.go_away_sent || ss.go_away_received)) return Error::WrongState;
    if (d.files_count > kMaxDraftFiles || (d.files_count && !d.files) || d.data_size > sockety::kMaxUint48)
        return Error::InvalidArgument;
    // Files with content come first; from the first one without (declared, or read from disk),
    // the rest are written later, in order.
    uint32_t given = 0;
    while (given < d.files_count && !d.files[given].path && (d.files[given].data || d.files[given].size == 0)) ++given;
    for (uint32_t i = given; i < d.files_count; ++i)
        if (d.files[i].data) return Error::InvalidArgument;
    if (ss.unit_free_count == 0) return would_block(x);
    sockety::Uuid id;
    if (!next_uuid(e, id)) return Error::SystemError;
    if (d.files_count == 0 && !d.stream && (d.data || d.data_size == 0)) {
        // Built straight into the result (a Result copied out of a local cost a store-forwarding
        // stall per message).
        SocketyOut out;
        Error err = Error::Ok;
        if (send_whole(x, d, parent, id, out, err)) {
            if (err != Error::Ok) return err;
            return out;
        }
    }

    // Files from disk are opened now (their sizes go into the header); closed again on any
    // failure below, else they belong to the unit.
    struct OpenedFiles {
        platform::FileHandle at[kMaxDraftFiles];
        uint32_t count = 0;  // entries [0, count) are set
        bool any = false;
        bool keep = false;
        ~OpenedFiles() {
            for (uint32_t i = 0; !keep && i < count; ++i)
                if (at[i] != platform::kInvalidFile) platform::close_file(at[i]);
        }
    } opened;
    uint64_t disk_size[kMaxDraftFiles];
    for (uint32_t i = given; i < d.files_count; ++i) {
        opened.at[i] = platform::kInvalidFile;
        opened.count = i + 1;
        if (!d.files[i].path) continue;
        opened.at[i] = platform::open_file_for_reading(d.files[i].path, disk_size[i]);
        if (opened.at[i] == platform::kInvalidFile) return Error::InvalidArgument;
        if (d.files[i].size != 0 && d.files[i].size != disk_size[i]) return Error::InvalidArgument;
        opened.any = true;
    }
    for (uint32_t i = 0; i < given && i < opened.count; ++i) opened.at[i] = platform::kInvalidFile;

    // Only the entries in use are constructed: zeroing 256 of them would cost more than a message.
    union FileTable {
        FileDesc at[kMaxDraftFiles];
        FileTable() noexcept {}
    } table;
    FileDesc* fd = table.at;
    for (uint32_t i = 0; i < d.files_count; ++i) {
        new (&fd[i]) FileDesc();
        fd[i].name = reinterpret_cast<const uint8_t*>(d.files[i].name.data());
        fd[i].name_size = d.files[i].name.size();
        fd[i].size = i >= given && d.files[i].path ? disk_size[i] : d.files[i].size;
    }
    const HeaderDesc header(d, parent, id, fd, d.files_count);
    const size_t header_size = header.size;
    if (header_size == 0) return Error::InvalidArgument;

    const uint64_t start = start_size(header_size, d, given);
    const bool declared_files = given < d.files_count;
    // The slot's table: every file's size, then every file's disk handle.
    const size_t sizes_bytes = declared_files ? 16 * static_cast<size_t>(d.files_count) : 0;
    const uint32_t cap = e.blocks.block_size();
    const bool fast = ss.fifo_head == kNone && ss.lock == kNone && ss.chan_free_count > 0 && header_size <= kStackHeader &&
                      start + 2 <= cap && tx_room(x) >= start + switch_cost(ss, ss.chan_free[ss.chan_free_count - 1]);
    uint64_t slot = 0;
    if (!fast || declared_files) {
        const uint64_t slot_bytes = sizes_bytes + (fast ? 0 : start);
        if (slot_bytes > e.messages.slot_size()) return start > cap ? Error::TooLarge : would_block(x);
        slot = e.messages.acquire();
        if (!slot) return start + 2 <= cap ? would_block(x) : Error::NoMessageSlot;  // slots free up as tx drains
    }

    const uint32_t ui = ss.unit_free[--ss.unit_free_count];
    SocketyUnit& u = ss.units[ui];
    u.id = id;
    u.tag = d.tag;
    u.slot = slot;
    u.data_left = d.data ? 0 : d.data_size;
    u.files_count = d.files_count;
    u.cur_file = given;
    u.flags = 0;
    if (d.stream) u.flags |= kUnitStream;
    if (response) u.flags |= kUnitResponse;
    if (declared_files) {
        u.flags |= kUnitSizes;
        uint8_t* p = e.messages.data(slot);
        for (uint32_t i = 0; i < d.files_count; ++i) std::memcpy(p + 8 * static_cast<size_t>(i), &fd[i].size, 8);
        if (opened.any) {
            u.flags |= kUnitDisk;
            ++ss.disk_units;
            opened.keep = true;
        }
        for (uint32_t i = 0; i < d.files_count; ++i)
            set_unit_file(e, u, i, i < opened.count ? opened.at[i] : platform::kInvalidFile);
    }
    u.file_left = declared_file_size(e, u, u.cur_file);
    u.pend_off = u.pend_end = static_cast<uint32_t>(sizes_bytes);
    if (!response && d.expects_response) {
        u.flags |= kUnitExpects;
        if (d.keep_waiting) u.flags |= kUnitKeepWaiting;
        hash_insert(ss, ui);  // a reply may come before the body is out
    }

    if (fast) {
        u.channel = ss.chan_free[--ss.chan_free_count];
        ss.out_owner[u.channel] = ui;
        u.state = SocketyUnit::Open;
        put_switch(x, u.channel);
        uint8_t bytes[kStackHeader];
        const size_t hn = header.encode(bytes, sizeof bytes);
        put_start([&](const void* p, size_t n) { tx_put(x, p, n); }, bytes, hn, d, given);
        wrote(x);
        if (settle_files(x, u)) maybe_complete(x, ui);
        if (u.flags & kUnitDisk) pump_disk(x, ui);  // the first chunks of its disk files, if room
    } else {
        uint8_t* base = e.messages.data(slot);
        size_t at = sizes_bytes;
        const size_t hn = header.encode(base + at, e.messages.slot_size() - at);
        put_start([&](const void* p, size_t n) {
            if (p != base + sizes_bytes) std::memcpy(base + at, p, n);  // the header is in place
            at += n;
        }, base + at, hn, d, given);
        u.pend_end = static_cast<uint32_t>(at);
        u.state = SocketyUnit::Queued;
        fifo_push(ss, ui);
        sockety_pump(e, s);
    }
    SocketyOut out;
    out.value = make_handle(ui, u.gen);
    std::memcpy(out.id.bytes, id.bytes, 16);
    return out;
}

Error sockety_fast_reply(Engine& e, ConnSlot& s, const sockety::Uuid& to, uint16_t code) noexcept {
    SocketySession* ss = sockety_session(e, s);
    if (!ss || s.state != ConnState::Open) return Error::WrongState;
    if (code > sockety::kMaxFastReplyCode) return Error::InvalidArgument;
    Ctx x{e, s, *ss};
    const size_t n = sockety::fast_reply_size(code);
    if (ss->lock != kNone || tx_room(x) < n) return would_block(x);
    // Straight into the ring where it has the room in one piece (a reply per request adds up).
    const uint32_t cap = e.blocks.block_size();
    if (s.tx.contiguous_free(cap) >= n) {
        (void)sockety::encode_fast_reply(s.tx.tail_ptr(e.blocks), n, to, code);
        s.tx.produced(static_cast<uint32_t>(n));
    } else {
        uint8_t b[sockety::kFastReplySize];
        tx_put(x, b, sockety::encode_fast_reply(b, sizeof b, to, code));
    }
    wrote(x);
    return Error::Ok;
}

// One byte, not on a channel: Heartbeat (a0) or Go Away (b0).
Error sockety_signal(Engine& e, ConnSlot& s, uint8_t byte) noexcept {
    SocketySession* ss = sockety_session(e, s);
    if (!ss || s.state != ConnState::Open) return Error::WrongState;
    Ctx x{e, s, *ss};
    if (ss->lock != kNone || tx_room(x) < 1) return would_block(x);
    tx_put(x, &byte, 1);
    wrote(x);
    if (byte == 0xB0) {
        ss->go_away_sent = true;
        sockety_check_drained(e, s);
    }
    return Error::Ok;
}

Result<size_t> sockety_write(Engine& e, ConnSlot& s, uint64_t out, Part part, uint32_t index, const void* data,
                             size_t size) noexcept {
    SocketySession* ssp = sockety_session(e, s);
    if (!ssp || s.state != ConnState::Open) return Error::WrongState;
    SocketySession& ss = *ssp;
    Ctx x{e, s, ss};
    uint32_t ui;
    SocketyUnit* u = unit_of(ss, e.config.sockety, out, ui);
    if (!u) return Error::InvalidHandle;
    if (u->state == SocketyUnit::Awaiting) return Error::WrongState;
    if (size && !data) return Error::InvalidArgument;
    uint64_t limit = 0;
    switch (part) {
    case Part::Data: limit = u->data_left; break;
    case Part::File:
        if (index != u->cur_file || index >= u->files_count) return Error::InvalidArgument;
        if (unit_file(e, *u, index) != platform::kInvalidFile) return Error::InvalidArgument;  // the library reads it
        limit = u->file_left;
        break;
    case Part::Stream:
        if (!(u->flags & kUnitStream)) return Error::WrongState;
        limit = sockety::kMaxPacketContent;
        break;
    }
    if (size > limit && part != Part::Stream) return Error::InvalidArgument;
    if (u->state == SocketyUnit::Queued || ss.lock != kNone) return would_block(x);
    if (size == 0) return size_t{0};
    const uint32_t room = tx_room(x);
    const size_t overhead = switch_cost(ss, u->channel) + sockety::kMaxPayloadHeaderSize;
    if (room <= overhead) return would_block(x);
    size_t n = room - overhead;
    if (n > size) n = size;
    if (part == Part::File && n > sockety::kInteropMaxFilePacketContent) n = sockety::kInteropMaxFilePacketContent;
    const PacketType type = part == Part::Data ? PacketType::Data : part == Part::File ? PacketType::File : PacketType::Stream;
    put_switch(x, u->channel);
    uint8_t ph[sockety::kMaxPayloadHeaderSize];
    tx_put(x, ph, sockety::encode_payload_header(ph, sizeof ph, type, n, part == Part::File ? index : 0));
    tx_put(x, data, n);
    wrote(x);
    if (part == Part::Data) u->data_left -= n;
    if (part == Part::File) u->file_left -= n;
    if (part == Part::File && !settle_files(x, *u)) return n;  // the File End goes out with the pump
    maybe_complete(x, ui);
    if (u->state != SocketyUnit::Open) sockety_pump(e, s);  // a channel came free
    return n;
}

Error sockety_end_stream(Engine& e, ConnSlot& s, uint64_t out) noexcept {
    SocketySession* ssp = sockety_session(e, s);
    if (!ssp || s.state != ConnState::Open) return Error::WrongState;
    SocketySession& ss = *ssp;
    Ctx x{e, s, ss};
    uint32_t ui;
    SocketyUnit* u = unit_of(ss, e.config.sockety, out, ui);
    if (!u) return Error::InvalidHandle;
    if (!(u->flags & kUnitStream) || u->state == SocketyUnit::Awaiting) return Error::WrongState;
    if (u->state == SocketyUnit::Queued || ss.lock != kNone) return would_block(x);
    if (tx_room(x) < switch_cost(ss, u->channel) + 1) return would_block(x);
    put_switch(x, u->channel);
    const uint8_t end = 0x80;
    tx_put(x, &end, 1);
    wrote(x);
    u->flags &= static_cast<uint8_t>(~kUnitStream);
    maybe_complete(x, ui);
    sockety_pump(e, s);
    return Error::Ok;
}

Error sockety_abort(Engine& e, ConnSlot& s, uint64_t out) noexcept {
    SocketySession* ssp = sockety_session(e, s);
    if (!ssp) return Error::WrongState;
    SocketySession& ss = *ssp;
    Ctx x{e, s, ss};
    uint32_t ui;
    SocketyUnit* u = unit_of(ss, e.config.sockety, out, ui);
    if (!u) return Error::InvalidHandle;
    switch (u->state) {
    case SocketyUnit::Queued:  // nothing of it went out: it just leaves the queue
        fifo_unlink(ss, ui);
        free_unit(x, ui);
        return Error::Ok;
    case SocketyUnit::Awaiting:  // its body is out: cancelling means no longer waiting
        free_unit(x, ui);
        return Error::Ok;
    default: break;
    }
    if (s.state != ConnState::Open) return Error::WrongState;
    // Abort goes between packets: not while a start is half in tx.
    if (ss.lock != kNone || tx_room(x) < switch_cost(ss, u->channel) + 1) return would_block(x);
    put_switch(x, u->channel);
    const uint8_t abort = 0x90;
    tx_put(x, &abort, 1);
    wrote(x);
    ss.out_owner[u->channel] = kNone;
    ss.chan_free[ss.chan_free_count++] = u->channel;
    free_unit(x, ui);
    sockety_pump(e, s);
    return Error::Ok;
}

Error sockety_stop_waiting(Engine& e, ConnSlot& s, uint64_t out) noexcept {
    SocketySession* ssp = sockety_session(e, s);
    if (!ssp) return Error::WrongState;
    Ctx x{e, s, *ssp};
    uint32_t ui;
    SocketyUnit* u = unit_of(*ssp, e.config.sockety, out, ui);
    if (!u) return Error::InvalidHandle;
    unhash(*ssp, ui);
    if (u->state == SocketyUnit::Awaiting) free_unit(x, ui);
    sockety_check_drained(e, s);
    return Error::Ok;
}

bool sockety_in_flight(Engine& e, ConnSlot& s, uint64_t out) noexcept {
    SocketySession* ssp = sockety_session(e, s);
    if (!ssp) return false;
    uint32_t ui;
    return unit_of(*ssp, e.config.sockety, out, ui) != nullptr;
}

} // namespace tickwire::detail
