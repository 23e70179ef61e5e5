#include "sdk/metrics/meter.h"

#include <algorithm>
#include <cmath>
#include <exception>

#include "adot/api/propagation/text_map.h"
#include "adot/sdk/common/env.h"

namespace adot::sdk::metrics::internal {

using api::AttributeView;
using api::Context;
using api::propagation::internal::EqualsIgnoreCase;

namespace {

// ------------------------------------------------------------------ instruments

template <class T>
class SyncInstrument : public InstrumentBase {
 public:
  SyncInstrument(InstrumentKind kind, const std::vector<StreamInfo>& infos, size_t readers,
                 ExemplarFilter filter)
      : kind_(kind) {
    for (const StreamInfo& info : infos) {
      auto stream = MakeStream(info, readers, filter);
      recorders_.push_back(stream.second);
      streams_.push_back(std::move(stream.first));
    }
  }
  void Collect(size_t reader_index, const MetricReader& reader, uint64_t now,
               std::vector<MetricData>& out) override {
    const AggregationTemporality temporality = reader.GetTemporality(kind_);
    for (auto& s : streams_) s->Collect(reader_index, temporality, now, out);
  }
  void LockForFork() override {
    for (auto& s : streams_) s->LockForFork();
  }
  void UnlockAfterFork() override {
    for (auto& s : streams_) s->UnlockAfterFork();
  }

 protected:
  void RecordAll(T value, AttributeView attributes, const Context* context) noexcept {
    for (SyncRecorder<T>* r : recorders_) r->Record(value, attributes, context);
  }

 private:
  template <class Cell>
  static std::pair<std::unique_ptr<SyncStreamBase>, SyncRecorder<T>*> Make(
      const StreamInfo& info, size_t readers, ExemplarFilter filter) {
    auto s = std::make_unique<SyncStream<T, Cell>>(info, readers, filter);
    SyncRecorder<T>* recorder = s.get();
    return {std::move(s), recorder};
  }
  static std::pair<std::unique_ptr<SyncStreamBase>, SyncRecorder<T>*> MakeStream(
      const StreamInfo& info, size_t readers, ExemplarFilter filter) {
    switch (info.aggregation.type) {
      case AggregationType::kLastValue: return Make<LastValueCell<T>>(info, readers, filter);
      case AggregationType::kExplicitBucketHistogram: return Make<HistogramCell>(info, readers, filter);
      case AggregationType::kBase2ExponentialHistogram:
        return Make<ExponentialHistogramCell>(info, readers, filter);
      default: return Make<SumCell<T>>(info, readers, filter);
    }
  }

  InstrumentKind kind_;
  std::vector<std::unique_ptr<SyncStreamBase>> streams_;
  std::vector<SyncRecorder<T>*> recorders_;
};

template <class T>
class SdkCounter final : public api::metrics::Counter<T>, public SyncInstrument<T> {
 public:
  using SyncInstrument<T>::SyncInstrument;
  using api::metrics::Counter<T>::Add;
  void Add(T value, AttributeView attributes, const Context* context) noexcept override {
    if (value < 0) [[unlikely]] return;  // not monotonic
    this->RecordAll(value, attributes, context);
  }
};

template <class T>
class SdkUpDownCounter final : public api::metrics::UpDownCounter<T>, public SyncInstrument<T> {
 public:
  using SyncInstrument<T>::SyncInstrument;
  using api::metrics::UpDownCounter<T>::Add;
  void Add(T value, AttributeView attributes, const Context* context) noexcept override {
    this->RecordAll(value, attributes, context);
  }
};

template <class T>
class SdkHistogram final : public api::metrics::Histogram<T>, public SyncInstrument<T> {
 public:
  using SyncInstrument<T>::SyncInstrument;
  using api::metrics::Histogram<T>::Record;
  void Record(T value, AttributeView attributes, const Context* context) noexcept override {
    if (value < 0) [[unlikely]] return;
    this->RecordAll(value, attributes, context);
  }
};

template <class T>
class SdkGauge final : public api::metrics::Gauge<T>, public SyncInstrument<T> {
 public:
  using SyncInstrument<T>::SyncInstrument;
  using api::metrics::Gauge<T>::Record;
  void Record(T value, AttributeView attributes, const Context* context) noexcept override {
    this->RecordAll(value, attributes, context);
  }
};

template <class T>
class SdkObservable final : public api::metrics::ObservableInstrument<T>, public InstrumentBase {
 public:
  SdkObservable(InstrumentKind kind, const std::vector<StreamInfo>& infos, size_t readers)
      : kind_(kind) {
    for (const StreamInfo& info : infos)
      streams_.push_back(std::make_unique<AsyncStream<T>>(info, readers));
  }

