// Metric streams: what a View (or the default configuration) makes of an instrument. A
// synchronous stream aggregates measurements into per-series cells; collection moves the cells'
// content into a delta batch that every reader folds into its own temporality state.
#pragma once

#include <time.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "adot/api/attributes.h"
#include "adot/api/context.h"
#include "adot/api/trace/span.h"
#include "adot/sdk/metrics/data.h"
#include "adot/sdk/metrics/meter_provider.h"
#include "sdk/metrics/aggregation.h"
#include "sdk/metrics/attributes.h"
#include "sdk/metrics/exemplar.h"
#include "sdk/metrics/sync.h"

namespace adot::sdk::metrics::internal {

inline uint64_t NowUnixNano() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

struct StreamInfo {
  std::string name;
  std::string description;
  std::string unit;
  InstrumentKind kind = InstrumentKind::kCounter;
  AggregationConfig aggregation;
  std::optional<std::vector<std::string>> attribute_keys;  // the View's allow list
  size_t cardinality_limit = 2000;                          // series, overflow included
  uint64_t start_time_unix_nano = 0;
};

// One series' share of a collection.
struct SeriesPoint {
  SeriesKey key;
  Accumulation value;
  std::vector<Exemplar> exemplars;
};
using DeltaBatch = std::vector<SeriesPoint>;

// Appends the stream's points as one metric (nothing when there are no points).
void AppendMetric(const StreamInfo& info, AggregationTemporality temporality, uint64_t start,
                  uint64_t now, const std::vector<const SeriesPoint*>& points,
                  std::vector<MetricData>& out);

// Collection-time maps keyed by attribute set, with the cardinality limit: a set beyond the
// limit goes to the overflow series.
class LimitedSeriesMap {
 public:
  explicit LimitedSeriesMap(size_t limit) : limit_(limit) {}
  // The entry for key, created (with value) when absent; the overflow entry past the limit.
  // Returns the entry and whether it was created.
  std::pair<SeriesPoint*, bool> Upsert(const SeriesKey& key, const Accumulation& value);
  std::vector<const SeriesPoint*> Points() const;
  SeriesPoint* Find(const SeriesKey& key);
  void clear() { map_.clear(); }
  bool empty() const { return map_.empty(); }

 private:
  size_t limit_;
  std::unordered_map<SeriesKey, SeriesPoint, SeriesKeyHash> map_;
};

// Attributes kept by the View's allow list, written to buffer when it is large enough (no
// allocation on the recording path), else to heap.
api::AttributeView FilterAttributes(api::AttributeView in, const std::vector<std::string>& keys,
                                    api::KeyValue* buffer, size_t buffer_size,
                                    std::vector<api::KeyValue>& heap);
// The attributes the allow list removes (an exemplar's filtered attributes).
OwnedAttributes RemovedAttributes(api::AttributeView in, const std::vector<std::string>& keys);

class Stream {
 public:
  Stream(StreamInfo info, size_t reader_count) : info_(std::move(info)), readers_(reader_count) {}
  virtual ~Stream() = default;
  const StreamInfo& info() const noexcept { return info_; }

 protected:
  struct ReaderState {
    uint64_t last_collect_unix_nano = 0;
    // Synchronous: delta batches taken by other readers' collections, not yet seen by this one.
    std::vector<std::shared_ptr<const DeltaBatch>> pending;
    // Synchronous cumulative: every series so far. Asynchronous delta: the last observed totals.
    std::unique_ptr<LimitedSeriesMap> state;
  };
  ReaderState& Reader(size_t index);

  StreamInfo info_;
  std::vector<ReaderState> readers_;
};

// ------------------------------------------------------------------ synchronous streams

template <class T>
class SyncRecorder {
 public:
  virtual ~SyncRecorder() = default;
  virtual void Record(T value, api::AttributeView attributes, const api::Context* context) noexcept = 0;
};

class SyncStreamBase : public Stream {
 public:
  using Stream::Stream;
  void Collect(size_t reader, AggregationTemporality temporality, uint64_t now,
               std::vector<MetricData>& out);
  // Fork: hold every lock a recording thread could hold outside the gate.
  void LockForFork() { insert_mutex_.lock(); }
  void UnlockAfterFork() { insert_mutex_.unlock(); }

