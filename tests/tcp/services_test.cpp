#include "support/catch.hpp"

#include <synack/tcp/services.hpp>

#include <boost/hana/for_each.hpp>

using namespace synack;

TEST_CASE("the well-known services have their IANA ports and transports", "[tcp][services]") {
    struct expected { std::string_view name; port_number port; bool tcp; bool udp; };
    const expected table[] = {
        {"ftp-data", 20, true, false}, {"ftp", 21, true, false}, {"ssh", 22, true, false},
        {"telnet", 23, true, false},   {"smtp", 25, true, false}, {"domain", 53, true, true},
        {"tftp", 69, false, true},     {"http", 80, true, false}, {"mysql", 3306, true, false},
    };
    REQUIRE(services::table.size() == std::size(table));
    for (const auto& e : table) {
        INFO(e.name);
        const auto s = service_named(e.name);
        REQUIRE(s.has_value());
        CHECK(s->port == e.port);
        CHECK(s->protocols.has(ip_protocol::tcp) == e.tcp);
        CHECK(s->protocols.has(ip_protocol::udp) == e.udp);
    }
}

TEST_CASE("a port maps back to its service only over the transports it is registered for", "[tcp][services]") {
    CHECK(service_at(21, ip_protocol::tcp)->name == "ftp");
    CHECK(service_at(20, ip_protocol::tcp)->name == "ftp-data");
    CHECK(service_at(53, ip_protocol::udp)->name == "domain");
    CHECK(service_at(53, ip_protocol::tcp)->name == "domain");
    CHECK(service_at(69, ip_protocol::udp)->name == "tftp");
    CHECK_FALSE(service_at(69, ip_protocol::tcp).has_value());
    CHECK_FALSE(service_at(22, ip_protocol::udp).has_value());
    CHECK_FALSE(service_at(8080, ip_protocol::tcp).has_value());
    CHECK(service_named("dns")->port == 53);
    CHECK_FALSE(service_named("gopher").has_value());
}

TEST_CASE("the service types and the run-time table agree", "[tcp][services]") {
    std::size_t i = 0;
    boost::hana::for_each(services::all, [&](auto s) {
        using S = decltype(s);
        CHECK(services::table[i].name == S::name);
        CHECK(services::table[i].port == port_v<S>);
        CHECK(service_at(S::port, runs_over_tcp_v<S> ? ip_protocol::tcp : ip_protocol::udp)->name == S::name);
        ++i;
    });
    CHECK(i == services::table.size());
}
