// OTLP/gRPC span and metric exporters. The request bytes come from the project's own protobuf
// encoders and travel through grpc::GenericStub (otlp_grpc_transport.h), so this library needs
// grpc++ but no generated protobuf code.

#include "adot/exporters/otlp/otlp_grpc_exporter.h"

#include <string>

#include "exporters/otlp/otlp_metrics_encoder.h"
#include "exporters/otlp/otlp_trace_encoder.h"
#include "exporters/otlp_grpc/otlp_grpc_transport.h"

namespace adot::exporters::otlp {
namespace {

using std::chrono::milliseconds;

constexpr char kTraceExportMethod[] = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
constexpr char kMetricsExportMethod[] =
    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";

class OtlpGrpcSpanExporter final : public sdk::trace::SpanExporter {
 public:
  explicit OtlpGrpcSpanExporter(OtlpExporterOptions options)
      : transport_(std::move(options), kTraceExportMethod, {"span exporter", "spans", "spans"}) {}

  sdk::ExportResult Export(sdk::trace::SpanBatch spans) noexcept override {
    return transport_.Export([&](std::string& body) { EncodeTraceRequestProto(spans, body); },
                             /*nothing_to_send=*/spans.empty());  // OTLP: no empty envelopes
  }

  bool Shutdown(milliseconds timeout) noexcept override { return transport_.Shutdown(timeout); }

 private:
  OtlpGrpcTransport transport_;
};

class OtlpGrpcMetricExporter final : public sdk::metrics::MetricExporter {
 public:
  explicit OtlpGrpcMetricExporter(OtlpExporterOptions options)
      : preference_(ResolvedTemporalityPreference(options)),
        transport_(std::move(options), kMetricsExportMethod,
                   {"metric exporter", "metrics", "data points"}) {}

  sdk::ExportResult Export(const sdk::metrics::ResourceMetrics& metrics) noexcept override {
    return transport_.Export([&](std::string& body) { EncodeMetricsRequestProto(metrics, body); },
                             /*nothing_to_send=*/!HasDataPoints(metrics));
  }

  bool Shutdown(milliseconds timeout) noexcept override { return transport_.Shutdown(timeout); }

  sdk::metrics::AggregationTemporality GetTemporality(
      sdk::metrics::InstrumentKind kind) const noexcept override {
    return sdk::metrics::TemporalityFor(preference_, kind);
  }

 private:
  const sdk::metrics::TemporalityPreference preference_;
  OtlpGrpcTransport transport_;
};

}  // namespace

std::unique_ptr<sdk::trace::SpanExporter> CreateOtlpGrpcSpanExporter(OtlpExporterOptions options) {
  return std::make_unique<OtlpGrpcSpanExporter>(std::move(options));
}

std::unique_ptr<sdk::metrics::MetricExporter> CreateOtlpGrpcMetricExporter(
    OtlpExporterOptions options) {
  return std::make_unique<OtlpGrpcMetricExporter>(std::move(options));
}

}  // namespace adot::exporters::otlp
