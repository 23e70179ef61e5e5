// Fast per-thread random numbers for ids and sampling decisions.
#pragma once

#include <cstdint>

namespace adot::sdk::internal {

// xoshiro256** state of one thread. All zero means "not seeded yet": a thread's first use seeds
// it from the OS, and a forked child's pthread_atfork handler clears the forking thread's state,
// so parent and child never produce the same ids.
struct RandomState {
  uint64_t s[4];
};

// initial-exec: a direct TLS access (the library is built position-independent, and the default
// model would call __tls_get_addr on every id). constinit: no per-access initialisation guard.
extern __attribute__((tls_model("initial-exec"))) constinit thread_local RandomState random_state;

[[gnu::noinline, gnu::cold]] void SeedRandomState() noexcept;

// Fills `out` with random words: one seeding check, and the state stays in registers between
// words. Inline: span ids are drawn on every span start, sampled or not.
template <int N>
inline void RandomWords(uint64_t (&out)[N]) noexcept {
  RandomState& r = random_state;
  if ((r.s[0] | r.s[1] | r.s[2] | r.s[3]) == 0) [[unlikely]] SeedRandomState();
  uint64_t s0 = r.s[0], s1 = r.s[1], s2 = r.s[2], s3 = r.s[3];
  auto rotl = [](uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
#pragma GCC unroll 4
  for (int i = 0; i < N; ++i) {
    out[i] = rotl(s1 * 5, 7) * 9;
    const uint64_t t = s1 << 17;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 45);
  }
  r.s[0] = s0;
  r.s[1] = s1;
  r.s[2] = s2;
  r.s[3] = s3;
}

// 64 random bits.
inline uint64_t Random64() noexcept {
  uint64_t word[1];
  RandomWords(word);
  return word[0];
}

}  // namespace adot::sdk::internal