  api::metrics::CallbackId AddCallback(api::metrics::ObservableCallback<T> callback) noexcept override {
    if (!callback) return 0;
    std::lock_guard<std::mutex> lock(mutex_);
    const api::metrics::CallbackId id = ++last_id_;
    callbacks_.emplace_back(id, std::make_shared<api::metrics::ObservableCallback<T>>(std::move(callback)));
    return id;
  }
  void RemoveCallback(api::metrics::CallbackId id) noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    std::erase_if(callbacks_, [id](const auto& c) { return c.first == id; });
  }

  void Collect(size_t reader_index, const MetricReader& reader, uint64_t now,
               std::vector<MetricData>& out) override {
    decltype(callbacks_) callbacks;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      callbacks = callbacks_;
    }
    for (auto& s : streams_) s->BeginCollection();
    Observer observer(streams_);
    // Called without the lock, so a callback may add or remove callbacks.
    for (const auto& [id, callback] : callbacks) {
      try {
        (*callback)(observer);
      } catch (const std::exception& e) {
        env::WarnOnce(std::string("an observable instrument's callback threw: ") + e.what());
      } catch (...) {
        env::WarnOnce("an observable instrument's callback threw");
      }
    }
    const AggregationTemporality temporality = reader.GetTemporality(kind_);
    for (auto& s : streams_) s->Collect(reader_index, temporality, now, out);
  }
  void LockForFork() override { mutex_.lock(); }
  void UnlockAfterFork() override { mutex_.unlock(); }

 private:
  class Observer final : public api::metrics::ObserverResult<T> {
   public:
    explicit Observer(std::vector<std::unique_ptr<AsyncStream<T>>>& streams) : streams_(streams) {}
    void Observe(T value, AttributeView attributes) noexcept override {
      try {
        for (auto& s : streams_) s->Observe(value, attributes);
      } catch (...) {  // allocation failure: the observation is lost
      }
    }

   private:
    std::vector<std::unique_ptr<AsyncStream<T>>>& streams_;
  };

  InstrumentKind kind_;
  std::vector<std::unique_ptr<AsyncStream<T>>> streams_;
  std::mutex mutex_;
  api::metrics::CallbackId last_id_ = 0;
  std::vector<std::pair<api::metrics::CallbackId,
                        std::shared_ptr<const api::metrics::ObservableCallback<T>>>>
      callbacks_;
};

bool ValidInstrumentName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!alpha(name[0])) return false;
  for (char c : name.substr(1))
    if (!alpha(c) && !(c >= '0' && c <= '9') && c != '_' && c != '.' && c != '-' && c != '/')
      return false;
  return true;
}

bool ValidBoundaries(const std::vector<double>& b) {
  for (size_t i = 0; i < b.size(); ++i) {
    if (!std::isfinite(b[i]) || (i > 0 && b[i] <= b[i - 1])) return false;
  }
  return true;
}

bool IsAsync(InstrumentKind kind) {
  return kind == InstrumentKind::kObservableCounter ||
         kind == InstrumentKind::kObservableUpDownCounter ||
         kind == InstrumentKind::kObservableGauge;
}

bool Matches(const InstrumentSelector& s, const InstrumentDescriptor& d,
             const InstrumentationScope& scope) {
  return (s.name.empty() || WildcardMatch(s.name, d.name)) && (!s.kind || *s.kind == d.kind) &&
         (s.unit.empty() || s.unit == d.unit) &&
         (s.meter_name.empty() || s.meter_name == scope.name) &&
         (s.meter_version.empty() || s.meter_version == scope.version) &&
         (s.meter_schema_url.empty() || s.meter_schema_url == scope.schema_url);
}

