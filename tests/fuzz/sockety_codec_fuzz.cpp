// Fuzz target for the Sockety codec. The first input byte picks the property:
//   even: decode arbitrary bytes (random limits, with or without a connection header) once in one
//         piece and once cut at pseudo-random points; the merged event logs must be identical, and
//         every answer must respect the feed contract (consumed <= input, NeedMore uses it all,
//         views inside the input, errors sticky).
//         The same with the WholeHeader fast path on (PacketDecoder::set_whole_headers): each
//         WholeHeader, expanded into the four events it stands for, must give the same log.
//   odd:  round trip: the rest drives a model that writes a valid random conversation with the
//         encoder (channels, messages/responses with actions, data, files, streams, header cut
//         into Continue packets, fast replies, heartbeats, go away, abort) and records the events
//         it must decode to; the decoder, fed in random pieces, must produce exactly those.
// Any violation calls abort().
#include "sockety/event_text.hpp"
#include "sockety/packet_decoder.hpp"
#include "sockety/packet_encoder.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace tickwire::detail::sockety;
using Bytes = std::vector<uint8_t>;

[[noreturn]] void violation(const char* what, const std::string& detail = std::string()) {
    std::fprintf(stderr, "sockety fuzz: %s %s\n", what, detail.c_str());
    std::abort();
}

bool is_chunk(EventType t) {
    return t == EventType::ActionChunk || t == EventType::FileNameChunk || t == EventType::DataChunk ||
           t == EventType::StreamChunk || t == EventType::FileChunk;
}

struct Rec {
    Event ev;
    std::string bytes;
};

// Joins pieces of one name or payload, so that any cutting of the input logs the same.
void push_merged(std::vector<Rec>& out, const Event& e, const uint8_t* bytes) {
    if (is_chunk(e.type) && !out.empty()) {
        Rec& prev = out.back();
        if (prev.ev.type == e.type && prev.ev.channel == e.channel && prev.ev.file_index == e.file_index && !prev.ev.last) {
            prev.bytes.append(reinterpret_cast<const char*>(bytes), e.bytes.size);
            prev.ev.last = e.last;
            prev.ev.finished = e.finished;
            return;
        }
    }
    Rec r{e, std::string()};
    if (is_chunk(e.type)) r.bytes.assign(reinterpret_cast<const char*>(bytes), e.bytes.size);
    r.ev.bytes = ByteView{};
    out.push_back(r);
}

std::vector<std::string> lines(const std::vector<Rec>& recs) {
    std::vector<std::string> out;
    for (const Rec& r : recs) {
        Event e = r.ev;
        e.bytes.size = r.bytes.size();
        char text[256];
        describe(e, text, sizeof text);
        out.push_back(std::string(text) + (is_chunk(e.type) ? " [" + r.bytes + "]" : std::string()));
    }
    return out;
}

struct Rng {  // xorshift: cut points from a seed taken from the input
    uint64_t s;
    uint64_t next() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    }
};

// A WholeHeader as the events of the field-by-field path (MessageStart/ResponseStart, the action in
// one chunk, HeaderSizes, HeaderEnd), merged into `recs`.
void push_whole_header(std::vector<Rec>& recs, const Event& w) {
    if (w.files_count != 0 || w.total_files_size != 0) violation("WholeHeader with files");
    if (w.is_response && w.bytes.size != 0) violation("WholeHeader of a response with an action");
    Event e;
    e.channel = w.channel;
    e.type = w.is_response ? EventType::ResponseStart : EventType::MessageStart;
    e.id = w.id;
    e.parent_id = w.parent_id;
    e.has_stream = w.has_stream;
    e.expects_response = w.expects_response;
    e.is_response = w.is_response;
    e.name_size = w.name_size;
    push_merged(recs, e, nullptr);
    if (w.bytes.size != 0) {
        Event a;
        a.type = EventType::ActionChunk;
        a.channel = w.channel;
        a.bytes = w.bytes;
        a.last = true;
        push_merged(recs, a, w.bytes.data);
    }
    Event sz;
    sz.type = EventType::HeaderSizes;
    sz.channel = w.channel;
    sz.data_size = w.data_size;
    push_merged(recs, sz, nullptr);
    Event end;
    end.type = EventType::HeaderEnd;
    end.channel = w.channel;
    end.is_response = w.is_response;
    end.finished = w.finished;
    push_merged(recs, end, nullptr);
}

