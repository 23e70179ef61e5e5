// The SDK tracer and span.
#pragma once

#include <atomic>
#include <memory>

#include "adot/api/trace/tracer.h"
#include "adot/sdk/trace/span_data.h"
#include "sdk/trace/provider_state.h"

namespace adot::sdk::trace {

// What a tracer's spans point to (SpanData::instrumentation): the scope and resource exporters
// read, and the provider state the span needs until it ends. One reference keeps all alive.
struct TracerShared : InstrumentationInfo {
  std::shared_ptr<ProviderState> provider;
};

class Tracer final : public api::trace::Tracer {
 public:
  Tracer(std::shared_ptr<ProviderState> state, InstrumentationScope scope);

  using api::trace::Tracer::StartSpan;
  api::trace::SpanPtr StartSpan(std::string_view name, api::AttributeView attributes,
                                const api::trace::StartSpanOptions& options) noexcept override;

  const InstrumentationScope& scope() const noexcept { return shared_->scope; }

 private:
  // StartSpan for a custom sampler or id generator.
  [[gnu::noinline]] api::trace::SpanPtr StartSpanGeneral(
      std::string_view name, api::AttributeView attributes,
      const api::trace::StartSpanOptions& options) noexcept;
  // The sampled (or record-only) part of StartSpan, out of line so the dropped path stays small.
  [[gnu::noinline]] api::trace::SpanPtr StartRecording(
      std::string_view name, api::AttributeView attributes,
      const api::trace::StartSpanOptions& options, const api::Context& parent_context,
      const api::trace::SpanContext& parent, api::trace::SpanContext context,
      const OwnedAttributes* sampler_attributes) noexcept;

  std::shared_ptr<const TracerShared> shared_;
  ProviderState* state_;  // shared_->provider, one load closer
};

// Tiny spin lock: span methods hold it for a few dozen nanoseconds and are rarely contended.
class SpinLock {
 public:
  void lock() noexcept {
    while (flag_.exchange(true, std::memory_order_acquire)) {
      while (flag_.load(std::memory_order_relaxed)) __builtin_ia32_pause();
    }
  }
  void unlock() noexcept { flag_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> flag_{false};
};

class Span final : public RecordingSpan {
 public:
  Span(std::unique_ptr<SpanData> data, api::trace::SpanContext context) noexcept
      : data_(std::move(data)), context_(std::move(context)) {}

  void SetAttribute(std::string_view key, const api::AttributeValue& value) noexcept override;
  void AddEvent(std::string_view name, api::AttributeView attributes,
                uint64_t time_unix_nano) noexcept override;
  void AddLink(const api::trace::SpanContext& context,
               api::AttributeView attributes) noexcept override;
  void SetStatus(api::trace::StatusCode code, std::string_view description) noexcept override;
  void UpdateName(std::string_view name) noexcept override;
  void RecordException(std::string_view type, std::string_view message,
                       std::string_view stacktrace, api::AttributeView attributes,
                       uint64_t time_unix_nano) noexcept override;
  void End(uint64_t end_time_unix_nano) noexcept override;
  bool IsRecording() const noexcept override;
  const api::trace::SpanContext& GetContext() const noexcept override { return context_; }
  const SpanData& data() const noexcept override { return *data_; }

 private:
  ProviderState& state() const noexcept {
    return *static_cast<const TracerShared&>(*data_->instrumentation).provider;
  }
  void AddLinkLocked(const api::trace::SpanContext& context, api::AttributeView attributes);

  mutable SpinLock lock_;
  std::unique_ptr<SpanData> data_;  // null once ended
  const api::trace::SpanContext context_;
};

uint64_t NowUnixNano() noexcept;

}  // namespace adot::sdk::trace
