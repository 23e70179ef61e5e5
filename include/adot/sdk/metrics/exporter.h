// MetricExporter: the interface between metric readers and a protocol, and the temporality
// preferences an exporter can state.
#pragma once

#include <chrono>
#include <optional>

#include "adot/sdk/metrics/data.h"
#include "adot/sdk/trace/exporter.h"  // ExportResult

namespace adot::sdk::metrics {

// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE.
enum class TemporalityPreference : uint8_t {
  kCumulative,  // everything cumulative
  kDelta,       // Counter, ObservableCounter, Histogram and Gauge delta; UpDownCounters cumulative
  kLowMemory,   // Counter, Histogram and Gauge delta; the rest cumulative
};

// The temporality a preference gives an instrument kind. Only a synchronous Gauge's output
// depends on it among gauges: with delta it reports the series recorded since the last
// collection, with cumulative every series it has seen.
AggregationTemporality TemporalityFor(TemporalityPreference preference, InstrumentKind kind) noexcept;

// The preference in OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE (case-insensitive), or
// nullopt when unset or invalid (invalid values are reported once).
std::optional<TemporalityPreference> TemporalityPreferenceFromEnvironment();

// Export is called by one reader, one call at a time. Implementations must not throw and must
// return within their configured timeout.
class MetricExporter {
 public:
  virtual ~MetricExporter() = default;
  virtual ExportResult Export(const ResourceMetrics& metrics) noexcept = 0;
  virtual bool ForceFlush(std::chrono::milliseconds timeout) noexcept { return true; }
  // After Shutdown, Export returns kFailure. May be called while Export runs, and then makes it
  // return promptly.
  virtual bool Shutdown(std::chrono::milliseconds timeout) noexcept = 0;
  // The temporality the exporter wants for an instrument kind.
  virtual AggregationTemporality GetTemporality(InstrumentKind kind) const noexcept {
    return AggregationTemporality::kCumulative;
  }
};

}  // namespace adot::sdk::metrics
