#pragma once
// What each implementation's unit (synack.cpp, switch.cpp, msm.cpp) defines, in the same
// words for all three, so the benchmark calls them alike and the compile-cost script
// compiles exactly the code the benchmark runs. Each unit keeps one machine of its own:
//   dispatch_one(event)     dispatches one event known at run time, returns the new state;
//   run_pass(events, count) puts the machine back in CLOSED with zeroed counters, then
//                           dispatches `count` events and returns where it ended.
#include "connection.hpp"

#include <cstddef>
#include <cstdint>

namespace connection {

/// Where a machine is: its state and its counters.
struct outcome {
    st state{};
    stats context{};
};

namespace with_synack {
st dispatch_one(std::size_t event);
outcome run_pass(const std::uint8_t* events, std::size_t count);
} // namespace with_synack

namespace with_switch {
st dispatch_one(std::size_t event);
outcome run_pass(const std::uint8_t* events, std::size_t count);
} // namespace with_switch

namespace with_msm {
st dispatch_one(std::size_t event);
outcome run_pass(const std::uint8_t* events, std::size_t count);
} // namespace with_msm

} // namespace connection
