#include "sdk/common/random.h"

#include <pthread.h>
#include <sys/random.h>

#include <chrono>
#include <functional>
#include <thread>

namespace adot::sdk::internal {

constinit thread_local RandomState random_state = {};

namespace {

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The child of fork() runs only the forking thread: clearing its state makes its next draw
// reseed. Threads created later in the child start unseeded anyway.
void OnForkChild() { random_state = {}; }

const bool atfork_registered = [] {
  pthread_atfork(nullptr, nullptr, OnForkChild);
  return true;
}();

}  // namespace

void SeedRandomState() noexcept {
  (void)atfork_registered;
  uint64_t seed = 0;
  if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed)) {
    // No entropy source: mix time and thread identity instead.
    seed = static_cast<uint64_t>(
               std::chrono::high_resolution_clock::now().time_since_epoch().count()) ^
           std::hash<std::thread::id>()(std::this_thread::get_id());
  }
  RandomState& r = random_state;
  // SplitMix64 outputs four words that are never all zero (it is a bijection of distinct inputs).
  for (auto& word : r.s) word = SplitMix64(seed);
}

}  // namespace adot::sdk::internal
