#include "adot/sdk/autoconfigure.h"

#include <algorithm>
#include <atomic>

#include "adot/exporters/console/console_exporter.h"
#include "adot/exporters/otlp/otlp_http_exporter.h"
#include "adot/sdk/common/env.h"
#include "adot/sdk/propagation/propagators.h"
#include "adot/sdk/resource.h"
#include "adot/sdk/resource/detectors.h"
#include "adot/sdk/trace/id_generator.h"
#include "adot/sdk/trace/sampler.h"

namespace adot::sdk {

namespace {

using exporters::otlp::Protocol;

// ADOT's defaults, used only for variables left unset.
constexpr char kDefaultPropagators[] = "baggage,xray,tracecontext";
// The AWS detectors are on by default, as in ADOT Java: off AWS each costs only a cheap local
// check (DMI files, an environment variable, a file's existence), no network call.
constexpr char kDefaultResourceDetectors[] =
    "env,host,os,process,aws_ec2,aws_ecs,aws_eks,aws_lambda,aws_elastic_beanstalk";

std::atomic<SpanExporterFactory> grpc_factory{nullptr};

std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// A comma-separated list: trimmed, lowercased, empty items and duplicates removed.
std::vector<std::string> ParseList(std::string_view value) {
  std::vector<std::string> items;
  while (!value.empty()) {
    size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    std::string name = Lowercase(item);
    if (!name.empty() && std::find(items.begin(), items.end(), name) == items.end()) {
      items.push_back(std::move(name));
    }
  }
  return items;
}

// The names in variable `name` (or in `fallback` when unset) that are in `known`; each unknown
// name is reported once. "none" together with other names is reported and dropped.
std::vector<std::string> ReadNames(const char* name, std::string_view fallback,
                                   std::initializer_list<std::string_view> known) {
  auto value = env::GetString(name);
  std::vector<std::string> names;
  for (auto& item : ParseList(value ? *value : fallback)) {
    if (std::find(known.begin(), known.end(), item) == known.end()) {
      env::WarnOnce("unknown value \"" + item + "\" in " + name + "; ignored");
      continue;
    }
    names.push_back(std::move(item));
  }
  if (names.size() > 1 && std::find(names.begin(), names.end(), "none") != names.end()) {
    env::WarnOnce(std::string(name) + " lists \"none\" with other values; \"none\" is ignored");
    names.erase(std::remove(names.begin(), names.end(), "none"), names.end());
  }
  return names;
}

Resource DetectResource(const AutoconfigureOptions& options,
                        const std::vector<std::string>& detectors) {
  Resource resource = Resource::Default().Merge(Resource(options.default_resource_attributes));
  // host/os/process inline; the AWS detectors past their cheap checks in parallel, within the
  // budget of GetAutoconfigureDetectorOptions().timeout.
  resource = resource.Merge(
      resource::DetectResources(detectors, resource::GetAutoconfigureDetectorOptions()));
  // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME always apply, and win (specification).
  return resource.Merge(Resource::FromEnvironment());
}

std::unique_ptr<trace::SpanExporter> CreateOtlpSpanExporter(
    const exporters::otlp::OtlpExporterOptions& options) {
  if (options.protocol != Protocol::kGrpc) {
    return exporters::otlp::CreateOtlpHttpSpanExporter(options);
  }
  if (SpanExporterFactory factory = grpc_factory.load()) return factory(options);
  env::WarnOnce(
      "OTEL_EXPORTER_OTLP_PROTOCOL=grpc needs the OTLP/gRPC exporter: link "
      "adot::autoconfigure_grpc. Traces are not exported.");
  return nullptr;
}

std::chrono::milliseconds MetricExportInterval() {
  if (auto v = env::GetMilliseconds("OTEL_METRIC_EXPORT_INTERVAL")) return *v;
  // OTEL_IMR_EXPORT_INTERVAL: the legacy name still found in ADOT sample configurations.
  if (auto v = env::GetMilliseconds("OTEL_IMR_EXPORT_INTERVAL")) return *v;
  return std::chrono::milliseconds(60000);
}

}  // namespace

void RegisterOtlpGrpcSpanExporterFactory(SpanExporterFactory factory) {
  grpc_factory.store(factory);
}

Autoconfigured Autoconfigure(const AutoconfigureOptions& options) {
  Autoconfigured result;
  AutoconfigureSettings& s = result.settings_;
  s.disabled = env::GetBool("OTEL_SDK_DISABLED").value_or(false);
  if (s.disabled) return result;

  s.resource_detectors = ReadNames("OTEL_RESOURCE_DETECTORS", kDefaultResourceDetectors,
                                   {"env", "host", "os", "process", "container", "aws_ec2",
                                    "aws_ecs", "aws_eks", "aws_lambda", "aws_elastic_beanstalk",
                                    "none"});
  s.traces_exporters = ReadNames("OTEL_TRACES_EXPORTER", "otlp", {"otlp", "console", "logging", "none"});
  s.metrics_exporters =
      ReadNames("OTEL_METRICS_EXPORTER", "otlp", {"otlp", "console", "logging", "prometheus", "none"});
  s.logs_exporters = ReadNames("OTEL_LOGS_EXPORTER", "otlp", {"otlp", "console", "logging", "none"});
  s.otlp_traces = exporters::otlp::OtlpExporterOptions::FromEnvironment(exporters::otlp::Signal::kTraces);
  s.batch = trace::BatchSpanProcessorOptions::FromEnvironment();
  s.span_limits = trace::SpanLimits::FromEnvironment();
  s.metric_export_interval = MetricExportInterval();
  if (auto v = env::GetMilliseconds("OTEL_METRIC_EXPORT_TIMEOUT")) s.metric_export_timeout = *v;

  trace::TracerProviderOptions provider_options;
  provider_options.resource =
      std::make_shared<const Resource>(DetectResource(options, s.resource_detectors));
  provider_options.sampler = trace::CreateSamplerFromEnvironment();
  s.sampler = provider_options.sampler->GetDescription();
  provider_options.id_generator = trace::CreateXRayIdGenerator();
  provider_options.limits = s.span_limits;
  for (const auto& name : s.traces_exporters) {
    if (name == "otlp") {
      if (auto exporter = CreateOtlpSpanExporter(s.otlp_traces)) {
        provider_options.processors.push_back(
            std::make_shared<trace::BatchSpanProcessor>(std::move(exporter), s.batch));
      }
    } else if (name == "console" || name == "logging") {
      provider_options.processors.push_back(
          trace::CreateSimpleSpanProcessor(exporters::console::CreateConsoleSpanExporter()));
    }
  }
  result.tracer_provider_ = std::make_shared<trace::TracerProvider>(std::move(provider_options));

  auto propagator = propagation::CreatePropagatorFromEnvironment(kDefaultPropagators);
  s.propagators = ParseList(env::GetString("OTEL_PROPAGATORS").value_or(kDefaultPropagators));

  if (options.install_globals) {
    api::trace::SetTracerProvider(result.tracer_provider_);
    api::propagation::SetGlobalPropagator(std::move(propagator));
    result.installed_globals_ = true;
  }
  return result;
}

Autoconfigured& Autoconfigured::operator=(Autoconfigured&& other) noexcept {
  if (this != &other) {
    Shutdown();
    settings_ = std::move(other.settings_);
    tracer_provider_ = std::move(other.tracer_provider_);
    installed_globals_ = std::exchange(other.installed_globals_, false);
  }
  return *this;
}

Autoconfigured::~Autoconfigured() { Shutdown(); }

bool Autoconfigured::ForceFlush(std::chrono::milliseconds timeout) {
  return tracer_provider_ ? tracer_provider_->ForceFlush(timeout) : true;
}

bool Autoconfigured::Shutdown(std::chrono::milliseconds timeout) {
  if (!tracer_provider_) return true;
  if (installed_globals_) {
    api::trace::SetTracerProvider(nullptr);
    api::propagation::SetGlobalPropagator(nullptr);
    installed_globals_ = false;
  }
  bool ok = tracer_provider_->Shutdown(timeout);
  tracer_provider_.reset();
  return ok;
}

}  // namespace adot::sdk