AggregationType DefaultAggregation(InstrumentKind kind) {
  switch (kind) {
    case InstrumentKind::kHistogram: return AggregationType::kExplicitBucketHistogram;
    case InstrumentKind::kGauge:
    case InstrumentKind::kObservableGauge: return AggregationType::kLastValue;
    default: return AggregationType::kSum;
  }
}

}  // namespace

// ------------------------------------------------------------------ MeterContext

MeterContext::MeterContext(MeterProviderOptions options)
    : resource_(options.resource ? std::move(options.resource)
                                 : std::make_shared<const Resource>(Resource::Create())),
      readers_(std::move(options.readers)),
      cardinality_limit_(std::max<size_t>(options.cardinality_limit, 2)),
      exemplar_filter_(options.exemplar_filter) {
  std::erase(readers_, nullptr);
  for (View& view : options.views) {
    const bool wildcard = view.selector.name.empty() ||
                          view.selector.name.find_first_of("*?") != std::string::npos;
    if (!view.name.empty() && wildcard) {
      env::WarnOnce("a View that renames its stream to \"" + view.name +
                    "\" must select an instrument by its exact name; the View is ignored");
      continue;
    }
    views_.push_back(std::move(view));
  }
}

void MeterContext::Start() {
  for (size_t i = 0; i < readers_.size(); ++i) readers_[i]->Register(weak_from_this(), i);
}

std::vector<StreamInfo> MeterContext::ResolveStreams(
    const InstrumentDescriptor& descriptor, const InstrumentationScope& scope,
    const std::optional<std::vector<double>>& advice) const {
  const uint64_t now = NowUnixNano();
  auto make = [&](const View* view) -> std::optional<StreamInfo> {
    Aggregation aggregation = view ? view->aggregation : Aggregation{};
    if (aggregation.type == AggregationType::kDrop) return std::nullopt;
    if (IsAsync(descriptor.kind) &&
        (aggregation.type == AggregationType::kExplicitBucketHistogram ||
         aggregation.type == AggregationType::kBase2ExponentialHistogram)) {
      env::WarnOnce("histogram aggregations are not supported for observable instrument \"" +
                    descriptor.name + "\"; using its default aggregation");
      aggregation.type = AggregationType::kDefault;
    }
    if (aggregation.type == AggregationType::kDefault)
      aggregation.type = DefaultAggregation(descriptor.kind);
    StreamInfo info;
    info.name = view && !view->name.empty() ? view->name : descriptor.name;
    info.description = view && !view->description.empty() ? view->description : descriptor.description;
    info.unit = descriptor.unit;
    info.kind = descriptor.kind;
    info.attribute_keys = view ? view->attribute_keys : std::nullopt;
    info.cardinality_limit =
        view && view->cardinality_limit ? std::max<size_t>(view->cardinality_limit, 2) : cardinality_limit_;
    info.start_time_unix_nano = now;
    AggregationConfig& config = info.aggregation;
    config.type = aggregation.type;
    config.value_type = descriptor.value_type;
    config.monotonic = descriptor.kind == InstrumentKind::kCounter ||
                       descriptor.kind == InstrumentKind::kObservableCounter ||
                       descriptor.kind == InstrumentKind::kHistogram;
    config.record_min_max = aggregation.record_min_max;
    if (config.type == AggregationType::kExplicitBucketHistogram) {
      const std::vector<double>* boundaries = &DefaultHistogramBoundaries();
      if (aggregation.boundaries) {
        boundaries = &*aggregation.boundaries;
      } else if (advice) {
        boundaries = &*advice;
      }
      if (!ValidBoundaries(*boundaries)) {
        env::WarnOnce("histogram boundaries for \"" + descriptor.name +
                      "\" are not finite and strictly increasing; using the default boundaries");
        boundaries = &DefaultHistogramBoundaries();
      }
      config.boundaries = std::make_shared<const std::vector<double>>(*boundaries);
    }
    if (config.type == AggregationType::kBase2ExponentialHistogram) {
      config.max_size = std::max(aggregation.max_size, 2);
      config.max_scale = std::clamp(aggregation.max_scale, -10, 20);
    }
    return info;
  };

  std::vector<StreamInfo> streams;
  bool matched = false;
  for (const View& view : views_) {
    if (!Matches(view.selector, descriptor, scope)) continue;
    matched = true;
    if (auto info = make(&view)) streams.push_back(std::move(*info));
  }
  if (!matched)
    if (auto info = make(nullptr)) streams.push_back(std::move(*info));
  return streams;
}

