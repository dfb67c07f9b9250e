// EXPECT: deleted
// A memory pair keeps a reference to its clock, so it cannot be built from a temporary one.
#include <synack/transport/memory.hpp>

#ifdef SYNACK_FAIL_CONTROL
const synack::core::manual_clock clock_instance;
synack::transport::memory_pair<4, 64> pair{clock_instance};
#else
synack::transport::memory_pair<4, 64> pair{synack::core::manual_clock{}};
#endif
