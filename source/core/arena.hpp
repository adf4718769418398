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
    T* take(size_t count, size_t align = alignof(T)) noexcept {
        return static_cast<T*>(take_bytes(sizeof(T) * count, align < alignof(T) ? alignof(T) : align));
    }

    void* take_bytes(size_t bytes, size_t align) noexcept {
        used_ = (used_ + align - 1) & ~(align - 1);
        void* p = base_ ? base_ + used_ : nullptr;
        used_ += bytes;
        return p;
    }

    size_t used() const noexcept { return used_; }
    bool overflowed() const noexcept { return base_ && used_ > size_; }

private:
    uint8_t* base_ = nullptr;
    size_t size_ = 0;
    size_t used_ = 0;
};

} // namespace tickwire::detail
