#include "adot/sdk/metrics/exporter.h"

#include "adot/api/propagation/text_map.h"
#include "adot/sdk/common/env.h"

namespace adot::sdk::metrics {

AggregationTemporality TemporalityFor(TemporalityPreference preference, InstrumentKind kind) noexcept {
  constexpr auto kDelta = AggregationTemporality::kDelta;
  constexpr auto kCumulative = AggregationTemporality::kCumulative;
  switch (preference) {
    case TemporalityPreference::kCumulative:
      return kCumulative;
    case TemporalityPreference::kDelta:
      return kind == InstrumentKind::kUpDownCounter ||
                     kind == InstrumentKind::kObservableUpDownCounter
                 ? kCumulative
                 : kDelta;
    case TemporalityPreference::kLowMemory:
      return kind == InstrumentKind::kCounter || kind == InstrumentKind::kHistogram ||
                     kind == InstrumentKind::kGauge
                 ? kDelta
                 : kCumulative;
  }
  return kCumulative;
}

std::optional<TemporalityPreference> TemporalityPreferenceFromEnvironment() {
  using api::propagation::internal::EqualsIgnoreCase;
  constexpr const char* kName = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE";
  auto v = env::GetString(kName);
  if (!v) return std::nullopt;
  if (EqualsIgnoreCase(*v, "cumulative")) return TemporalityPreference::kCumulative;
  if (EqualsIgnoreCase(*v, "delta")) return TemporalityPreference::kDelta;
  if (EqualsIgnoreCase(*v, "lowmemory")) return TemporalityPreference::kLowMemory;
  env::WarnInvalid(kName, *v, "cumulative");
  return std::nullopt;
}

}  // namespace adot::sdk::metrics
