// EXPECT: synack::flags: SYN and FIN cannot be set together
// A segment kind that opens and closes at once does not compile.
#include <synack/tcp/flags.hpp>

#ifdef SYNACK_FAIL_CONTROL
using kind = synack::tcp::segment_kind<synack::tcp::flag::syn, synack::tcp::flag::ack>;
#else
using kind = synack::tcp::segment_kind<synack::tcp::flag::syn, synack::tcp::flag::fin>;
#endif
static_assert(kind::flags.has(synack::tcp::flag::syn));
