// The well-known services are compile-time facts, both ways.
#include <synack/tcp/services.hpp>

using namespace synack;

static_assert(tcp_port_v<services::ftp> == 21);
static_assert(tcp_port_v<services::ftp_data> == 20);
static_assert(tcp_port_v<services::telnet> == 23);
static_assert(tcp_port_v<services::smtp> == 25);
static_assert(tcp_port_v<services::dns> == 53);
static_assert(tcp_port_v<services::http> == 80);
static_assert(tcp_port_v<services::ssh> == 22);
static_assert(tcp_port_v<services::mysql> == 3306);
static_assert(port_v<services::tftp> == 69 && runs_over_udp_v<services::tftp> && !runs_over_tcp_v<services::tftp>);
static_assert(runs_over_udp_v<services::dns> && runs_over_tcp_v<services::dns>);

static_assert(service_at(3306, ip_protocol::tcp)->name == "mysql");
static_assert(service_at(69, ip_protocol::udp)->name == "tftp");
static_assert(!service_at(69, ip_protocol::tcp));
static_assert(service_named("ssh")->port == 22);

static_assert(tcp_service<services::http>);
static_assert(!tcp_service<services::tftp>);