std::shared_ptr<api::metrics::Meter> MeterContext::GetMeter(std::string_view name,
                                                            std::string_view version,
                                                            std::string_view schema_url,
                                                            AttributeView attributes) {
  if (shutdown_.load()) return api::metrics::NoopMeterProvider().GetMeter(name);
  std::lock_guard<std::mutex> lock(meters_mutex_);
  for (const auto& meter : meters_) {
    const auto& s = meter->scope();
    if (s.name == name && s.version == version && s.schema_url == schema_url) return meter;
  }
  auto scope = std::make_shared<InstrumentationScope>();
  scope->name = std::string(name);
  scope->version = std::string(version);
  scope->schema_url = std::string(schema_url);
  for (const auto& kv : attributes) SetOwnedAttribute(scope->attributes, kv.key, kv.value);
  auto meter = std::make_shared<SdkMeter>(shared_from_this(), std::move(scope));
  meters_.push_back(meter);
  return meter;
}

bool MeterContext::Collect(size_t reader_index, const MetricReader& reader, ResourceMetrics& out) {
  std::lock_guard<std::mutex> collect_lock(collect_mutex_);
  std::vector<std::shared_ptr<SdkMeter>> meters;
  {
    std::lock_guard<std::mutex> lock(meters_mutex_);
    meters = meters_;
  }
  const uint64_t now = NowUnixNano();
  out.resource = resource_;
  out.scope_metrics.clear();
  for (const auto& meter : meters) {
    ScopeMetrics scope_metrics;
    meter->Collect(reader_index, reader, now, scope_metrics);
    if (!scope_metrics.metrics.empty()) out.scope_metrics.push_back(std::move(scope_metrics));
  }
  return true;
}

bool MeterContext::ForceFlush(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool ok = true;
  for (const auto& reader : readers_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    ok = reader->ForceFlush(std::max(left, std::chrono::milliseconds(0))) && ok;
  }
  return ok;
}

bool MeterContext::Shutdown(std::chrono::milliseconds timeout) {
  if (shutdown_.exchange(true)) return true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool ok = true;
  for (const auto& reader : readers_) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    ok = reader->Shutdown(std::max(left, std::chrono::milliseconds(0))) && ok;
  }
  return ok;
}

// Lock order: collect, meters, each meter's, each instrument's (insertion locks), then the
// recording gate (closed by the fork hooks once every provider is locked). Holding all of them,
// no thread is inside a measurement or a collection when fork() copies the process, so the
// child inherits no lock held by a thread that does not exist there.
void MeterContext::PrepareFork() {
  collect_mutex_.lock();
  meters_mutex_.lock();
  for (const auto& meter : meters_) meter->PrepareFork();
}

void MeterContext::AfterFork() {
  for (auto it = meters_.rbegin(); it != meters_.rend(); ++it) (*it)->AfterFork();
  meters_mutex_.unlock();
  collect_mutex_.unlock();
}

// ------------------------------------------------------------------ SdkMeter

void SdkMeter::Collect(size_t reader_index, const MetricReader& reader, uint64_t now,
                       ScopeMetrics& out) {
  std::vector<std::shared_ptr<InstrumentBase>> instruments;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    instruments.reserve(instruments_.size());
    for (const auto& e : instruments_) instruments.push_back(e.instrument);
  }
  out.scope = scope_;
  for (const auto& instrument : instruments) instrument->Collect(reader_index, reader, now, out.metrics);
}

void SdkMeter::PrepareFork() {
  mutex_.lock();
  for (auto& e : instruments_) e.instrument->LockForFork();
}

void SdkMeter::AfterFork() {
  for (auto it = instruments_.rbegin(); it != instruments_.rend(); ++it)
    it->instrument->UnlockAfterFork();
  mutex_.unlock();
}

