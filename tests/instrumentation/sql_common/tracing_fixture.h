// An SDK tracer provider with an in-memory exporter, installed as the global provider for the
// lifetime of the object, and helpers to read the spans it recorded.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "adot/api/trace.h"
#include "adot/sdk/trace/in_memory_exporter.h"
#include "adot/sdk/trace/tracer_provider.h"

namespace adot::testing {

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

// The string attribute key of span, or "<absent>" / "<not a string>".
inline std::string StrAttr(const sdk::trace::SpanData& span, std::string_view key) {
  const sdk::OwnedAttributeValue* v = FindAttr(span.attributes, key);
  if (!v) return "<absent>";
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  return "<not a string>";
}

inline bool HasAttr(const sdk::trace::SpanData& span, std::string_view key) {
  return FindAttr(span.attributes, key) != nullptr;
}

inline int64_t IntAttr(const sdk::trace::SpanData& span, std::string_view key) {
  const sdk::OwnedAttributeValue* v = FindAttr(span.attributes, key);
  if (const auto* i = v ? std::get_if<int64_t>(v) : nullptr) return *i;
  return -1;
}

// The exception event's attribute key, or "<absent>".
inline std::string ExceptionAttr(const sdk::trace::SpanData& span, std::string_view key) {
  for (const auto& event : span.events) {
    if (event.name != "exception") continue;
    const sdk::OwnedAttributeValue* v = FindAttr(event.attributes, key);
    if (const auto* s = v ? std::get_if<std::string>(v) : nullptr) return *s;
  }
  return "<absent>";
}

}  // namespace adot::testing
