#include "adot/sdk/metrics/meter_provider.h"

#include "adot/api/propagation/text_map.h"
#include "adot/sdk/common/env.h"
#include "sdk/metrics/meter.h"

namespace adot::sdk::metrics {

using api::propagation::internal::EqualsIgnoreCase;

MeterProviderOptions MeterProviderOptions::FromEnvironment() {
  MeterProviderOptions options;
  if (auto v = env::GetString("OTEL_METRICS_EXEMPLAR_FILTER")) {
    if (EqualsIgnoreCase(*v, "trace_based")) {
      options.exemplar_filter = ExemplarFilter::kTraceBased;
    } else if (EqualsIgnoreCase(*v, "always_on")) {
      options.exemplar_filter = ExemplarFilter::kAlwaysOn;
    } else if (EqualsIgnoreCase(*v, "always_off")) {
      options.exemplar_filter = ExemplarFilter::kAlwaysOff;
    } else {
      env::WarnInvalid("OTEL_METRICS_EXEMPLAR_FILTER", *v, "trace_based");
    }
  }
  return options;
}

MeterProvider::MeterProvider(MeterProviderOptions options)
    : context_(std::make_shared<internal::MeterContext>(std::move(options))) {
  context_->Start();
  internal::RegisterForFork(context_);
}

MeterProvider::~MeterProvider() { Shutdown(); }

std::shared_ptr<api::metrics::Meter> MeterProvider::GetMeter(std::string_view name,
                                                             std::string_view version,
                                                             std::string_view schema_url,
                                                             api::AttributeView attributes) noexcept {
  try {
    return context_->GetMeter(name, version, schema_url, attributes);
  } catch (...) {  // allocation failure
    return api::metrics::NoopMeterProvider().GetMeter(name);
  }
}

bool MeterProvider::ForceFlush(std::chrono::milliseconds timeout) noexcept {
  return context_->ForceFlush(timeout);
}

bool MeterProvider::Shutdown(std::chrono::milliseconds timeout) noexcept {
  return context_->Shutdown(timeout);
}

const Resource& MeterProvider::resource() const noexcept { return *context_->resource(); }

}  // namespace adot::sdk::metrics
