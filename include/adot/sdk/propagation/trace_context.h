// W3C Trace Context (traceparent + tracestate), registry name "tracecontext".
#pragma once

#include <string_view>
#include <vector>

#include "adot/api/propagation/text_map.h"

namespace adot::sdk::propagation {

class TraceContextPropagator final : public api::propagation::TextMapPropagator {
 public:
  static constexpr std::string_view kTraceParent = "traceparent";
  static constexpr std::string_view kTraceState = "tracestate";
  // Tracestate is cut to at most this many characters on inject, by whole entries.
  static constexpr size_t kMaxTraceStateLength = 512;
  // Entries longer than this are the first ones dropped when cutting.
  static constexpr size_t kLongEntryLength = 128;

  void Inject(const api::Context& context,
              api::propagation::TextMapSetter& carrier) const noexcept override;
  api::Context Extract(const api::Context& context,
                       const api::propagation::TextMapGetter& carrier) const noexcept override;
  std::vector<std::string_view> Fields() const override { return {kTraceParent, kTraceState}; }
};

}  // namespace adot::sdk::propagation
