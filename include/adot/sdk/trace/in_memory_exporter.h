// An exporter that keeps spans in memory, for tests.
#pragma once

#include <memory>
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
    std::lock_guard<std::mutex> lock(mutex_);
    if (!store_) return ExportResult::kFailure;
    for (const auto& span : spans) store_->Add(*span);
    return ExportResult::kSuccess;
  }
  // Lets go of the store: stored spans reference their provider, which references this exporter.
  bool Shutdown(std::chrono::milliseconds) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    store_.reset();
    return true;
  }

 private:
  std::mutex mutex_;
  std::shared_ptr<InMemorySpanStore> store_;
};

}  // namespace adot::sdk::trace
