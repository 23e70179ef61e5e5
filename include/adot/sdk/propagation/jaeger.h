// Jaeger (uber-trace-id and uberctx-* baggage), registry name "jaeger" (deprecated upstream).
#pragma once

#include <string_view>
#include <vector>

#include "adot/api/propagation/text_map.h"

namespace adot::sdk::propagation {

class JaegerPropagator final : public api::propagation::TextMapPropagator {
 public:
  static constexpr std::string_view kHeader = "uber-trace-id";
  static constexpr std::string_view kBaggagePrefix = "uberctx-";

  void Inject(const api::Context& context,
              api::propagation::TextMapSetter& carrier) const noexcept override;
  api::Context Extract(const api::Context& context,
                       const api::propagation::TextMapGetter& carrier) const noexcept override;
  std::vector<std::string_view> Fields() const override { return {kHeader}; }
};

}  // namespace adot::sdk::propagation
