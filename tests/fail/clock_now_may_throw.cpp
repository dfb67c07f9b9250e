// EXPECT: satisf[a-z]*( of)? [^ ]*clock.*(noexcept|may throw)
// A clock whose now() may throw is not a synack clock: a memory pair refuses it, naming the concept.
#include <synack/transport/memory.hpp>

struct wall_clock {
#ifdef SYNACK_FAIL_CONTROL
    synack::core::time_point now() const noexcept { return {}; }
#else
    synack::core::time_point now() const { return {}; }
#endif
};

const wall_clock clock_instance;
synack::transport::memory_pair<4, 64, wall_clock> pair{clock_instance};
