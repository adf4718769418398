// Arena: carves the context's one block of memory into its tables. Run once with no base to
// measure (the same code computes required_memory and lays out init, so they cannot disagree).
#pragma once
#include <cstddef>
#include <cstdint>

namespace tickwire::detail {

class Arena {
public:
    Arena() noexcept = default;
    Arena(void* base, size_t size) noexcept : base_(static_cast<uint8_t*>(base)), size_(size) {}

    template <typename T>
    T* take(uint64_t count, size_t align = alignof(T)) noexcept {
        if (count > UINT64_MAX / sizeof(T)) return fail<T>();
        return static_cast<T*>(take_bytes(sizeof(T) * count, align < alignof(T) ? alignof(T) : align));
    }

    // `bytes` is 64-bit so that a table larger than a 32-bit size_t can hold is refused here
    // instead of wrapping around (a Config is 32-bit counts times 32-bit sizes).
    void* take_bytes(uint64_t bytes, size_t align) noexcept {
        const size_t start = (used_ + align - 1) & ~(align - 1);
        if (start < used_ || bytes > SIZE_MAX - start) return fail<void>();
        used_ = start;
        void* p = base_ ? base_ + used_ : nullptr;
        used_ += static_cast<size_t>(bytes);
        return p;
    }

    size_t used() const noexcept { return used_; }
    // The layout does not fit the address space (`too_big`), or not the buffer given.
    bool too_big() const noexcept { return too_big_; }
    bool overflowed() const noexcept { return too_big_ || (base_ && used_ > size_); }

private:
    template <typename T>
    T* fail() noexcept {
        too_big_ = true;
        return nullptr;
    }

    uint8_t* base_ = nullptr;
    size_t size_ = 0;
    size_t used_ = 0;
    bool too_big_ = false;
};

} // namespace tickwire::detail
