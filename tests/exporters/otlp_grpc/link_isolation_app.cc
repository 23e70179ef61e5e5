// A minimal application of the SDK with the OTLP/HTTP exporter (and, built with
// ADOT_LINK_ISOLATION_WITH_GRPC, the OTLP/gRPC one as well). It is only linked and inspected by
// check_link.sh, never run.
#include <chrono>
#include <memory>

#include "adot/exporters/otlp/otlp_http_exporter.h"
#include "adot/sdk/trace/processor.h"
#include "adot/sdk/trace/tracer_provider.h"
#ifdef ADOT_LINK_ISOLATION_WITH_GRPC
#include "adot/exporters/otlp/otlp_grpc_exporter.h"
#endif

int main() {
  namespace otlp = adot::exporters::otlp;
  namespace trace = adot::sdk::trace;
  trace::TracerProviderOptions options;
  options.processors.push_back(trace::CreateSimpleSpanProcessor(
      otlp::CreateOtlpHttpSpanExporter(otlp::OtlpExporterOptions::FromEnvironment(otlp::Signal::kTraces))));
#ifdef ADOT_LINK_ISOLATION_WITH_GRPC
  otlp::OtlpExporterOptions grpc_options;
  grpc_options.protocol = otlp::Protocol::kGrpc;
  options.processors.push_back(trace::CreateSimpleSpanProcessor(otlp::CreateOtlpGrpcSpanExporter(grpc_options)));
#endif
  trace::TracerProvider provider(std::move(options));
  provider.GetTracer("link-isolation")->StartSpan("check")->End();
  return provider.Shutdown(std::chrono::milliseconds(100)) ? 0 : 1;
}
