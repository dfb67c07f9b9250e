// EXPECT: (could not convert|no viable conversion).*int.*synack::tcp::seq_number
// A fixed ISN is a sequence number, not an integer: `fixed_isn{1234567}` does not
// compile; write `fixed_isn{1234567_seq}` (RFC 9293 3.4: sequence numbers are mod 2^32).
#include <synack/tcp/isn.hpp>

using namespace synack::tcp::literals;

#ifdef SYNACK_FAIL_CONTROL
constexpr synack::tcp::fixed_isn isn{1234567_seq};
#else
constexpr synack::tcp::fixed_isn isn{1234567};
#endif
static_assert(isn.isn.raw() == 1234567);
