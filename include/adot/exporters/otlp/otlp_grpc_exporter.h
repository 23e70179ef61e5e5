// OTLP over gRPC for spans. Lives in its own library (adot::exporter_otlp_grpc), so only
// applications that choose gRPC link grpc++.
#pragma once

#include <memory>

#include "adot/exporters/otlp/otlp_options.h"
#include "adot/sdk/trace/exporter.h"

namespace adot::exporters::otlp {

std::unique_ptr<sdk::trace::SpanExporter> CreateOtlpGrpcSpanExporter(OtlpExporterOptions options);

}  // namespace adot::exporters::otlp
