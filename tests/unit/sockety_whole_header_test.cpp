// Sockety decoder, WholeHeader fast path (PacketDecoder::set_whole_headers): for every input and
// every way of cutting it, the decoder with the fast path on must give the events of the
// field-by-field path (each WholeHeader standing for MessageStart/ResponseStart, the action,
// HeaderSizes and HeaderEnd), the same errors, and leave every channel in the same state after
// each piece of input.
#include "tests/framework/check.hpp"

#include "sockety/event_text.hpp"
#include "sockety/packet_decoder.hpp"
#include "sockety/packet_encoder.hpp"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace tickwire::detail::sockety;
using Bytes = std::vector<uint8_t>;

Uuid id_of(uint8_t seed) {
    uint8_t r[16];
    for (int i = 0; i < 16; ++i) r[i] = static_cast<uint8_t>(seed * 31 + i * 7);
    return uuid_v4_from_random(r);
}

struct Wire {
    Bytes b;
    void raw(std::initializer_list<uint8_t> bytes) { b.insert(b.end(), bytes); }
    void message(uint8_t seed, const std::string& action, uint64_t data_size, bool stream = false, bool expects = true,
                 const FileDesc* files = nullptr, size_t files_count = 0) {
        MessageDesc m;
        m.id = id_of(seed);
        m.action = reinterpret_cast<const uint8_t*>(action.data());
        m.action_size = action.size();
        m.data_size = data_size;
        m.has_stream = stream;
        m.expects_response = expects;
        m.files = files;
        m.files_count = files_count;
        const size_t n = message_packet_size(m);
        const size_t at = b.size();
        b.resize(at + n);
        if (n == 0 || encode_message(b.data() + at, n, m) != n) b.resize(at);
    }
    void response(uint8_t parent, uint8_t seed, uint64_t data_size, bool stream = false) {
        ResponseDesc r;
        r.parent_id = id_of(parent);
        r.id = id_of(seed);
        r.data_size = data_size;
        r.has_stream = stream;
        const size_t n = response_packet_size(r);
        const size_t at = b.size();
        b.resize(at + n);
        if (n == 0 || encode_response(b.data() + at, n, r) != n) b.resize(at);
    }
    void payload(PacketType type, size_t size, uint32_t index = 0) {
        Bytes content(size);
        for (size_t i = 0; i < size; ++i) content[i] = static_cast<uint8_t>(i * 13 + 1);
        uint8_t h[kMaxPayloadHeaderSize];
        const size_t n = encode_payload_header(h, sizeof h, type, size, index);
        b.insert(b.end(), h, h + n);
        b.insert(b.end(), content.begin(), content.end());
    }
    void fast_reply(uint8_t seed, uint32_t code) {
        uint8_t f[kFastReplySize];
        const size_t n = encode_fast_reply(f, sizeof f, id_of(seed), code);
        b.insert(b.end(), f, f + n);
    }
    void switch_to(uint32_t ch) {
        uint8_t s[2];
        const size_t n = encode_switch_channel(s, sizeof s, ch);
        b.insert(b.end(), s, s + n);
    }
};

bool same_state(const ChannelState& a, const ChannelState& b) {
    return a.id == b.id && a.parent_id == b.parent_id && a.data_left == b.data_left &&
           a.total_files_size == b.total_files_size && a.files_declared == b.files_declared &&
           a.file_bytes == b.file_bytes && a.file_size == b.file_size && a.partial == b.partial &&
           a.files_count == b.files_count && a.files_described == b.files_described && a.files_ended == b.files_ended &&
           a.name_left == b.name_left && a.phase == b.phase && a.field == b.field && a.got == b.got &&
           a.flags == b.flags && a.file_flags == b.file_flags && a.is_response == b.is_response &&
           a.has_stream == b.has_stream && a.expects_response == b.expects_response &&
           a.stream_open == b.stream_open && a.sizes_known == b.sizes_known;
}

bool is_chunk(EventType t) {
    return t == EventType::ActionChunk || t == EventType::FileNameChunk || t == EventType::DataChunk ||
           t == EventType::StreamChunk || t == EventType::FileChunk;
}

