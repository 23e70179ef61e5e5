// OTLP over gRPC for spans and metrics. Lives in its own library (adot::exporter_otlp_grpc), so
// only applications that choose gRPC link grpc++ (never libprotobuf: the requests are encoded by
// the project's own writer).
#pragma once

#include <memory>

#include "adot/exporters/otlp/otlp_options.h"
#include "adot/sdk/metrics/exporter.h"
#include "adot/sdk/trace/exporter.h"

namespace adot::exporters::otlp {

// options.endpoint: http://host:port (plaintext), https://host:port (TLS), or host:port (TLS
// unless options.insecure).
std::unique_ptr<sdk::trace::SpanExporter> CreateOtlpGrpcSpanExporter(OtlpExporterOptions options);

// opentelemetry.proto.collector.metrics.v1.MetricsService/Export. GetTemporality follows
// ResolvedTemporalityPreference(options), fixed when the exporter is created.
std::unique_ptr<sdk::metrics::MetricExporter> CreateOtlpGrpcMetricExporter(
    OtlpExporterOptions options);

}  // namespace adot::exporters::otlp
