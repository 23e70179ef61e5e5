#include "adot/sdk/autoconfigure.h"

#include <algorithm>
#include <atomic>

#include "adot/exporters/console/console_exporter.h"
#include "adot/exporters/otlp/otlp_http_exporter.h"
#include "adot/sdk/common/env.h"
#include "adot/sdk/metrics/reader.h"
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
std::atomic<MetricExporterFactory> grpc_metric_factory{nullptr};

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
// name is reported once. "none" together with other names is reported and dropped. When the
// variable names nothing usable, that is reported and the fallback applies.
std::vector<std::string> ReadNames(const char* name, std::string_view fallback,
                                   std::initializer_list<std::string_view> known,
                                   bool use_variable = true) {
  auto value = use_variable ? env::GetString(name) : std::nullopt;
  std::vector<std::string> names;
  for (auto& item : ParseList(value ? *value : fallback)) {
    if (std::find(known.begin(), known.end(), item) == known.end()) {
      std::string why = item == "prometheus"
                            ? "adot-cpp has no Prometheus exporter (send OTLP to the collector)"
                            : "unknown value";
      env::WarnOnce(why + " \"" + item + "\" in " + name + "; ignored");
      continue;
    }
    names.push_back(std::move(item));
  }
  if (names.empty() && value) {
    env::WarnOnce(std::string(name) + "=\"" + *value + "\" names nothing usable; using the default \"" +
                  std::string(fallback) + "\"");
    return ReadNames(name, fallback, known, /*use_variable=*/false);
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

std::unique_ptr<metrics::MetricExporter> CreateOtlpMetricExporter(
    const exporters::otlp::OtlpExporterOptions& options) {
  if (options.protocol != Protocol::kGrpc) {
    return exporters::otlp::CreateOtlpHttpMetricExporter(options);
  }
  if (MetricExporterFactory factory = grpc_metric_factory.load()) return factory(options);
  env::WarnOnce(
      "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL / OTEL_EXPORTER_OTLP_PROTOCOL=grpc needs the OTLP/gRPC "
      "exporter: link adot::autoconfigure_grpc. Metrics are not exported.");
  return nullptr;
}

// The metrics half of Autoconfigure(): one periodic reader per exporter, on a provider with the
// tracer provider's resource.
std::shared_ptr<metrics::MeterProvider> ConfigureMetrics(
    AutoconfigureSettings& s, std::shared_ptr<const Resource> resource) {
  // OTEL_METRIC_EXPORT_INTERVAL (or the older OTEL_IMR_EXPORT_INTERVAL that ADOT's sample
  // configurations still set) and OTEL_METRIC_EXPORT_TIMEOUT.
  const auto reader_options = metrics::PeriodicExportingMetricReaderOptions::FromEnvironment();
  s.metric_export_interval = reader_options.export_interval;
  s.metric_export_timeout = reader_options.export_timeout;
  s.otlp_metrics =
      exporters::otlp::OtlpExporterOptions::FromEnvironment(exporters::otlp::Signal::kMetrics);
  s.metrics_temporality = exporters::otlp::ResolvedTemporalityPreference(s.otlp_metrics);
  s.otlp_metrics.temporality_preference = s.metrics_temporality;

  // OTEL_METRICS_EXEMPLAR_FILTER.
  metrics::MeterProviderOptions provider_options = metrics::MeterProviderOptions::FromEnvironment();
  s.exemplar_filter = provider_options.exemplar_filter;
  provider_options.resource = std::move(resource);

  std::vector<std::string> used;
  for (const auto& name : s.metrics_exporters) {
    std::unique_ptr<metrics::MetricExporter> exporter;
    if (name == "otlp") {
      exporter = CreateOtlpMetricExporter(s.otlp_metrics);
    } else if (name == "console" || name == "logging") {
      exporter = exporters::console::CreateConsoleMetricExporter();
    } else if (name == "none") {
      used.push_back(name);
      continue;
    }
    if (!exporter) continue;
    provider_options.readers.push_back(std::make_shared<metrics::PeriodicExportingMetricReader>(
        std::move(exporter), reader_options));
    used.push_back(name);
  }
  s.metrics_exporters = std::move(used);
  return std::make_shared<metrics::MeterProvider>(std::move(provider_options));
}

// What is left of a shared timeout (at least 1 ms, so a late caller still gets a try).
std::chrono::milliseconds Remaining(std::chrono::steady_clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

}  // namespace

void RegisterOtlpGrpcSpanExporterFactory(SpanExporterFactory factory) {
  grpc_factory.store(factory);
}

void RegisterOtlpGrpcMetricExporterFactory(MetricExporterFactory factory) {
  grpc_metric_factory.store(factory);
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
  s.metrics_exporters = ReadNames("OTEL_METRICS_EXPORTER", "otlp", {"otlp", "console", "logging", "none"});
  s.logs_exporters = ReadNames("OTEL_LOGS_EXPORTER", "otlp", {"otlp", "console", "logging", "none"});
  s.otlp_traces = exporters::otlp::OtlpExporterOptions::FromEnvironment(exporters::otlp::Signal::kTraces);
  s.batch = trace::BatchSpanProcessorOptions::FromEnvironment();
  s.span_limits = trace::SpanLimits::FromEnvironment();

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
  std::shared_ptr<const Resource> resource = provider_options.resource;
  result.tracer_provider_ = std::make_shared<trace::TracerProvider>(std::move(provider_options));
  result.meter_provider_ = ConfigureMetrics(s, std::move(resource));

  auto propagator = propagation::CreatePropagatorFromEnvironment(kDefaultPropagators);
  s.propagators = ParseList(env::GetString("OTEL_PROPAGATORS").value_or(kDefaultPropagators));

  if (options.install_globals) {
    api::trace::SetTracerProvider(result.tracer_provider_);
    api::metrics::SetMeterProvider(result.meter_provider_);
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
    meter_provider_ = std::move(other.meter_provider_);
    installed_globals_ = std::exchange(other.installed_globals_, false);
  }
  return *this;
}

Autoconfigured::~Autoconfigured() { Shutdown(); }

// Traces and metrics share the timeout: each gets what the other left.
bool Autoconfigured::ForceFlush(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool ok = tracer_provider_ ? tracer_provider_->ForceFlush(timeout) : true;
  if (meter_provider_) ok = meter_provider_->ForceFlush(Remaining(deadline)) && ok;
  return ok;
}

bool Autoconfigured::Shutdown(std::chrono::milliseconds timeout) {
  if (!tracer_provider_ && !meter_provider_) return true;
  if (installed_globals_) {
    api::trace::SetTracerProvider(nullptr);
    api::metrics::SetMeterProvider(nullptr);
    api::propagation::SetGlobalPropagator(nullptr);
    installed_globals_ = false;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool ok = true;
  if (tracer_provider_) {
    ok = tracer_provider_->Shutdown(timeout);
    tracer_provider_.reset();
  }
  if (meter_provider_) {
    ok = meter_provider_->Shutdown(Remaining(deadline)) && ok;
    meter_provider_.reset();
  }
  return ok;
}

}  // namespace adot::sdk
