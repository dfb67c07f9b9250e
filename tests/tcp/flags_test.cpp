#include "support/catch.hpp"

#include <synack/tcp/flags.hpp>

#include <string>

using namespace synack::tcp;

TEST_CASE("TCP flags have their RFC 9293 wire bits", "[tcp][flags]") {
    // RFC 9293 3.1 header format, byte 13: CWR ECE URG ACK PSH RST SYN FIN
    CHECK(flag_set{flag::fin}.bits() == 0x01);
    CHECK(flag_set{flag::syn}.bits() == 0x02);
    CHECK(flag_set{flag::rst}.bits() == 0x04);
    CHECK(flag_set{flag::psh}.bits() == 0x08);
    CHECK(flag_set{flag::ack}.bits() == 0x10);
    CHECK(flag_set{flag::urg}.bits() == 0x20);
    CHECK(flag_set{flag::ece}.bits() == 0x40);
    CHECK(flag_set{flag::cwr}.bits() == 0x80);
    CHECK(flag_set::from_bits(0x12) == (flag::syn | flag::ack));
}

TEST_CASE("TCP flags print as the conventional letters", "[tcp][flags]") {
    CHECK((flag::syn | flag::ack).letters() == "SA");
    CHECK((flag::fin | flag::ack).letters() == "FA");
    CHECK((flag::rst | flag::ack).letters() == "RA");
    CHECK((flag::psh | flag::ack).letters() == "PA");
    CHECK(flag_set::from_bits(0xff).letters() == "FSRPAUEC");
    CHECK(flag_set{}.letters() == "");
}

TEST_CASE("every one of the 256 flag bytes prints and parses back to itself", "[tcp][flags]") {
    for (unsigned b = 0; b < 256; ++b) {
        const auto s = flag_set::from_bits(static_cast<std::uint8_t>(b));
        INFO("bits " << b);
        CHECK(s.bits() == b);
        CHECK(flag_set::from_letters(s.letters()) == s);
    }
}

TEST_CASE("a SYN with FIN or with RST breaks the rules a sender keeps", "[tcp][flags]") {
    CHECK_FALSE(syn_and_fin_cannot_be_set_together(flag::syn | flag::fin));
    CHECK_FALSE(syn_and_rst_cannot_be_set_together(flag::syn | flag::rst));
    CHECK_FALSE(is_sendable(flag::syn | flag::fin));
    CHECK(is_sendable(flag::syn | flag::ack));
    CHECK(is_sendable(flag::fin | flag::ack));
    CHECK(is_sendable(flag::rst | flag::ack));
}

TEST_CASE("the handshake and teardown segments classify as what they do", "[tcp][flags][classify]") {
    CHECK(classify(flag::syn, 0).kind == segment_class::connection_request);
    CHECK(classify(flag::syn | flag::ack, 0).kind == segment_class::connection_accept);
    CHECK(classify(flag::ack, 0).kind == segment_class::acknowledgement);
    CHECK(classify(flag::psh | flag::ack, 512).kind == segment_class::data);
    CHECK(classify(flag::ack, 512).kind == segment_class::data);
    CHECK(classify(flag::fin | flag::ack, 0).kind == segment_class::close);
    CHECK(classify(flag::fin | flag::psh | flag::ack, 10).kind == segment_class::close);
    CHECK(classify(flag::rst, 0).kind == segment_class::reset);
    CHECK(classify(flag::rst | flag::ack, 0).kind == segment_class::reset);
    for (auto kind : {flag::syn | flag::ack, flag_set{flag::ack}, flag::fin | flag::ack, flag::psh | flag::ack}) {
        CHECK(classify(kind, kind.has(flag::psh) ? 1 : 0).anomalies.empty());
    }
}

TEST_CASE("anomalous flag sets are classified and flagged for a monitor", "[tcp][flags][classify]") {
    CHECK(classify({}, 0) == classification{segment_class::none, flag_anomaly::no_flags});
    CHECK(classify(flag::syn | flag::fin, 0).anomalies == anomaly_set{flag_anomaly::syn_with_fin});
    CHECK(classify(flag::syn | flag::rst, 0).anomalies == anomaly_set{flag_anomaly::syn_with_rst});
    CHECK(classify(flag::syn | flag::rst, 0).kind == segment_class::reset);
    const auto xmas = classify(flag_set{flag::fin} | flag::psh | flag::urg, 0);
    CHECK(xmas.anomalies.has_all(flag_anomaly::xmas | flag_anomaly::fin_without_ack));
    CHECK(xmas.anomalies.has(flag_anomaly::psh_without_data));
    CHECK(classify(flag::fin, 0).anomalies == anomaly_set{flag_anomaly::fin_without_ack});
    CHECK(classify(flag::psh | flag::ack, 0).anomalies == anomaly_set{flag_anomaly::psh_without_data});
}

TEST_CASE("every flag byte gets exactly one class", "[tcp][flags][classify]") {
    int resets = 0;
    for (unsigned b = 0; b < 256; ++b) {
        const auto c = classify(flag_set::from_bits(static_cast<std::uint8_t>(b)), 0);
        if (c.kind == segment_class::reset) ++resets;
        CHECK(to_string(c.kind) != "unknown");
    }
    CHECK(resets == 128); // RST takes precedence in every set that holds it
}
