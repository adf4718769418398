// Which protocols this build carries. premake's --protocols=ws,sp,sockety (default: all) leaves
// the others' sources out and defines TICKWIRE_NO_<NAME> for them; the engine then links their
// hooks from core/without_<name>.cpp, and their URLs answer UnsupportedScheme. These are the
// only switches: a protocol hook needs no #if of its own.
#pragma once

#ifdef TICKWIRE_NO_WEBSOCKET
#define TICKWIRE_WITH_WEBSOCKET 0
#else
#define TICKWIRE_WITH_WEBSOCKET 1
#endif

#ifdef TICKWIRE_NO_SP
#define TICKWIRE_WITH_SP 0
#else
#define TICKWIRE_WITH_SP 1
#endif

#ifdef TICKWIRE_NO_SOCKETY
#define TICKWIRE_WITH_SOCKETY 0
#else
#define TICKWIRE_WITH_SOCKETY 1
#endif

namespace tickwire::detail {
inline constexpr bool kWithWebSocket = TICKWIRE_WITH_WEBSOCKET != 0;  // ws://, wss:// (and http/)
inline constexpr bool kWithSp = TICKWIRE_WITH_SP != 0;                // SpSocket (sp/)
inline constexpr bool kWithSockety = TICKWIRE_WITH_SOCKETY != 0;      // the codec (sockety/)
} // namespace tickwire::detail
