#pragma once
// The unqualified name of a type, computed at compile time from the compiler's
// function signature text (g++ and clang), for diagrams and reports.
#include <array>
#include <cstddef>
#include <string_view>

namespace synack::core::detail {

template <class T>
constexpr std::string_view raw_type_name() noexcept {
#if defined(__clang__) || defined(__GNUC__)
    return __PRETTY_FUNCTION__;
#else
    return "";
#endif
}

template <class T>
constexpr std::string_view type_name_in_signature() noexcept {
    std::string_view s = raw_type_name<T>();
#if defined(__clang__)
    // "... raw_type_name() [T = ns::name]"
    const auto start = s.find("T = ");
    if (start == std::string_view::npos) return "?";
    s = s.substr(start + 4);
    s = s.substr(0, s.find_first_of("];"));
#else
    // "... raw_type_name() [with T = ns::name; std::string_view = ...]"
    const auto start = s.find("with T = ");
    if (start == std::string_view::npos) return "?";
    s = s.substr(start + 9);
    s = s.substr(0, s.find_first_of("];"));
#endif
    // Drop namespaces and enclosing classes, but not a template's arguments.
    std::size_t depth = 0, last = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '<') ++depth;
        else if (s[i] == '>') --depth;
        else if (depth == 0 && s[i] == ':' && i + 1 < s.size() && s[i + 1] == ':') last = i + 2;
    }
    return s.substr(last);
}

// The name copied out with a terminating NUL, so `name.data()` is a C string too.
template <class T>
inline constexpr auto type_name_storage = [] {
    constexpr std::string_view name = type_name_in_signature<T>();
    std::array<char, name.size() + 1> out{};
    for (std::size_t i = 0; i < name.size(); ++i) out[i] = name[i];
    return out;
}();

template <class T>
constexpr std::string_view type_name() noexcept {
    return {type_name_storage<T>.data(), type_name_storage<T>.size() - 1};
}

} // namespace synack::core::detail
