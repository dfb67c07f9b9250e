// EXPECT: synack::services: this service runs over UDP only; a TCP API cannot use it
// A TCP-only API (here: asking for a service's TCP port) rejects TFTP, which is UDP only.
#include <synack/tcp/services.hpp>

#ifdef SYNACK_FAIL_CONTROL
using service = synack::services::http;
#else
using service = synack::services::tftp;
#endif
constexpr synack::port_number listen_port = synack::tcp_port_v<service>;
static_assert(listen_port != 0);
