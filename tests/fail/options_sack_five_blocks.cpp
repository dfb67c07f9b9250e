// EXPECT: synack::options: a SACK option carries 1 to 4 blocks
// A SACK option of five blocks does not compile.
#include <synack/tcp/options.hpp>

#ifdef SYNACK_FAIL_CONTROL
constexpr synack::tcp::opt::sack<4> blocks{};
#else
constexpr synack::tcp::opt::sack<5> blocks{};
#endif
static_assert(blocks.wire_size > 0);
