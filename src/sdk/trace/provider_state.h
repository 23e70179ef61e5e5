// State shared by a TracerProvider, its tracers and their spans.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "adot/sdk/trace/id_generator.h"
#include "adot/sdk/trace/processor.h"
#include "adot/sdk/trace/sampler.h"
#include "adot/sdk/trace/span_limits.h"
#include "sdk/trace/builtin_sampler.h"
#include "sdk/trace/ids.h"

namespace adot::sdk::trace {

struct ProviderState {
  std::shared_ptr<const Resource> resource;
  std::shared_ptr<Sampler> sampler;
  // Set once sampler is: lets the tracer decide inline for the built-in samplers.
  bool sampler_is_builtin = false;
  internal::BuiltinSampling builtin_sampling;
  std::shared_ptr<IdGenerator> id_generator;
  // Set once id_generator is: lets the tracer draw built-in ids inline.
  internal::IdGeneratorKind id_kind = internal::IdGeneratorKind::kCustom;
  // sampler_is_builtin and a built-in id generator: the tracer's fast path.
  bool builtin_sampler_and_ids = false;
  SpanLimits limits;
  std::vector<std::shared_ptr<SpanProcessor>> processors;
  std::atomic<bool> shut_down{false};
};

}  // namespace adot::sdk::trace
