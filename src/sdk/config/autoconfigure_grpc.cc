// Linked as an object file (adot::autoconfigure_grpc), so this registration always runs: it lets
// Autoconfigure() honour OTEL_EXPORTER_OTLP_PROTOCOL=grpc without every application linking gRPC.
#include "adot/exporters/otlp/otlp_grpc_exporter.h"
#include "adot/sdk/autoconfigure.h"

namespace {
const bool registered = [] {
  adot::sdk::RegisterOtlpGrpcSpanExporterFactory(&adot::exporters::otlp::CreateOtlpGrpcSpanExporter);
  adot::sdk::RegisterOtlpGrpcMetricExporterFactory(
      &adot::exporters::otlp::CreateOtlpGrpcMetricExporter);
  return true;
}();
}  // namespace
