// The connection machine as a hand-written nested switch.
#include "connection_switch.hpp"
#include "run.hpp"

namespace connection::with_switch {
namespace {
with_switch::machine instance;
} // namespace

st dispatch_one(std::size_t event) {
    dispatch(instance, event);
    return instance.state;
}

outcome run_pass(const std::uint8_t* events, std::size_t count) {
    instance = {};
    for (std::size_t i = 0; i < count; ++i) dispatch(instance, events[i]);
    return {instance.state, instance.context};
}
} // namespace connection::with_switch
