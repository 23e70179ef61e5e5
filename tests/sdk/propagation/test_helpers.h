// Helpers for the propagator tests.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "adot/api/baggage.h"
#include "adot/api/propagation/carriers.h"
#include "adot/api/trace/span.h"

namespace adot::sdk::propagation::testing {

using api::Context;
using api::propagation::MapCarrier;
using api::trace::SpanContext;

// A copy: the span (and its context) belongs to ctx, which is often a temporary.
inline SpanContext SpanContextIn(const Context& ctx) {
  auto* span = ctx.GetValuePtr<api::trace::Span>(api::trace::SpanContextKey());
  return span ? span->GetContext() : SpanContext();
}

inline Context WithSpan(const std::string& trace_id, const std::string& span_id, uint8_t flags,
                        std::shared_ptr<const api::trace::TraceState> state = nullptr,
                        Context base = Context()) {
  return api::trace::ContextWithSpan(
      base, std::make_shared<api::trace::NonRecordingSpan>(SpanContext(
                api::trace::TraceId::FromHex(trace_id), api::trace::SpanId::FromHex(span_id),
                api::trace::TraceFlags(flags), true, std::move(state))));
}

inline std::string BaggageString(const Context& ctx) {
  std::string out;
  for (const auto& e : *api::baggage::GetBaggage(ctx)) {
    if (!out.empty()) out += ",";
    out += e.key + "=" + e.value;
    if (!e.metadata.empty()) out += ";" + e.metadata;
  }
  return out;
}

}  // namespace adot::sdk::propagation::testing
