// The platform contract for reading files: only what serving static files over HTTP needs.
#pragma once
#include <cstddef>
#include <cstdint>

namespace tickwire::platform {

using FileHandle = intptr_t;
constexpr FileHandle kInvalidFile = -1;

// Opens a regular file for reading and tells its size. kInvalidFile when it does not exist, is
// not a regular file, or cannot be read.
FileHandle open_file_for_reading(const char* path, uint64_t& size) noexcept;
// Reads up to `cap` bytes; returns the count (0 at the end), or -1 on error.
long read_file(FileHandle f, void* buf, size_t cap) noexcept;
void close_file(FileHandle f) noexcept;

} // namespace tickwire::platform
