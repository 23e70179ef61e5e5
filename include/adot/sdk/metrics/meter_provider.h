// The SDK MeterProvider.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "adot/api/metrics/meter.h"
#include "adot/sdk/metrics/reader.h"
#include "adot/sdk/metrics/view.h"
#include "adot/sdk/resource.h"

namespace adot::sdk::metrics {

// Which measurements of synchronous instruments may become exemplars (OTEL_METRICS_EXEMPLAR_FILTER).
enum class ExemplarFilter : uint8_t {
  kAlwaysOff,
  kAlwaysOn,
  kTraceBased,  // measurements made while a sampled span is active
};

struct MeterProviderOptions {
  std::shared_ptr<const Resource> resource;  // default: Resource::Create()
  // Each reader may be registered with one provider only.
  std::vector<std::shared_ptr<MetricReader>> readers;
  std::vector<View> views;
  ExemplarFilter exemplar_filter = ExemplarFilter::kTraceBased;
  // Series per stream, the overflow series (otel.metric.overflow=true) included; a View may set
  // its own. At least 2.
  size_t cardinality_limit = 2000;

  // exemplar_filter from OTEL_METRICS_EXEMPLAR_FILTER (trace_based, always_on, always_off);
  // everything else default.
  static MeterProviderOptions FromEnvironment();
};

namespace internal {
class MeterContext;
}

class MeterProvider final : public api::metrics::MeterProvider {
 public:
  explicit MeterProvider(MeterProviderOptions options);
  // Shuts down (the periodic readers export a last time) if Shutdown was not called.
  ~MeterProvider() override;

  // Meters with the same name, version and schema URL are the same object. After Shutdown, a
  // no-op meter.
  std::shared_ptr<api::metrics::Meter> GetMeter(std::string_view name,
                                                std::string_view version = {},
                                                std::string_view schema_url = {},
                                                api::AttributeView attributes = {}) noexcept override;

  bool ForceFlush(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) noexcept;
  // Shuts every reader down within timeout.
  bool Shutdown(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) noexcept;

  const Resource& resource() const noexcept;

 private:
  std::shared_ptr<internal::MeterContext> context_;
};

}  // namespace adot::sdk::metrics
