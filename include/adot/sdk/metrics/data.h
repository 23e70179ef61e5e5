// The metric data model handed to exporters: ResourceMetrics -> ScopeMetrics -> MetricData, each
// with Sum, Gauge, Histogram or ExponentialHistogram points (the OTLP metrics messages).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "adot/api/trace/span_context.h"
#include "adot/sdk/common/attribute_value.h"
#include "adot/sdk/resource.h"
#include "adot/sdk/trace/span_data.h"  // InstrumentationScope

namespace adot::sdk::metrics {

enum class InstrumentKind : uint8_t {
  kCounter,
  kUpDownCounter,
  kHistogram,
  kGauge,
  kObservableCounter,
  kObservableUpDownCounter,
  kObservableGauge,
};

enum class InstrumentValueType : uint8_t { kInt64, kDouble };

// Values as in OTLP's AggregationTemporality.
enum class AggregationTemporality : uint8_t { kDelta = 1, kCumulative = 2 };

struct InstrumentDescriptor {
  std::string name;
  std::string description;
  std::string unit;
  InstrumentKind kind = InstrumentKind::kCounter;
  InstrumentValueType value_type = InstrumentValueType::kInt64;
};

// An int64 or double measurement value, as the instrument's value type dictates.
using PointValue = std::variant<int64_t, double>;

struct Exemplar {
  // The measurement's attributes that the view's attribute filter removed from the point.
  OwnedAttributes filtered_attributes;
  uint64_t time_unix_nano = 0;
  PointValue value;
  api::trace::TraceId trace_id;  // invalid (all zero) when the measurement had no sampled span
  api::trace::SpanId span_id;
};

// A Sum or Gauge point.
struct NumberPoint {
  OwnedAttributes attributes;
  uint64_t start_time_unix_nano = 0;
  uint64_t time_unix_nano = 0;
  PointValue value;
  std::vector<Exemplar> exemplars;
};

struct HistogramPoint {
  OwnedAttributes attributes;
  uint64_t start_time_unix_nano = 0;
  uint64_t time_unix_nano = 0;
  uint64_t count = 0;
  double sum = 0;
  bool has_min_max = false;  // false when the aggregation does not record them or count is 0
  double min = 0;
  double max = 0;
  std::vector<double> boundaries;      // explicit_bounds
  std::vector<uint64_t> bucket_counts;  // boundaries.size() + 1 entries
  std::vector<Exemplar> exemplars;
};

struct ExponentialBuckets {
  int32_t offset = 0;  // index of counts[0]
  std::vector<uint64_t> counts;
};

struct ExponentialHistogramPoint {
  OwnedAttributes attributes;
  uint64_t start_time_unix_nano = 0;
  uint64_t time_unix_nano = 0;
  uint64_t count = 0;
  double sum = 0;
  bool has_min_max = false;
  double min = 0;
  double max = 0;
  int32_t scale = 0;  // bucket index i covers (base^i, base^(i+1)], base = 2^(2^-scale)
  uint64_t zero_count = 0;
  double zero_threshold = 0;
  ExponentialBuckets positive;
  ExponentialBuckets negative;
  std::vector<Exemplar> exemplars;
};

struct SumData {
  std::vector<NumberPoint> points;
  AggregationTemporality temporality = AggregationTemporality::kCumulative;
  bool is_monotonic = false;
};

struct GaugeData {
  std::vector<NumberPoint> points;
};

struct HistogramData {
  std::vector<HistogramPoint> points;
  AggregationTemporality temporality = AggregationTemporality::kCumulative;
};

struct ExponentialHistogramData {
  std::vector<ExponentialHistogramPoint> points;
  AggregationTemporality temporality = AggregationTemporality::kCumulative;
};

struct MetricData {
  std::string name;
  std::string description;
  std::string unit;
  std::variant<SumData, GaugeData, HistogramData, ExponentialHistogramData> data;
};

struct ScopeMetrics {
  std::shared_ptr<const InstrumentationScope> scope;
  std::vector<MetricData> metrics;
};

struct ResourceMetrics {
  std::shared_ptr<const Resource> resource;
  std::vector<ScopeMetrics> scope_metrics;
};

}  // namespace adot::sdk::metrics
