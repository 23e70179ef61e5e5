// Autoconfigure(): builds and installs the SDK from the OTEL_* environment variables, with the
// ADOT distribution's defaults for whatever is left unset. One opt-in call:
//
//   auto telemetry = adot::sdk::Autoconfigure();   // at the start of main()
//   ...                                           // the global providers are installed
//   telemetry.Shutdown();                          // or let the handle go out of scope
//
// Traces: a BatchSpanProcessor per exporter in OTEL_TRACES_EXPORTER. Metrics: a
// PeriodicExportingMetricReader per exporter in OTEL_METRICS_EXPORTER (otlp, console, none) on a
// MeterProvider with the tracer provider's resource, installed as the global meter provider.
//
// Link adot::autoconfigure (OTLP/HTTP and console exporters); also link
// adot::autoconfigure_grpc to allow OTEL_EXPORTER_OTLP_PROTOCOL=grpc.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "adot/exporters/otlp/otlp_options.h"
#include "adot/sdk/common/attribute_value.h"
#include "adot/sdk/metrics/exporter.h"
#include "adot/sdk/metrics/meter_provider.h"
#include "adot/sdk/trace/processor.h"
#include "adot/sdk/trace/span_limits.h"
#include "adot/sdk/trace/tracer_provider.h"

namespace adot::sdk {

struct AutoconfigureOptions {
  // Resource attributes the environment may override, e.g. a default service.name.
  OwnedAttributes default_resource_attributes;
  // Install the tracer provider, meter provider and propagator as the process-wide ones.
  bool install_globals = true;
};

// What Autoconfigure() decided, after defaults and the environment.
struct AutoconfigureSettings {
  bool disabled = false;                          // OTEL_SDK_DISABLED
  std::vector<std::string> resource_detectors;    // OTEL_RESOURCE_DETECTORS
  std::string sampler;                            // the sampler's description
  std::vector<std::string> propagators;           // OTEL_PROPAGATORS
  std::vector<std::string> traces_exporters;      // OTEL_TRACES_EXPORTER
  std::vector<std::string> metrics_exporters;     // OTEL_METRICS_EXPORTER (those in use)
  std::vector<std::string> logs_exporters;        // OTEL_LOGS_EXPORTER
  exporters::otlp::OtlpExporterOptions otlp_traces;   // OTEL_EXPORTER_OTLP_[TRACES_]*
  exporters::otlp::OtlpExporterOptions otlp_metrics;  // OTEL_EXPORTER_OTLP_[METRICS_]*
  trace::BatchSpanProcessorOptions batch;         // OTEL_BSP_*
  trace::SpanLimits span_limits;                  // OTEL_*_LIMIT
  std::chrono::milliseconds metric_export_interval{60000};  // OTEL_METRIC_EXPORT_INTERVAL
  std::chrono::milliseconds metric_export_timeout{30000};   // OTEL_METRIC_EXPORT_TIMEOUT
  // OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, for the otlp metric exporter.
  metrics::TemporalityPreference metrics_temporality = metrics::TemporalityPreference::kCumulative;
  metrics::ExemplarFilter exemplar_filter = metrics::ExemplarFilter::kTraceBased;  // OTEL_METRICS_EXEMPLAR_FILTER
};

// The configured SDK. Flushes and shuts everything down when destroyed (or on Shutdown()), and
// then restores the no-op globals if it had installed its own.
class Autoconfigured {
 public:
  Autoconfigured() = default;
  Autoconfigured(Autoconfigured&&) noexcept = default;
  Autoconfigured& operator=(Autoconfigured&&) noexcept;
  ~Autoconfigured();

  bool ForceFlush(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));
  bool Shutdown(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));

  const AutoconfigureSettings& settings() const noexcept { return settings_; }
  // Null when the SDK is disabled.
  const std::shared_ptr<trace::TracerProvider>& tracer_provider() const noexcept {
    return tracer_provider_;
  }
  // Null when the SDK is disabled. With OTEL_METRICS_EXPORTER=none it has no reader, and what is
  // measured is never exported (as the tracer provider without exporters).
  const std::shared_ptr<metrics::MeterProvider>& meter_provider() const noexcept {
    return meter_provider_;
  }

 private:
  friend Autoconfigured Autoconfigure(const AutoconfigureOptions& options);

  AutoconfigureSettings settings_;
  std::shared_ptr<trace::TracerProvider> tracer_provider_;
  std::shared_ptr<metrics::MeterProvider> meter_provider_;
  bool installed_globals_ = false;
};

Autoconfigured Autoconfigure(const AutoconfigureOptions& options = {});

// Lets Autoconfigure() create OTLP/gRPC span exporters; adot::autoconfigure_grpc registers it.
using SpanExporterFactory =
    std::unique_ptr<trace::SpanExporter> (*)(exporters::otlp::OtlpExporterOptions options);
void RegisterOtlpGrpcSpanExporterFactory(SpanExporterFactory factory);

// The same for OTLP/gRPC metric exporters.
using MetricExporterFactory =
    std::unique_ptr<metrics::MetricExporter> (*)(exporters::otlp::OtlpExporterOptions options);
void RegisterOtlpGrpcMetricExporterFactory(MetricExporterFactory factory);

}  // namespace adot::sdk
