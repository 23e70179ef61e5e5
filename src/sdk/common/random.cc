#include "sdk/common/random.h"

#include <pthread.h>
#include <sys/random.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace adot::sdk::internal {

namespace {

std::atomic<uint64_t> fork_generation{0};

void OnForkChild() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

const bool atfork_registered = [] {
  pthread_atfork(nullptr, nullptr, OnForkChild);
  return true;
}();

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

struct Xoshiro256 {
  uint64_t s[4] = {};
  uint64_t generation = UINT64_MAX;  // never a real generation: the first use seeds

  void Seed() {
    uint64_t seed = 0;
    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed)) {
      // No entropy source: mix time and thread identity instead.
      seed = static_cast<uint64_t>(
                 std::chrono::high_resolution_clock::now().time_since_epoch().count()) ^
             std::hash<std::thread::id>()(std::this_thread::get_id());
    }
    for (auto& word : s) word = SplitMix64(seed);
    generation = fork_generation.load(std::memory_order_relaxed);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = Rotl(s[3], 45);
    return result;
  }
};

// initial-exec: a direct TLS access; the library is built position-independent, and the default
// model would call __tls_get_addr on every id.
// constinit: constant-initialised, so no per-access initialisation guard either.
__attribute__((tls_model("initial-exec"))) constinit thread_local Xoshiro256 rng;

}  // namespace

uint64_t Random64() noexcept {
  if (rng.generation != fork_generation.load(std::memory_order_relaxed)) {
    (void)atfork_registered;
    rng.Seed();
  }
  return rng.Next();
}

}  // namespace adot::sdk::internal
