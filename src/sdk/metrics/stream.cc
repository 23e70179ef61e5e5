#include "sdk/metrics/stream.h"

#include <algorithm>

namespace adot::sdk::metrics::internal {

namespace {
bool Allowed(std::string_view key, const std::vector<std::string>& keys) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}
}  // namespace

api::AttributeView FilterAttributes(api::AttributeView in, const std::vector<std::string>& keys,
                                    api::KeyValue* buffer, size_t buffer_size,
                                    std::vector<api::KeyValue>& heap) {
  size_t n = 0;
  for (const auto& kv : in) {
    if (!Allowed(kv.key, keys)) continue;
    if (n < buffer_size) {
      buffer[n++] = kv;
      continue;
    }
    if (heap.empty()) heap.assign(buffer, buffer + n);
    heap.push_back(kv);
  }
  if (!heap.empty()) return api::AttributeView(heap);
  return api::AttributeView(std::span<const api::KeyValue>(buffer, n));
}

OwnedAttributes RemovedAttributes(api::AttributeView in, const std::vector<std::string>& keys) {
  OwnedAttributes out;
  for (const auto& kv : in)
    if (!Allowed(kv.key, keys)) SetOwnedAttribute(out, kv.key, kv.value);
  return out;
}

std::pair<SeriesPoint*, bool> LimitedSeriesMap::Upsert(const SeriesKey& key,
                                                       const Accumulation& value) {
  if (auto it = map_.find(key); it != map_.end()) return {&it->second, false};
  const SeriesKey& overflow = OverflowKey();
  const bool has_overflow = map_.count(overflow) > 0;
  const size_t regular = map_.size() - (has_overflow ? 1 : 0);
  const SeriesKey& target = key == overflow || regular + 1 < limit_ ? key : overflow;
  if (&target == &overflow && has_overflow) return {&map_.find(overflow)->second, false};
  auto [it, created] = map_.emplace(target, SeriesPoint{target, value, {}});
  return {&it->second, created};
}

SeriesPoint* LimitedSeriesMap::Find(const SeriesKey& key) {
  auto it = map_.find(key);
  return it == map_.end() ? nullptr : &it->second;
}

std::vector<const SeriesPoint*> LimitedSeriesMap::Points() const {
  std::vector<const SeriesPoint*> points;
  points.reserve(map_.size());
  for (const auto& [key, point] : map_) points.push_back(&point);
  return points;
}

Stream::ReaderState& Stream::Reader(size_t index) {
  ReaderState& state = readers_[index];
  if (!state.state) state.state = std::make_unique<LimitedSeriesMap>(info_.cardinality_limit);
  return state;
}

void AppendMetric(const StreamInfo& info, AggregationTemporality temporality, uint64_t start,
                  uint64_t now, const std::vector<const SeriesPoint*>& points,
                  std::vector<MetricData>& out) {
  if (points.empty()) return;
  MetricData metric;
  metric.name = info.name;
  metric.description = info.description;
  metric.unit = info.unit;
  const AggregationConfig& config = info.aggregation;
  switch (config.type) {
    case AggregationType::kSum:
    case AggregationType::kLastValue: {
      std::vector<NumberPoint> out_points;
      out_points.reserve(points.size());
      for (const SeriesPoint* p : points) {
        const PointValue& v = p->value.index() == 0 ? std::get<SumAccumulation>(p->value).value
                                                     : std::get<LastValueAccumulation>(p->value).value;
        out_points.push_back({*p->key.attributes, start, now, v, p->exemplars});
      }
      if (config.type == AggregationType::kSum) {
        metric.data = SumData{std::move(out_points), temporality, config.monotonic};
      } else {
        metric.data = GaugeData{std::move(out_points)};
      }
      break;
    }
    case AggregationType::kExplicitBucketHistogram: {
      HistogramData data{{}, temporality};
      data.points.reserve(points.size());
      for (const SeriesPoint* p : points) {
        const auto& h = std::get<HistogramAccumulation>(p->value);
        HistogramPoint point;
        point.attributes = *p->key.attributes;
        point.start_time_unix_nano = start;
        point.time_unix_nano = now;
        point.count = h.count;
        point.sum = h.sum;
        point.has_min_max = config.record_min_max && h.count > 0;
        if (point.has_min_max) {
          point.min = h.min;
          point.max = h.max;
        }
        point.boundaries = *config.boundaries;
        point.bucket_counts = h.counts;
        point.exemplars = p->exemplars;
        data.points.push_back(std::move(point));
      }
      metric.data = std::move(data);
      break;
    }
    case AggregationType::kBase2ExponentialHistogram: {
      ExponentialHistogramData data{{}, temporality};
      data.points.reserve(points.size());
      for (const SeriesPoint* p : points) {
        const auto& h = std::get<ExponentialHistogramAccumulation>(p->value);
        ExponentialHistogramPoint point;
        point.attributes = *p->key.attributes;
        point.start_time_unix_nano = start;
        point.time_unix_nano = now;
        point.count = h.count;
        point.sum = h.sum;
        point.has_min_max = config.record_min_max && h.count > 0;
        if (point.has_min_max) {
          point.min = h.min;
          point.max = h.max;
        }
        point.scale = h.scale;
        point.zero_count = h.zero_count;
        point.positive = h.positive;
        point.negative = h.negative;
        point.exemplars = p->exemplars;
        data.points.push_back(std::move(point));
      }
      metric.data = std::move(data);
      break;
    }
    default:
      return;
  }
  out.push_back(std::move(metric));
}