// Decodes `in`, cut into pieces of 1..max_piece bytes (0: one piece), checking the feed contract.
// `whole`: with the WholeHeader fast path on (its events expanded, see push_whole_header).
std::vector<std::string> decode(const Bytes& in, const DecoderLimits& limits, bool conn, uint64_t seed, size_t max_piece,
                                bool whole = false) {
    std::vector<ChannelState> channels(limits.channels);
    PacketDecoder d;
    if (!d.init(limits, channels.data(), channels.size(), conn)) violation("init refused valid limits");
    d.set_whole_headers(whole);
    std::vector<Rec> recs;
    Rng rng{seed | 1};
    size_t at = 0;
    bool failed = false;
    while (!failed) {
        size_t len = in.size() - at;
        if (max_piece != 0 && len > 0) len = std::min(len, 1 + static_cast<size_t>(rng.next() % max_piece));
        const uint8_t* p = in.data() + at;
        size_t off = 0;
        for (;;) {
            const Decoded r = d.feed(p + off, len - off);
            if (r.consumed > len - off) violation("consumed more than given");
            const size_t before = off;
            off += r.consumed;
            if (r.event.type == EventType::NeedMore) {
                if (off != len) violation("NeedMore with input left");
                if (r.event.need == 0) violation("NeedMore of 0 bytes");
                break;
            }
            if (r.event.type == EventType::Error) {
                const Decoded again = d.feed(p + off, len - off);
                if (again.event.type != EventType::Error || again.event.error != r.event.error || again.consumed != 0)
                    violation("error not sticky");
                push_merged(recs, r.event, nullptr);
                failed = true;
                break;
            }
            if (r.event.type == EventType::WholeHeader) {
                if (!whole) violation("WholeHeader while off");
                const uint8_t* b = r.event.bytes.data;
                if (r.event.bytes.size != 0 && (b < p + before || b + r.event.bytes.size > p + off))
                    violation("action view outside the consumed input");
                push_whole_header(recs, r.event);
                continue;
            }
            if (is_chunk(r.event.type)) {
                const uint8_t* b = r.event.bytes.data;
                if (r.event.bytes.size == 0) violation("empty chunk");
                if (b < p + before || b + r.event.bytes.size != p + off) violation("chunk view outside the consumed input");
            }
            push_merged(recs, r.event, r.event.bytes.data);
        }
        at += len;
        if (at == in.size()) break;
    }
    return lines(recs);
}

void arbitrary_bytes(FuzzedDataProvider& fdp) {
    DecoderLimits limits;
    limits.channels = fdp.ConsumeIntegralInRange<uint32_t>(1, 64);
    if (fdp.ConsumeIntegralInRange<int>(0, 7) == 0) limits.channels = kMaxChannels;  // costly: rarely
    limits.max_action_size = fdp.ConsumeBool() ? kMaxActionSize : fdp.ConsumeIntegralInRange<uint32_t>(0, 300);
    limits.max_file_name_size = fdp.ConsumeBool() ? kMaxFileNameSize : fdp.ConsumeIntegralInRange<uint32_t>(0, 300);
    limits.max_files = fdp.ConsumeBool() ? kMaxFilesCount : fdp.ConsumeIntegralInRange<uint32_t>(0, 10);
    const bool conn = fdp.ConsumeBool();
    const uint64_t seed = fdp.ConsumeIntegral<uint64_t>();
    const std::string rest = fdp.ConsumeRemainingBytesAsString();
    const Bytes in(rest.begin(), rest.end());
    const std::vector<std::string> whole = decode(in, limits, conn, seed, 0);
    if (decode(in, limits, conn, seed, 1 + seed % 37) != whole) violation("split decoding differs");
    if (in.size() < 512 && decode(in, limits, conn, seed, 1) != whole) violation("byte-by-byte decoding differs");
    // The WholeHeader fast path changes nothing but the grouping of events.
    if (decode(in, limits, conn, seed, 0, true) != whole) violation("whole-header decoding differs");
    if (decode(in, limits, conn, seed, 1 + seed % 37, true) != whole) violation("split whole-header decoding differs");
}

// --- Round trip ---------------------------------------------------------------------------------------

struct ModelFile {
    uint64_t size = 0;
    uint64_t sent = 0;
    bool ended = false;
};

struct ModelChannel {
    bool busy = false;
    bool is_response = false;
    Uuid id;
    uint64_t data_left = 0;
    bool stream_open = false;
    std::vector<ModelFile> files;
    size_t ended = 0;
    bool complete() const { return data_left == 0 && !stream_open && ended == files.size(); }
};

