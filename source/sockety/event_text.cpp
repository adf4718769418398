#include "sockety/event_text.hpp"

#include <cstdio>

namespace tickwire::detail::sockety {

namespace {

struct UuidText {
    char text[kUuidTextSize + 1];
    explicit UuidText(const Uuid& id) noexcept {
        uuid_to_text(id, text);
        text[kUuidTextSize] = '\0';
    }
};

} // namespace

size_t describe(const Event& e, char* out, size_t cap) noexcept {
    if (out == nullptr || cap == 0) return 0;
    const char* name = to_string(e.type);
    const unsigned ch = e.channel;
    const unsigned long long size = e.bytes.size;
    int n = 0;
    switch (e.type) {
    case EventType::NeedMore: n = std::snprintf(out, cap, "%s need=%zu", name, e.need); break;
    case EventType::Error: n = std::snprintf(out, cap, "%s %s", name, to_string(e.error)); break;
    case EventType::ConnectionHeader: n = std::snprintf(out, cap, "%s channels=%u", name, unsigned{e.channels}); break;
    case EventType::SwitchChannel: n = std::snprintf(out, cap, "%s ch=%u", name, ch); break;
    case EventType::MessageStart:
        n = std::snprintf(out, cap, "%s ch=%u id=%s stream=%d expects=%d action_size=%u", name, ch,
                          UuidText(e.id).text, e.has_stream, e.expects_response, static_cast<unsigned>(e.name_size));
        break;
    case EventType::ResponseStart:
        n = std::snprintf(out, cap, "%s ch=%u parent=%s id=%s stream=%d expects=%d", name, ch,
                          UuidText(e.parent_id).text, UuidText(e.id).text, e.has_stream,
                          e.expects_response);
        break;
    case EventType::ActionChunk:
        n = std::snprintf(out, cap, "%s ch=%u size=%llu last=%d", name, ch, size, e.last);
        break;
    case EventType::HeaderSizes:
        n = std::snprintf(out, cap, "%s ch=%u data=%llu files=%u total=%llu", name, ch,
                          static_cast<unsigned long long>(e.data_size), static_cast<unsigned>(e.files_count),
                          static_cast<unsigned long long>(e.total_files_size));
        break;
    case EventType::FileHeader:
        n = std::snprintf(out, cap, "%s ch=%u index=%u size=%llu name_size=%u", name, ch,
                          static_cast<unsigned>(e.file_index), static_cast<unsigned long long>(e.file_size),
                          static_cast<unsigned>(e.name_size));
        break;
    case EventType::FileNameChunk:
        n = std::snprintf(out, cap, "%s ch=%u index=%u size=%llu last=%d", name, ch,
                          static_cast<unsigned>(e.file_index), size, e.last);
        break;
    case EventType::HeaderEnd:
    case EventType::StreamEnd:
        n = std::snprintf(out, cap, "%s ch=%u finished=%d", name, ch, e.finished);
        break;
    case EventType::DataChunk:
        n = std::snprintf(out, cap, "%s ch=%u size=%llu last=%d finished=%d", name, ch, size, e.last,
                          e.finished);
        break;
    case EventType::StreamChunk: n = std::snprintf(out, cap, "%s ch=%u size=%llu", name, ch, size); break;
    case EventType::FileChunk:
        n = std::snprintf(out, cap, "%s ch=%u index=%u size=%llu", name, ch,
                          static_cast<unsigned>(e.file_index), size);
        break;
    case EventType::FileEnd:
        n = std::snprintf(out, cap, "%s ch=%u index=%u finished=%d", name, ch,
                          static_cast<unsigned>(e.file_index), e.finished);
        break;
    case EventType::FastReply:
        n = std::snprintf(out, cap, "%s id=%s code=%u", name, UuidText(e.id).text, unsigned{e.code});
        break;
    case EventType::Heartbeat:
    case EventType::GoAway: n = std::snprintf(out, cap, "%s", name); break;
    case EventType::Abort:
        n = std::snprintf(out, cap, "%s ch=%u aborted=%d response=%d id=%s", name, ch, e.aborted,
                          e.is_response, UuidText(e.id).text);
        break;
    case EventType::WholeHeader:
        n = std::snprintf(out, cap, "%s ch=%u response=%d parent=%s id=%s stream=%d expects=%d action_size=%u data=%llu finished=%d",
                          name, ch, e.is_response, UuidText(e.parent_id).text, UuidText(e.id).text, e.has_stream,
                          e.expects_response, static_cast<unsigned>(e.name_size),
                          static_cast<unsigned long long>(e.data_size), e.finished);
        break;
    }
    if (n < 0) {
        out[0] = '\0';
        return 0;
    }
    return static_cast<size_t>(n) < cap ? static_cast<size_t>(n) : cap - 1;
}

} // namespace tickwire::detail::sockety
