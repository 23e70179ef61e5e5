#include "adot/api/trace.h"
#include "adot/exporters/console/console_exporter.h"
#include "adot/exporters/otlp/otlp_http_exporter.h"
#include "adot/sdk/trace/tracer_provider.h"

int main() {
  using namespace adot;
  // Creating (not using) the OTLP/HTTP exporter proves its link dependencies resolve.
  exporters::otlp::CreateOtlpHttpSpanExporter({})->Shutdown(std::chrono::milliseconds(0));
  sdk::trace::TracerProviderOptions options;
  options.processors.push_back(sdk::trace::CreateSimpleSpanProcessor(
      exporters::console::CreateConsoleSpanExporter()));
  auto provider = std::make_shared<sdk::trace::TracerProvider>(std::move(options));
  api::trace::SetTracerProvider(provider);
  api::trace::GetTracerProvider()->GetTracer("consumer")->StartSpan("consumer-span")->End();
  api::trace::SetTracerProvider(nullptr);
  return 0;
}
