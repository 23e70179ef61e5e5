// An exporter that keeps spans in memory, for tests.
#pragma once

#include <memory>
#include <atomic>
#include <mutex>
#include <vector>

#include "adot/sdk/trace/exporter.h"

namespace adot::sdk::trace {

// What an InMemorySpanExporter received. Shared, so tests keep it after handing the exporter to a
// processor.
class InMemorySpanStore {
 public:
  void Add(const SpanData& span) {
    std::lock_guard<std::mutex> lock(mutex_);
    spans_.push_back(span);
  }
  std::vector<SpanData> Take() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(spans_, {});
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return spans_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<SpanData> spans_;
};

class InMemorySpanExporter final : public SpanExporter {
 public:
  explicit InMemorySpanExporter(std::shared_ptr<InMemorySpanStore> store)
      : store_(std::move(store)) {}
  ExportResult Export(SpanBatch spans) noexcept override {
    if (shut_down_) return ExportResult::kFailure;
    for (const auto& span : spans) store_->Add(*span);
    return ExportResult::kSuccess;
  }
  bool Shutdown(std::chrono::milliseconds) noexcept override {
    shut_down_ = true;
    return true;
  }

 private:
  std::shared_ptr<InMemorySpanStore> store_;
  std::atomic<bool> shut_down_{false};
};

}  // namespace adot::sdk::trace
