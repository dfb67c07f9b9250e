// The connection machine on synack's engine: make_machine + dispatch(event index).
#include "connection_synack.hpp"
#include "run.hpp"

namespace connection::with_synack {
namespace {
machine_type instance = synack::core::make_machine(table, stats{});
} // namespace

st dispatch_one(std::size_t event) {
    instance.dispatch(event);
    return static_cast<st>(instance.state());
}

outcome run_pass(const std::uint8_t* events, std::size_t count) {
    instance.reset();
    for (std::size_t i = 0; i < count; ++i) instance.dispatch(events[i]);
    return {static_cast<st>(instance.state()), instance.context()};
}
} // namespace connection::with_synack
