// The SDK TracerProvider.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "adot/api/trace/tracer.h"
#include "adot/sdk/resource.h"
#include "adot/sdk/trace/id_generator.h"
#include "adot/sdk/trace/processor.h"
#include "adot/sdk/trace/sampler.h"
#include "adot/sdk/trace/span_limits.h"

namespace adot::sdk::trace {

struct TracerProviderOptions {
  std::shared_ptr<const Resource> resource;      // default: Resource::Create()
  std::shared_ptr<Sampler> sampler;              // default: parentbased_always_on
  std::shared_ptr<IdGenerator> id_generator;     // default: random
  SpanLimits limits;
  std::vector<std::shared_ptr<SpanProcessor>> processors;
};

struct ProviderState;

class TracerProvider final : public api::trace::TracerProvider {
 public:
  explicit TracerProvider(TracerProviderOptions options);
  // Shuts down (flushing the processors) if Shutdown was not called.
  ~TracerProvider() override;

  // Tracers with the same name, version and schema URL are the same object.
  std::shared_ptr<api::trace::Tracer> GetTracer(std::string_view name,
                                                std::string_view version = {},
                                                std::string_view schema_url = {},
                                                api::AttributeView attributes = {}) noexcept override;

  bool ForceFlush(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) noexcept;
  // Shuts every processor down within timeout. After Shutdown, new spans do not record.
  bool Shutdown(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) noexcept;

  const Resource& resource() const noexcept;

 private:
  std::shared_ptr<ProviderState> state_;
  std::mutex tracers_mutex_;
  std::vector<std::shared_ptr<api::trace::Tracer>> tracers_;
};

}  // namespace adot::sdk::trace
