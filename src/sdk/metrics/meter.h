// The SDK Meter, its instruments and the provider state they share (MeterContext).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "adot/api/metrics/meter.h"
#include "adot/sdk/metrics/meter_provider.h"
#include "sdk/metrics/fork.h"
#include "sdk/metrics/stream.h"

namespace adot::sdk::metrics::internal {

class InstrumentBase {
 public:
  virtual ~InstrumentBase() = default;
  virtual void Collect(size_t reader_index, const MetricReader& reader, uint64_t now,
                       std::vector<MetricData>& out) = 0;
  virtual void LockForFork() = 0;
  virtual void UnlockAfterFork() = 0;
};

class SdkMeter;

// Everything of a MeterProvider: configuration, readers, meters, and the collection entry point.
class MeterContext final : public ForkAware, public std::enable_shared_from_this<MeterContext> {
 public:
  explicit MeterContext(MeterProviderOptions options);
  // Registers the readers (needs shared_from_this, so called after construction).
  void Start();

  std::shared_ptr<api::metrics::Meter> GetMeter(std::string_view name, std::string_view version,
                                                std::string_view schema_url,
                                                api::AttributeView attributes);
  bool Collect(size_t reader_index, const MetricReader& reader, ResourceMetrics& out);
  bool ForceFlush(std::chrono::milliseconds timeout);
  bool Shutdown(std::chrono::milliseconds timeout);

  // The streams an instrument gets: one per matching View (none for Drop), else the default.
  std::vector<StreamInfo> ResolveStreams(const InstrumentDescriptor& descriptor,
                                         const InstrumentationScope& scope,
                                         const std::optional<std::vector<double>>& advice) const;

  void PrepareFork() override;
  void ParentAfterFork() override { AfterFork(); }
  void ChildAfterFork() override { AfterFork(); }

  const std::shared_ptr<const Resource>& resource() const noexcept { return resource_; }
  ExemplarFilter exemplar_filter() const noexcept { return exemplar_filter_; }
  size_t reader_count() const noexcept { return readers_.size(); }

 private:
  std::shared_ptr<const Resource> resource_;
  std::vector<std::shared_ptr<MetricReader>> readers_;
  std::vector<View> views_;
  size_t cardinality_limit_;
  ExemplarFilter exemplar_filter_;

  std::mutex collect_mutex_;  // one collection at a time
  std::mutex meters_mutex_;
  std::vector<std::shared_ptr<SdkMeter>> meters_;
  std::atomic<bool> shutdown_{false};

  void AfterFork();
};

class SdkMeter final : public api::metrics::Meter {
 public:
  SdkMeter(std::shared_ptr<MeterContext> context, std::shared_ptr<const InstrumentationScope> scope)
      : context_(std::move(context)), scope_(std::move(scope)) {}

  const InstrumentationScope& scope() const noexcept { return *scope_; }
  void Collect(size_t reader_index, const MetricReader& reader, uint64_t now, ScopeMetrics& out);
  void PrepareFork();
  void AfterFork();

  std::shared_ptr<api::metrics::Counter<int64_t>> CreateInt64Counter(
      std::string_view name, std::string_view description, std::string_view unit) noexcept override;
  std::shared_ptr<api::metrics::Counter<double>> CreateDoubleCounter(
      std::string_view name, std::string_view description, std::string_view unit) noexcept override;
  std::shared_ptr<api::metrics::UpDownCounter<int64_t>> CreateInt64UpDownCounter(
      std::string_view name, std::string_view description, std::string_view unit) noexcept override;
  std::shared_ptr<api::metrics::UpDownCounter<double>> CreateDoubleUpDownCounter(
      std::string_view name, std::string_view description, std::string_view unit) noexcept override;
  std::shared_ptr<api::metrics::Histogram<int64_t>> CreateInt64Histogram(
      std::string_view name, std::string_view description, std::string_view unit,
      const api::metrics::HistogramAdvice& advice) noexcept override;
  std::shared_ptr<api::metrics::Histogram<double>> CreateDoubleHistogram(
      std::string_view name, std::string_view description, std::string_view unit,
      const api::metrics::HistogramAdvice& advice) noexcept override;
  std::shared_ptr<api::metrics::Gauge<int64_t>> CreateInt64Gauge(
      std::string_view name, std::string_view description, std::string_view unit) noexcept override;
  std::shared_ptr<api::metrics::Gauge<double>> CreateDoubleGauge(
      std::string_view name, std::string_view description, std::string_view unit) noexcept override;
  std::shared_ptr<api::metrics::ObservableInstrument<int64_t>> CreateInt64ObservableCounter(
      std::string_view name, std::string_view description, std::string_view unit,
      api::metrics::ObservableCallback<int64_t> callback) noexcept override;
  std::shared_ptr<api::metrics::ObservableInstrument<double>> CreateDoubleObservableCounter(
      std::string_view name, std::string_view description, std::string_view unit,
      api::metrics::ObservableCallback<double> callback) noexcept override;
  std::shared_ptr<api::metrics::ObservableInstrument<int64_t>> CreateInt64ObservableUpDownCounter(
      std::string_view name, std::string_view description, std::string_view unit,
      api::metrics::ObservableCallback<int64_t> callback) noexcept override;
  std::shared_ptr<api::metrics::ObservableInstrument<double>> CreateDoubleObservableUpDownCounter(
      std::string_view name, std::string_view description, std::string_view unit,
      api::metrics::ObservableCallback<double> callback) noexcept override;
  std::shared_ptr<api::metrics::ObservableInstrument<int64_t>> CreateInt64ObservableGauge(
      std::string_view name, std::string_view description, std::string_view unit,
      api::metrics::ObservableCallback<int64_t> callback) noexcept override;
  std::shared_ptr<api::metrics::ObservableInstrument<double>> CreateDoubleObservableGauge(
      std::string_view name, std::string_view description, std::string_view unit,
      api::metrics::ObservableCallback<double> callback) noexcept override;

 private:
  template <class Api, template <class> class Impl, template <class> class Noop, class T>
  std::shared_ptr<Api> CreateSync(std::string_view name, std::string_view description,
                                  std::string_view unit, InstrumentKind kind,
                                  const std::optional<std::vector<double>>& advice = std::nullopt);
  template <class T>
  std::shared_ptr<api::metrics::ObservableInstrument<T>> CreateAsync(
      std::string_view name, std::string_view description, std::string_view unit,
      InstrumentKind kind, api::metrics::ObservableCallback<T> callback);
  // The existing instrument with this identity (nullptr when none; warns on a conflicting one).
  std::shared_ptr<void> FindExisting(const InstrumentDescriptor& descriptor);

  struct Entry {
    InstrumentDescriptor descriptor;
    std::shared_ptr<InstrumentBase> instrument;
    std::shared_ptr<void> api;  // the same object as the API interface the creator asked for
  };
  std::shared_ptr<MeterContext> context_;
  std::shared_ptr<const InstrumentationScope> scope_;
  std::mutex mutex_;
  std::vector<Entry> instruments_;
};

}  // namespace adot::sdk::metrics::internal