// Events as text lines, chunks of one name or payload joined (cuts of the input move them).
struct Log {
    std::vector<std::string> lines;
    std::string chunk;     // bytes of the chunk being joined
    Event chunk_ev;
    bool open = false;
    size_t whole_headers = 0;

    void flush() {
        if (!open) return;
        Event e = chunk_ev;
        e.bytes.size = chunk.size();
        char text[256];
        describe(e, text, sizeof text);
        lines.push_back(std::string(text) + " [" + chunk + "]");
        open = false;
    }
    void add(const Event& e) {
        if (is_chunk(e.type)) {
            if (open && chunk_ev.type == e.type && chunk_ev.channel == e.channel && chunk_ev.file_index == e.file_index &&
                !chunk_ev.last) {
                chunk.append(reinterpret_cast<const char*>(e.bytes.data), e.bytes.size);
                chunk_ev.last = e.last;
                chunk_ev.finished = e.finished;
                return;
            }
            flush();
            chunk_ev = e;
            chunk.assign(reinterpret_cast<const char*>(e.bytes.data), e.bytes.size);
            open = true;
            return;
        }
        flush();
        char text[256];
        describe(e, text, sizeof text);
        lines.push_back(text);
    }
    // A WholeHeader as the four events it stands for.
    void add_whole(const Event& w) {
        ++whole_headers;
        Event s;
        s.type = w.is_response ? EventType::ResponseStart : EventType::MessageStart;
        s.channel = w.channel;
        s.id = w.id;
        s.parent_id = w.parent_id;
        s.has_stream = w.has_stream;
        s.expects_response = w.expects_response;
        s.name_size = w.name_size;
        add(s);
        if (w.bytes.size) {
            Event a;
            a.type = EventType::ActionChunk;
            a.channel = w.channel;
            a.bytes = w.bytes;
            a.last = true;
            add(a);
        }
        Event z;
        z.type = EventType::HeaderSizes;
        z.channel = w.channel;
        z.data_size = w.data_size;
        z.files_count = w.files_count;
        z.total_files_size = w.total_files_size;
        add(z);
        Event end;
        end.type = EventType::HeaderEnd;
        end.channel = w.channel;
        end.finished = w.finished;
        add(end);
    }
};

struct Side {
    std::vector<ChannelState> channels;
    PacketDecoder d;
    Log log;
    bool failed = false;

    Side(const DecoderLimits& l, bool whole) : channels(l.channels) {
        d.init(l, channels.data(), channels.size(), false);
        d.set_whole_headers(whole);
    }
    // Decodes one piece to its end (or to an error).
    void piece(const uint8_t* p, size_t len) {
        size_t off = 0;
        while (!failed) {
            const Decoded r = d.feed(p + off, len - off);
            off += r.consumed;
            if (r.event.type == EventType::NeedMore) break;
            if (r.event.type == EventType::Error) {
                log.add(r.event);
                failed = true;
                break;
            }
            if (r.event.type == EventType::WholeHeader) log.add_whole(r.event);
            else log.add(r.event);
        }
    }
};

// Feeds `in` in pieces of `step` bytes to both decoders in lockstep; false (with a message) on
// the first difference. `whole_seen` counts the fast path's WholeHeader events.
bool equivalent(const Bytes& in, size_t step, const DecoderLimits& limits, std::string& why, size_t& whole_seen) {
    Side ref(limits, false), fast(limits, true);
    for (size_t at = 0; at < in.size(); at += step) {
        const size_t len = std::min(step, in.size() - at);
        ref.piece(in.data() + at, len);
        fast.piece(in.data() + at, len);
        if (ref.failed != fast.failed || ref.d.error() != fast.d.error()) {
            why = "error differs at byte " + std::to_string(at);
            return false;
        }
        if (ref.d.current_channel() != fast.d.current_channel()) {
            why = "current channel differs at byte " + std::to_string(at);
            return false;
        }
        for (uint32_t c = 0; c < limits.channels; ++c)
            if (!same_state(ref.channels[c], fast.channels[c])) {
                why = "state of channel " + std::to_string(c) + " differs after byte " + std::to_string(at + len);
                return false;
            }
        if (ref.failed) break;
    }
    ref.log.flush();
    fast.log.flush();
    whole_seen = fast.log.whole_headers;
    if (ref.log.lines != fast.log.lines) {
        for (size_t i = 0; i < std::max(ref.log.lines.size(), fast.log.lines.size()); ++i) {
            const std::string a = i < ref.log.lines.size() ? ref.log.lines[i] : "(none)";
            const std::string b = i < fast.log.lines.size() ? fast.log.lines[i] : "(none)";
            if (a != b) {
                why = "event " + std::to_string(i) + ": field-by-field [" + a + "] whole [" + b + "]";
                return false;
            }
        }
    }
    return true;
}