std::shared_ptr<void> SdkMeter::FindExisting(const InstrumentDescriptor& d) {
  for (const auto& e : instruments_) {
    if (!EqualsIgnoreCase(e.descriptor.name, d.name)) continue;
    if (e.descriptor.kind == d.kind && e.descriptor.value_type == d.value_type &&
        e.descriptor.unit == d.unit && e.descriptor.description == d.description)
      return e.api;
    env::WarnOnce("instrument \"" + d.name + "\" of meter \"" + scope_->name +
                  "\" is created again with a different kind, type, unit or description; both "
                  "are exported");
  }
  return nullptr;
}

template <class Api, template <class> class Impl, template <class> class Noop, class T>
std::shared_ptr<Api> SdkMeter::CreateSync(std::string_view name, std::string_view description,
                                          std::string_view unit, InstrumentKind kind,
                                          const std::optional<std::vector<double>>& advice) {
  try {
    if (!ValidInstrumentName(name)) {
      env::WarnOnce("invalid instrument name \"" + std::string(name) + "\"; the instrument is a no-op");
      return api::metrics::internal::NoopInstance<Api, Noop<T>>();
    }
    InstrumentDescriptor d{std::string(name), std::string(description), std::string(unit), kind,
                           std::is_same_v<T, int64_t> ? InstrumentValueType::kInt64
                                                      : InstrumentValueType::kDouble};
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto existing = FindExisting(d)) return std::static_pointer_cast<Api>(existing);
    auto instrument = std::make_shared<Impl<T>>(kind, context_->ResolveStreams(d, *scope_, advice),
                                                 context_->reader_count(), context_->exemplar_filter());
    std::shared_ptr<Api> api = instrument;
    instruments_.push_back({std::move(d), instrument, api});
    return api;
  } catch (...) {  // allocation failure
    return api::metrics::internal::NoopInstance<Api, Noop<T>>();
  }
}

template <class T>
std::shared_ptr<api::metrics::ObservableInstrument<T>> SdkMeter::CreateAsync(
    std::string_view name, std::string_view description, std::string_view unit,
    InstrumentKind kind, api::metrics::ObservableCallback<T> callback) {
  using Api = api::metrics::ObservableInstrument<T>;
  using Noop = api::metrics::NoopObservableInstrument<T>;
  try {
    if (!ValidInstrumentName(name)) {
      env::WarnOnce("invalid instrument name \"" + std::string(name) + "\"; the instrument is a no-op");
      return api::metrics::internal::NoopInstance<Api, Noop>();
    }
    InstrumentDescriptor d{std::string(name), std::string(description), std::string(unit), kind,
                           std::is_same_v<T, int64_t> ? InstrumentValueType::kInt64
                                                      : InstrumentValueType::kDouble};
    std::shared_ptr<Api> api;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (auto existing = FindExisting(d)) {
        api = std::static_pointer_cast<Api>(existing);
      } else {
        auto instrument = std::make_shared<SdkObservable<T>>(
            kind, context_->ResolveStreams(d, *scope_, std::nullopt), context_->reader_count());
        api = instrument;
        instruments_.push_back({std::move(d), instrument, api});
      }
    }
    if (callback) api->AddCallback(std::move(callback));
    return api;
  } catch (...) {
    return api::metrics::internal::NoopInstance<Api, Noop>();
  }
}

using namespace api::metrics;
using std::string_view;

