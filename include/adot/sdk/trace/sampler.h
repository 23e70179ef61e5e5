// Samplers: decide at span start whether a span is recorded and sampled.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "adot/api/attributes.h"
#include "adot/api/context.h"
#include "adot/api/trace/span.h"
#include "adot/sdk/common/attribute_value.h"

namespace adot::sdk::trace {

enum class Decision { kDrop, kRecordOnly, kRecordAndSample };

struct SamplingResult {
  Decision decision = Decision::kDrop;
  // Extra attributes for the span.
  OwnedAttributes attributes;
  // Replaces the trace state inherited from the parent when set.
  std::shared_ptr<const api::trace::TraceState> trace_state;
  bool replace_trace_state = false;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  // parent_context is the full parent Context; parent is the SpanContext of the parent span in
  // it (invalid for a root span).
  virtual SamplingResult ShouldSample(const api::Context& parent_context,
                                      const api::trace::SpanContext& parent,
                                      const api::trace::TraceId& trace_id, std::string_view name,
                                      api::trace::SpanKind kind, api::AttributeView attributes,
                                      std::span<const api::trace::Link> links) noexcept = 0;
  virtual std::string GetDescription() const = 0;
};

std::unique_ptr<Sampler> CreateAlwaysOnSampler();
std::unique_ptr<Sampler> CreateAlwaysOffSampler();
// Samples when the trace id's low 8 bytes (as a big-endian integer) fall below ratio * 2^64;
// ratio is clamped to [0, 1].
std::unique_ptr<Sampler> CreateTraceIdRatioSampler(double ratio);

struct ParentBasedOptions {
  std::shared_ptr<Sampler> remote_parent_sampled;      // default always_on
  std::shared_ptr<Sampler> remote_parent_not_sampled;  // default always_off
  std::shared_ptr<Sampler> local_parent_sampled;       // default always_on
  std::shared_ptr<Sampler> local_parent_not_sampled;   // default always_off
};
// Uses root for spans without a parent and follows the parent's sampled flag otherwise.
std::unique_ptr<Sampler> CreateParentBasedSampler(std::shared_ptr<Sampler> root,
                                                  ParentBasedOptions options = {});

// OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG (default parentbased_always_on). Unknown names and
// invalid ratios give one warning and the default.
std::unique_ptr<Sampler> CreateSamplerFromEnvironment();

}  // namespace adot::sdk::trace
