// EXPECT: no matching (function for call to|constructor for initialization of) [^ ]*(const )?synack::tcp::rfc6528_isn
// RFC 6528 3 wants a secret random key: a generator without one (an all-zero key,
// known to everyone) does not compile.
#include <synack/tcp/isn.hpp>

#ifdef SYNACK_FAIL_CONTROL
constexpr synack::tcp::rfc6528_isn isn{synack::tcp::siphash_key{0x0123456789abcdef, 0xfedcba9876543210}};
#else
constexpr synack::tcp::rfc6528_isn isn;
#endif
static_assert(isn.offset(synack::tcp::four_tuple{}) == isn.offset(synack::tcp::four_tuple{}));