std::shared_ptr<Counter<int64_t>> SdkMeter::CreateInt64Counter(string_view name, string_view description,
                                                               string_view unit) noexcept {
  return CreateSync<Counter<int64_t>, SdkCounter, NoopCounter, int64_t>(name, description, unit,
                                                                       InstrumentKind::kCounter);
}
std::shared_ptr<Counter<double>> SdkMeter::CreateDoubleCounter(string_view name, string_view description,
                                                               string_view unit) noexcept {
  return CreateSync<Counter<double>, SdkCounter, NoopCounter, double>(name, description, unit,
                                                                     InstrumentKind::kCounter);
}
std::shared_ptr<UpDownCounter<int64_t>> SdkMeter::CreateInt64UpDownCounter(
    string_view name, string_view description, string_view unit) noexcept {
  return CreateSync<UpDownCounter<int64_t>, SdkUpDownCounter, NoopUpDownCounter, int64_t>(
      name, description, unit, InstrumentKind::kUpDownCounter);
}
std::shared_ptr<UpDownCounter<double>> SdkMeter::CreateDoubleUpDownCounter(
    string_view name, string_view description, string_view unit) noexcept {
  return CreateSync<UpDownCounter<double>, SdkUpDownCounter, NoopUpDownCounter, double>(
      name, description, unit, InstrumentKind::kUpDownCounter);
}
std::shared_ptr<Histogram<int64_t>> SdkMeter::CreateInt64Histogram(
    string_view name, string_view description, string_view unit,
    const HistogramAdvice& advice) noexcept {
  return CreateSync<Histogram<int64_t>, SdkHistogram, NoopHistogram, int64_t>(
      name, description, unit, InstrumentKind::kHistogram, advice.explicit_bucket_boundaries);
}
std::shared_ptr<Histogram<double>> SdkMeter::CreateDoubleHistogram(
    string_view name, string_view description, string_view unit,
    const HistogramAdvice& advice) noexcept {
  return CreateSync<Histogram<double>, SdkHistogram, NoopHistogram, double>(
      name, description, unit, InstrumentKind::kHistogram, advice.explicit_bucket_boundaries);
}
std::shared_ptr<Gauge<int64_t>> SdkMeter::CreateInt64Gauge(string_view name, string_view description,
                                                           string_view unit) noexcept {
  return CreateSync<Gauge<int64_t>, SdkGauge, NoopGauge, int64_t>(name, description, unit,
                                                                 InstrumentKind::kGauge);
}
std::shared_ptr<Gauge<double>> SdkMeter::CreateDoubleGauge(string_view name, string_view description,
                                                           string_view unit) noexcept {
  return CreateSync<Gauge<double>, SdkGauge, NoopGauge, double>(name, description, unit,
                                                               InstrumentKind::kGauge);
}
std::shared_ptr<ObservableInstrument<int64_t>> SdkMeter::CreateInt64ObservableCounter(
    string_view name, string_view description, string_view unit,
    ObservableCallback<int64_t> callback) noexcept {
  return CreateAsync<int64_t>(name, description, unit, InstrumentKind::kObservableCounter,
                              std::move(callback));
}
std::shared_ptr<ObservableInstrument<double>> SdkMeter::CreateDoubleObservableCounter(
    string_view name, string_view description, string_view unit,
    ObservableCallback<double> callback) noexcept {
  return CreateAsync<double>(name, description, unit, InstrumentKind::kObservableCounter,
                             std::move(callback));
}
std::shared_ptr<ObservableInstrument<int64_t>> SdkMeter::CreateInt64ObservableUpDownCounter(
    string_view name, string_view description, string_view unit,
    ObservableCallback<int64_t> callback) noexcept {
  return CreateAsync<int64_t>(name, description, unit, InstrumentKind::kObservableUpDownCounter,
                              std::move(callback));
}
std::shared_ptr<ObservableInstrument<double>> SdkMeter::CreateDoubleObservableUpDownCounter(
    string_view name, string_view description, string_view unit,
    ObservableCallback<double> callback) noexcept {
  return CreateAsync<double>(name, description, unit, InstrumentKind::kObservableUpDownCounter,
                             std::move(callback));
}
std::shared_ptr<ObservableInstrument<int64_t>> SdkMeter::CreateInt64ObservableGauge(
    string_view name, string_view description, string_view unit,
    ObservableCallback<int64_t> callback) noexcept {
  return CreateAsync<int64_t>(name, description, unit, InstrumentKind::kObservableGauge,
                              std::move(callback));
}
std::shared_ptr<ObservableInstrument<double>> SdkMeter::CreateDoubleObservableGauge(
    string_view name, string_view description, string_view unit,
    ObservableCallback<double> callback) noexcept {
  return CreateAsync<double>(name, description, unit, InstrumentKind::kObservableGauge,
                             std::move(callback));
}

}  // namespace adot::sdk::metrics::internal
