// Tests of code that records spans through the global tracer provider: an SDK provider with an
// in-memory exporter installed for a scope, and readers of the recorded spans' attributes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "adot/api/trace.h"
#include "adot/sdk/trace/in_memory_exporter.h"
#include "adot/sdk/trace/tracer_provider.h"

namespace adot::test {

// Installs an SDK tracer provider (simple processor, in-memory exporter) as the global one for its
// lifetime; the no-op provider is back afterwards.
class GlobalTracing {
 public:
  GlobalTracing() {
    sdk::trace::TracerProviderOptions options;
    options.processors.push_back(sdk::trace::CreateSimpleSpanProcessor(
        std::make_unique<sdk::trace::InMemorySpanExporter>(store_)));
    provider_ = std::make_shared<sdk::trace::TracerProvider>(std::move(options));
    api::trace::SetTracerProvider(provider_);
  }
  ~GlobalTracing() {
    api::trace::SetTracerProvider(nullptr);
    provider_->Shutdown();
  }
  GlobalTracing(const GlobalTracing&) = delete;
  GlobalTracing& operator=(const GlobalTracing&) = delete;

  // The spans ended since the last call.
  std::vector<sdk::trace::SpanData> Take() { return store_->Take(); }
  size_t size() const { return store_->size(); }
  std::shared_ptr<api::trace::Tracer> TestTracer() { return provider_->GetTracer("test"); }

 private:
  std::shared_ptr<sdk::trace::InMemorySpanStore> store_ =
      std::make_shared<sdk::trace::InMemorySpanStore>();
  std::shared_ptr<sdk::trace::TracerProvider> provider_;
};

inline const sdk::OwnedAttributeValue* FindAttr(const sdk::OwnedAttributes& attrs,
                                                std::string_view key) {
  for (const auto& kv : attrs)
    if (kv.key == key) return &kv.value;
  return nullptr;
}
inline const sdk::OwnedAttributeValue* FindAttr(const sdk::trace::SpanData& span,
                                                std::string_view key) {
  return FindAttr(span.attributes, key);
}

// The string attribute key of span, or "<absent>" / "<not a string>".
inline std::string StrAttr(const sdk::trace::SpanData& span, std::string_view key) {
  const sdk::OwnedAttributeValue* v = FindAttr(span, key);
  if (!v) return "<absent>";
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  return "<not a string>";
}

// The int attribute key of span; nullopt when absent or of another type.
inline std::optional<int64_t> IntAttr(const sdk::trace::SpanData& span, std::string_view key) {
  const sdk::OwnedAttributeValue* v = FindAttr(span, key);
  if (const auto* i = v ? std::get_if<int64_t>(v) : nullptr) return *i;
  return std::nullopt;
}

inline bool HasAttr(const sdk::trace::SpanData& span, std::string_view key) {
  return FindAttr(span, key) != nullptr;
}

// A string attribute of the span's "exception" event, or "<absent>".
inline std::string ExceptionAttr(const sdk::trace::SpanData& span, std::string_view key) {
  for (const auto& event : span.events) {
    if (event.name != "exception") continue;
    const sdk::OwnedAttributeValue* v = FindAttr(event.attributes, key);
    if (const auto* s = v ? std::get_if<std::string>(v) : nullptr) return *s;
  }
  return "<absent>";
}

}  // namespace adot::test
