#include "sdk/metrics/exemplar.h"

#include "sdk/common/random.h"

namespace adot::sdk::metrics::internal {

ExemplarReservoir::ExemplarReservoir(size_t size, bool aligned)
    : aligned_(aligned), slots_(size), seen_(aligned ? size : 1) {}

int ExemplarReservoir::Claim(size_t bucket) noexcept {
  lock_.lock();
  int slot = -1;
  if (aligned_) {
    if (bucket < slots_.size()) {
      // The n-th measurement of the bucket replaces the kept one with probability 1/n.
      const uint64_t n = ++seen_[bucket];
      if (n == 1 || sdk::internal::Random64() % n == 0) slot = static_cast<int>(bucket);
    }
  } else {
    const uint64_t n = ++seen_[0];
    if (n <= slots_.size()) {
      slot = static_cast<int>(n - 1);
    } else {
      const uint64_t r = sdk::internal::Random64() % n;
      if (r < slots_.size()) slot = static_cast<int>(r);
    }
  }
  if (slot < 0) lock_.unlock();
  return slot;
}

void ExemplarReservoir::Store(int slot, Exemplar exemplar) noexcept {
  slots_[slot].set = true;
  slots_[slot].exemplar = std::move(exemplar);
  lock_.unlock();
}

std::vector<Exemplar> ExemplarReservoir::Take() {
  std::vector<Exemplar> out;
  std::lock_guard<SpinLock> lock(lock_);
  for (auto& slot : slots_) {
    if (!slot.set) continue;
    out.push_back(std::move(slot.exemplar));
    slot.set = false;
  }
  for (auto& n : seen_) n = 0;
  return out;
}

}  // namespace adot::sdk::metrics::internal