DecoderLimits limits8() {
    DecoderLimits l;
    l.channels = 8;
    return l;
}

// A conversation with every kind of packet around the headers the fast path takes.
Bytes mixed_conversation() {
    Wire w;
    w.message(1, "fast", 0);                           // the benchmark's request: finished at once
    w.message(2, "echo", 0, false, false);             // no reply wanted
    w.fast_reply(1, 0);
    w.fast_reply(2, 300);                              // 12-bit code
    w.message(3, "", 5);                               // empty action, data follows
    w.payload(PacketType::Data, 2);
    w.raw({0xA0});                                     // heartbeat between the data packets
    w.payload(PacketType::Data, 3);
    w.switch_to(3);
    w.message(4, std::string(300, 'a'), 70000);        // 16-bit action size, 2-byte packet size, 3-byte data size
    w.switch_to(0);
    w.response(1, 5, 0);                               // a response: finished at once
    w.switch_to(3);
    w.payload(PacketType::Data, 69999);
    w.payload(PacketType::Data, 1);
    w.switch_to(1);
    w.message(6, "stream", 0, true);                   // stream: not finished until Stream End
    w.payload(PacketType::Stream, 10);
    w.raw({0x80});
    w.response(6, 7, 256, true);                       // a response with data and a stream
    w.payload(PacketType::Data, 256);
    w.raw({0x80});
    FileDesc f[2];
    f[0].name = reinterpret_cast<const uint8_t*>("a.txt");
    f[0].name_size = 5;
    f[0].size = 3;
    f[1].name = reinterpret_cast<const uint8_t*>("b");
    f[1].name_size = 1;
    f[1].size = 0;
    w.message(8, "files", 1, false, true, f, 2);       // files: the field-by-field path
    w.payload(PacketType::Data, 1);
    w.payload(PacketType::File, 3, 0);
    w.raw({0xD0});
    w.raw({0xD1, 0x01});
    w.message(9, "abort-me", 10);                      // aborted half way
    w.payload(PacketType::Data, 4);
    w.raw({0x90});
    w.message(10, "after", 0);
    w.raw({0xB0});                                     // go away
    return w.b;
}

// A header cut by Continue packets (hand-made: the encoder writes headers whole).
Bytes continued_header() {
    Wire w;
    Bytes whole;
    {
        Wire one;
        one.message(11, "continued", 0);
        whole = one.b;
    }
    // whole = 21 size content: split the content into 7 + rest.
    const uint8_t size = whole[1];
    w.raw({whole[0], 7});
    w.b.insert(w.b.end(), whole.begin() + 2, whole.begin() + 9);
    w.raw({0x60, static_cast<uint8_t>(size - 7)});
    w.b.insert(w.b.end(), whole.begin() + 9, whole.end());
    w.message(12, "next", 0);
    return w.b;
}

