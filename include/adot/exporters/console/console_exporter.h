// Writes spans and metrics to a stream in a readable form, for development.
#pragma once

#include <cstdio>
#include <memory>

#include "adot/sdk/metrics/exporter.h"
#include "adot/sdk/trace/exporter.h"

namespace adot::exporters::console {

// out defaults to stdout; the exporter does not close it.
std::unique_ptr<sdk::trace::SpanExporter> CreateConsoleSpanExporter(std::FILE* out = stdout);

// One block per metric ("metric "name" sum monotonic cumulative  unit "ms""), its scope, and one
// "point" entry per data point with its attributes, value (or count, sum, min, max and buckets)
// and exemplars; then the resource. out defaults to stdout; the exporter does not close it.
std::unique_ptr<sdk::metrics::MetricExporter> CreateConsoleMetricExporter(
    std::FILE* out = stdout,
    sdk::metrics::TemporalityPreference preference = sdk::metrics::TemporalityPreference::kCumulative);

}  // namespace adot::exporters::console
