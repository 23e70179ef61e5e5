// Tracer, TracerProvider, the no-op implementations and the global provider.
#pragma once

#include <memory>
#include <string_view>

#include "adot/api/attributes.h"
#include "adot/api/context.h"
#include "adot/api/export.h"
#include "adot/api/trace/span.h"

namespace adot::api::trace {

class Tracer {
 public:
  virtual ~Tracer() = default;

  // Starts a span. Attributes given here are the ones samplers see; prefer them to SetAttribute.
  virtual SpanPtr StartSpan(std::string_view name, AttributeView attributes,
                            const StartSpanOptions& options) noexcept = 0;
  SpanPtr StartSpan(std::string_view name, const StartSpanOptions& options = {}) noexcept {
    return StartSpan(name, AttributeView(), options);
  }
  SpanPtr StartSpan(std::string_view name, AttributeView attributes) noexcept {
    return StartSpan(name, attributes, StartSpanOptions());
  }

  // Makes span the active span of this thread until the returned Scope ends.
  static Scope WithActiveSpan(SpanPtr span) noexcept {
    return ContextWithSpan(Context::Current(), std::move(span)).Attach();
  }
  // The active span of this thread (the invalid span when there is none).
  static SpanPtr GetCurrentSpan() noexcept { return GetSpan(Context::Current()); }
};

class TracerProvider {
 public:
  virtual ~TracerProvider() = default;
  // name identifies the instrumentation scope (the library doing the instrumenting).
  virtual std::shared_ptr<Tracer> GetTracer(std::string_view name, std::string_view version = {},
                                            std::string_view schema_url = {},
                                            AttributeView attributes = {}) noexcept = 0;
};

// Records nothing; propagates the parent's SpanContext so traces stay connected without an SDK.
class NoopTracer final : public Tracer {
 public:
  using Tracer::StartSpan;
  SpanPtr StartSpan(std::string_view, AttributeView, const StartSpanOptions& options) noexcept override {
    if (options.root) return InvalidSpan();
    const Context& parent = options.parent ? *options.parent : api::internal::CurrentContextSlot();
    if (parent.empty()) [[likely]] return InvalidSpan();
    return FromParent(parent);
  }

 private:
  // Out of line so the common case (no parent) stays a few instructions with no stack frame.
  [[gnu::noinline]] static SpanPtr FromParent(const Context& parent) noexcept {
    const Span* span = parent.GetValuePtr<Span>(SpanContextKey());
    if (!span || !span->GetContext().IsValid()) return InvalidSpan();
    if (!span->IsRecording()) return std::const_pointer_cast<Span>(parent.GetValue<Span>(SpanContextKey()));
    return std::make_shared<NonRecordingSpan>(span->GetContext());
  }
};

class NoopTracerProvider final : public TracerProvider {
 public:
  std::shared_ptr<Tracer> GetTracer(std::string_view, std::string_view = {},
                                    std::string_view = {}, AttributeView = {}) noexcept override {
    static NoopTracer tracer;
    return std::shared_ptr<Tracer>(std::shared_ptr<Tracer>(), &tracer);
  }
};

// The process-wide provider: a no-op provider until SetTracerProvider installs one. Both live in
// libadot_api, so every shared object in the process sees the same provider.
ADOT_API_EXPORT std::shared_ptr<TracerProvider> GetTracerProvider() noexcept;
ADOT_API_EXPORT void SetTracerProvider(std::shared_ptr<TracerProvider> provider) noexcept;

}  // namespace adot::api::trace
