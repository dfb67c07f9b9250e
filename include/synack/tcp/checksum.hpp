#pragma once
/// \file
/// The Internet checksum (RFC 1071) for TCP segments, IPv4 headers and pseudo-headers:
/// compute, verify, and update incrementally (RFC 1624). Constant-evaluable; at run
/// time it sums 32-bit words into 64-bit accumulators, and the compiler may vectorise it
/// for the CPU it finds (function multiversioning where the compiler supports it).

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring> // std::memcpy: unaligned loads without undefined behaviour
#include <span>
#include <type_traits>

namespace synack::tcp {

namespace detail {

/// Folds a one's-complement sum held in 64 bits down to 16 bits.
constexpr std::uint16_t checksum_fold64(std::uint64_t sum) noexcept {
    sum = (sum & 0xffff'ffffu) + (sum >> 32);
    sum = (sum & 0xffff'ffffu) + (sum >> 32);
    sum = (sum & 0xffffu) + (sum >> 16);
    sum = (sum & 0xffffu) + (sum >> 16);
    return static_cast<std::uint16_t>(sum);
}

/// RFC 1071 4.1, big-endian 16-bit words: the portable path, used in constant evaluation.
constexpr std::uint64_t checksum_words_portable(const std::uint8_t* data, std::size_t size) noexcept {
    std::uint64_t sum = 0;
    std::size_t i = 0;
    for (; i + 1 < size; i += 2) sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
    if (i < size) sum += static_cast<std::uint32_t>(data[i] << 8);
    return sum;
}

#if defined(__GNUC__) && defined(__x86_64__) && defined(__ELF__) && !defined(__clang__)
// Function multiversioning: an AVX2 and an AVX-512 clone, picked once at load time by the CPU.
#define SYNACK_CHECKSUM_MULTIVERSION __attribute__((target_clones("arch=skylake-avx512", "avx2", "default")))
#else
#define SYNACK_CHECKSUM_MULTIVERSION
#endif

/// Sums native 16-bit words into 32-bit lanes, at most 65536 words per block so no
/// lane can overflow (65536 x 0xffff < 2^32); the compiler vectorises the block loop
/// into widening adds. One's-complement addition is byte-order independent (RFC 1071
/// 2(B)), so the bytes are swapped once at the end on little-endian CPUs.
SYNACK_CHECKSUM_MULTIVERSION
inline std::uint64_t checksum_native_blocks(const std::uint8_t* data, std::size_t words) noexcept {
    std::uint64_t total = 0;
    while (words > 0) {
        const std::size_t block = words < (std::size_t{1} << 16) ? words : (std::size_t{1} << 16);
        std::uint32_t acc = 0;
        for (std::size_t i = 0; i < block; ++i) {
            std::uint16_t w;
            std::memcpy(&w, data + 2 * i, 2);
            acc += w;
        }
        total += acc;
        data += 2 * block;
        words -= block;
    }
    return total;
}

/// The run-time path: short data (a header) in a plain loop of 32-bit loads, longer
/// data in vectorised blocks.
inline std::uint16_t checksum_native_folded(const std::uint8_t* data, std::size_t size) noexcept {
    std::uint64_t sum = 0;
    if (size < 128) {
        for (; size >= 4; data += 4, size -= 4) {
            std::uint32_t w;
            std::memcpy(&w, data, 4);
            sum += w;
        }
    } else {
        sum = checksum_native_blocks(data, size / 2);
        data += size & ~std::size_t{1};
        size &= 1;
    }
    if (size >= 2) {
        std::uint16_t w;
        std::memcpy(&w, data, 2);
        sum += w;
        data += 2;
        size -= 2;
    }
    if (size == 1) {
        // The odd byte is the high byte of a big-endian word padded with zero.
        const std::uint8_t pad[2] = {data[0], 0};
        std::uint16_t w;
        std::memcpy(&w, pad, 2);
        sum += w;
    }
    const std::uint16_t folded = checksum_fold64(sum);
    if constexpr (std::endian::native == std::endian::little)
        return static_cast<std::uint16_t>(folded << 8 | folded >> 8);
    else
        return folded;
}

} // namespace detail

/// Adds `bytes` to a running one's-complement sum of big-endian 16-bit words
/// (RFC 1071). The bytes must start at an even offset of the checksummed data; an odd
/// final byte is padded with zero. Chain calls for a pseudo-header and a segment.
constexpr std::uint32_t checksum_add(std::span<const std::uint8_t> bytes, std::uint32_t sum = 0) noexcept {
    std::uint64_t total = sum;
    if (std::is_constant_evaluated()) {
        total += detail::checksum_words_portable(bytes.data(), bytes.size());
    } else {
        total += detail::checksum_native_folded(bytes.data(), bytes.size());
    }
    return detail::checksum_fold64(total);
}

/// Adds one 16-bit value (host order) to a running sum.
constexpr std::uint32_t checksum_add_u16(std::uint16_t value, std::uint32_t sum = 0) noexcept {
    return detail::checksum_fold64(std::uint64_t{sum} + value);
}

/// Adds one 32-bit value (host order) to a running sum, as two big-endian words.
constexpr std::uint32_t checksum_add_u32(std::uint32_t value, std::uint32_t sum = 0) noexcept {
    return detail::checksum_fold64(std::uint64_t{sum} + (value >> 16) + (value & 0xffffu));
}

/// Folds a running sum and complements it: the value of the checksum field.
constexpr std::uint16_t checksum_finish(std::uint32_t sum) noexcept {
    return static_cast<std::uint16_t>(~detail::checksum_fold64(sum));
}

/// The Internet checksum of `bytes` alone.
constexpr std::uint16_t internet_checksum(std::span<const std::uint8_t> bytes) noexcept {
    return checksum_finish(checksum_add(bytes));
}

/// True when data that includes its checksum field sums to all ones (RFC 1071 1(3)).
constexpr bool checksum_verifies(std::span<const std::uint8_t> bytes, std::uint32_t sum = 0) noexcept {
    return detail::checksum_fold64(checksum_add(bytes, sum)) == 0xffff;
}

/// RFC 1624 3, eqn. 3: the new checksum after a 16-bit field changes from `old_value`
/// to `new_value`: HC' = ~(~HC + ~m + m'). Never yields a result the full sum would not.
constexpr std::uint16_t checksum_update(std::uint16_t old_checksum, std::uint16_t old_value,
                                        std::uint16_t new_value) noexcept {
    const std::uint64_t sum = std::uint64_t{static_cast<std::uint16_t>(~old_checksum)} +
                              static_cast<std::uint16_t>(~old_value) + new_value;
    return static_cast<std::uint16_t>(~detail::checksum_fold64(sum));
}

/// RFC 1624 for a 32-bit field (a sequence number, an IPv4 address): two 16-bit updates.
constexpr std::uint16_t checksum_update32(std::uint16_t old_checksum, std::uint32_t old_value,
                                          std::uint32_t new_value) noexcept {
    const auto high = checksum_update(old_checksum, static_cast<std::uint16_t>(old_value >> 16),
                                      static_cast<std::uint16_t>(new_value >> 16));
    return checksum_update(high, static_cast<std::uint16_t>(old_value), static_cast<std::uint16_t>(new_value));
}

} // namespace synack::tcp
