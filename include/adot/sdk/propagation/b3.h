// Zipkin B3, registry names "b3" (inject the single "b3" header) and "b3multi" (inject X-B3-*).
// Both extract either form; the single header wins when present.
#pragma once

#include <string_view>
#include <vector>

#include "adot/api/propagation/text_map.h"

namespace adot::sdk::propagation {

class B3Propagator final : public api::propagation::TextMapPropagator {
 public:
  enum class InjectEncoding { kSingleHeader, kMultiHeader };
  static constexpr std::string_view kSingleHeader = "b3";
  static constexpr std::string_view kTraceIdHeader = "X-B3-TraceId";
  static constexpr std::string_view kSpanIdHeader = "X-B3-SpanId";
  static constexpr std::string_view kParentSpanIdHeader = "X-B3-ParentSpanId";
  static constexpr std::string_view kSampledHeader = "X-B3-Sampled";
  static constexpr std::string_view kFlagsHeader = "X-B3-Flags";

  explicit B3Propagator(InjectEncoding encoding = InjectEncoding::kSingleHeader) noexcept
      : encoding_(encoding) {}

  void Inject(const api::Context& context,
              api::propagation::TextMapSetter& carrier) const noexcept override;
  api::Context Extract(const api::Context& context,
                       const api::propagation::TextMapGetter& carrier) const noexcept override;
  std::vector<std::string_view> Fields() const override;

 private:
  InjectEncoding encoding_;
};

}  // namespace adot::sdk::propagation
