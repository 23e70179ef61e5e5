// The process-wide API state. This file is the whole of libadot_api: keeping these definitions in
// one shared library gives every shared object in a process the same provider and current context.
#include <pthread.h>

#include <mutex>

#include "adot/api/baggage.h"
#include "adot/api/context.h"
#include "adot/api/metrics/meter.h"
#include "adot/api/propagation/text_map.h"
#include "adot/api/trace/tracer.h"

namespace adot::api {

namespace {

// The slot is reached through a plain pointer in initial-exec TLS: a thread_local Context itself
// would need a per-access guard that, in a shared library, costs a __tls_get_addr call on every
// span start. The Context is created on a thread's first use and freed when the thread exits.
__attribute__((tls_model("initial-exec"))) thread_local Context* current_context = nullptr;

pthread_key_t CreateCleanupKey() {
  pthread_key_t key;
  pthread_key_create(&key, [](void* context) {
    current_context = nullptr;  // a later use during thread teardown starts a fresh one
    delete static_cast<Context*>(context);
  });
  return key;
}

[[gnu::noinline]] Context& CreateCurrentContext() {
  static const pthread_key_t cleanup_key = CreateCleanupKey();
  current_context = new Context();
  pthread_setspecific(cleanup_key, current_context);
  return *current_context;
}

}  // namespace

Context& internal::CurrentContextSlot() noexcept {
  Context* context = current_context;
  return context ? *context : CreateCurrentContext();
}

namespace trace {

const ContextKey& SpanContextKey() noexcept {
  static const ContextKey key("adot.span");
  return key;
}

namespace {
std::mutex provider_mutex;
std::shared_ptr<TracerProvider>& ProviderSlot() {
  // Destroyed at exit, so an installed SDK provider flushes what it still holds.
  static std::shared_ptr<TracerProvider> slot = std::make_shared<NoopTracerProvider>();
  return slot;
}
}  // namespace

std::shared_ptr<TracerProvider> GetTracerProvider() noexcept {
  std::lock_guard<std::mutex> lock(provider_mutex);
  return ProviderSlot();
}

void SetTracerProvider(std::shared_ptr<TracerProvider> provider) noexcept {
  if (!provider) provider = std::make_shared<NoopTracerProvider>();
  std::shared_ptr<TracerProvider> old;
  {
    std::lock_guard<std::mutex> lock(provider_mutex);
    old = std::exchange(ProviderSlot(), std::move(provider));
  }
  // old is released outside the lock: its destructor may flush and shut down an SDK.
}

}  // namespace trace

namespace metrics {

namespace {
std::mutex meter_provider_mutex;
std::shared_ptr<MeterProvider>& MeterProviderSlot() {
  // Destroyed at exit, so an installed SDK provider exports what it still holds.
  static std::shared_ptr<MeterProvider> slot = std::make_shared<NoopMeterProvider>();
  return slot;
}
}  // namespace

std::shared_ptr<MeterProvider> GetMeterProvider() noexcept {
  std::lock_guard<std::mutex> lock(meter_provider_mutex);
  return MeterProviderSlot();
}

void SetMeterProvider(std::shared_ptr<MeterProvider> provider) noexcept {
  if (!provider) provider = std::make_shared<NoopMeterProvider>();
  std::shared_ptr<MeterProvider> old;
  {
    std::lock_guard<std::mutex> lock(meter_provider_mutex);
    old = std::exchange(MeterProviderSlot(), std::move(provider));
  }
  // old is released outside the lock: its destructor may shut down an SDK.
}

}  // namespace metrics

namespace baggage {
const ContextKey& BaggageContextKey() noexcept {
  static const ContextKey key("adot.baggage");
  return key;
}
}  // namespace baggage

namespace propagation {

const ContextKey& internal::B3DebugContextKey() noexcept {
  static const ContextKey key("adot.b3.debug");
  return key;
}

namespace {
std::mutex propagator_mutex;
std::shared_ptr<TextMapPropagator>& PropagatorSlot() {
  static std::shared_ptr<TextMapPropagator> slot = std::make_shared<CompositePropagator>();
  return slot;
}
}  // namespace

std::shared_ptr<TextMapPropagator> GetGlobalPropagator() noexcept {
  std::lock_guard<std::mutex> lock(propagator_mutex);
  return PropagatorSlot();
}

void SetGlobalPropagator(std::shared_ptr<TextMapPropagator> propagator) noexcept {
  if (!propagator) propagator = std::make_shared<CompositePropagator>();
  std::shared_ptr<TextMapPropagator> old;
  {
    std::lock_guard<std::mutex> lock(propagator_mutex);
    old = std::exchange(PropagatorSlot(), std::move(propagator));
  }
  // old is released outside the lock.
}

}  // namespace propagation
}  // namespace adot::api
