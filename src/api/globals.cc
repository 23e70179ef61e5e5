// The process-wide API state. This file is the whole of libadot_api: keeping these definitions in
// one shared library gives every shared object in a process the same provider and current context.
#include <mutex>

#include "adot/api/baggage.h"
#include "adot/api/context.h"
#include "adot/api/propagation/text_map.h"
#include "adot/api/trace/tracer.h"

namespace adot::api {

namespace {
// initial-exec: a direct TLS access instead of a __tls_get_addr call on every span start. The
// slot is small, so it fits the static TLS reserve even when the library is dlopen'ed.
__attribute__((tls_model("initial-exec"))) thread_local Context current_context;
}  // namespace

Context& internal::CurrentContextSlot() noexcept { return current_context; }

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
