#include "support/catch.hpp"

#include <synack/tcp/sequence.hpp>

using namespace synack::tcp;

TEST_CASE("sequence numbers compare modulo 2^32 across the wrap", "[tcp][sequence]") {
    const seq_number top{0xffff'fff0};
    const seq_number bottom = top + 0x20;
    CHECK(bottom.raw() == 0x10);
    CHECK(top < bottom);
    CHECK(bottom > top);
    CHECK(bottom - top == 0x20);
    CHECK(top - bottom == -0x20);
    CHECK(distance(top, bottom) == 0x20u);
    CHECK(top <= top);
    CHECK_FALSE(top < top);
    CHECK(seq_number{5} - 6u == seq_number{0xffff'ffff});
}

TEST_CASE("a number more than 2^31 ahead counts as behind", "[tcp][sequence]") {
    const seq_number a{0};
    CHECK(a < a + 0x7fff'ffff);
    CHECK_FALSE(a < a + 0x8000'0001);
}

TEST_CASE("window membership holds across the wrap and an empty window holds nothing", "[tcp][sequence]") {
    const seq_number left{0xffff'fffe};
    CHECK(in_window(left, left, 4));
    CHECK(in_window(seq_number{1}, left, 4));
    CHECK_FALSE(in_window(seq_number{2}, left, 4));
    CHECK_FALSE(in_window(left - 1u, left, 4));
    CHECK_FALSE(in_window(left, left, 0));
    CHECK(in_range_left_open(seq_number{1}, left, seq_number{1}));
    CHECK_FALSE(in_range_left_open(left, left, seq_number{1}));
    CHECK(in_range_closed(left, left, seq_number{1}));
}

TEST_CASE("segment acceptability follows the four cases of RFC 9293 3.10.7.4", "[tcp][sequence]") {
    const seq_number rcv_nxt{1000};
    // SEG.LEN = 0, RCV.WND = 0: only SEG.SEQ = RCV.NXT
    CHECK(segment_acceptable(rcv_nxt, 0, rcv_nxt, 0));
    CHECK_FALSE(segment_acceptable(rcv_nxt + 1, 0, rcv_nxt, 0));
    // SEG.LEN = 0, RCV.WND > 0: RCV.NXT =< SEG.SEQ < RCV.NXT + RCV.WND
    CHECK(segment_acceptable(rcv_nxt, 0, rcv_nxt, 100));
    CHECK(segment_acceptable(rcv_nxt + 99, 0, rcv_nxt, 100));
    CHECK_FALSE(segment_acceptable(rcv_nxt + 100, 0, rcv_nxt, 100));
    CHECK_FALSE(segment_acceptable(rcv_nxt - 1, 0, rcv_nxt, 100));
    // SEG.LEN > 0, RCV.WND = 0: never
    CHECK_FALSE(segment_acceptable(rcv_nxt, 1, rcv_nxt, 0));
    // SEG.LEN > 0, RCV.WND > 0: first or last octet in the window
    CHECK(segment_acceptable(rcv_nxt - 10, 11, rcv_nxt, 100)); // last octet at RCV.NXT
    CHECK_FALSE(segment_acceptable(rcv_nxt - 10, 10, rcv_nxt, 100)); // entirely old
    CHECK(segment_acceptable(rcv_nxt + 99, 50, rcv_nxt, 100)); // first octet at the right edge
    CHECK_FALSE(segment_acceptable(rcv_nxt + 100, 1, rcv_nxt, 100));
}
