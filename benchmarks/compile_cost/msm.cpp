// The connection machine on Boost.MSM, compiled as C++17 (see connection.hpp).
#include "connection_msm.hpp"
#include "run.hpp"

namespace connection::with_msm {
namespace {
struct started_machine : with_msm::machine {
    started_machine() { start(); }
};
started_machine instance;
} // namespace

st dispatch_one(std::size_t event) {
    dispatch(instance, event);
    return state_of(instance);
}

outcome run_pass(const std::uint8_t* events, std::size_t count) {
    instance.stop();
    instance.context = {};
    instance.start();
    for (std::size_t i = 0; i < count; ++i) dispatch(instance, events[i]);
    return {state_of(instance), instance.context};
}
} // namespace connection::with_msm
