// The built-in samplers reduced to thresholds, so the tracer can decide inline (no virtual call,
// no SamplingResult) when the provider's sampler is one of them.
#pragma once

#include <cstdint>
#include <cstring>

#include "adot/sdk/trace/sampler.h"

namespace adot::sdk::trace::internal {

// Every built-in sampler samples exactly when the low 63 bits of the trace id are below a
// threshold chosen by the parent: UINT64_MAX is always_on, 0 always_off. They add no attributes
// and keep the parent's trace state.
struct BuiltinSampling {
  uint64_t root = 0;
  uint64_t remote_parent_sampled = 0;
  uint64_t remote_parent_not_sampled = 0;
  uint64_t local_parent_sampled = 0;
  uint64_t local_parent_not_sampled = 0;

  bool ShouldSample(const api::trace::SpanContext& parent,
                    const api::trace::TraceId& trace_id) const noexcept {
    uint64_t threshold;
    if (!parent.IsValid()) {
      threshold = root;
    } else if (parent.IsRemote()) {
      threshold = parent.IsSampled() ? remote_parent_sampled : remote_parent_not_sampled;
    } else {
      threshold = parent.IsSampled() ? local_parent_sampled : local_parent_not_sampled;
    }
    uint64_t low;
    std::memcpy(&low, trace_id.data() + 8, sizeof(low));
    return (__builtin_bswap64(low) & 0x7fffffffffffffffULL) < threshold;
  }
};

// Fills `out` and returns true when `sampler` is a built-in sampler (or a parent-based one whose
// delegates all are plain built-in samplers).
bool DescribeBuiltinSampler(const Sampler& sampler, BuiltinSampling& out) noexcept;

}  // namespace adot::sdk::trace::internal