void check_all_cuts(const Bytes& in, const DecoderLimits& limits, size_t& whole_in_one_piece, const char* name) {
    for (size_t step = 1;; ++step) {
        if (step > in.size()) {
            if (step - 1 == in.size() || in.empty()) break;
            step = in.size();  // the sampling below skipped it: always end with one piece
        }
        std::string why;
        size_t whole = 0;
        const bool ok = equivalent(in, step, limits, why, whole);
        if (!ok) {
            const std::string detail = std::string(name) + ", pieces of " + std::to_string(step) + ": " + why;
            tw_test::fail(__FILE__, __LINE__, "whole-header decoding equals field-by-field", detail.c_str());
            return;
        }
        if (step == 1) CHECK_EQ(whole, size_t{0});  // one byte at a time: never whole
        if (step == in.size()) whole_in_one_piece = whole;
        if (step == in.size()) break;
        if (step > 64) step += step / 8;              // long inputs: a sample of the big cuts
    }
}

} // namespace

TW_TEST(sockety_whole_header_equals_field_by_field_at_every_cut) {
    const Bytes in = mixed_conversation();
    size_t whole = 0;
    check_all_cuts(in, limits8(), whole, "mixed conversation");
    // In one piece: fast, echo, "", the 300-byte action, the response, stream, the response with
    // data, abort-me, after (the message with files takes the other path).
    CHECK_EQ(whole, size_t{9});
}

TW_TEST(sockety_whole_header_leaves_continued_headers_to_the_field_path) {
    const Bytes in = continued_header();
    size_t whole = 0;
    check_all_cuts(in, limits8(), whole, "continued header");
    CHECK_EQ(whole, size_t{1});  // only "next"
}

TW_TEST(sockety_whole_header_errors_equal_field_by_field) {
    struct Case {
        const char* name;
        Bytes in;
        DecoderLimits limits;
    };
    std::vector<Case> cases;
    {
        Wire w;  // packet longer than its header: HeaderOverrun
        w.message(1, "x", 0);
        w.b[1] = static_cast<uint8_t>(w.b[1] + 1);
        w.raw({0x00});
        cases.push_back({"overrun", w.b, limits8()});
    }
    {
        Wire w;  // a second message on a channel whose data is pending: ChannelBusy
        w.message(1, "x", 4);
        w.message(2, "y", 0);
        cases.push_back({"busy", w.b, limits8()});
    }
    {
        Wire w;  // action over the limit: ActionTooLong
        w.message(1, "toolong", 0);
        DecoderLimits l = limits8();
        l.max_action_size = 3;
        cases.push_back({"action too long", w.b, l});
    }
    {
        Wire w;  // a Message packet of size 0, then one whose content stops inside the id
        w.raw({0x20, 0x00});
        cases.push_back({"empty message packet", w.b, limits8()});
        Wire v;
        v.raw({0x21, 0x05, 0x00, 1, 2, 3, 4});
        v.message(2, "z", 0);
        cases.push_back({"header continues", v.b, limits8()});
    }
    {
        Wire w;  // data size over what follows, then a Data packet too big: DataOverflow
        w.message(1, "d", 2);
        w.payload(PacketType::Data, 3);
        cases.push_back({"overflow", w.b, limits8()});
    }
    {
        Wire w;  // a truncated conversation
        w.b = mixed_conversation();
        w.b.resize(w.b.size() / 3);
        cases.push_back({"truncated", w.b, limits8()});
    }
    for (const Case& c : cases) {
        size_t whole = 0;
        check_all_cuts(c.in, c.limits, whole, c.name);
    }
}

TW_TEST(sockety_whole_header_event_fields) {
    Wire w;
    w.switch_to(2);
    w.message(7, "echo", 300, true, true);
    std::vector<ChannelState> channels(8);
    PacketDecoder d;
    REQUIRE(d.init(limits8(), channels.data(), channels.size(), false));
    d.set_whole_headers(true);
    Decoded r = d.feed(w.b.data(), w.b.size());
    REQUIRE(r.event.type == EventType::SwitchChannel);
    size_t off = r.consumed;
    r = d.feed(w.b.data() + off, w.b.size() - off);
    REQUIRE(r.event.type == EventType::WholeHeader);
    CHECK_EQ(off + r.consumed, w.b.size());
    CHECK_EQ(r.event.channel, uint16_t{2});
    CHECK(!r.event.is_response);
    CHECK(r.event.id == id_of(7));
    CHECK(r.event.has_stream);
    CHECK(r.event.expects_response);
    CHECK_EQ(r.event.data_size, uint64_t{300});
    CHECK(!r.event.finished);
    REQUIRE_EQ(r.event.bytes.size, size_t{4});
    CHECK(std::memcmp(r.event.bytes.data, "echo", 4) == 0);
    CHECK(r.event.bytes.data > w.b.data() && r.event.bytes.data + 4 <= w.b.data() + w.b.size());  // a view, no copy
    const ChannelState& st = d.channel_state(2);
    CHECK(st.phase == ChannelState::Phase::Body);
    CHECK_EQ(st.data_left, uint64_t{300});
    CHECK(st.stream_open);

    // init() turns it off again.
    REQUIRE(d.init(limits8(), channels.data(), channels.size(), false));
    Wire v;
    v.message(8, "a", 0);
    r = d.feed(v.b.data(), v.b.size());
    CHECK(r.event.type == EventType::MessageStart);
}

