#pragma once
/// \file
/// Typed flag sets: a protocol declares its flags as an enumeration of single bits
/// and opts in through `flag_traits`; `flag_set` is the run-time value and
/// `static_flags` carries a set in its type, so rules can be checked at compile time.

#include <array>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include <boost/hana/tuple.hpp> // static_flags::to_tuple: flags as a tuple of constants

namespace synack::core {

/// Opt-in traits of a flag enumeration: `flags`, every flag in print order, and
/// `letters`, one character per flag in the same order. Specialise for your enum.
template <class Enum>
struct flag_traits;

/// An enumeration of single-bit flags that has specialised `flag_traits`.
template <class Enum>
concept flag_enum = std::is_enum_v<Enum> && requires {
    { flag_traits<Enum>::flags.size() } -> std::convertible_to<std::size_t>;
    { flag_traits<Enum>::letters } -> std::convertible_to<std::string_view>;
};

namespace detail {

template <flag_enum Enum>
constexpr auto all_flag_bits() noexcept {
    std::underlying_type_t<Enum> bits{};
    for (Enum f : flag_traits<Enum>::flags) bits = static_cast<decltype(bits)>(bits | static_cast<decltype(bits)>(f));
    return bits;
}

template <flag_enum Enum>
constexpr bool traits_are_consistent() noexcept {
    using bits_type = std::underlying_type_t<Enum>;
    constexpr auto& flags = flag_traits<Enum>::flags;
    if (std::string_view{flag_traits<Enum>::letters}.size() != flags.size()) return false;
    bits_type seen{};
    for (Enum f : flags) {
        const auto b = static_cast<bits_type>(f);
        if (!std::has_single_bit(static_cast<std::make_unsigned_t<bits_type>>(b)) || (seen & b) != 0) return false;
        seen = static_cast<bits_type>(seen | b);
    }
    return true;
}

} // namespace detail

/// The printed letters of a flag set: at most one character per declared flag,
/// NUL-terminated so `c_str()` can go straight to printf.
template <std::size_t Capacity>
struct flag_letters {
    std::array<char, Capacity + 1> chars{};
    std::size_t size = 0;
    constexpr std::string_view view() const noexcept { return {chars.data(), size}; }
    constexpr const char* c_str() const noexcept { return chars.data(); }
    constexpr operator std::string_view() const noexcept { return view(); }
    friend constexpr bool operator==(const flag_letters& a, std::string_view b) noexcept { return a.view() == b; }
};

/// A set of flags of one enumeration; a value type of the enum's size, all constexpr.
template <flag_enum Enum>
class flag_set {
public:
    using enum_type = Enum;
    using bits_type = std::underlying_type_t<Enum>;
    static_assert(detail::traits_are_consistent<Enum>(),
                  "synack::flag_set: flag_traits must list distinct single-bit flags, one letter each");

    /// Every declared flag.
    static constexpr bits_type mask = detail::all_flag_bits<Enum>();

    constexpr flag_set() noexcept = default;
    /// A set holding one flag; implicit, so a flag can stand where a set is expected.
    constexpr flag_set(Enum f) noexcept : bits_{static_cast<bits_type>(f)} {}

    /// The set whose bits are `bits`; bits that name no declared flag are dropped.
    static constexpr flag_set from_bits(bits_type bits) noexcept { return flag_set{bits, raw_tag{}}; }
    /// The set as a bit mask, as it appears on the wire.
    constexpr bits_type bits() const noexcept { return bits_; }

