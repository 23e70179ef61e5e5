// OTLP over HTTP (protobuf or JSON) for spans. Links libcurl and zlib, never protobuf or gRPC.
#pragma once

#include <memory>

#include "adot/exporters/otlp/otlp_options.h"
#include "adot/sdk/trace/exporter.h"

namespace adot::exporters::otlp {

// options.protocol must be kHttpProtobuf or kHttpJson.
std::unique_ptr<sdk::trace::SpanExporter> CreateOtlpHttpSpanExporter(OtlpExporterOptions options);

}  // namespace adot::exporters::otlp
