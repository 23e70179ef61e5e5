// Metric readers: ManualReader (collect on demand) and PeriodicExportingMetricReader (collect and
// export on a timer from a background thread).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

#include "adot/sdk/metrics/data.h"
#include "adot/sdk/metrics/exporter.h"

namespace adot::sdk::metrics {

namespace internal {
class MeterContext;
}

using TemporalitySelector = std::function<AggregationTemporality(InstrumentKind)>;

// A reader is registered with one MeterProvider (through MeterProviderOptions::readers) and keeps
// its own temporality state: two readers of one provider may use different temporalities.
class MetricReader {
 public:
  explicit MetricReader(TemporalitySelector selector);
  virtual ~MetricReader();
  MetricReader(const MetricReader&) = delete;
  MetricReader& operator=(const MetricReader&) = delete;

  // Collects every instrument of the provider into out (cleared first): synchronous instruments'
  // aggregated measurements, and the observable instruments' callbacks are run. Returns false
  // (leaving out empty) when the reader is not registered, its provider is gone, or it is shut
  // down.
  bool Collect(ResourceMetrics& out) noexcept;

  AggregationTemporality GetTemporality(InstrumentKind kind) const noexcept;

  virtual bool ForceFlush(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) noexcept;
  // After Shutdown, Collect returns false. Called by the provider's Shutdown.
  virtual bool Shutdown(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) noexcept;

 protected:
  // Collect without the shutdown check: a periodic reader's last collection runs after it is
  // marked shut down.
  bool DoCollect(ResourceMetrics& out) noexcept;
  bool IsShutdown() const noexcept;
  // Marks the reader shut down; returns false when it already was.
  bool MarkShutdown() noexcept;

 private:
  friend class internal::MeterContext;
  // Called once by the provider.
  void Register(std::weak_ptr<internal::MeterContext> context, size_t index) noexcept;

  TemporalitySelector selector_;
  mutable std::mutex mutex_;
  std::weak_ptr<internal::MeterContext> context_;
  size_t index_ = 0;
  bool shutdown_ = false;
};

// Collects only when Collect is called.
class ManualReader final : public MetricReader {
 public:
  explicit ManualReader(TemporalityPreference preference = TemporalityPreference::kCumulative);
  explicit ManualReader(TemporalitySelector selector) : MetricReader(std::move(selector)) {}
};

struct PeriodicExportingMetricReaderOptions {
  // OTEL_METRIC_EXPORT_INTERVAL, else the older OTEL_IMR_EXPORT_INTERVAL
  std::chrono::milliseconds export_interval{60000};
  // The time the reader's destructor gives its Shutdown (a last collection and export); past it
  // the exporter is aborted. The reader cannot interrupt an Export call: the exporter's own
  // timeout bounds each one.
  std::chrono::milliseconds export_timeout{30000};  // OTEL_METRIC_EXPORT_TIMEOUT

  // Defaults overridden by the OTEL_METRIC_EXPORT_* variables. An interval of 0 is invalid (a
  // warning, the default is kept); a timeout above the interval is kept.
  static PeriodicExportingMetricReaderOptions FromEnvironment();
};

// Every export_interval, collects and hands the result to the exporter, on a background thread.
// The exporter's GetTemporality chooses the temporality. ForceFlush collects and exports at once;
// Shutdown does a last collection and export, then shuts the exporter down. Fork-safe: in a
// forked child the thread is restarted.
class PeriodicExportingMetricReader final : public MetricReader {
 public:
  PeriodicExportingMetricReader(std::unique_ptr<MetricExporter> exporter,
                                PeriodicExportingMetricReaderOptions options = {});
  ~PeriodicExportingMetricReader() override;

  bool ForceFlush(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) noexcept override;
  bool Shutdown(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) noexcept override;

  class Worker;

 private:
  std::shared_ptr<Worker> worker_;
  std::chrono::milliseconds export_timeout_;
};

}  // namespace adot::sdk::metrics
