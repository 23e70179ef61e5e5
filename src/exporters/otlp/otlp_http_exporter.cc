#include "adot/exporters/otlp/otlp_http_exporter.h"

#include <chrono>
#include <string>

#include "exporters/otlp/otlp_http_transport.h"
#include "exporters/otlp/otlp_metrics_encoder.h"
#include "exporters/otlp/otlp_trace_encoder.h"

namespace adot::exporters::otlp {
namespace {

using std::chrono::milliseconds;

class OtlpHttpSpanExporter final : public sdk::trace::SpanExporter {
 public:
  explicit OtlpHttpSpanExporter(OtlpExporterOptions options)
      : transport_(std::move(options), {"span exporter", "spans", "spans"}) {}

  sdk::ExportResult Export(sdk::trace::SpanBatch spans) noexcept override {
    return transport_.Export([&](std::string& body, bool json) {
      if (json) {
        EncodeTraceRequestJson(spans, body);
      } else {
        EncodeTraceRequestProto(spans, body);
      }
    }, /*nothing_to_send=*/spans.empty());  // OTLP: no empty envelopes
  }

  bool Shutdown(milliseconds timeout) noexcept override { return transport_.Shutdown(timeout); }

 private:
  OtlpHttpTransport transport_;
};

class OtlpHttpMetricExporter final : public sdk::metrics::MetricExporter {
 public:
  explicit OtlpHttpMetricExporter(OtlpExporterOptions options)
      : preference_(ResolvedTemporalityPreference(options)),
        transport_(std::move(options), {"metric exporter", "metrics", "data points"}) {}

  sdk::ExportResult Export(const sdk::metrics::ResourceMetrics& metrics) noexcept override {
    return transport_.Export([&](std::string& body, bool json) {
      if (json) {
        EncodeMetricsRequestJson(metrics, body);
      } else {
        EncodeMetricsRequestProto(metrics, body);
      }
    }, /*nothing_to_send=*/!HasDataPoints(metrics));
  }

  bool Shutdown(milliseconds timeout) noexcept override { return transport_.Shutdown(timeout); }

  sdk::metrics::AggregationTemporality GetTemporality(
      sdk::metrics::InstrumentKind kind) const noexcept override {
    return sdk::metrics::TemporalityFor(preference_, kind);
  }

 private:
  const sdk::metrics::TemporalityPreference preference_;
  OtlpHttpTransport transport_;
};

}  // namespace

std::unique_ptr<sdk::trace::SpanExporter> CreateOtlpHttpSpanExporter(OtlpExporterOptions options) {
  return std::make_unique<OtlpHttpSpanExporter>(std::move(options));
}

std::unique_ptr<sdk::metrics::MetricExporter> CreateOtlpHttpMetricExporter(
    OtlpExporterOptions options) {
  return std::make_unique<OtlpHttpMetricExporter>(std::move(options));
}

}  // namespace adot::exporters::otlp
