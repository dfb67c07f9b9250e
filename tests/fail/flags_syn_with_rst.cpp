// EXPECT: synack::flags: SYN and RST cannot be set together
// A segment kind with SYN and RST does not compile.
#include <synack/tcp/flags.hpp>

#ifdef SYNACK_FAIL_CONTROL
using kind = synack::tcp::segment_kind<synack::tcp::flag::rst, synack::tcp::flag::ack>;
#else
using kind = synack::tcp::segment_kind<synack::tcp::flag::syn, synack::tcp::flag::rst>;
#endif
static_assert(kind::flags.has(synack::tcp::flag::rst));
