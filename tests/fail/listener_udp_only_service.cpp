// EXPECT: synack::services: this service runs over UDP only; a TCP API cannot use it
// A TCP listener's endpoint for a UDP-only service (TFTP) does not compile.
#include <synack/tcp/listener.hpp>

#ifdef SYNACK_FAIL_CONTROL
using service = synack::services::http;
#else
using service = synack::services::tftp;
#endif
constexpr synack::tcp::endpoint where = synack::tcp::service_endpoint<service>(synack::tcp::ipv4_address{{10, 0, 0, 2}});
static_assert(where.port != 0);
