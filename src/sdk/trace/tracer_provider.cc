#include "adot/sdk/trace/tracer_provider.h"

#include <chrono>

#include "sdk/trace/provider_state.h"
#include "sdk/trace/tracer.h"

namespace adot::sdk::trace {

namespace {
using Clock = std::chrono::steady_clock;

std::chrono::milliseconds Remaining(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds(0);
}
}  // namespace

TracerProvider::TracerProvider(TracerProviderOptions options)
    : state_(std::make_shared<ProviderState>()) {
  state_->resource = options.resource ? std::move(options.resource)
                                      : std::make_shared<const Resource>(Resource::Create());
  state_->sampler = options.sampler ? std::move(options.sampler)
                                    : std::shared_ptr<Sampler>(CreateParentBasedSampler(
                                          CreateAlwaysOnSampler()));
  state_->id_generator = options.id_generator ? std::move(options.id_generator)
                                              : std::shared_ptr<IdGenerator>(CreateRandomIdGenerator());
  state_->id_kind = internal::KindOf(*state_->id_generator);
  state_->sampler_is_builtin =
      internal::DescribeBuiltinSampler(*state_->sampler, state_->builtin_sampling);
  state_->builtin_sampler_and_ids =
      state_->sampler_is_builtin && state_->id_kind != internal::IdGeneratorKind::kCustom;
  state_->limits = options.limits;
  for (auto& p : options.processors)
    if (p) state_->processors.push_back(std::move(p));
}

TracerProvider::~TracerProvider() { Shutdown(); }

std::shared_ptr<api::trace::Tracer> TracerProvider::GetTracer(
    std::string_view name, std::string_view version, std::string_view schema_url,
    api::AttributeView attributes) noexcept {
  std::lock_guard<std::mutex> lock(tracers_mutex_);
  for (const auto& t : tracers_) {
    const auto& scope = static_cast<const Tracer&>(*t).scope();
    if (scope.name == name && scope.version == version && scope.schema_url == schema_url) return t;
  }
  InstrumentationScope scope{std::string(name), std::string(version), std::string(schema_url), {}};
  for (const auto& kv : attributes) SetOwnedAttribute(scope.attributes, kv.key, kv.value);
  auto tracer = std::make_shared<Tracer>(state_, std::move(scope));
  tracers_.push_back(tracer);
  return tracer;
}

bool TracerProvider::ForceFlush(std::chrono::milliseconds timeout) noexcept {
  auto deadline = Clock::now() + timeout;
  bool ok = true;
  for (const auto& p : state_->processors) ok = p->ForceFlush(Remaining(deadline)) && ok;
  return ok;
}

bool TracerProvider::Shutdown(std::chrono::milliseconds timeout) noexcept {
  if (state_->shut_down.exchange(true)) return true;
  auto deadline = Clock::now() + timeout;
  bool ok = true;
  for (const auto& p : state_->processors) ok = p->Shutdown(Remaining(deadline)) && ok;
  return ok;
}

const Resource& TracerProvider::resource() const noexcept { return *state_->resource; }

}  // namespace adot::sdk::trace
