// OTLP over HTTP (protobuf or JSON) for spans and metrics. Links libcurl and zlib, never protobuf
// or gRPC. Retries (429, 502, 503, 504, connection errors, timeouts) with exponential backoff or
// the server's Retry-After, within max_attempts × timeout per export.
#pragma once

#include <memory>

#include "adot/exporters/otlp/otlp_options.h"
#include "adot/sdk/metrics/exporter.h"
#include "adot/sdk/trace/exporter.h"

namespace adot::exporters::otlp {

// options.protocol must be kHttpProtobuf or kHttpJson.
std::unique_ptr<sdk::trace::SpanExporter> CreateOtlpHttpSpanExporter(OtlpExporterOptions options);

// options.endpoint is the full URL (OtlpExporterOptions::FromEnvironment(Signal::kMetrics) or
// Defaults(Signal::kMetrics) give .../v1/metrics). GetTemporality follows
// ResolvedTemporalityPreference(options), fixed when the exporter is created.
std::unique_ptr<sdk::metrics::MetricExporter> CreateOtlpHttpMetricExporter(
    OtlpExporterOptions options);

}  // namespace adot::exporters::otlp
