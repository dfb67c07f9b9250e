// synack-alternating-bit: a sender and a receiver on the alternating bit protocol's
// tables, over a channel that loses a quarter of the frames each way. Every message
// arrives once and in order, or the program fails.
//   synack-alternating-bit [MESSAGES [LOSS_PERCENT [SEED]]]
#include "alternating_bit.hpp"

#include <cstdio>
#include <cstdlib>
#include <random>

int main(int argc, char** argv) {
    const unsigned long messages = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 1000;
    const double loss = (argc > 2 ? std::strtod(argv[2], nullptr) : 25.0) / 100.0;
    const unsigned long seed = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 1;
    if (!(loss >= 0.0 && loss < 1.0)) {
        std::fprintf(stderr, "LOSS_PERCENT must be in [0, 100)\n");
        return 2;
    }

    using namespace synack::core;
    auto sender = make_machine(abp::sender_table, abp::sender_io{});
    auto receiver = make_machine(abp::receiver_table, abp::receiver_io{});
    std::mt19937_64 random{seed};
    std::bernoulli_distribution lost{loss};

    unsigned long steps = 0;
    while (sender.context().completed < messages && ++steps < 100 * (messages + 1)) {
        // The application offers its next message; refused while one is in flight.
        sender.process(abp::send{});
        // The data frame crosses the channel, or is lost.
        const auto& out = sender.context();
        bool acked = false;
        if (!lost(random)) {
            if (out.frame_bit) receiver.process(abp::data1{out.in_flight});
            else receiver.process(abp::data0{out.in_flight});
            // Its acknowledgement crosses back, or is lost.
            if (!lost(random)) {
                acked = true;
                if (receiver.context().ack_bit) sender.process(abp::ack1{});
                else sender.process(abp::ack0{});
            }
        }
        if (!acked) sender.process(abp::timeout{});
    }

    const auto& s = sender.context();
    const auto& r = receiver.context();
    std::printf("messages %lu, loss %.0f%% each way, seed %lu\n", messages, loss * 100, seed);
    std::printf("sender:   %u transmissions (%u retransmissions), %u completed, %u sends refused while busy\n",
                s.transmissions, s.retransmissions, s.completed, s.refused);
    std::printf("receiver: %u delivered, %u duplicates re-acknowledged, %u out of order\n", r.delivered, r.duplicates,
                r.out_of_order);
    const bool ok = s.completed == messages && r.delivered == messages && r.out_of_order == 0;
    std::printf("%s\n", ok ? "every message delivered once, in order" : "FAILED");
    return ok ? 0 : 1;
}