    constexpr bool empty() const noexcept { return bits_ == 0; }
    constexpr std::size_t size() const noexcept {
        return static_cast<std::size_t>(std::popcount(static_cast<std::make_unsigned_t<bits_type>>(bits_)));
    }
    constexpr bool has(Enum f) const noexcept { return (bits_ & static_cast<bits_type>(f)) != 0; }
    /// True when every flag of `other` is in this set.
    constexpr bool has_all(flag_set other) const noexcept { return (bits_ & other.bits_) == other.bits_; }
    /// True when at least one flag of `other` is in this set.
    constexpr bool has_any(flag_set other) const noexcept { return (bits_ & other.bits_) != 0; }
    /// True when this set holds exactly the flags of `other`, no more.
    constexpr bool is(flag_set other) const noexcept { return bits_ == other.bits_; }

    constexpr flag_set with(flag_set other) const noexcept { return *this | other; }
    constexpr flag_set without(flag_set other) const noexcept { return from_bits(bits_ & ~other.bits_); }

    friend constexpr flag_set operator|(flag_set a, flag_set b) noexcept { return from_bits(a.bits_ | b.bits_); }
    friend constexpr flag_set operator&(flag_set a, flag_set b) noexcept { return from_bits(a.bits_ & b.bits_); }
    friend constexpr flag_set operator^(flag_set a, flag_set b) noexcept { return from_bits(a.bits_ ^ b.bits_); }
    /// The complement within the declared flags.
    friend constexpr flag_set operator~(flag_set a) noexcept { return from_bits(~a.bits_); }
    constexpr flag_set& operator|=(flag_set b) noexcept { return *this = *this | b; }
    constexpr flag_set& operator&=(flag_set b) noexcept { return *this = *this & b; }
    constexpr flag_set& operator^=(flag_set b) noexcept { return *this = *this ^ b; }
    friend constexpr bool operator==(flag_set, flag_set) noexcept = default;

    /// The set's letters in declaration order ("SA" for TCP's SYN+ACK); empty for no flags.
    constexpr auto letters() const noexcept {
        flag_letters<flag_traits<Enum>::flags.size()> out{};
        constexpr auto& flags = flag_traits<Enum>::flags;
        for (std::size_t i = 0; i < flags.size(); ++i)
            if (has(flags[i])) out.chars[out.size++] = flag_traits<Enum>::letters[i];
        return out;
    }

    /// Parses letters in any order ("SA", "AS"); nullopt on an unknown or repeated letter.
    static constexpr std::optional<flag_set> from_letters(std::string_view text) noexcept {
        flag_set out{};
        constexpr std::string_view letters = flag_traits<Enum>::letters;
        for (char c : text) {
            const auto i = letters.find(c);
            if (i == std::string_view::npos) return std::nullopt;
            const Enum f = flag_traits<Enum>::flags[i];
            if (out.has(f)) return std::nullopt;
            out |= f;
        }
        return out;
    }

    /// Iteration over the flags of the set, in declaration order.
    class iterator {
    public:
        using value_type = Enum;
        using difference_type = std::ptrdiff_t;
        constexpr iterator() noexcept = default;
        constexpr Enum operator*() const noexcept { return flag_traits<Enum>::flags[index_]; }
        constexpr iterator& operator++() noexcept { index_ = next(set_, index_ + 1); return *this; }
        constexpr iterator operator++(int) noexcept { auto old = *this; ++*this; return old; }
        friend constexpr bool operator==(const iterator& a, const iterator& b) noexcept { return a.index_ == b.index_; }

