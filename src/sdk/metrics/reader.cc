#include "adot/sdk/metrics/reader.h"

#include <condition_variable>
#include <thread>

#include "adot/sdk/common/env.h"
#include "sdk/metrics/fork.h"
#include "sdk/metrics/meter.h"

namespace adot::sdk::metrics {

using Clock = std::chrono::steady_clock;

MetricReader::MetricReader(TemporalitySelector selector) : selector_(std::move(selector)) {
  if (!selector_) selector_ = [](InstrumentKind) { return AggregationTemporality::kCumulative; };
}

MetricReader::~MetricReader() = default;

void MetricReader::Register(std::weak_ptr<internal::MeterContext> context, size_t index) noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!context_.expired()) {
    env::WarnOnce("a MetricReader was given to a second MeterProvider; it stays with the first");
    return;
  }
  context_ = std::move(context);
  index_ = index;
}

bool MetricReader::Collect(ResourceMetrics& out) noexcept {
  if (IsShutdown()) {
    out = {};
    return false;
  }
  return DoCollect(out);
}

bool MetricReader::DoCollect(ResourceMetrics& out) noexcept {
  out = {};
  std::shared_ptr<internal::MeterContext> context;
  size_t index;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    context = context_.lock();
    index = index_;
  }
  if (!context) return false;
  try {
    return context->Collect(index, *this, out);
  } catch (...) {  // allocation failure
    out = {};
    return false;
  }
}

AggregationTemporality MetricReader::GetTemporality(InstrumentKind kind) const noexcept {
  return selector_(kind);
}

bool MetricReader::ForceFlush(std::chrono::milliseconds) noexcept { return !IsShutdown(); }

bool MetricReader::Shutdown(std::chrono::milliseconds) noexcept {
  MarkShutdown();
  return true;
}

bool MetricReader::IsShutdown() const noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  return shutdown_;
}

bool MetricReader::MarkShutdown() noexcept {
  std::lock_guard<std::mutex> lock(mutex_);
  return !std::exchange(shutdown_, true);
}

ManualReader::ManualReader(TemporalityPreference preference)
    : MetricReader([preference](InstrumentKind kind) { return TemporalityFor(preference, kind); }) {}

PeriodicExportingMetricReaderOptions PeriodicExportingMetricReaderOptions::FromEnvironment() {
  PeriodicExportingMetricReaderOptions options;
  // OTEL_IMR_EXPORT_INTERVAL: the older name (the Java SDK's IntervalMetricReader) that ADOT's
  // sample deployments still set; the standard name wins when both are set.
  for (const char* name : {"OTEL_METRIC_EXPORT_INTERVAL", "OTEL_IMR_EXPORT_INTERVAL"}) {
    auto v = env::GetMilliseconds(name);
    if (!v) continue;
    if (v->count() > 0) {
      options.export_interval = *v;
      break;
    }
    env::WarnInvalid(name, "0", "60000");
  }
  if (auto v = env::GetMilliseconds("OTEL_METRIC_EXPORT_TIMEOUT")) options.export_timeout = *v;
  return options;
}

class PeriodicExportingMetricReader::Worker final : public internal::ForkAware {
 public:
  Worker(std::function<bool(ResourceMetrics&)> collect, std::unique_ptr<MetricExporter> exporter,
         PeriodicExportingMetricReaderOptions options)
      : collect_(std::move(collect)), exporter_(std::move(exporter)), options_(options) {}

  void Start() { thread_ = std::thread([this] { Run(); }); }

  const MetricExporter& exporter() const noexcept { return *exporter_; }

  bool ForceFlush(std::chrono::milliseconds timeout) noexcept {
    const auto deadline = Clock::now() + timeout;
    std::unique_lock<std::mutex> lock(mutex_);
    if (stopping_ || !thread_.joinable()) return false;
    const uint64_t ticket = ++flush_requested_;
    wake_.notify_one();
    if (!done_cv_.wait_until(lock, deadline, [&] { return flush_done_ >= ticket; })) return false;
    const bool exported = flush_ok_;
    lock.unlock();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return exporter_->ForceFlush(std::max(left, std::chrono::milliseconds(0))) && exported;
  }