 protected:
  // Moves every series' data since the last call into a batch, and frees the series that had
  // none (they have been idle for a whole collection interval).
  virtual std::shared_ptr<const DeltaBatch> TakeDelta() = 0;

  std::mutex collect_mutex_;
  // Held to insert a series, to scan the table and to replace it. Never taken inside the gate.
  std::mutex insert_mutex_;
};

// SyncRecorder is the first base: the recording call then needs no this-adjusting thunk.
template <class T, class Cell>
class SyncStream final : public SyncRecorder<T>, public SyncStreamBase {
 public:
  SyncStream(StreamInfo info, size_t reader_count, ExemplarFilter filter)
      : SyncStreamBase(std::move(info), reader_count),
        gate_(&RecordGate::Instance()),
        filter_(filter),
        table_(NewTable(16)) {}

  ~SyncStream() override {
    gate_->AdvanceEpoch();  // another stream may be created at this address
    Table* t = table_.load();
    for (size_t i = 0; i <= t->mask; ++i) delete t->slots[i].load();
    delete t;
  }

  void Record(T value, api::AttributeView attributes, const api::Context* context) noexcept override {
    if (info_.attribute_keys) [[unlikely]] return RecordFiltered(value, attributes, context);
    RecordView(value, attributes, attributes, context);
  }

 private:
  static constexpr size_t kStackAttributes = 16;

  struct SeriesT {
    SeriesT(SeriesKey k, const AggregationConfig& config) : key(std::move(k)), cell(config) {}
    ~SeriesT() { delete reservoir.load(); }
    SeriesKey key;
    std::atomic<ExemplarReservoir*> reservoir{nullptr};
    // In its own cache line: threads writing the cell do not invalidate the key that every
    // lookup reads.
    alignas(64) Cell cell;
  };
  // Open addressing, linear probing, at most half full. Readers probe without locks: slots are
  // only ever filled (release) while the table is published; series are removed by building a
  // new table while the gate is closed.
  struct Table {
    size_t mask;
    std::unique_ptr<std::atomic<SeriesT*>[]> slots;
  };
  static Table* NewTable(size_t capacity) {
    auto* t = new Table{capacity - 1, std::make_unique<std::atomic<SeriesT*>[]>(capacity)};
    for (size_t i = 0; i < capacity; ++i) t->slots[i].store(nullptr, std::memory_order_relaxed);
    return t;
  }
  static void Place(Table* t, SeriesT* s) noexcept {
    size_t i = s->key.hash & t->mask;
    while (t->slots[i].load(std::memory_order_relaxed)) i = (i + 1) & t->mask;
    t->slots[i].store(s, std::memory_order_release);
  }

  // view: the attributes that make the series; attributes: all of the measurement's.
  [[gnu::always_inline]] void RecordView(T value, api::AttributeView view,
                                         api::AttributeView attributes,
                                         const api::Context* context) noexcept {
    uint32_t slot = gate_->Enter();
    // A thread mostly records the same series again: the one it found last time is compared
    // first, which saves hashing the attributes.
    RecentSeries& recent = RecentSeriesFor(this);
    const uint64_t epoch = gate_->epoch();
    SeriesT* series = static_cast<SeriesT*>(recent.series);
    if (recent.stream != this || recent.epoch != epoch ||
        !MatchesInOrder(*series->key.attributes, view)) {
      series = Find(HashAttributes(view), view);
      if (!series) [[unlikely]] series = FindOrInsert(view, slot);
      recent = RecentSeries{this, series, gate_->epoch()};
    }
    const size_t bucket = series->cell.Record(value);
    if (filter_ != ExemplarFilter::kAlwaysOff) {
      // Trace-based with no context values (no active span) is the common case: decided here.
      const api::Context& ctx = context ? *context : api::internal::CurrentContextSlot();
      if (filter_ == ExemplarFilter::kAlwaysOn || !ctx.empty())
        OfferExemplar(*series, value, bucket, attributes, ctx);
    }
    gate_->Exit(slot);
  }

