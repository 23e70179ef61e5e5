// Fast per-thread random numbers for ids and sampling decisions.
#pragma once

#include <cstdint>

namespace adot::sdk::internal {

// 64 random bits from a per-thread xoshiro256** generator seeded from the OS. A forked child
// reseeds on first use, so parent and child never produce the same ids.
uint64_t Random64() noexcept;

}  // namespace adot::sdk::internal
