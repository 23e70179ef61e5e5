// A metric exporter that keeps what it receives in memory, for tests.
#pragma once

#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "adot/sdk/metrics/exporter.h"

namespace adot::sdk::metrics {

// What an InMemoryMetricExporter received, one ResourceMetrics per export. Shared, so tests keep
// it after handing the exporter to a reader.
class InMemoryMetricStore {
 public:
  void Add(const ResourceMetrics& metrics) {
    std::lock_guard<std::mutex> lock(mutex_);
    exports_.push_back(metrics);
  }
  std::vector<ResourceMetrics> Take() {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::exchange(exports_, {});
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return exports_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<ResourceMetrics> exports_;
};

class InMemoryMetricExporter final : public MetricExporter {
 public:
  explicit InMemoryMetricExporter(
      std::shared_ptr<InMemoryMetricStore> store,
      TemporalityPreference preference = TemporalityPreference::kCumulative)
      : store_(std::move(store)), preference_(preference) {}
  ExportResult Export(const ResourceMetrics& metrics) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!store_) return ExportResult::kFailure;
    store_->Add(metrics);
    return ExportResult::kSuccess;
  }
  bool Shutdown(std::chrono::milliseconds) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    store_.reset();
    return true;
  }
  AggregationTemporality GetTemporality(InstrumentKind kind) const noexcept override {
    return TemporalityFor(preference_, kind);
  }

 private:
  std::mutex mutex_;
  std::shared_ptr<InMemoryMetricStore> store_;
  TemporalityPreference preference_;
};

}  // namespace adot::sdk::metrics