    private:
        friend class flag_set;
        constexpr iterator(flag_set s, std::size_t i) noexcept : set_{s}, index_{next(s, i)} {}
        static constexpr std::size_t next(flag_set s, std::size_t i) noexcept {
            while (i < flag_traits<Enum>::flags.size() && !s.has(flag_traits<Enum>::flags[i])) ++i;
            return i;
        }
        flag_set set_{};
        std::size_t index_ = 0;
    };
    constexpr iterator begin() const noexcept { return iterator{*this, 0}; }
    constexpr iterator end() const noexcept { return iterator{*this, flag_traits<Enum>::flags.size()}; }

private:
    struct raw_tag {};
    constexpr flag_set(bits_type bits, raw_tag) noexcept : bits_{static_cast<bits_type>(bits & mask)} {}
    bits_type bits_{};
};

/// Opts a flag enumeration into `a | b` between bare flags. Declare it in the enum's
/// namespace (so argument-dependent lookup finds it): `SYNACK_FLAG_OPERATORS(flag)`.
#define SYNACK_FLAG_OPERATORS(Enum)                                                                          \
    [[maybe_unused]] constexpr ::synack::core::flag_set<Enum> operator|(Enum a, Enum b) noexcept {            \
        return ::synack::core::flag_set<Enum>{a} | b;                                                       \
    }

/// One flag as a compile-time constant, a type of its own (`flag_c<tcp::flag::syn>`).
template <auto Flag>
    requires flag_enum<decltype(Flag)>
struct flag_constant {
    using enum_type = decltype(Flag);
    static constexpr enum_type value = Flag;
    constexpr operator enum_type() const noexcept { return Flag; }
};
template <auto Flag>
    requires flag_enum<decltype(Flag)>
inline constexpr flag_constant<Flag> flag_c{};

/// A flag set carried in its type: the set is known to the compiler, so protocol
/// rules about it are `static_assert`s. Built from flag constants with `|`.
template <flag_enum Enum, std::underlying_type_t<Enum> Bits>
struct static_flags {
    using enum_type = Enum;
    static constexpr flag_set<Enum> value = flag_set<Enum>::from_bits(Bits);
    static_assert(value.bits() == Bits, "synack::flag_set: a static flag set names a bit that is no declared flag");
    constexpr operator flag_set<Enum>() const noexcept { return value; }

    /// True when the set holds flag `F`; a compile-time constant.
    template <auto F>
    static constexpr bool has_c = value.has(F);

    /// The flags as a Boost.Hana tuple of `flag_constant`s, in declaration order,
    /// for code that computes with them as types.
    static constexpr auto to_tuple() noexcept {
        return expand(std::make_index_sequence<value.size()>{});
    }

private:
    template <std::size_t... I>
    static constexpr auto expand(std::index_sequence<I...>) noexcept {
        constexpr auto flags = sorted_flags();
        return boost::hana::make_tuple(flag_c<flags[I]>...);
    }
    static constexpr auto sorted_flags() noexcept {
        std::array<Enum, value.size()> out{};
        std::size_t n = 0;
        for (Enum f : value) out[n++] = f;
        return out;
    }
};

template <auto A, auto B>
    requires std::same_as<decltype(A), decltype(B)>
constexpr auto operator|(flag_constant<A>, flag_constant<B>) noexcept {
    using E = decltype(A);
    return static_flags<E, static_cast<std::underlying_type_t<E>>(flag_set<E>{A}.bits() | flag_set<E>{B}.bits())>{};
}
template <flag_enum E, std::underlying_type_t<E> Bits, auto B>
    requires std::same_as<E, decltype(B)>
constexpr auto operator|(static_flags<E, Bits>, flag_constant<B>) noexcept {
    return static_flags<E, static_cast<std::underlying_type_t<E>>(Bits | flag_set<E>{B}.bits())>{};
}
template <flag_enum E, std::underlying_type_t<E> A, std::underlying_type_t<E> B>
constexpr auto operator|(static_flags<E, A>, static_flags<E, B>) noexcept {
    return static_flags<E, static_cast<std::underlying_type_t<E>>(A | B)>{};
}

/// `static_flags` of one flag constant, so every typed set can be spelled the same way.
template <auto F>
    requires flag_enum<decltype(F)>
constexpr auto to_static_flags(flag_constant<F>) noexcept {
    using E = decltype(F);
    return static_flags<E, flag_set<E>{F}.bits()>{};
}
template <flag_enum E, std::underlying_type_t<E> Bits>
constexpr auto to_static_flags(static_flags<E, Bits> s) noexcept { return s; }

} // namespace synack::core