struct Conversation {
    FuzzedDataProvider& fdp;
    uint32_t channel_count;
    std::vector<ModelChannel> channels;
    uint16_t current = 0;
    Bytes wire;
    std::vector<Rec> expected;

    void expect(const Event& e, const uint8_t* bytes = nullptr) { push_merged(expected, e, bytes); }

    Event channel_event(EventType type) const {
        Event e;
        e.type = type;
        e.channel = current;
        return e;
    }

    template <typename F>
    void emit(F encode_fn, size_t size) {
        const size_t at = wire.size();
        wire.resize(at + size);
        if (encode_fn(wire.data() + at, size) != size) violation("encoder wrote an unexpected size");
    }

    Uuid uuid() {
        uint8_t r[16];
        for (uint8_t& b : r) b = fdp.ConsumeIntegral<uint8_t>();
        return uuid_v4_from_random(r);
    }

    // Chooses a size, often on a width boundary.
    uint64_t size_choice(uint64_t small_max) {
        static const uint64_t kEdges[] = {0, 1, 255, 256, 65535, 65536};
        if (fdp.ConsumeIntegralInRange<int>(0, 3) == 0) return kEdges[fdp.ConsumeIntegralInRange<size_t>(0, 5)];
        return fdp.ConsumeIntegralInRange<uint64_t>(0, small_max);
    }

    void start(bool response) {
        ModelChannel& ch = channels[current];
        const std::string action = response ? std::string() : fdp.ConsumeRandomLengthString(300);
        std::vector<std::string> names;
        std::vector<FileDesc> files;
        const size_t count = fdp.ConsumeIntegralInRange<size_t>(0, 4);
        names.reserve(count);
        for (size_t i = 0; i < count; ++i) names.push_back(fdp.ConsumeRandomLengthString(300));
        for (size_t i = 0; i < count; ++i) {
            FileDesc f;
            f.name = reinterpret_cast<const uint8_t*>(names[i].data());
            f.name_size = names[i].size();
            f.size = size_choice(600);
            files.push_back(f);
        }
        const uint64_t data_size = size_choice(3000);
        const bool has_stream = fdp.ConsumeBool();
        const bool expects = fdp.ConsumeBool();
        const Uuid id = uuid();
        const Uuid parent = response ? uuid() : Uuid();

        Bytes content(4096 + action.size() + count * 400);
        size_t n = 0;
        if (response) {
            ResponseDesc r;
            r.parent_id = parent;
            r.id = id;
            r.data_size = data_size;
            r.files = files.data();
            r.files_count = count;
            r.has_stream = has_stream;
            r.expects_response = expects;
            n = encode_response_content(content.data(), content.size(), r);
        } else {
            MessageDesc m;
            m.id = id;
            m.action = reinterpret_cast<const uint8_t*>(action.data());
            m.action_size = action.size();
            m.data_size = data_size;
            m.files = files.data();
            m.files_count = count;
            m.has_stream = has_stream;
            m.expects_response = expects;
            n = encode_message_content(content.data(), content.size(), m);
            // The one-call form must give the same bytes as prefix + content.
            Bytes whole(n + 8);
            const size_t total = encode_message(whole.data(), whole.size(), m);
            const size_t prefix = header_packet_prefix_size(n);
            if (total != prefix + n || !std::equal(content.begin(), content.begin() + static_cast<long>(n), whole.begin() + static_cast<long>(prefix)))
                violation("encode_message differs from prefix + content");
        }
        if (n == 0) violation("valid header refused");
        // Cut the content into a Message/Response packet and up to two Continue packets.
        size_t cut1 = n, cut2 = n;
        if (fdp.ConsumeBool()) {
            cut1 = fdp.ConsumeIntegralInRange<size_t>(0, n - 1);
            cut2 = fdp.ConsumeBool() ? fdp.ConsumeIntegralInRange<size_t>(cut1, n - 1) : n;
            if (cut2 == cut1) cut2 = n;
        }
        const PacketType type = response ? PacketType::Response : PacketType::Message;
        emit([&](uint8_t* o, size_t c) { return encode_header_packet_prefix(o, c, type, cut1, has_stream, expects); },
             header_packet_prefix_size(cut1));
        wire.insert(wire.end(), content.begin(), content.begin() + static_cast<long>(cut1));
        for (size_t from : {cut1, cut2}) {
            const size_t to = from == cut1 ? cut2 : n;
            if (from >= n || to <= from) continue;
            emit([&](uint8_t* o, size_t c) { return encode_payload_header(o, c, PacketType::Continue, to - from); },
                 payload_header_size(PacketType::Continue, to - from));
            wire.insert(wire.end(), content.begin() + static_cast<long>(from), content.begin() + static_cast<long>(to));
        }

        // What it must decode to.
        Event e = channel_event(response ? EventType::ResponseStart : EventType::MessageStart);
        e.id = id;
        e.parent_id = parent;
        e.has_stream = has_stream;
        e.expects_response = expects;
        e.is_response = response;
        e.name_size = static_cast<uint32_t>(action.size());
        expect(e);
        if (!action.empty()) {
            Event a = channel_event(EventType::ActionChunk);
            a.bytes.size = action.size();
            a.last = true;
            expect(a, reinterpret_cast<const uint8_t*>(action.data()));
        }
        Event sizes = channel_event(EventType::HeaderSizes);
        sizes.data_size = data_size;
        sizes.files_count = static_cast<uint32_t>(count);
        for (const FileDesc& f : files) sizes.total_files_size += f.size;
        expect(sizes);
        for (size_t i = 0; i < count; ++i) {
            Event fh = channel_event(EventType::FileHeader);
            fh.file_index = static_cast<uint32_t>(i);
            fh.file_size = files[i].size;
            fh.name_size = static_cast<uint32_t>(names[i].size());
            expect(fh);
            if (!names[i].empty()) {
                Event nc = channel_event(EventType::FileNameChunk);
                nc.file_index = static_cast<uint32_t>(i);
                nc.bytes.size = names[i].size();
                nc.last = true;
                expect(nc, reinterpret_cast<const uint8_t*>(names[i].data()));
            }
        }
        ch = ModelChannel();
        ch.busy = true;
        ch.is_response = response;
        ch.id = id;
        ch.data_left = data_size;
        ch.stream_open = has_stream;
        for (const FileDesc& f : files) ch.files.push_back(ModelFile{f.size, 0, false});
        Event end = channel_event(EventType::HeaderEnd);
        end.is_response = response;
        end.finished = finish(ch);
        expect(end);
    }

