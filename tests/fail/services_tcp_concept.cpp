// EXPECT: tcp_service
// A function constrained on the tcp_service concept names the concept when given TFTP.
#include <synack/tcp/services.hpp>

template <synack::tcp_service S>
constexpr synack::port_number serve() { return S::port; }

#ifdef SYNACK_FAIL_CONTROL
static_assert(serve<synack::services::smtp>() == 25);
#else
static_assert(serve<synack::services::tftp>() == 69);
#endif
