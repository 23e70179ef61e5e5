// Exemplar reservoirs: the sampled measurements a series keeps between collections.
#pragma once

#include <cstdint>
#include <vector>

#include "adot/api/trace/span_context.h"
#include "adot/sdk/metrics/data.h"
#include "sdk/metrics/sync.h"

namespace adot::sdk::metrics::internal {

// SimpleFixedSizeExemplarReservoir (aligned = false): reservoir sampling over all measurements
// of an interval into `size` slots. AlignedHistogramBucketExemplarReservoir (aligned = true): one
// slot per histogram bucket, each sampled uniformly among the bucket's measurements. Both
// restart sampling after each collection.
class ExemplarReservoir {
 public:
  ExemplarReservoir(size_t size, bool aligned);

  // The slot the measurement should go to, or -1 to drop it. bucket is the histogram bucket.
  // When a slot is returned the reservoir stays locked until Store.
  int Claim(size_t bucket) noexcept;
  void Store(int slot, Exemplar exemplar) noexcept;

  // The exemplars kept since the last Take.
  std::vector<Exemplar> Take();

 private:
  struct Slot {
    bool set = false;
    Exemplar exemplar;
  };
  SpinLock lock_;
  const bool aligned_;
  std::vector<Slot> slots_;
  std::vector<uint64_t> seen_;  // one counter, or one per bucket when aligned
};

}  // namespace adot::sdk::metrics::internal
