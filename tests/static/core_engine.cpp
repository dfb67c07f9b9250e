// The engine at compile time: a whole protocol run, its verification and its diagram are
// constant expressions.
#include "../../examples/alternating_bit/alternating_bit.hpp"
#include "../../examples/tls_handshake/tls_handshake.hpp"

#include <synack/core/diagram.hpp>

#include <string_view>

using namespace synack::core;

// Five messages over a channel that loses every third frame, run by the compiler.
constexpr auto run_abp() {
    auto s = make_machine(abp::sender_table, abp::sender_io{});
    auto r = make_machine(abp::receiver_table, abp::receiver_io{});
    int frame = 0;
    while (s.context().completed < 5) {
        s.process(abp::send{});
        bool acked = false;
        if (++frame % 3 != 0) {
            if (s.context().frame_bit) r.process(abp::data1{s.context().in_flight});
            else r.process(abp::data0{s.context().in_flight});
            if (++frame % 3 != 0) {
                acked = true;
                if (r.context().ack_bit) s.process(abp::ack1{});
                else s.process(abp::ack0{});
            }
        }
        if (!acked) s.process(abp::timeout{});
    }
    struct outcome { abp::sender_io sender; abp::receiver_io receiver; bool back_at_start; };
    return outcome{s.context(), r.context(), s.is<abp::ready1>()};
}
static_assert(run_abp().receiver.delivered == 5);
static_assert(run_abp().receiver.out_of_order == 0);
static_assert(run_abp().sender.retransmissions > 0);
static_assert(run_abp().back_at_start); // five messages: the next one carries bit 1

constexpr bool full_handshake() {
    auto m = make_machine(tls::table, tls::client{});
    m.process(tls::connect{});
    m.process(tls::server_hello{});
    m.process(tls::encrypted_extensions{});
    m.process(tls::certificate{});
    m.process(tls::certificate_verify{});
    return m.process(tls::finished{}) == dispatch_result::transitioned && m.is<tls::connected>();
}
static_assert(full_handshake());

// Verification as a value.
static_assert(verify(tls::table).ok());
static_assert(decltype(tls::table)::state_names[7] == "connected");
static_assert(decltype(tls::table)::cell(1, 1).count == 2); // wait_sh x hello_retry_request: guarded, then fallback

// The diagram as a compile-time string.
constexpr std::string_view dot{dot_c<abp::receiver_table>.data()};
static_assert(dot.starts_with("digraph \"transitions\" {"));
static_assert(dot.find("\"expect0\" -> \"expect1\" [label=\"data0\"];") != std::string_view::npos);
static_assert(std::string_view{mermaid_c<abp::receiver_table>.data()}.find("expect1 --> expect0 : data1") != std::string_view::npos);
