// What a user's program sees of an installed synack: the aggregate header compiles,
// compile-time facts hold, and run-time calls agree with them.
#include <synack/synack.hpp>

#include <cstdio>

static_assert(synack::tcp_port_v<synack::services::ssh> == 22);
static_assert((synack::tcp::flag::syn | synack::tcp::flag::ack).letters() == "SA");

int main() {
    const auto http = synack::service_at(80, synack::ip_protocol::tcp);
    if (!http || http->name != "http") return 1;
    std::printf("synack consumer: port 80/tcp is %.*s\n", static_cast<int>(http->name.size()), http->name.data());
    return 0;
}
