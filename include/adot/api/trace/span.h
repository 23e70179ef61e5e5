// The Span interface, its options, and span <-> Context helpers.
#pragma once

#include <cxxabi.h>

#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <span>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "adot/api/attributes.h"
#include "adot/api/context.h"
#include "adot/api/export.h"
#include "adot/api/trace/span_context.h"

namespace adot::api::trace {

enum class SpanKind : uint8_t { kInternal = 1, kServer = 2, kClient = 3, kProducer = 4, kConsumer = 5 };

enum class StatusCode : uint8_t { kUnset = 0, kOk = 1, kError = 2 };

// A link given at span start. It owns its list (the strings in it are still views), so an array
// of links can be declared before the StartSpan call that uses it.
struct Link {
  SpanContext context;
  std::vector<KeyValue> attributes;
};

struct StartSpanOptions {
  SpanKind kind = SpanKind::kInternal;
  // The parent: nullptr takes the current context of the calling thread.
  const Context* parent = nullptr;
  // Start a new trace, ignoring any parent.
  bool root = false;
  // Unix epoch nanoseconds; 0 = now.
  uint64_t start_time_unix_nano = 0;
  std::span<const Link> links;
};

// A unit of work. Every method is safe to call from any thread, never throws, and does nothing
// once the span has ended (or when the span is not recording).
class Span {
 public:
  virtual ~Span() = default;

  virtual void SetAttribute(std::string_view key, const AttributeValue& value) noexcept = 0;
  void SetAttributes(AttributeView attributes) noexcept {
    for (const auto& kv : attributes) SetAttribute(kv.key, kv.value);
  }
  // timestamp 0 = now.
  virtual void AddEvent(std::string_view name, AttributeView attributes = {},
                        uint64_t time_unix_nano = 0) noexcept = 0;
  virtual void AddLink(const SpanContext& context, AttributeView attributes = {}) noexcept = 0;
  virtual void SetStatus(StatusCode code, std::string_view description = {}) noexcept = 0;
  virtual void UpdateName(std::string_view name) noexcept = 0;
  // Records an "exception" event with exception.type, exception.message, exception.stacktrace
  // (when given) and the extra attributes.
  virtual void RecordException(std::string_view type, std::string_view message,
                               std::string_view stacktrace = {}, AttributeView attributes = {},
                               uint64_t time_unix_nano = 0) noexcept = 0;
  void RecordException(const std::exception& e, AttributeView attributes = {}) noexcept;
  // end_time 0 = now.
  virtual void End(uint64_t end_time_unix_nano = 0) noexcept = 0;

  virtual bool IsRecording() const noexcept = 0;
  virtual const SpanContext& GetContext() const noexcept = 0;
};

using SpanPtr = std::shared_ptr<Span>;

// A span that records nothing and only carries a SpanContext: what the API returns with no SDK
// installed, and what propagators put in the Context for a remote parent.
class NonRecordingSpan final : public Span {
 public:
  constexpr NonRecordingSpan() noexcept = default;  // the invalid span
  explicit NonRecordingSpan(SpanContext context) noexcept : context_(std::move(context)) {}
  void SetAttribute(std::string_view, const AttributeValue&) noexcept override {}
  void AddEvent(std::string_view, AttributeView, uint64_t) noexcept override {}
  void AddLink(const SpanContext&, AttributeView) noexcept override {}
  void SetStatus(StatusCode, std::string_view) noexcept override {}
  void UpdateName(std::string_view) noexcept override {}
  void RecordException(std::string_view, std::string_view, std::string_view, AttributeView,
                       uint64_t) noexcept override {}
  void End(uint64_t) noexcept override {}
  bool IsRecording() const noexcept override { return false; }
  const SpanContext& GetContext() const noexcept override { return context_; }

 private:
  SpanContext context_;
};

namespace internal {
// Holds the invalid span and never destroys it, so it stays usable during static destruction. At
// namespace scope and constant-initialised, reading it needs no guard (a function-local static
// with a non-trivial destructor would test one on every call).
union InvalidSpanStorage {
  NonRecordingSpan span;
  constexpr InvalidSpanStorage() noexcept : span() {}
  ~InvalidSpanStorage() {}
};
inline constinit InvalidSpanStorage invalid_span_storage;
}  // namespace internal

// The shared invalid span. It owns no control block, so copying the pointer costs no atomics.
inline SpanPtr InvalidSpan() noexcept {
  return SpanPtr(SpanPtr(), &internal::invalid_span_storage.span);
}

// The key of the active span. Defined in libadot_api: a key defined in a header would be a
// different object in each shared object built with hidden visibility.
ADOT_API_EXPORT const ContextKey& SpanContextKey() noexcept;

// The span stored in context, or the invalid span when there is none.
inline SpanPtr GetSpan(const Context& context) noexcept {
  auto span = context.GetValue<Span>(SpanContextKey());
  return span ? std::const_pointer_cast<Span>(span) : InvalidSpan();
}

// A new Context with span as the active span.
inline Context ContextWithSpan(const Context& context, SpanPtr span) {
  return context.SetValue<Span>(SpanContextKey(), std::move(span));
}

inline void Span::RecordException(const std::exception& e, AttributeView attributes) noexcept {
  if (!IsRecording()) return;
  const char* mangled = typeid(e).name();
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  RecordException(status == 0 && demangled ? demangled : mangled, e.what(), {}, attributes, 0);
  std::free(demangled);
}

}  // namespace adot::api::trace
