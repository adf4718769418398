// tickwire: networking for code that runs in a main loop. Include this one header.
#pragma once
#include "config.hpp"
#include "context.hpp"
#include "error.hpp"
#include "handles.hpp"
#include "sockety.hpp"
#include "sockety_router.hpp"
#include "sp.hpp"
#include "stats.hpp"

namespace tickwire {
// "0.1.0"
const char* version_string() noexcept;
} // namespace tickwire
