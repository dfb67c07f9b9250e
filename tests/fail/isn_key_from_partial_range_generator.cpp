// EXPECT: full_range_bit_generator
// A generator that cannot yield every bit pattern (here: never 0, never the top bit)
// would leave key bits predictable: keying an ISN generator from it does not compile.
#include <synack/tcp/isn.hpp>

#include <cstdint>

#ifdef SYNACK_FAIL_CONTROL
#define SYNACK_MIN 0
#define SYNACK_SHIFT 0
#else
#define SYNACK_MIN 1
#define SYNACK_SHIFT 1
#endif

struct minstd_like {
    using result_type = std::uint32_t;
    static constexpr result_type min() { return SYNACK_MIN; }
    static constexpr result_type max() { return 0xffff'ffffu >> SYNACK_SHIFT; }
    result_type state = 1;
    result_type operator()() { return state = state * 48271u % 0x7fff'ffffu; }
};

int main() {
    const auto isn = synack::tcp::rfc6528_isn::from_random_device(minstd_like{});
    return isn.offset(synack::tcp::four_tuple{}) == 0 ? 1 : 0;
}