    bool finish(ModelChannel& ch) {
        if (!ch.complete()) return false;
        ch = ModelChannel();
        return true;
    }

    Bytes payload(size_t n) {
        Bytes b(n);
        for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 31 + wire.size());
        return b;
    }

    void payload_packet(PacketType type, size_t n, uint32_t index, Event e) {
        const Bytes p = payload(n);
        emit([&](uint8_t* o, size_t c) { return encode_payload_packet(o, c, type, p.data(), p.size(), index); },
             payload_header_size(type, n, index) + n);
        if (n == 0) return;  // an empty packet decodes to nothing
        e.bytes.size = n;
        expect(e, p.data());
    }

    void step() {
        ModelChannel& ch = channels[current];
        switch (fdp.ConsumeIntegralInRange<int>(0, 12)) {
        case 0: {
            const uint16_t to = fdp.ConsumeIntegralInRange<uint16_t>(0, static_cast<uint16_t>(channel_count - 1));
            emit([&](uint8_t* o, size_t c) { return encode_switch_channel(o, c, to); }, switch_channel_size(to));
            current = to;
            Event e;
            e.type = EventType::SwitchChannel;
            e.channel = to;
            expect(e);
            return;
        }
        case 1:
        case 2:
            if (!ch.busy) start(fdp.ConsumeBool());
            return;
        case 3:
            if (ch.busy && ch.data_left > 0) {
                const size_t n = fdp.ConsumeIntegralInRange<size_t>(1, static_cast<size_t>(std::min<uint64_t>(ch.data_left, 5000)));
                ch.data_left -= n;
                Event e = channel_event(EventType::DataChunk);
                e.last = ch.data_left == 0;
                // finished is decided after the bookkeeping above
                e.finished = e.last && finish(ch);
                payload_packet(PacketType::Data, n, 0, e);
            } else if (ch.busy) {
                payload_packet(PacketType::Data, 0, 0, Event());  // zero-size Data: nothing
            }
            return;
        case 4:
            if (ch.busy && ch.stream_open)
                payload_packet(PacketType::Stream, fdp.ConsumeIntegralInRange<size_t>(0, 3000), 0,
                               channel_event(EventType::StreamChunk));
            return;
        case 5:
            if (ch.busy && ch.stream_open) {
                emit([](uint8_t* o, size_t c) { return encode_stream_end(o, c); }, 1);
                ch.stream_open = false;
                Event e = channel_event(EventType::StreamEnd);
                e.finished = finish(ch);
                expect(e);
            }
            return;
        case 6:
        case 7: {
            if (!ch.busy || ch.files.empty()) return;
            const uint32_t i = fdp.ConsumeIntegralInRange<uint32_t>(0, static_cast<uint32_t>(ch.files.size() - 1));
            ModelFile& f = ch.files[i];
            if (f.ended) return;
            if (f.sent < f.size) {
                const size_t n = fdp.ConsumeIntegralInRange<size_t>(1, static_cast<size_t>(std::min<uint64_t>(f.size - f.sent, 3000)));
                f.sent += n;
                Event e = channel_event(EventType::FileChunk);
                e.file_index = i;
                payload_packet(PacketType::File, n, i, e);
                return;
            }
            emit([&](uint8_t* o, size_t c) { return encode_file_end(o, c, i); }, file_end_size(i));
            f.ended = true;
            ++ch.ended;
            Event e = channel_event(EventType::FileEnd);
            e.file_index = i;
            e.finished = finish(ch);
            expect(e);
            return;
        }
        case 8: {
            const Uuid id = uuid();
            const uint32_t code = fdp.ConsumeBool() ? fdp.ConsumeIntegralInRange<uint32_t>(0, 15)
                                                    : fdp.ConsumeIntegralInRange<uint32_t>(0, kMaxFastReplyCode);
            emit([&](uint8_t* o, size_t c) { return encode_fast_reply(o, c, id, code); }, fast_reply_size(code));
            Event e;
            e.type = EventType::FastReply;
            e.id = id;
            e.code = static_cast<uint16_t>(code);
            expect(e);
            return;
        }
        case 9: {
            emit([](uint8_t* o, size_t c) { return encode_heartbeat(o, c); }, 1);
            Event e;
            e.type = EventType::Heartbeat;
            expect(e);
            return;
        }
        case 10: {
            emit([](uint8_t* o, size_t c) { return encode_go_away(o, c); }, 1);
            Event e;
            e.type = EventType::GoAway;
            expect(e);
            return;
        }
        case 11: {
            emit([](uint8_t* o, size_t c) { return encode_abort(o, c); }, 1);
            Event e = channel_event(EventType::Abort);
            e.aborted = ch.busy;
            if (ch.busy) {
                e.id = ch.id;
                e.is_response = ch.is_response;
            }
            ch = ModelChannel();
            expect(e);
            return;
        }
        default:
            return;
        }
    }
};

