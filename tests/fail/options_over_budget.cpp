// EXPECT: synack::options: these options do not fit in the 40 bytes of a TCP header's option space
// A typed option set whose layout exceeds the 40-byte option space does not compile.
#include <synack/tcp/options.hpp>

using namespace synack::tcp;

constexpr option_set too_many{
    opt::mss{1460}, opt::sack_permitted{}, opt::timestamps{{1, 0}}, opt::window_scale{7},
#ifndef SYNACK_FAIL_CONTROL
    opt::sack<3>{}, // 19 + 26 = 45 bytes
#endif
};
static_assert(too_many.to_list().size() > 0);
