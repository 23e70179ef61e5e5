// Quick start: the trace shape of the ADOT workshop's pet-adoption service.
//
// A SERVER span "GET /api/adoptionlist/" with a CLIENT child "PGSQL Query" that carries the SQL
// statement, an event, and a counter-like attribute. Spans go to OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) over OTLP/HTTP when one is set, otherwise to the console.
//
//   quickstart [number-of-requests]      (default 3)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "adot/api/trace.h"
#include "adot/exporters/console/console_exporter.h"
#include "adot/exporters/otlp/otlp_http_exporter.h"
#include "adot/sdk/common/env.h"
#include "adot/sdk/trace/tracer_provider.h"

namespace {

using namespace adot;
using api::trace::SpanKind;

std::shared_ptr<sdk::trace::TracerProvider> InstallProvider() {
  std::unique_ptr<sdk::trace::SpanExporter> exporter;
  if (sdk::env::GetString("OTEL_EXPORTER_OTLP_ENDPOINT") ||
      sdk::env::GetString("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
    auto options = exporters::otlp::OtlpExporterOptions::FromEnvironment(
        exporters::otlp::Signal::kTraces);
    std::printf("quickstart: sending spans to %s\n", options.endpoint.c_str());
    exporter = exporters::otlp::CreateOtlpHttpSpanExporter(std::move(options));
  } else {
    std::printf("quickstart: OTEL_EXPORTER_OTLP_ENDPOINT is not set; printing spans\n");
    exporter = exporters::console::CreateConsoleSpanExporter();
  }

  sdk::trace::TracerProviderOptions options;
  // The example's service name, unless OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES say otherwise.
  options.resource = std::make_shared<const sdk::Resource>(
      sdk::Resource::Default()
          .Merge(sdk::Resource({{"service.name", std::string("petlistadoptions-cpp")}}))
          .Merge(sdk::Resource::Process())
          .Merge(sdk::Resource::Host())
          .Merge(sdk::Resource::FromEnvironment()));
  options.id_generator = sdk::trace::CreateXRayIdGenerator();
  options.processors.push_back(std::make_shared<sdk::trace::BatchSpanProcessor>(
      std::move(exporter), sdk::trace::BatchSpanProcessorOptions::FromEnvironment()));
  auto provider = std::make_shared<sdk::trace::TracerProvider>(std::move(options));
  api::trace::SetTracerProvider(provider);
  return provider;
}

// One request of the "list adoptions" API.
void HandleListAdoptions(api::trace::Tracer& tracer, int64_t request_number) {
  api::trace::StartSpanOptions server_options;
  server_options.kind = SpanKind::kServer;
  auto server = tracer.StartSpan("GET /api/adoptionlist/",
                                 {{"http.request.method", "GET"},
                                  {"url.path", "/api/adoptionlist/"},
                                  {"url.scheme", "http"},
                                  {"http.route", "/api/adoptionlist/"},
                                  {"server.address", "petlistadoptions"},
                                  {"server.port", 80}},
                                 server_options);
  api::Scope scope = api::trace::Tracer::WithActiveSpan(server);

  api::trace::StartSpanOptions client_options;
  client_options.kind = SpanKind::kClient;
  auto query = tracer.StartSpan(
      "PGSQL Query",
      {{"db.system", "postgresql"},
       {"db.statement",
        "SELECT pet_id, transaction_id, adoption_date FROM transactions ORDER BY id DESC LIMIT 25"},
       {"server.address", "petadoptions-db"},
       {"server.port", 5432}},
      client_options);
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  query->AddEvent("rows fetched", {{"db.rows", 25}});
  query->End();

  server->SetAttribute("transactions.count", request_number);
  server->SetAttribute("http.response.status_code", 200);
  server->End();
  std::printf("quickstart: trace %s\n", server->GetContext().trace_id().ToHex().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  int requests = argc > 1 ? std::atoi(argv[1]) : 3;
  if (requests <= 0) requests = 3;
  auto provider = InstallProvider();
  auto tracer = api::trace::GetTracerProvider()->GetTracer("petlistadoptions", "1.0.0");
  for (int i = 1; i <= requests; ++i) HandleListAdoptions(*tracer, i);
  bool flushed = provider->Shutdown(std::chrono::seconds(10));
  std::printf("quickstart: %d requests traced, export %s\n", requests,
              flushed ? "complete" : "incomplete (is the endpoint reachable?)");
  return flushed ? 0 : 1;
}
