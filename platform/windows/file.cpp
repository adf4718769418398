#include "../file.hpp"

#include "winsock_headers.hpp"

namespace tickwire::platform {

// Paths are taken as UTF-8 and converted to UTF-16 for CreateFileW.
static bool widen(const char* path, wchar_t* out, int cap) noexcept {
    return MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, path, -1, out, cap) > 0;
}

FileHandle open_file_for_reading(const char* path, uint64_t& size) noexcept {
    wchar_t wide[MAX_PATH + 1];
    if (!widen(path, wide, MAX_PATH + 1)) return kInvalidFile;
    HANDLE h = CreateFileW(wide, GENERIC_READ, FILE_SHARE_READ, nullptr, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL | FILE_FLAG_SEQUENTIAL_SCAN, nullptr);
    if (h == INVALID_HANDLE_VALUE) return kInvalidFile;
    LARGE_INTEGER sz;
    if (GetFileType(h) != FILE_TYPE_DISK || !GetFileSizeEx(h, &sz) || sz.QuadPart < 0) {
        CloseHandle(h);
        return kInvalidFile;
    }
    size = static_cast<uint64_t>(sz.QuadPart);
    return reinterpret_cast<FileHandle>(h);
}

long read_file(FileHandle f, void* buf, size_t cap) noexcept {
    DWORD got = 0;
    const DWORD want = cap > 0x40000000u ? 0x40000000u : static_cast<DWORD>(cap);
    if (!ReadFile(reinterpret_cast<HANDLE>(f), buf, want, &got, nullptr)) return -1;
    return static_cast<long>(got);
}

void close_file(FileHandle f) noexcept {
    if (f != kInvalidFile) CloseHandle(reinterpret_cast<HANDLE>(f));
}

} // namespace tickwire::platform