TW_TEST(sockety_encode_fileless_headers_match_the_general_layout) {
    // encode_message / encode_response take a shortcut for headers without files; the content
    // encoders still lay out every header the general way: both must agree byte for byte.
    const size_t actions[] = {0, 1, 255, 256, 1000};
    const uint64_t datas[] = {0, 1, 255, 256, 65535, 65536, 0xFFFFFF, 0x1000000, kMaxUint48};
    for (size_t a : actions)
        for (uint64_t dsz : datas)
            for (int flags = 0; flags < 4; ++flags) {
                const std::string action(a, 'q');
                MessageDesc m;
                m.id = id_of(static_cast<uint8_t>(a + flags));
                m.action = reinterpret_cast<const uint8_t*>(action.data());
                m.action_size = a;
                m.data_size = dsz;
                m.has_stream = flags & 1;
                m.expects_response = flags & 2;
                const size_t content = message_content_size(m);
                REQUIRE(content != 0);
                Bytes general(header_packet_prefix_size(content) + content);
                const size_t p = encode_header_packet_prefix(general.data(), general.size(), PacketType::Message, content,
                                                             m.has_stream, m.expects_response);
                REQUIRE_EQ(encode_message_content(general.data() + p, general.size() - p, m), content);
                REQUIRE_EQ(message_packet_size(m), general.size());
                Bytes fast(general.size());
                REQUIRE_EQ(encode_message(fast.data(), fast.size(), m), general.size());
                CHECK(fast == general);
                CHECK_EQ(encode_message(fast.data(), fast.size() - 1, m), size_t{0});  // no room

                ResponseDesc r;
                r.parent_id = id_of(1);
                r.id = m.id;
                r.data_size = dsz;
                r.has_stream = m.has_stream;
                r.expects_response = m.expects_response;
                const size_t rc = response_content_size(r);
                REQUIRE(rc != 0);
                Bytes rg(header_packet_prefix_size(rc) + rc);
                const size_t rp = encode_header_packet_prefix(rg.data(), rg.size(), PacketType::Response, rc, r.has_stream,
                                                              r.expects_response);
                REQUIRE_EQ(encode_response_content(rg.data() + rp, rg.size() - rp, r), rc);
                REQUIRE_EQ(response_packet_size(r), rg.size());
                Bytes rf(rg.size());
                REQUIRE_EQ(encode_response(rf.data(), rf.size(), r), rg.size());
                CHECK(rf == rg);
            }
    // Refusals are the same as before: too big a data size, a null action with a size.
    MessageDesc bad;
    bad.data_size = kMaxUint48 + 1;
    CHECK_EQ(message_packet_size(bad), size_t{0});
    uint8_t out[64];
    CHECK_EQ(encode_message(out, sizeof out, bad), size_t{0});
    MessageDesc null_action;
    null_action.action_size = 3;
    CHECK_EQ(message_packet_size(null_action), size_t{0});
    CHECK_EQ(encode_message(out, sizeof out, null_action), size_t{0});
    ResponseDesc bad_r;
    bad_r.data_size = kMaxUint48 + 1;
    CHECK_EQ(response_packet_size(bad_r), size_t{0});
}
