// Span processors: hooks at span start and end, and the simple and batch processors.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "adot/api/context.h"
#include "adot/api/trace/span.h"
#include "adot/sdk/trace/exporter.h"
#include "adot/sdk/trace/span_data.h"

namespace adot::sdk::trace {

// A span as processors see it in OnStart: writable through the Span interface, readable through
// data(). data() may only be read in OnStart, before the span is handed to the application.
class RecordingSpan : public api::trace::Span {
 public:
  virtual const SpanData& data() const noexcept = 0;
};

class SpanProcessor {
 public:
  virtual ~SpanProcessor() = default;
  // Called synchronously when a recording span starts, with the parent Context.
  virtual void OnStart(RecordingSpan& span, const api::Context& parent_context) noexcept {}
  // Called when a recording span ends; the processor takes ownership. Releasing the span may
  // release the last reference to the provider (and this processor): do it last.
  virtual void OnEnd(std::unique_ptr<SpanData> span) noexcept = 0;
  virtual bool ForceFlush(std::chrono::milliseconds timeout) noexcept = 0;
  virtual bool Shutdown(std::chrono::milliseconds timeout) noexcept = 0;
};

// Passes every sampled span to the exporter on the thread that ends it. For tests and debugging.
std::unique_ptr<SpanProcessor> CreateSimpleSpanProcessor(std::unique_ptr<SpanExporter> exporter);

struct BatchSpanProcessorOptions {
  size_t max_queue_size = 2048;                         // OTEL_BSP_MAX_QUEUE_SIZE
  std::chrono::milliseconds schedule_delay{5000};       // OTEL_BSP_SCHEDULE_DELAY
  size_t max_export_batch_size = 512;                   // OTEL_BSP_MAX_EXPORT_BATCH_SIZE
  std::chrono::milliseconds export_timeout{30000};      // OTEL_BSP_EXPORT_TIMEOUT

  // Defaults overridden by the OTEL_BSP_* variables; a batch size above the queue size is
  // reduced to the queue size (with a warning).
  static BatchSpanProcessorOptions FromEnvironment();
};

struct BatchSpanProcessorStats {
  uint64_t exported = 0;        // spans handed to the exporter that reported success
  uint64_t export_failed = 0;   // spans handed to the exporter that reported failure
  uint64_t dropped = 0;         // spans refused because the queue was full (or after shutdown)
};

// Queues ended spans in a bounded lock-free ring and exports them in batches from one background
// thread: every schedule_delay, and as soon as max_export_batch_size spans are waiting. End()
// never blocks; spans beyond the queue are dropped and counted. Fork-safe: in a forked child the
// queue starts empty (the parent exports what it held) and the worker thread is restarted.
class BatchSpanProcessor : public SpanProcessor {
 public:
  BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchSpanProcessorOptions options);
  ~BatchSpanProcessor() override;

  void OnEnd(std::unique_ptr<SpanData> span) noexcept override;
  bool ForceFlush(std::chrono::milliseconds timeout) noexcept override;
  bool Shutdown(std::chrono::milliseconds timeout) noexcept override;
  BatchSpanProcessorStats GetStats() const noexcept;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace adot::sdk::trace
