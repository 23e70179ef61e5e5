// AWS X-Ray (the X-Amzn-Trace-Id header), registry names "xray" and "xray-lambda".
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adot/api/propagation/text_map.h"

namespace adot::sdk::propagation {

// See docs/propagation.md for the decisions: Sampled=? and a missing Sampled leave the context
// unchanged (the local sampler starts a new trace); unknown keys and Self are ignored; Lineage is
// carried in the baggage entry "Lineage".
class XrayPropagator final : public api::propagation::TextMapPropagator {
 public:
  static constexpr std::string_view kHeader = "X-Amzn-Trace-Id";
  static constexpr std::string_view kLineageBaggageKey = "Lineage";
  static constexpr size_t kMaxHeaderLength = 256;

  void Inject(const api::Context& context,
              api::propagation::TextMapSetter& carrier) const noexcept override;
  api::Context Extract(const api::Context& context,
                       const api::propagation::TextMapGetter& carrier) const noexcept override;
  std::vector<std::string_view> Fields() const override { return {kHeader}; }

  // Extracts from one X-Amzn-Trace-Id value.
  static api::Context ExtractHeader(const api::Context& context, std::string_view header) noexcept;
  static bool IsValidLineage(std::string_view lineage) noexcept;
};

// The Lambda variant: the carrier's X-Ray header, then, when the incoming context has no valid
// span, the _X_AMZN_TRACE_ID environment variable (which wins over the carrier). Inject = xray.
class XrayLambdaPropagator final : public api::propagation::TextMapPropagator {
 public:
  static constexpr const char* kEnvironmentVariable = "_X_AMZN_TRACE_ID";
  // Returns the value of _X_AMZN_TRACE_ID (nullopt or empty = unset).
  using EnvironmentReader = std::function<std::optional<std::string>()>;

  // Reads the process environment on every Extract (the Lambda runtime changes it per invocation).
  XrayLambdaPropagator();
  explicit XrayLambdaPropagator(EnvironmentReader reader);

  void Inject(const api::Context& context,
              api::propagation::TextMapSetter& carrier) const noexcept override;
  api::Context Extract(const api::Context& context,
                       const api::propagation::TextMapGetter& carrier) const noexcept override;
  std::vector<std::string_view> Fields() const override { return {XrayPropagator::kHeader}; }

 private:
  XrayPropagator xray_;
  EnvironmentReader reader_;
};

}  // namespace adot::sdk::propagation
