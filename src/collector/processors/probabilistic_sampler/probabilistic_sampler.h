// probabilistic_sampler processor (hash_seed mode): keeps a span or log record when
// FNV-1a(hash_seed as 4 little-endian bytes, trace_id) & 0x3FFF < sampling_percentage * 16384 / 100,
// so every collector with the same seed keeps the same traces. Mutates data.
#pragma once

#include <cstdint>
#include <string_view>

#include "collector/core/component.h"

namespace adot::collector {

Factory ProbabilisticSamplerProcessorFactory();

// The 14-bit bucket of a trace id for a seed.
uint32_t SamplingBucket(uint32_t seed, std::string_view trace_id);

}  // namespace adot::collector
