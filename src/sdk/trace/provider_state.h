// State shared by a TracerProvider, its tracers and their spans.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "adot/sdk/trace/id_generator.h"
#include "adot/sdk/trace/processor.h"
#include "adot/sdk/trace/sampler.h"
#include "adot/sdk/trace/span_limits.h"

namespace adot::sdk::trace {

struct ProviderState {
  std::shared_ptr<const Resource> resource;
  std::shared_ptr<Sampler> sampler;
  std::shared_ptr<IdGenerator> id_generator;
  SpanLimits limits;
  std::vector<std::shared_ptr<SpanProcessor>> processors;
  std::atomic<bool> shut_down{false};
};

}  // namespace adot::sdk::trace
