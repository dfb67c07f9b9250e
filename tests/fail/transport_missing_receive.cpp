// EXPECT: satisf[a-z]*( of)? [^ ]*transport.*receive
// A type with no receive() is not a transport: code that requires a core::transport
// rejects it at the call, naming the concept.
#include <synack/core/transport.hpp>

#include <cstddef>

struct send_only_link {
    template <class Fill>
    synack::core::transmit_result transmit(std::size_t len, Fill&&) { return len; }
#ifdef SYNACK_FAIL_CONTROL
    template <class Consume>
    bool receive(Consume&&) { return false; }
#endif
    synack::core::transport_capabilities capabilities() const { return {}; }
};

template <synack::core::transport Transport>
constexpr std::size_t mtu_of(const Transport& t) { return t.capabilities().mtu; }

const std::size_t mtu = mtu_of(send_only_link{});