  [[gnu::noinline]] void RecordFiltered(T value, api::AttributeView attributes,
                                        const api::Context* context) noexcept {
    api::KeyValue buffer[kStackAttributes];
    std::vector<api::KeyValue> heap;
    api::AttributeView view =
        FilterAttributes(attributes, *info_.attribute_keys, buffer, kStackAttributes, heap);
    RecordView(value, view, attributes, context);
  }

  SeriesT* Find(uint64_t hash, api::AttributeView view) const noexcept {
    const Table* t = table_.load(std::memory_order_acquire);
    for (size_t i = hash & t->mask;; i = (i + 1) & t->mask) {
      SeriesT* s = t->slots[i].load(std::memory_order_acquire);
      if (!s) return nullptr;
      if (s->key.hash == hash && MatchesView(*s->key.attributes, view)) [[likely]] return s;
    }
  }

  // The slow path: leaves the gate, canonicalises the attributes (a repeated key), inserts the
  // series or picks the overflow series, and re-enters the gate before a collection can free it.
  [[gnu::noinline]] SeriesT* FindOrInsert(api::AttributeView view, uint32_t& slot) noexcept {
    gate_->Exit(slot);
    const std::vector<api::KeyValue> canonical = Deduplicated(view);
    const uint64_t hash = HashAttributes(api::AttributeView(canonical));
    std::lock_guard<std::mutex> lock(insert_mutex_);
    SeriesT* series = Find(hash, canonical);
    if (!series) {
      if (regular_count_ + 1 >= info_.cardinality_limit) {
        const SeriesKey& overflow = OverflowKey();
        series = Find(overflow.hash, {{"otel.metric.overflow", true}});
        if (!series) series = Insert(overflow);
      } else {
        auto attributes = std::make_shared<const OwnedAttributes>(ToOwnedAttributes(canonical));
        series = Insert(SeriesKey{std::move(attributes), hash});
        ++regular_count_;
      }
    }
    slot = gate_->Enter();
    return series;
  }

  // insert_mutex_ held, outside the gate.
  SeriesT* Insert(SeriesKey key) {
    auto* series = new SeriesT(std::move(key), info_.aggregation);
    Table* t = table_.load(std::memory_order_relaxed);
    if ((size_ + 1) * 2 > t->mask + 1) {
      Table* bigger = NewTable((t->mask + 1) * 2);
      for (size_t i = 0; i <= t->mask; ++i)
        if (SeriesT* s = t->slots[i].load(std::memory_order_relaxed)) Place(bigger, s);
      table_.store(bigger, std::memory_order_release);
      // Recorders may still be probing the old table: free it once they are all out.
      gate_->Close();
      gate_->Open();
      delete t;
      t = bigger;
    }
    Place(t, series);
    ++size_;
    return series;
  }

  [[gnu::noinline]] void OfferExemplar(SeriesT& series, T value, size_t bucket,
                                       api::AttributeView attributes,
                                       const api::Context& ctx) noexcept {
    const api::trace::SpanContext* span_context = nullptr;
    if (!ctx.empty()) {
      if (const auto* span = ctx.GetValuePtr<api::trace::Span>(api::trace::SpanContextKey()))
        if (span->GetContext().IsValid()) span_context = &span->GetContext();
    }
    if (filter_ == ExemplarFilter::kTraceBased && !(span_context && span_context->IsSampled()))
      return;
    ExemplarReservoir* reservoir = series.reservoir.load(std::memory_order_acquire);
    if (!reservoir) reservoir = CreateReservoir(series);
    const int index = reservoir->Claim(bucket);
    if (index < 0) return;
    Exemplar exemplar;
    exemplar.time_unix_nano = NowUnixNano();
    exemplar.value = PointValue(value);
    if (span_context) {
      exemplar.trace_id = span_context->trace_id();
      exemplar.span_id = span_context->span_id();
    }
    if (info_.attribute_keys)
      exemplar.filtered_attributes = RemovedAttributes(attributes, *info_.attribute_keys);
    reservoir->Store(index, std::move(exemplar));
  }

