#include "exporters/otlp/otlp_metrics_encoder.h"

#include <bit>
#include <variant>
#include <vector>

#include "common/json_writer.h"
#include "common/proto_writer.h"
#include "exporters/otlp/otlp_common_encoding.h"

namespace adot::exporters::otlp {
namespace {

using common::JsonWriter;
using common::proto::ProtoWriter;
using common::proto::VarintSize;
using common::proto::WireType;
using internal::WriteAttributes;
using internal::WriteJsonAttributes;
using internal::WriteText;
using namespace sdk::metrics;

// Field numbers (opentelemetry-proto v1).
namespace field {
// ExportMetricsServiceRequest / ResourceMetrics / ScopeMetrics
constexpr uint32_t kResourceMetrics = 1;
constexpr uint32_t kResource = 1, kScopeMetrics = 2, kResourceSchemaUrl = 3;
constexpr uint32_t kScope = 1, kMetrics = 2, kScopeSchemaUrl = 3;
// Metric
constexpr uint32_t kName = 1, kDescription = 2, kUnit = 3, kGauge = 5, kSum = 7, kHistogram = 9,
                   kExponentialHistogram = 10;
// Gauge, Sum, Histogram, ExponentialHistogram
constexpr uint32_t kDataPoints = 1, kTemporality = 2, kIsMonotonic = 3;
// NumberDataPoint
constexpr uint32_t kNumberStart = 2, kNumberTime = 3, kNumberAsDouble = 4, kNumberExemplars = 5,
                   kNumberAsInt = 6, kNumberAttributes = 7;
// HistogramDataPoint
constexpr uint32_t kHistStart = 2, kHistTime = 3, kHistCount = 4, kHistSum = 5,
                   kHistBucketCounts = 6, kHistExplicitBounds = 7, kHistExemplars = 8,
                   kHistAttributes = 9, kHistMin = 11, kHistMax = 12;
// ExponentialHistogramDataPoint and its Buckets
constexpr uint32_t kExpAttributes = 1, kExpStart = 2, kExpTime = 3, kExpCount = 4, kExpSum = 5,
                   kExpScale = 6, kExpZeroCount = 7, kExpPositive = 8, kExpNegative = 9,
                   kExpExemplars = 11, kExpMin = 12, kExpMax = 13, kExpZeroThreshold = 14;
constexpr uint32_t kBucketsOffset = 1, kBucketsCounts = 2;
// Exemplar
constexpr uint32_t kExemplarTime = 2, kExemplarAsDouble = 3, kExemplarSpanId = 4,
                   kExemplarTraceId = 5, kExemplarAsInt = 6, kExemplarFilteredAttributes = 7;
}  // namespace field

// ---------------------------------------------------------------------------------------------
// Protobuf. Fields are written in field-number order (as libprotobuf does), so the output is
// canonical; proto3 defaults are left out, except the fields with presence (oneof values and the
// optional sum/min/max), which are written whenever the model has them.

void WriteFixed64IfSet(ProtoWriter& w, uint32_t fieldno, uint64_t v) {
  if (v != 0) w.WriteFixed64(fieldno, v);
}

void WriteExemplars(ProtoWriter& w, uint32_t fieldno, const std::vector<Exemplar>& exemplars) {
  for (const Exemplar& e : exemplars) {
    const auto mark = w.BeginMessage(fieldno, 1);
    WriteFixed64IfSet(w, field::kExemplarTime, e.time_unix_nano);
    if (const double* d = std::get_if<double>(&e.value)) w.WriteDouble(field::kExemplarAsDouble, *d);
    if (e.span_id.IsValid()) {
      w.WriteBytes(field::kExemplarSpanId, e.span_id.data(), api::trace::SpanId::kSize);
    }
    if (e.trace_id.IsValid()) {
      w.WriteBytes(field::kExemplarTraceId, e.trace_id.data(), api::trace::TraceId::kSize);
    }
    if (const int64_t* i = std::get_if<int64_t>(&e.value)) w.WriteSfixed64(field::kExemplarAsInt, *i);
    WriteAttributes(w, field::kExemplarFilteredAttributes, e.filtered_attributes);
    w.EndMessage(mark);
  }
}

void WriteNumberPoint(ProtoWriter& w, const NumberPoint& p) {
  const auto mark = w.BeginMessage(field::kDataPoints, 1);
  WriteFixed64IfSet(w, field::kNumberStart, p.start_time_unix_nano);
  WriteFixed64IfSet(w, field::kNumberTime, p.time_unix_nano);
  if (const double* d = std::get_if<double>(&p.value)) w.WriteDouble(field::kNumberAsDouble, *d);
  WriteExemplars(w, field::kNumberExemplars, p.exemplars);
  if (const int64_t* i = std::get_if<int64_t>(&p.value)) w.WriteSfixed64(field::kNumberAsInt, *i);
  WriteAttributes(w, field::kNumberAttributes, p.attributes);
  w.EndMessage(mark);
}

// A packed repeated fixed64 or double field (8 bytes per element).
template <class T>
void WritePacked64(ProtoWriter& w, uint32_t fieldno, const std::vector<T>& values) {
  if (values.empty()) return;
  w.WriteLengthDelimitedHeader(fieldno, values.size() * 8);
  w.Reserve(values.size() * 8);
  for (T v : values) w.PutFixed64(std::bit_cast<uint64_t>(v));
}

void WriteHistogramPoint(ProtoWriter& w, const HistogramPoint& p) {
  const auto mark = w.BeginMessage(field::kDataPoints, 2);
  WriteFixed64IfSet(w, field::kHistStart, p.start_time_unix_nano);
  WriteFixed64IfSet(w, field::kHistTime, p.time_unix_nano);
  WriteFixed64IfSet(w, field::kHistCount, p.count);
  w.WriteDouble(field::kHistSum, p.sum);
  WritePacked64(w, field::kHistBucketCounts, p.bucket_counts);
  WritePacked64(w, field::kHistExplicitBounds, p.boundaries);
  WriteExemplars(w, field::kHistExemplars, p.exemplars);
  WriteAttributes(w, field::kHistAttributes, p.attributes);
  if (p.has_min_max) {
    w.WriteDouble(field::kHistMin, p.min);
    w.WriteDouble(field::kHistMax, p.max);
  }
  w.EndMessage(mark);
}

// Buckets are always sent, even empty: the message says where the (empty) range starts.
void WriteBuckets(ProtoWriter& w, uint32_t fieldno, const ExponentialBuckets& b) {
  const auto mark = w.BeginMessage(fieldno, 2);
  if (b.offset != 0) w.WriteSint32(field::kBucketsOffset, b.offset);
  if (!b.counts.empty()) {
    size_t size = 0;
    for (uint64_t c : b.counts) size += VarintSize(c);
    w.WriteLengthDelimitedHeader(field::kBucketsCounts, size);
    w.Reserve(size);
    for (uint64_t c : b.counts) w.PutVarint(c);
  }
  w.EndMessage(mark);
}

void WriteExponentialHistogramPoint(ProtoWriter& w, const ExponentialHistogramPoint& p) {
  const auto mark = w.BeginMessage(field::kDataPoints, 2);
  WriteAttributes(w, field::kExpAttributes, p.attributes);
  WriteFixed64IfSet(w, field::kExpStart, p.start_time_unix_nano);
  WriteFixed64IfSet(w, field::kExpTime, p.time_unix_nano);
  WriteFixed64IfSet(w, field::kExpCount, p.count);
  w.WriteDouble(field::kExpSum, p.sum);
  if (p.scale != 0) w.WriteSint32(field::kExpScale, p.scale);
  WriteFixed64IfSet(w, field::kExpZeroCount, p.zero_count);
  WriteBuckets(w, field::kExpPositive, p.positive);
  WriteBuckets(w, field::kExpNegative, p.negative);
  WriteExemplars(w, field::kExpExemplars, p.exemplars);
  if (p.has_min_max) {
    w.WriteDouble(field::kExpMin, p.min);
    w.WriteDouble(field::kExpMax, p.max);
  }
  // A plain proto3 double: left out when zero. -0.0 too, which proto3 JSON parsers read as 0.
  if (p.zero_threshold != 0) w.WriteDouble(field::kExpZeroThreshold, p.zero_threshold);
  w.EndMessage(mark);
}

void WriteTemporality(ProtoWriter& w, AggregationTemporality temporality) {
  w.WriteVarint(field::kTemporality, static_cast<uint64_t>(temporality));
}

// Reserved length bytes for a message holding `points` data points (a guess; see BeginMessage).
uint32_t LengthGuess(size_t points) noexcept {
  return static_cast<uint32_t>(VarintSize(points * 128 + 64));
}

void WriteMetric(ProtoWriter& w, const MetricData& m) {
  const auto mark = w.BeginMessage(field::kMetrics, 2);
  if (!m.name.empty()) WriteText(w, field::kName, m.name);
  if (!m.description.empty()) WriteText(w, field::kDescription, m.description);
  if (!m.unit.empty()) WriteText(w, field::kUnit, m.unit);
  std::visit(
      [&w](const auto& data) {
        using T = std::decay_t<decltype(data)>;
        if constexpr (std::is_same_v<T, GaugeData>) {
          const auto gauge = w.BeginMessage(field::kGauge, LengthGuess(data.points.size()));
          for (const auto& p : data.points) WriteNumberPoint(w, p);
          w.EndMessage(gauge);
        } else if constexpr (std::is_same_v<T, SumData>) {
          const auto sum = w.BeginMessage(field::kSum, LengthGuess(data.points.size()));
          for (const auto& p : data.points) WriteNumberPoint(w, p);
          WriteTemporality(w, data.temporality);
          if (data.is_monotonic) w.WriteBool(field::kIsMonotonic, true);
          w.EndMessage(sum);
        } else if constexpr (std::is_same_v<T, HistogramData>) {
          const auto histogram = w.BeginMessage(field::kHistogram, LengthGuess(data.points.size()));
          for (const auto& p : data.points) WriteHistogramPoint(w, p);
          WriteTemporality(w, data.temporality);
          w.EndMessage(histogram);
        } else {
          const auto histogram =
              w.BeginMessage(field::kExponentialHistogram, LengthGuess(data.points.size()));
          for (const auto& p : data.points) WriteExponentialHistogramPoint(w, p);
          WriteTemporality(w, data.temporality);
          w.EndMessage(histogram);
        }
      },
      m.data);
  w.EndMessage(mark);
}

// ---------------------------------------------------------------------------------------------
// OTLP/JSON: the same fields and omissions as the protobuf encoding.

void WriteJsonTime(JsonWriter& w, std::string_view key, uint64_t v) {
  if (v == 0) return;
  w.Key(key);
  w.Uint64String(v);  // fixed64: a string
}

// The oneof value of a point or exemplar: asDouble (a number) or asInt (sfixed64: a string).
void WriteJsonValue(JsonWriter& w, const PointValue& value) {
  if (const int64_t* i = std::get_if<int64_t>(&value)) {
    w.Key("asInt");
    w.Int64String(*i);
  } else {
    w.Key("asDouble");
    w.Double(std::get<double>(value));
  }
}

void WriteJsonExemplars(JsonWriter& w, const std::vector<Exemplar>& exemplars) {
  if (exemplars.empty()) return;
  w.Key("exemplars");
  w.BeginArray();
  for (const Exemplar& e : exemplars) {
    w.BeginObject();
    WriteJsonAttributes(w, e.filtered_attributes, "filteredAttributes");
    WriteJsonTime(w, "timeUnixNano", e.time_unix_nano);
    WriteJsonValue(w, e.value);
    // OTLP/JSON deviation from proto3 JSON: ids are hex, not base64.
    if (e.span_id.IsValid()) {
      w.Key("spanId");
      w.HexString(e.span_id.data(), api::trace::SpanId::kSize);
    }
    if (e.trace_id.IsValid()) {
      w.Key("traceId");
      w.HexString(e.trace_id.data(), api::trace::TraceId::kSize);
    }
    w.EndObject();
  }
  w.EndArray();
}

void WriteJsonNumberPoint(JsonWriter& w, const NumberPoint& p) {
  w.BeginObject();
  WriteJsonAttributes(w, p.attributes);
  WriteJsonTime(w, "startTimeUnixNano", p.start_time_unix_nano);
  WriteJsonTime(w, "timeUnixNano", p.time_unix_nano);
  WriteJsonValue(w, p.value);
  WriteJsonExemplars(w, p.exemplars);
  w.EndObject();
}

void WriteJsonDouble(JsonWriter& w, std::string_view key, double v) {
  w.Key(key);
  w.Double(v);
}

void WriteJsonHistogramPoint(JsonWriter& w, const HistogramPoint& p) {
  w.BeginObject();
  WriteJsonAttributes(w, p.attributes);
  WriteJsonTime(w, "startTimeUnixNano", p.start_time_unix_nano);
  WriteJsonTime(w, "timeUnixNano", p.time_unix_nano);
  WriteJsonTime(w, "count", p.count);
  WriteJsonDouble(w, "sum", p.sum);
  if (!p.bucket_counts.empty()) {
    w.Key("bucketCounts");
    w.BeginArray();
    for (uint64_t c : p.bucket_counts) w.Uint64String(c);
    w.EndArray();
  }
  if (!p.boundaries.empty()) {
    w.Key("explicitBounds");
    w.BeginArray();
    for (double b : p.boundaries) w.Double(b);
    w.EndArray();
  }
  WriteJsonExemplars(w, p.exemplars);
  if (p.has_min_max) {
    WriteJsonDouble(w, "min", p.min);
    WriteJsonDouble(w, "max", p.max);
  }
  w.EndObject();
}

void WriteJsonBuckets(JsonWriter& w, std::string_view key, const ExponentialBuckets& b) {
  w.Key(key);
  w.BeginObject();
  if (b.offset != 0) {
    w.Key("offset");
    w.Int64(b.offset);
  }
  if (!b.counts.empty()) {
    w.Key("bucketCounts");
    w.BeginArray();
    for (uint64_t c : b.counts) w.Uint64String(c);
    w.EndArray();
  }
  w.EndObject();
}

void WriteJsonExponentialHistogramPoint(JsonWriter& w, const ExponentialHistogramPoint& p) {
  w.BeginObject();
  WriteJsonAttributes(w, p.attributes);
  WriteJsonTime(w, "startTimeUnixNano", p.start_time_unix_nano);
  WriteJsonTime(w, "timeUnixNano", p.time_unix_nano);
  WriteJsonTime(w, "count", p.count);
  WriteJsonDouble(w, "sum", p.sum);
  if (p.scale != 0) {
    w.Key("scale");
    w.Int64(p.scale);
  }
  WriteJsonTime(w, "zeroCount", p.zero_count);
  WriteJsonBuckets(w, "positive", p.positive);
  WriteJsonBuckets(w, "negative", p.negative);
  WriteJsonExemplars(w, p.exemplars);
  if (p.has_min_max) {
    WriteJsonDouble(w, "min", p.min);
    WriteJsonDouble(w, "max", p.max);
  }
  if (p.zero_threshold != 0) WriteJsonDouble(w, "zeroThreshold", p.zero_threshold);
  w.EndObject();
}

template <class Point, class WritePoint>
void WriteJsonDataPoints(JsonWriter& w, const std::vector<Point>& points, WritePoint write_point) {
  if (points.empty()) return;
  w.Key("dataPoints");
  w.BeginArray();
  for (const Point& p : points) write_point(w, p);
  w.EndArray();
}

void WriteJsonTemporality(JsonWriter& w, AggregationTemporality temporality) {
  w.Key("aggregationTemporality");  // enums are integers in OTLP/JSON
  w.Uint64(static_cast<uint64_t>(temporality));
}

void WriteJsonMetric(JsonWriter& w, const MetricData& m) {
  w.BeginObject();
  if (!m.name.empty()) {
    w.Key("name");
    w.String(m.name);
  }
  if (!m.description.empty()) {
    w.Key("description");
    w.String(m.description);
  }
  if (!m.unit.empty()) {
    w.Key("unit");
    w.String(m.unit);
  }
  std::visit(
      [&w](const auto& data) {
        using T = std::decay_t<decltype(data)>;
        if constexpr (std::is_same_v<T, GaugeData>) {
          w.Key("gauge");
          w.BeginObject();
          WriteJsonDataPoints(w, data.points, WriteJsonNumberPoint);
        } else if constexpr (std::is_same_v<T, SumData>) {
          w.Key("sum");
          w.BeginObject();
          WriteJsonDataPoints(w, data.points, WriteJsonNumberPoint);
          WriteJsonTemporality(w, data.temporality);
          if (data.is_monotonic) {
            w.Key("isMonotonic");
            w.Bool(true);
          }
        } else if constexpr (std::is_same_v<T, HistogramData>) {
          w.Key("histogram");
          w.BeginObject();
          WriteJsonDataPoints(w, data.points, WriteJsonHistogramPoint);
          WriteJsonTemporality(w, data.temporality);
        } else {
          w.Key("exponentialHistogram");
          w.BeginObject();
          WriteJsonDataPoints(w, data.points, WriteJsonExponentialHistogramPoint);
          WriteJsonTemporality(w, data.temporality);
        }
        w.EndObject();
      },
      m.data);
  w.EndObject();
}

size_t PointCount(const ScopeMetrics& sm) noexcept {
  size_t points = 0;
  for (const auto& m : sm.metrics) {
    std::visit([&points](const auto& data) { points += data.points.size(); }, m.data);
  }
  return points;
}

}  // namespace

bool HasDataPoints(const ResourceMetrics& metrics) noexcept {
  for (const auto& sm : metrics.scope_metrics)
    if (PointCount(sm) != 0) return true;
  return false;
}

void EncodeMetricsRequestProto(const ResourceMetrics& metrics, std::string& out) {
  if (metrics.scope_metrics.empty()) return;
  size_t points = 0;
  for (const auto& sm : metrics.scope_metrics) points += PointCount(sm);
  ProtoWriter w(out);
  // A data point with a few attributes is around a hundred bytes.
  w.Reserve(points * 128 + 256);
  const sdk::Resource* resource = metrics.resource.get();
  const auto rm_mark = w.BeginMessage(field::kResourceMetrics, LengthGuess(points));
  internal::WriteResource(w, field::kResource, resource);
  for (const auto& sm : metrics.scope_metrics) {
    const sdk::InstrumentationScope* scope = sm.scope.get();
    const auto sm_mark = w.BeginMessage(field::kScopeMetrics, LengthGuess(PointCount(sm)));
    internal::WriteScope(w, field::kScope, scope);
    for (const auto& m : sm.metrics) WriteMetric(w, m);
    if (scope != nullptr && !scope->schema_url.empty()) {
      WriteText(w, field::kScopeSchemaUrl, scope->schema_url);
    }
    w.EndMessage(sm_mark);
  }
  if (resource != nullptr && !resource->schema_url().empty()) {
    WriteText(w, field::kResourceSchemaUrl, resource->schema_url());
  }
  w.EndMessage(rm_mark);
  w.Finish();
}

void EncodeMetricsRequestJson(const ResourceMetrics& metrics, std::string& out) {
  JsonWriter w(out);
  w.BeginObject();
  if (!metrics.scope_metrics.empty()) {
    const sdk::Resource* resource = metrics.resource.get();
    w.Key("resourceMetrics");
    w.BeginArray();
    w.BeginObject();
    internal::WriteJsonResource(w, resource);
    w.Key("scopeMetrics");
    w.BeginArray();
    for (const auto& sm : metrics.scope_metrics) {
      const sdk::InstrumentationScope* scope = sm.scope.get();
      w.BeginObject();
      internal::WriteJsonScope(w, scope);
      if (!sm.metrics.empty()) {
        w.Key("metrics");
        w.BeginArray();
        for (const auto& m : sm.metrics) WriteJsonMetric(w, m);
        w.EndArray();
      }
      if (scope != nullptr && !scope->schema_url.empty()) {
        w.Key("schemaUrl");
        w.String(scope->schema_url);
      }
      w.EndObject();
    }
    w.EndArray();
    if (resource != nullptr && !resource->schema_url().empty()) {
      w.Key("schemaUrl");
      w.String(resource->schema_url());
    }
    w.EndObject();
    w.EndArray();
  }
  w.EndObject();
}

}  // namespace adot::exporters::otlp