  bool Shutdown(std::chrono::milliseconds timeout) noexcept {
    const auto deadline = Clock::now() + timeout;
    bool drained;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (stopping_) return true;
      stopping_ = true;
      wake_.notify_one();
      drained = done_cv_.wait_until(lock, deadline, [&] { return worker_done_; });
    }
    // Past the deadline: abort the exporter (it may be waiting on a stalled endpoint).
    if (!drained) exporter_->Shutdown(std::chrono::milliseconds(0));
    if (thread_.joinable()) thread_.join();
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return exporter_->Shutdown(std::max(left, std::chrono::milliseconds(0))) && drained;
  }

  void PrepareFork() override { mutex_.lock(); }
  void ParentAfterFork() override { mutex_.unlock(); }
  // The thread does not exist in the child. Its std::thread object cannot be joined or destroyed
  // (that would terminate), so it is overwritten in place and a new thread started.
  void ChildAfterFork() override {
    new (&thread_) std::thread();
    flush_done_ = flush_requested_;
    worker_done_ = false;
    mutex_.unlock();
    if (!stopping_) Start();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mutex_);
    auto next = Clock::now() + options_.export_interval;
    for (;;) {
      wake_.wait_until(lock, next, [&] { return stopping_ || flush_requested_ > flush_done_; });
      const bool stopping = stopping_;
      const uint64_t ticket = flush_requested_;
      lock.unlock();
      const bool ok = CollectAndExport();
      next = Clock::now() + options_.export_interval;
      lock.lock();
      if (ticket > flush_done_) {
        flush_done_ = ticket;
        flush_ok_ = ok;
      }
      if (stopping) worker_done_ = true;
      done_cv_.notify_all();
      if (stopping) return;
    }
  }

  bool CollectAndExport() {
    ResourceMetrics metrics;
    if (!collect_(metrics)) return false;
    if (metrics.scope_metrics.empty()) return true;
    return exporter_->Export(metrics) == ExportResult::kSuccess;
  }

  std::function<bool(ResourceMetrics&)> collect_;
  std::unique_ptr<MetricExporter> exporter_;
  PeriodicExportingMetricReaderOptions options_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_cv_;
  uint64_t flush_requested_ = 0;  // guarded by mutex_, as the rest
  uint64_t flush_done_ = 0;
  bool flush_ok_ = false;
  bool stopping_ = false;
  bool worker_done_ = false;
  std::thread thread_;
};

PeriodicExportingMetricReader::PeriodicExportingMetricReader(
    std::unique_ptr<MetricExporter> exporter, PeriodicExportingMetricReaderOptions options)
    : MetricReader([e = exporter.get()](InstrumentKind kind) { return e->GetTemporality(kind); }) {
  if (options.export_interval.count() <= 0) options.export_interval = std::chrono::milliseconds(60000);
  worker_ = std::make_shared<Worker>([this](ResourceMetrics& out) { return DoCollect(out); },
                                     std::move(exporter), options);
  internal::RegisterForFork(worker_);
  worker_->Start();
  export_timeout_ = options.export_timeout;
}

PeriodicExportingMetricReader::~PeriodicExportingMetricReader() { Shutdown(export_timeout_); }

bool PeriodicExportingMetricReader::ForceFlush(std::chrono::milliseconds timeout) noexcept {
  if (IsShutdown()) return false;
  return worker_->ForceFlush(timeout);
}

bool PeriodicExportingMetricReader::Shutdown(std::chrono::milliseconds timeout) noexcept {
  if (!MarkShutdown()) return true;
  // The worker's last collection runs after the mark: it uses DoCollect, which ignores it.
  return worker_->Shutdown(timeout);
}

}  // namespace adot::sdk::metrics
