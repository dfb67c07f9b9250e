#pragma once
// A fixed-capacity ring of bytes with inline storage: a connection's send buffer (bytes
// from SND.UNA on, kept until acknowledged) and receive buffer (bytes up to RCV.NXT the
// user has not read). No heap; constexpr; capacity 0 is allowed (a connection that only
// opens and closes carries no data and pays nothing for buffers).
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace synack::tcp::detail {

template <std::size_t Capacity>
class byte_ring {
public:
    static constexpr std::size_t capacity = Capacity;

    constexpr std::size_t size() const noexcept { return size_; }
    constexpr std::size_t free() const noexcept { return Capacity - size_; }
    constexpr bool empty() const noexcept { return size_ == 0; }

    /// Appends as much of `bytes` as fits; returns how much.
    constexpr std::size_t push(std::span<const std::uint8_t> bytes) noexcept {
        const std::size_t n = bytes.size() < free() ? bytes.size() : free();
        for (std::size_t i = 0; i < n; ++i) data_[(head_ + size_ + i) % Capacity] = bytes[i];
        size_ += n;
        return n;
    }
    /// Copies up to `out.size()` bytes starting `offset` bytes in, without removing them; returns how many.
    constexpr std::size_t peek(std::size_t offset, std::span<std::uint8_t> out) const noexcept {
        if (offset >= size_) return 0;
        const std::size_t n = out.size() < size_ - offset ? out.size() : size_ - offset;
        for (std::size_t i = 0; i < n; ++i) out[i] = data_[(head_ + offset + i) % Capacity];
        return n;
    }
    /// Removes up to `n` bytes from the front; returns how many.
    constexpr std::size_t drop(std::size_t n) noexcept {
        if (n > size_) n = size_;
        if constexpr (Capacity > 0) head_ = (head_ + n) % Capacity;
        size_ -= n;
        return n;
    }
    /// Copies out and removes up to `out.size()` bytes from the front; returns how many.
    constexpr std::size_t pop(std::span<std::uint8_t> out) noexcept { return drop(peek(0, out)); }
    constexpr void clear() noexcept { head_ = size_ = 0; }

private:
    std::array<std::uint8_t, Capacity> data_{};
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

/// No buffer at all: nothing is stored, and it takes no space.
template <>
class byte_ring<0> {
public:
    static constexpr std::size_t capacity = 0;
    constexpr std::size_t size() const noexcept { return 0; }
    constexpr std::size_t free() const noexcept { return 0; }
    constexpr bool empty() const noexcept { return true; }
    constexpr std::size_t push(std::span<const std::uint8_t>) noexcept { return 0; }
    constexpr std::size_t peek(std::size_t, std::span<std::uint8_t>) const noexcept { return 0; }
    constexpr std::size_t drop(std::size_t) noexcept { return 0; }
    constexpr std::size_t pop(std::span<std::uint8_t>) noexcept { return 0; }
    constexpr void clear() noexcept {}
};

} // namespace synack::tcp::detail
