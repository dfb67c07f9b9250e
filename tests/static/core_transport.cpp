// The transport concept accepts a type with exactly the three members it names, and
// rejects every type that lacks one, gets its shape wrong, or demands more of the
// caller's callbacks than the concept promises.
#include <synack/core/transport.hpp>
#include <synack/transport/memory.hpp>

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>

using namespace synack::core;

namespace {

// The least a transport can be: a template transmit and receive, and const capabilities.
struct archetype {
    template <class Fill>
    transmit_result transmit(std::size_t len, Fill&&) { return len; }
    template <class Consume>
    bool receive(Consume&&) { return false; }
    transport_capabilities capabilities() const { return {}; }
};
static_assert(transport<archetype>);
static_assert(transport<synack::transport::memory_pair<>::endpoint>);
static_assert(transport<synack::transport::memory_pair<1, 1>::endpoint>);

struct without_transmit {
    template <class Consume>
    bool receive(Consume&&) { return false; }
    transport_capabilities capabilities() const { return {}; }
};
static_assert(!transport<without_transmit>);

struct without_receive {
    template <class Fill>
    transmit_result transmit(std::size_t len, Fill&&) { return len; }
    transport_capabilities capabilities() const { return {}; }
};
static_assert(!transport<without_receive>);

struct without_capabilities {
    template <class Fill>
    transmit_result transmit(std::size_t len, Fill&&) { return len; }
    template <class Consume>
    bool receive(Consume&&) { return false; }
};
static_assert(!transport<without_capabilities>);

// capabilities() must work on a const transport.
struct mutable_capabilities : without_capabilities {
    transport_capabilities capabilities() { return {}; }
};
static_assert(!transport<mutable_capabilities>);

// transmit returns exactly a transmit_result: a bare count cannot carry no_buffer or
// too_large, and a bool "sent" would convert to one and read as a length of 1.
struct transmit_returns_size {
    template <class Fill>
    std::size_t transmit(std::size_t len, Fill&&) { return len; }
    template <class Consume>
    bool receive(Consume&&) { return false; }
    transport_capabilities capabilities() const { return {}; }
};
static_assert(std::convertible_to<std::size_t, transmit_result>);
static_assert(!transport<transmit_returns_size>);

struct transmit_returns_bool {
    template <class Fill>
    bool transmit(std::size_t, Fill&&) { return true; }
    template <class Consume>
    bool receive(Consume&&) { return false; }
    transport_capabilities capabilities() const { return {}; }
};
static_assert(std::convertible_to<bool, transmit_result>);
static_assert(!transport<transmit_returns_bool>);

// receive must say whether it consumed a frame.
struct receive_returns_nothing {
    template <class Fill>
    transmit_result transmit(std::size_t len, Fill&&) { return len; }
    template <class Consume>
    void receive(Consume&&) {}
    transport_capabilities capabilities() const { return {}; }
};
static_assert(!transport<receive_returns_nothing>);

// Callbacks are lent, not given: a transport may not require copies of them...
struct copies_its_callbacks {
    template <std::copy_constructible Fill>
    transmit_result transmit(std::size_t len, Fill) { return len; }
    template <std::copy_constructible Consume>
    bool receive(Consume) { return false; }
    transport_capabilities capabilities() const { return {}; }
};
static_assert(!transport<copies_its_callbacks>);

// ...nor call them with anything but the span the concept names (here, bytes as char)...
struct fills_chars {
    template <class Fill>
        requires std::invocable<Fill&, std::span<char>>
    transmit_result transmit(std::size_t len, Fill&&) { return len; }
    template <class Consume>
    bool receive(Consume&&) { return false; }
    transport_capabilities capabilities() const { return {}; }
};
static_assert(!transport<fills_chars>);

// ...nor hand out a writable view of a received frame...
struct lends_writable_frames {
    template <class Fill>
    transmit_result transmit(std::size_t len, Fill&&) { return len; }
    template <class Consume>
        requires std::invocable<Consume&, std::span<std::uint8_t>>
                 && (!std::invocable<Consume&, std::span<const std::uint8_t>>)
    bool receive(Consume&&) { return false; }
    transport_capabilities capabilities() const { return {}; }
};
static_assert(!transport<lends_writable_frames>);

// ...nor insist on a const callback, since a caller's lambda may be mutable.
struct calls_const_callbacks {
    template <class Fill>
        requires std::invocable<const Fill&, std::span<std::uint8_t>>
    transmit_result transmit(std::size_t len, Fill&&) { return len; }
    template <class Consume>
    bool receive(Consume&&) { return false; }
    transport_capabilities capabilities() const { return {}; }
};
static_assert(!transport<calls_const_callbacks>);

// A transport whose transmit takes a function pointer rejects capturing lambdas: not one.
struct takes_function_pointers {
    transmit_result transmit(std::size_t len, void (*)(std::span<std::uint8_t>)) { return len; }
    bool receive(void (*)(std::span<const std::uint8_t>)) { return false; }
    transport_capabilities capabilities() const { return {}; }
};
static_assert(!transport<takes_function_pointers>);

// transmit_copy goes through transmit, byte for byte, in a constant expression.
struct recording_transport {
    std::array<std::uint8_t, 8> last{};
    std::size_t length = 0;
    template <class Fill>
    constexpr transmit_result transmit(std::size_t len, Fill&& fill) {
        if (len > last.size()) return failure(transport_error::too_large);
        length = len;
        fill(std::span<std::uint8_t>{last.data(), len});
        return len;
    }
    template <class Consume>
    constexpr bool receive(Consume&&) { return false; }
    constexpr transport_capabilities capabilities() const { return {.mtu = 8}; }
};
static_assert(transport<recording_transport>);

constexpr bool transmit_copy_writes_the_frame() {
    recording_transport t;
    constexpr std::uint8_t frame[] = {1, 2, 3, 4, 5};
    const auto sent = transmit_copy(t, frame);
    return sent && *sent == 5 && t.length == 5 && t.last[0] == 1 && t.last[4] == 5 && t.last[5] == 0;
}
static_assert(transmit_copy_writes_the_frame());

constexpr bool transmit_copy_reports_the_refusal() {
    recording_transport t;
    constexpr std::uint8_t frame[9] = {};
    const auto sent = transmit_copy(t, frame);
    return !sent && sent.error() == transport_error::too_large && t.length == 0;
}
static_assert(transmit_copy_reports_the_refusal());

// transmit_copy takes a transport or a temporary handle to one, never a const one.
template <class T>
concept can_transmit_copy = requires(T&& t, std::span<const std::uint8_t> frame) {
    transmit_copy(static_cast<T&&>(t), frame);
};
static_assert(can_transmit_copy<recording_transport&>);
static_assert(can_transmit_copy<recording_transport>);
static_assert(!can_transmit_copy<const recording_transport&>);
static_assert(!can_transmit_copy<without_receive&>);

constexpr bool transmit_copy_through_a_temporary_endpoint() {
    synack::transport::memory_pair<2, 8> pair;
    constexpr std::uint8_t frame[] = {9, 8, 7};
    bool right = false;
    const bool sent = transmit_copy(pair.a(), frame).has_value();
    const bool received = pair.b().receive([&](std::span<const std::uint8_t> f) {
        right = f.size() == 3 && f[0] == 9 && f[2] == 7;
    });
    return sent && received && right;
}
static_assert(transmit_copy_through_a_temporary_endpoint());

// The defaults describe an Ethernet-sized IP link with no offload.
static_assert(transport_capabilities{}.mtu == 1500 && transport_capabilities{}.medium == frame_medium::ip);
static_assert(transport_capabilities{}.checksum == checksum_offload{.rx = false, .tx = false});

} // namespace
