// Encodes collected metrics as an OTLP ExportMetricsServiceRequest, straight from the SDK's data
// model: protobuf binary with the project's wire writer, or OTLP/JSON.
#pragma once

#include <string>

#include "adot/sdk/metrics/data.h"

namespace adot::exporters::otlp {

// Appends an ExportMetricsServiceRequest holding metrics to out. Metrics without scope metrics
// give an empty request.
void EncodeMetricsRequestProto(const sdk::metrics::ResourceMetrics& metrics, std::string& out);
void EncodeMetricsRequestJson(const sdk::metrics::ResourceMetrics& metrics, std::string& out);

// Whether metrics hold at least one data point: exporters send nothing otherwise (OTLP: no empty
// envelopes).
bool HasDataPoints(const sdk::metrics::ResourceMetrics& metrics) noexcept;

}  // namespace adot::exporters::otlp
