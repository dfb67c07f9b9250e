// The two example protocols on the engine (besides TCP): their tables verify, and they
// behave as their specifications say.
#include "support/catch.hpp"

#include "examples/alternating_bit/alternating_bit.hpp"
#include "examples/tls_handshake/tls_handshake.hpp"

#include <random>

using namespace synack::core;

TEST_CASE("the alternating bit tables pass every verification check", "[core][protocols]") {
    STATIC_REQUIRE(verify(abp::sender_table).ok());
    STATIC_REQUIRE(verify(abp::receiver_table).ok());
}

TEST_CASE("an alternating bit sender retransmits on timeout and ignores stale acknowledgements", "[core][protocols]") {
    auto s = make_machine(abp::sender_table, abp::sender_io{});
    CHECK(s.process(abp::send{}) == dispatch_result::transitioned);
    CHECK(s.context().frame_bit == false);
    CHECK(s.process(abp::send{}) == dispatch_result::rejected); // busy
    CHECK(s.context().refused == 1);
    CHECK(s.process(abp::ack1{}) == dispatch_result::ignored); // the previous message's ack
    CHECK(s.process(abp::timeout{}) == dispatch_result::transitioned);
    CHECK(s.context().retransmissions == 1);
    CHECK(s.process(abp::ack0{}) == dispatch_result::transitioned);
    CHECK(s.is<abp::ready1>());
    s.process(abp::send{});
    CHECK(s.context().frame_bit == true);
    CHECK(s.context().transmissions == 3);
}

TEST_CASE("an alternating bit receiver delivers a duplicate once and acknowledges it again", "[core][protocols]") {
    auto r = make_machine(abp::receiver_table, abp::receiver_io{});
    r.process(abp::data0{0});
    r.process(abp::data0{0}); // our ack was lost: the sender retransmitted
    CHECK(r.context().delivered == 1);
    CHECK(r.context().duplicates == 1);
    CHECK(r.context().acks == 2);
    CHECK(r.context().ack_bit == false);
    r.process(abp::data1{1});
    CHECK(r.context().delivered == 2);
    CHECK(r.context().out_of_order == 0);
}

TEST_CASE("the alternating bit protocol delivers every message once and in order over a lossy channel", "[core][protocols]") {
    const auto loss = GENERATE(0.0, 0.1, 0.5);
    auto s = make_machine(abp::sender_table, abp::sender_io{});
    auto r = make_machine(abp::receiver_table, abp::receiver_io{});
    std::mt19937 random{7};
    std::bernoulli_distribution lost{loss};
    for (int step = 0; step < 100000 && s.context().completed < 500; ++step) {
        s.process(abp::send{});
        bool acked = false;
        if (!lost(random)) {
            const auto& out = s.context();
            if (out.frame_bit) r.process(abp::data1{out.in_flight});
            else r.process(abp::data0{out.in_flight});
            if (!lost(random)) {
                acked = true;
                if (r.context().ack_bit) s.process(abp::ack1{});
                else s.process(abp::ack0{});
            }
        }
        if (!acked) s.process(abp::timeout{});
    }
    CHECK(s.context().completed == 500);
    CHECK(r.context().delivered == 500);
    CHECK(r.context().out_of_order == 0);
    if (loss == 0.0) CHECK(s.context().retransmissions == 0);
    else CHECK(s.context().retransmissions > 0);
}

TEST_CASE("the TLS handshake table passes every verification check", "[core][protocols]") {
    STATIC_REQUIRE(verify(tls::table).ok());
}

namespace {
template <class... Messages>
auto handshake(Messages... messages) {
    auto m = make_machine(tls::table, tls::client{});
    (m.process(messages), ...);
    return m;
}
} // namespace

TEST_CASE("a full TLS 1.3 handshake connects and sends one Finished", "[core][protocols]") {
    const auto m = handshake(tls::connect{}, tls::server_hello{}, tls::encrypted_extensions{}, tls::certificate{},
                             tls::certificate_verify{}, tls::finished{});
    CHECK(m.is<tls::connected>());
    CHECK(m.context().client_hellos == 1);
    CHECK(m.context().sent_finished);
    CHECK_FALSE(m.context().sent_certificate);
}

TEST_CASE("with an accepted PSK the server's certificate is skipped", "[core][protocols]") {
    const auto m = handshake(tls::connect{}, tls::server_hello{true}, tls::encrypted_extensions{});
    CHECK(m.is<tls::wait_finished>());
    // A Certificate now is out of place: fatal.
    auto late = m;
    late.process(tls::certificate{});
    CHECK(late.is<tls::closed>());
    CHECK(late.context().sent == tls::alert::unexpected_message);
}

TEST_CASE("one HelloRetryRequest is answered, a second one is fatal", "[core][protocols]") {
    auto m = handshake(tls::connect{}, tls::hello_retry_request{});
    CHECK(m.is<tls::wait_sh>());
    CHECK(m.context().client_hellos == 2);
    m.process(tls::hello_retry_request{});
    CHECK(m.is<tls::closed>());
    CHECK(m.context().sent == tls::alert::unexpected_message);
}

TEST_CASE("a requested client certificate is sent before our Finished", "[core][protocols]") {
    const auto m = handshake(tls::connect{}, tls::server_hello{}, tls::encrypted_extensions{}, tls::certificate_request{},
                             tls::certificate{}, tls::certificate_verify{}, tls::finished{});
    CHECK(m.is<tls::connected>());
    CHECK(m.context().sent_certificate);
}

TEST_CASE("guards close the handshake on an empty certificate, a bad signature or a bad Finished", "[core][protocols]") {
    auto empty = handshake(tls::connect{}, tls::server_hello{}, tls::encrypted_extensions{}, tls::certificate{true});
    CHECK(empty.is<tls::closed>());
    CHECK(empty.context().sent == tls::alert::decode_error);
    auto bad_signature = handshake(tls::connect{}, tls::server_hello{}, tls::encrypted_extensions{}, tls::certificate{},
                                   tls::certificate_verify{false});
    CHECK(bad_signature.context().sent == tls::alert::decrypt_error);
    auto bad_finished = handshake(tls::connect{}, tls::server_hello{true}, tls::encrypted_extensions{}, tls::finished{false});
    CHECK(bad_finished.is<tls::closed>());
    CHECK(bad_finished.context().sent == tls::alert::decrypt_error);
    CHECK_FALSE(bad_finished.context().sent_finished);
}