void SyncStreamBase::Collect(size_t reader, AggregationTemporality temporality, uint64_t now,
                             std::vector<MetricData>& out) {
  std::lock_guard<std::mutex> lock(collect_mutex_);
  std::shared_ptr<const DeltaBatch> batch = TakeDelta();
  if (!batch->empty())
    for (auto& r : readers_) r.pending.push_back(batch);
  ReaderState& state = Reader(reader);
  const uint64_t interval_start =
      state.last_collect_unix_nano ? state.last_collect_unix_nano : info_.start_time_unix_nano;
  state.last_collect_unix_nano = now;

  if (temporality == AggregationTemporality::kDelta) {
    std::vector<const SeriesPoint*> points;
    LimitedSeriesMap merged(info_.cardinality_limit);
    if (state.pending.size() == 1) {
      for (const SeriesPoint& p : *state.pending[0]) points.push_back(&p);
    } else {
      // Other readers collected in between: this reader's interval spans several batches.
      for (const auto& b : state.pending) {
        for (const SeriesPoint& p : *b) {
          auto [entry, created] = merged.Upsert(p.key, p.value);
          if (created) {
            entry->exemplars = p.exemplars;
            continue;
          }
          Merge(entry->value, p.value, info_.aggregation);
          entry->exemplars.insert(entry->exemplars.end(), p.exemplars.begin(), p.exemplars.end());
        }
      }
      points = merged.Points();
    }
    AppendMetric(info_, temporality, interval_start, now, points, out);
  } else {
    for (const auto& b : state.pending) {
      for (const SeriesPoint& p : *b) {
        auto [entry, created] = state.state->Upsert(p.key, p.value);
        if (!created) Merge(entry->value, p.value, info_.aggregation);
        if (created || !p.exemplars.empty()) entry->exemplars = p.exemplars;
      }
    }
    AppendMetric(info_, temporality, info_.start_time_unix_nano, now, state.state->Points(), out);
  }
  state.pending.clear();
}

template <class T>
void AsyncStream<T>::Observe(T value, api::AttributeView attributes) {
  std::vector<api::KeyValue> filtered;
  if (info_.attribute_keys) {
    for (const auto& kv : attributes)
      if (std::find(info_.attribute_keys->begin(), info_.attribute_keys->end(), kv.key) !=
          info_.attribute_keys->end())
        filtered.push_back(kv);
    attributes = api::AttributeView(filtered);
  }
  const std::vector<api::KeyValue> canonical = Deduplicated(attributes);
  SeriesKey key{std::make_shared<const OwnedAttributes>(ToOwnedAttributes(canonical)),
                HashAttributes(api::AttributeView(canonical))};
  const Accumulation observation = info_.aggregation.type == AggregationType::kSum
                                       ? Accumulation(SumAccumulation{PointValue(value)})
                                       : Accumulation(LastValueAccumulation{PointValue(value)});
  auto [entry, created] = observed_.Upsert(key, observation);
  if (!created) Merge(entry->value, observation, info_.aggregation);
}

template <class T>
void AsyncStream<T>::Collect(size_t reader, AggregationTemporality temporality, uint64_t now,
                             std::vector<MetricData>& out) {
  ReaderState& state = Reader(reader);
  const uint64_t interval_start =
      state.last_collect_unix_nano ? state.last_collect_unix_nano : info_.start_time_unix_nano;
  state.last_collect_unix_nano = now;
  if (info_.aggregation.type != AggregationType::kSum) {
    AppendMetric(info_, temporality, interval_start, now, observed_.Points(), out);
    return;
  }
  if (temporality == AggregationTemporality::kCumulative) {
    AppendMetric(info_, temporality, info_.start_time_unix_nano, now, observed_.Points(), out);
    return;
  }
  // Delta: the change since this reader's last observation of each series. A series not
  // observed this time is forgotten (and counts from zero if it comes back).
  auto previous = std::exchange(state.state,
                                std::make_unique<LimitedSeriesMap>(info_.cardinality_limit));
  std::vector<SeriesPoint> deltas;
  for (const SeriesPoint* p : observed_.Points()) {
    SeriesPoint delta = *p;
    if (const SeriesPoint* before = previous->Find(p->key)) {
      std::get<SumAccumulation>(delta.value).value =
          Subtract(std::get<SumAccumulation>(p->value).value,
                   std::get<SumAccumulation>(before->value).value);
    }
    state.state->Upsert(p->key, p->value);
    deltas.push_back(std::move(delta));
  }
  std::vector<const SeriesPoint*> points;
  for (const auto& d : deltas) points.push_back(&d);
  AppendMetric(info_, temporality, interval_start, now, points, out);
}

template class AsyncStream<int64_t>;
template class AsyncStream<double>;

}  // namespace adot::sdk::metrics::internal
