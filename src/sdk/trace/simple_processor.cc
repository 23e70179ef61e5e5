#include <mutex>

#include "adot/sdk/trace/processor.h"

namespace adot::sdk::trace {

namespace {

class SimpleSpanProcessor final : public SpanProcessor {
 public:
  explicit SimpleSpanProcessor(std::unique_ptr<SpanExporter> exporter)
      : exporter_(std::move(exporter)) {}

  void OnEnd(std::unique_ptr<SpanData> span) noexcept override {
    if (!span->flags.IsSampled()) return;
    // Declared before the lock so the span is released after it (see SpanProcessor::OnEnd).
    const std::unique_ptr<SpanData> batch[1] = {std::move(span)};
    std::lock_guard<std::mutex> lock(mutex_);
    if (!shut_down_) exporter_->Export(SpanBatch(batch));
  }
  bool ForceFlush(std::chrono::milliseconds timeout) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    return exporter_->ForceFlush(timeout);
  }
  bool Shutdown(std::chrono::milliseconds timeout) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (shut_down_) return true;
    shut_down_ = true;
    return exporter_->Shutdown(timeout);
  }

 private:
  std::mutex mutex_;  // exporters see one call at a time
  std::unique_ptr<SpanExporter> exporter_;
  bool shut_down_ = false;
};

}  // namespace

std::unique_ptr<SpanProcessor> CreateSimpleSpanProcessor(std::unique_ptr<SpanExporter> exporter) {
  return std::make_unique<SimpleSpanProcessor>(std::move(exporter));
}

}  // namespace adot::sdk::trace
