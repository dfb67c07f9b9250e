// EXPECT: (deleted function|call to deleted|use of deleted)
// Parsing a temporary vector would leave the view dangling: it does not compile.
#include <synack/tcp/segment.hpp>

#include <vector>

int main() {
#ifdef SYNACK_FAIL_CONTROL
    const std::vector<std::uint8_t> bytes(20, 0);
    return synack::tcp::parse(bytes).has_value() ? 0 : 1;
#else
    return synack::tcp::parse(std::vector<std::uint8_t>(20, 0)).has_value() ? 0 : 1;
#endif
}
