#pragma once
// A small seeded pseudo-random generator for fault injection and test corpora:
// SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators",
// OOPSLA 2014). Constexpr, eight bytes of state, no system randomness: the same seed
// gives the same stream on every platform and in constant evaluation.
// Not for secrets: anything an attacker must not predict (ISNs) takes a keyed generator.
#include <cstdint>

namespace synack::core::detail {

class splitmix64 {
public:
    constexpr explicit splitmix64(std::uint64_t seed = 0) noexcept : state_{seed} {}

    constexpr std::uint64_t operator()() noexcept {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        return z ^ (z >> 31);
    }

    // In [0, bound) by multiply-and-shift on the high 32 bits (Lemire 2019, without the
    // rejection step): each value's probability is off 1 / bound by less than 2^-32, a relative
    // error below bound / 2^32 (3e-6 for the 12,000 bits of a 1500-byte frame). 0 when bound is 0.
    constexpr std::uint32_t below(std::uint32_t bound) noexcept {
        return static_cast<std::uint32_t>(((*this)() >> 32) * bound >> 32);
    }

    // True with probability p (p <= 0: never, p >= 1: always), from 53 random bits.
    constexpr bool chance(double p) noexcept {
        if (!(p > 0.0)) return false; // also false for NaN
        if (p >= 1.0) return true;
        constexpr double two_to_53 = 9007199254740992.0;
        return static_cast<double>((*this)() >> 11) < p * two_to_53;
    }

private:
    std::uint64_t state_;
};

} // namespace synack::core::detail