  [[gnu::noinline]] ExemplarReservoir* CreateReservoir(SeriesT& series) noexcept {
    const AggregationConfig& a = info_.aggregation;
    auto* created =
        a.type == AggregationType::kExplicitBucketHistogram
            ? new ExemplarReservoir(a.boundaries->size() + 1, true)
        : a.type == AggregationType::kBase2ExponentialHistogram
            ? new ExemplarReservoir(std::min<size_t>(20, a.max_size), false)
            : new ExemplarReservoir(1, false);
    ExemplarReservoir* expected = nullptr;
    if (series.reservoir.compare_exchange_strong(expected, created, std::memory_order_acq_rel))
      return created;
    delete created;
    return expected;
  }

  std::shared_ptr<const DeltaBatch> TakeDelta() override {
    auto batch = std::make_shared<DeltaBatch>();
    std::vector<SeriesT*> idle;
    std::lock_guard<std::mutex> lock(insert_mutex_);
    Table* t = table_.load(std::memory_order_relaxed);
    for (size_t i = 0; i <= t->mask; ++i) {
      SeriesT* s = t->slots[i].load(std::memory_order_relaxed);
      if (!s) continue;
      SeriesPoint point{s->key, Accumulation{}, {}};
      if (s->cell.Take(point.value)) {
        if (ExemplarReservoir* r = s->reservoir.load(std::memory_order_acquire))
          point.exemplars = r->Take();
        batch->push_back(std::move(point));
      } else {
        idle.push_back(s);
      }
    }
    if (!idle.empty()) Evict(idle);
    return batch;
  }

  // insert_mutex_ held. Frees the idle series that are still empty once no thread records.
  void Evict(const std::vector<SeriesT*>& idle) {
    gate_->Close();
    std::vector<SeriesT*> freed;
    for (SeriesT* s : idle)
      if (s->cell.Empty()) freed.push_back(s);
    if (!freed.empty()) {
      std::sort(freed.begin(), freed.end());
      Table* t = table_.load(std::memory_order_relaxed);
      Table* rebuilt = NewTable(t->mask + 1);
      size_ = regular_count_ = 0;
      for (size_t i = 0; i <= t->mask; ++i) {
        SeriesT* s = t->slots[i].load(std::memory_order_relaxed);
        if (!s || std::binary_search(freed.begin(), freed.end(), s)) continue;
        Place(rebuilt, s);
        ++size_;
        if (!(s->key == OverflowKey())) ++regular_count_;
      }
      table_.store(rebuilt, std::memory_order_release);
      delete t;
    }
    gate_->Open();
    for (SeriesT* s : freed) delete s;
  }

  RecordGate* gate_;
  const ExemplarFilter filter_;
  std::atomic<Table*> table_;
  size_t size_ = 0;           // series in the table; insert_mutex_
  size_t regular_count_ = 0;  // the same without the overflow series
};

// ------------------------------------------------------------------ asynchronous streams

// Aggregates one collection's observations (Sum adds observations that the View's attribute
// filter merges, LastValue keeps the last), then hands out totals (cumulative) or the change
// since the reader's previous collection (delta sums).
template <class T>
class AsyncStream final : public Stream {
 public:
  AsyncStream(StreamInfo info, size_t reader_count) : Stream(std::move(info), reader_count),
        observed_(info_.cardinality_limit) {}

  void BeginCollection() { observed_.clear(); }
  void Observe(T value, api::AttributeView attributes);
  void Collect(size_t reader, AggregationTemporality temporality, uint64_t now,
               std::vector<MetricData>& out);

 private:
  LimitedSeriesMap observed_;
};

extern template class AsyncStream<int64_t>;
extern template class AsyncStream<double>;

}  // namespace adot::sdk::metrics::internal