void round_trip(FuzzedDataProvider& fdp) {
    const uint32_t channel_count = fdp.ConsumeIntegralInRange<uint32_t>(1, 20);
    const bool conn = fdp.ConsumeBool();
    Conversation c{fdp, channel_count, std::vector<ModelChannel>(channel_count), 0, Bytes(), {}};
    if (conn) {
        const uint32_t announced = fdp.ConsumeIntegralInRange<uint32_t>(1, kMaxChannels);
        c.emit([&](uint8_t* o, size_t cap) { return encode_connection_header(o, cap, announced); },
               connection_header_size(announced));
        Event e;
        e.type = EventType::ConnectionHeader;
        e.channels = static_cast<uint16_t>(announced);
        c.expect(e);
    }
    for (int i = 0; i < 64 && fdp.remaining_bytes() > 0; ++i) c.step();
    DecoderLimits limits;
    limits.channels = channel_count;
    const std::vector<std::string> want = lines(c.expected);
    const uint64_t seed = c.wire.size() * 0x9e3779b97f4a7c15ull + channel_count;
    for (size_t max_piece : {size_t{0}, size_t{1 + seed % 61}, size_t{1}}) {
        if (max_piece == 1 && c.wire.size() > 4096) continue;
        for (bool whole : {false, true}) {
        const std::vector<std::string> got = decode(c.wire, limits, conn, seed, max_piece, whole);
        if (got != want) {
            for (size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
                const std::string g = i < got.size() ? got[i] : "(none)";
                const std::string w = i < want.size() ? want[i] : "(none)";
                if (g != w) violation(whole ? "round trip differs (whole headers)" : "round trip differs",
                                      "at event " + std::to_string(i) + ":\n got  " + g + "\n want " + w);
            }
        }
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    FuzzedDataProvider fdp(data + 1, size - 1);
    if (data[0] & 1)
        round_trip(fdp);
    else
        arbitrary_bytes(fdp);
    return 0;
}
