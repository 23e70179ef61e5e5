// The metrics encoder's output is decoded with libprotobuf (classes generated from proto/) and
// compared with a reference mapping of the data model written against the generated API; OTLP/JSON
// is parsed with libprotobuf's JSON parser (after undoing the hex-id deviation) and must decode to
// the same message as the protobuf.
#include "exporters/otlp/otlp_metrics_encoder.h"

#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "adot/sdk/metrics/meter_provider.h"
#include "adot/sdk/trace/tracer_provider.h"
#include "common/json_reader.h"
#include "common/json_writer.h"
#include "exporters/otlp_encoder/otlp_metrics_reference.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"

namespace adot::exporters::otlp {
namespace {

namespace pb = opentelemetry::proto;
using api::trace::SpanId;
using api::trace::TraceId;
using pb::collector::metrics::v1::ExportMetricsServiceRequest;
using sdk::InstrumentationScope;
using sdk::OwnedAttributes;
using sdk::OwnedAttributeValue;
using sdk::Resource;
using namespace sdk::metrics;
using namespace metrics_reference;

TraceId MakeTraceId(uint8_t seed) {
  std::array<uint8_t, 16> b;
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(seed + i * 17);
  return TraceId(b);
}
SpanId MakeSpanId(uint8_t seed) {
  std::array<uint8_t, 8> b;
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<uint8_t>(seed * 3 + i * 29 + 1);
  return SpanId(b);
}

OwnedAttributes AllAttributeTypes() {
  return {
      {"bool", true},
      {"int.min", std::numeric_limits<int64_t>::min()},
      {"int", int64_t{300}},
      {"double", -2.5},
      {"double.nan", std::numeric_limits<double>::quiet_NaN()},
      {"string", std::string("value \xE2\x82\xAC \"quoted\"")},
      {"string.empty", std::string()},
      {"bools", std::vector<bool>{true, false}},
      {"ints", std::vector<int64_t>{1, -1}},
      {"doubles", std::vector<double>{0.5, 1e300}},
      {"strings", std::vector<std::string>{"a", "", std::string(200, 'b')}},
      {"empty.strings", std::vector<std::string>{}},
      {"", std::string("empty key")},
  };
}

// Equal to libprotobuf's own serialisation of the decoded message: no stray, duplicated or
// unknown fields, field-number order, canonical lengths.
void ExpectCanonical(const std::string& bytes) {
  ExportMetricsServiceRequest request;
  ASSERT_TRUE(request.ParseFromString(bytes));
  std::string again;
  {
    google::protobuf::io::StringOutputStream stream(&again);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    ASSERT_TRUE(request.SerializeToCodedStream(&coded));
  }
  EXPECT_TRUE(bytes == again) << "encoder output differs from libprotobuf's serialisation ("
                              << bytes.size() << " vs " << again.size() << " bytes)";
}

// Encodes rm both ways: the protobuf is canonical and decodes to the reference mapping, the JSON
// decodes to the same message. Returns the decoded protobuf.
ExportMetricsServiceRequest ExpectEncodesLikeReference(const ResourceMetrics& rm) {
  std::string bytes, json;
  EncodeMetricsRequestProto(rm, bytes);
  EncodeMetricsRequestJson(rm, json);
  ExpectCanonical(bytes);
  auto from_proto = DecodeProto(bytes);
  std::string diff;
  EXPECT_TRUE(ProtoEquals(from_proto, ToProto(rm), &diff)) << "protobuf vs reference: " << diff;
  diff.clear();
  EXPECT_TRUE(ProtoEquals(from_proto, DecodeJson(json), &diff)) << "JSON vs protobuf: " << diff
                                                                << "\n" << json;
  return from_proto;
}

// ---------------------------------------------------------------------------------------------
// Hand-built data: every point type, temporality, value type and exemplar shape.

std::shared_ptr<const InstrumentationScope> MakeScope(std::string name, std::string version,
                                                      std::string schema_url,
                                                      OwnedAttributes attributes) {
  auto scope = std::make_shared<InstrumentationScope>();
  scope->name = std::move(name);
  scope->version = std::move(version);
  scope->schema_url = std::move(schema_url);
  scope->attributes = std::move(attributes);
  return scope;
}

Exemplar SampledExemplar(PointValue value, uint8_t seed) {
  Exemplar e;
  e.filtered_attributes = {{"user.id", std::string("u-" + std::to_string(seed))},
                           {"retry", int64_t{seed}}};
  e.time_unix_nano = 1700000000000000100ull + seed;
  e.value = value;
  e.trace_id = MakeTraceId(seed);
  e.span_id = MakeSpanId(seed);
  return e;
}

Exemplar UnsampledExemplar(PointValue value) {
  Exemplar e;  // no span context, no filtered attributes
  e.time_unix_nano = 1700000000000000200ull;
  e.value = value;
  return e;
}

constexpr uint64_t kStart = 1700000000000000000ull;
constexpr uint64_t kTime = 1700000060000000000ull;

ResourceMetrics FullMetrics() {
  ResourceMetrics rm;
  rm.resource = std::make_shared<const Resource>(AllAttributeTypes(),
                                                 "https://opentelemetry.io/schemas/1.24.0");
  ScopeMetrics sm;
  sm.scope = MakeScope("io.adot.test", "1.2.3", "https://opentelemetry.io/schemas/1.21.0",
                       {{"scope.attr", true}});

  SumData requests;  // int, cumulative, monotonic
  requests.temporality = AggregationTemporality::kCumulative;
  requests.is_monotonic = true;
  requests.points.push_back(NumberPoint{{{"http.method", std::string("GET")}},
                                        kStart,
                                        kTime,
                                        int64_t{42},
                                        {SampledExemplar(int64_t{7}, 1), UnsampledExemplar(int64_t{-3})}});
  requests.points.push_back(
      NumberPoint{AllAttributeTypes(), kStart, kTime, std::numeric_limits<int64_t>::min(), {}});
  requests.points.push_back(NumberPoint{{}, 0, kTime, int64_t{0}, {}});  // zero value, no start
  sm.metrics.push_back(MetricData{"http.requests", "Requests served", "{request}", requests});

  SumData queue;  // double, delta, not monotonic
  queue.temporality = AggregationTemporality::kDelta;
  queue.points.push_back(NumberPoint{{{"queue", std::string("a")}}, kStart, kTime, -1.5,
                                     {SampledExemplar(-0.25, 2)}});
  queue.points.push_back(NumberPoint{{}, kStart, kTime, 0.0, {}});
  sm.metrics.push_back(MetricData{"queue.delta", "", "", queue});

  GaugeData temperature;
  temperature.points.push_back(NumberPoint{{{"room", std::string("a")}}, 0, kTime, 21.5,
                                           {UnsampledExemplar(21.5)}});
  temperature.points.push_back(NumberPoint{{}, 0, kTime, int64_t{-40}, {}});
  temperature.points.push_back(
      NumberPoint{{}, 0, kTime, std::numeric_limits<double>::infinity(), {}});
  sm.metrics.push_back(MetricData{"temperature", "", "Cel", temperature});

  HistogramData latency;  // delta, min/max
  latency.temporality = AggregationTemporality::kDelta;
  HistogramPoint h;
  h.attributes = {{"route", std::string("/cart")}};
  h.start_time_unix_nano = kStart;
  h.time_unix_nano = kTime;
  h.count = 6;
  h.sum = 123.5;
  h.has_min_max = true;
  h.min = 0.5;
  h.max = 80;
  h.boundaries = {0, 5, 10, 25, 50, 75};
  h.bucket_counts = {0, 2, 1, 0, 2, 1, 0};
  h.exemplars = {SampledExemplar(80.0, 3), UnsampledExemplar(0.5)};
  latency.points.push_back(h);
  sm.metrics.push_back(MetricData{"latency", "Request latency", "ms", latency});

  HistogramData no_min_max;  // cumulative, no min/max, one bucket, empty point
  HistogramPoint one_bucket;
  one_bucket.time_unix_nano = kTime;
  one_bucket.count = 3;
  one_bucket.sum = -4;
  one_bucket.bucket_counts = {3};
  no_min_max.points.push_back(one_bucket);
  no_min_max.points.push_back(HistogramPoint{});
  sm.metrics.push_back(MetricData{"sizes", "", "By", no_min_max});
  rm.scope_metrics.push_back(std::move(sm));

  ScopeMetrics second;  // no scope object; exponential histograms and an empty metric
  ExponentialHistogramData exp;
  exp.temporality = AggregationTemporality::kCumulative;
  ExponentialHistogramPoint e;
  e.attributes = {{"k", std::vector<int64_t>{1, 2}}};
  e.start_time_unix_nano = kStart;
  e.time_unix_nano = kTime;
  e.count = 11;
  e.sum = 1e6;
  e.has_min_max = true;
  e.min = -7;
  e.max = 250000;
  e.scale = -3;
  e.zero_count = 2;
  e.zero_threshold = 1e-9;
  e.positive = {-5, {1, 0, 300, 4}};
  e.negative = {3, {1}};
  e.exemplars = {SampledExemplar(int64_t{250000}, 4)};
  exp.points.push_back(e);
  ExponentialHistogramPoint scale20;
  scale20.time_unix_nano = kTime;
  scale20.count = 1;
  scale20.sum = 1.0000001;
  scale20.scale = 20;
  scale20.positive = {1 << 20, {1}};
  exp.points.push_back(scale20);
  exp.points.push_back(ExponentialHistogramPoint{});  // everything zero, empty buckets
  second.metrics.push_back(MetricData{"exp", "exponential", "s", exp});
  ExponentialHistogramData exp_delta;
  exp_delta.temporality = AggregationTemporality::kDelta;
  ExponentialHistogramPoint negzero;
  negzero.zero_threshold = -0.0;  // the default value too: left out
  negzero.negative = {-1, {5, 6}};
  exp_delta.points.push_back(negzero);
  second.metrics.push_back(MetricData{"exp.delta", "", "", exp_delta});
  second.metrics.push_back(MetricData{"no.points", "", "", SumData{}});
  rm.scope_metrics.push_back(std::move(second));
  return rm;
}

TEST(OtlpMetricsEncoderTest, EveryFieldMatchesTheReferenceMapping) {
  ExpectEncodesLikeReference(FullMetrics());
}

TEST(OtlpMetricsEncoderTest, FieldsSpelledOut) {
  const ResourceMetrics rm = FullMetrics();
  std::string bytes;
  EncodeMetricsRequestProto(rm, bytes);
  const auto request = DecodeProto(bytes);

  ASSERT_EQ(request.resource_metrics_size(), 1);
  const auto& prm = request.resource_metrics(0);
  EXPECT_EQ(prm.schema_url(), "https://opentelemetry.io/schemas/1.24.0");
  ASSERT_EQ(prm.resource().attributes_size(), 13);
  EXPECT_EQ(prm.resource().attributes(1).value().int_value(),
            std::numeric_limits<int64_t>::min());
  EXPECT_TRUE(std::isnan(prm.resource().attributes(4).value().double_value()));
  EXPECT_EQ(prm.resource().attributes(10).value().array_value().values(2).string_value(),
            std::string(200, 'b'));
  EXPECT_EQ(prm.resource().attributes(11).value().value_case(),
            pb::common::v1::AnyValue::kArrayValue);
  ASSERT_EQ(prm.scope_metrics_size(), 2);

  const auto& sm = prm.scope_metrics(0);
  EXPECT_EQ(sm.scope().name(), "io.adot.test");
  EXPECT_EQ(sm.scope().version(), "1.2.3");
  EXPECT_TRUE(sm.scope().attributes(0).value().bool_value());
  EXPECT_EQ(sm.schema_url(), "https://opentelemetry.io/schemas/1.21.0");
  ASSERT_EQ(sm.metrics_size(), 5);

  const auto& requests = sm.metrics(0);
  EXPECT_EQ(requests.name(), "http.requests");
  EXPECT_EQ(requests.description(), "Requests served");
  EXPECT_EQ(requests.unit(), "{request}");
  ASSERT_EQ(requests.data_case(), pb::metrics::v1::Metric::kSum);
  EXPECT_EQ(requests.sum().aggregation_temporality(),
            pb::metrics::v1::AGGREGATION_TEMPORALITY_CUMULATIVE);
  EXPECT_TRUE(requests.sum().is_monotonic());
  ASSERT_EQ(requests.sum().data_points_size(), 3);
  const auto& p0 = requests.sum().data_points(0);
  EXPECT_EQ(p0.attributes(0).key(), "http.method");
  EXPECT_EQ(p0.start_time_unix_nano(), kStart);
  EXPECT_EQ(p0.time_unix_nano(), kTime);
  EXPECT_EQ(p0.value_case(), pb::metrics::v1::NumberDataPoint::kAsInt);
  EXPECT_EQ(p0.as_int(), 42);
  ASSERT_EQ(p0.exemplars_size(), 2);
  const auto& sampled = p0.exemplars(0);
  EXPECT_EQ(sampled.as_int(), 7);
  EXPECT_EQ(sampled.time_unix_nano(), 1700000000000000101ull);
  EXPECT_EQ(sampled.trace_id(), std::string(reinterpret_cast<const char*>(MakeTraceId(1).data()), 16));
  EXPECT_EQ(sampled.span_id(), std::string(reinterpret_cast<const char*>(MakeSpanId(1).data()), 8));
  ASSERT_EQ(sampled.filtered_attributes_size(), 2);
  EXPECT_EQ(sampled.filtered_attributes(0).value().string_value(), "u-1");
  const auto& unsampled = p0.exemplars(1);
  EXPECT_EQ(unsampled.as_int(), -3);
  EXPECT_TRUE(unsampled.trace_id().empty());
  EXPECT_TRUE(unsampled.span_id().empty());
  EXPECT_EQ(unsampled.filtered_attributes_size(), 0);
  EXPECT_EQ(requests.sum().data_points(1).as_int(), std::numeric_limits<int64_t>::min());
  // A zero value is still set (oneof).
  EXPECT_EQ(requests.sum().data_points(2).value_case(), pb::metrics::v1::NumberDataPoint::kAsInt);
  EXPECT_EQ(requests.sum().data_points(2).start_time_unix_nano(), 0u);

  const auto& queue = sm.metrics(1);
  EXPECT_EQ(queue.sum().aggregation_temporality(), pb::metrics::v1::AGGREGATION_TEMPORALITY_DELTA);
  EXPECT_FALSE(queue.sum().is_monotonic());
  EXPECT_EQ(queue.sum().data_points(0).value_case(), pb::metrics::v1::NumberDataPoint::kAsDouble);
  EXPECT_EQ(queue.sum().data_points(0).as_double(), -1.5);
  EXPECT_EQ(queue.sum().data_points(0).exemplars(0).as_double(), -0.25);
  EXPECT_EQ(queue.sum().data_points(1).value_case(), pb::metrics::v1::NumberDataPoint::kAsDouble);

  const auto& temperature = sm.metrics(2);
  ASSERT_EQ(temperature.data_case(), pb::metrics::v1::Metric::kGauge);
  EXPECT_EQ(temperature.unit(), "Cel");
  EXPECT_EQ(temperature.gauge().data_points(0).as_double(), 21.5);
  EXPECT_EQ(temperature.gauge().data_points(1).as_int(), -40);
  EXPECT_TRUE(std::isinf(temperature.gauge().data_points(2).as_double()));

  const auto& latency = sm.metrics(3);
  ASSERT_EQ(latency.data_case(), pb::metrics::v1::Metric::kHistogram);
  EXPECT_EQ(latency.histogram().aggregation_temporality(),
            pb::metrics::v1::AGGREGATION_TEMPORALITY_DELTA);
  const auto& h = latency.histogram().data_points(0);
  EXPECT_EQ(h.count(), 6u);
  ASSERT_TRUE(h.has_sum());
  EXPECT_EQ(h.sum(), 123.5);
  ASSERT_TRUE(h.has_min());
  ASSERT_TRUE(h.has_max());
  EXPECT_EQ(h.min(), 0.5);
  EXPECT_EQ(h.max(), 80);
  EXPECT_EQ(std::vector<double>(h.explicit_bounds().begin(), h.explicit_bounds().end()),
            (std::vector<double>{0, 5, 10, 25, 50, 75}));
  EXPECT_EQ(std::vector<uint64_t>(h.bucket_counts().begin(), h.bucket_counts().end()),
            (std::vector<uint64_t>{0, 2, 1, 0, 2, 1, 0}));
  EXPECT_EQ(h.exemplars(0).as_double(), 80.0);
  EXPECT_FALSE(h.exemplars(0).trace_id().empty());
  EXPECT_TRUE(h.exemplars(1).trace_id().empty());

  const auto& sizes = sm.metrics(4).histogram();
  EXPECT_EQ(sizes.aggregation_temporality(), pb::metrics::v1::AGGREGATION_TEMPORALITY_CUMULATIVE);
  EXPECT_FALSE(sizes.data_points(0).has_min());
  EXPECT_FALSE(sizes.data_points(0).has_max());
  EXPECT_EQ(sizes.data_points(0).sum(), -4);
  EXPECT_EQ(sizes.data_points(0).explicit_bounds_size(), 0);
  EXPECT_EQ(sizes.data_points(0).bucket_counts_size(), 1);
  EXPECT_TRUE(sizes.data_points(1).has_sum());  // the model always has a sum
  EXPECT_EQ(sizes.data_points(1).count(), 0u);

  const auto& second = prm.scope_metrics(1);
  EXPECT_TRUE(second.has_scope());  // a null scope is an empty scope message
  EXPECT_EQ(second.scope().ByteSizeLong(), 0u);
  EXPECT_TRUE(second.schema_url().empty());
  ASSERT_EQ(second.metrics_size(), 3);
  const auto& exp = second.metrics(0);
  ASSERT_EQ(exp.data_case(), pb::metrics::v1::Metric::kExponentialHistogram);
  EXPECT_EQ(exp.exponential_histogram().aggregation_temporality(),
            pb::metrics::v1::AGGREGATION_TEMPORALITY_CUMULATIVE);
  const auto& e = exp.exponential_histogram().data_points(0);
  EXPECT_EQ(e.attributes(0).value().array_value().values(1).int_value(), 2);
  EXPECT_EQ(e.count(), 11u);
  EXPECT_EQ(e.sum(), 1e6);
  EXPECT_EQ(e.scale(), -3);
  EXPECT_EQ(e.zero_count(), 2u);
  EXPECT_EQ(e.zero_threshold(), 1e-9);
  EXPECT_EQ(e.positive().offset(), -5);
  EXPECT_EQ(std::vector<uint64_t>(e.positive().bucket_counts().begin(),
                                  e.positive().bucket_counts().end()),
            (std::vector<uint64_t>{1, 0, 300, 4}));
  EXPECT_EQ(e.negative().offset(), 3);
  EXPECT_EQ(e.negative().bucket_counts_size(), 1);
  EXPECT_EQ(e.min(), -7);
  EXPECT_EQ(e.max(), 250000);
  EXPECT_EQ(e.exemplars(0).as_int(), 250000);
  const auto& scale20 = exp.exponential_histogram().data_points(1);
  EXPECT_EQ(scale20.scale(), 20);
  EXPECT_EQ(scale20.positive().offset(), 1 << 20);
  EXPECT_FALSE(scale20.has_min());
  const auto& empty = exp.exponential_histogram().data_points(2);
  EXPECT_TRUE(empty.has_positive());
  EXPECT_TRUE(empty.has_negative());
  EXPECT_EQ(empty.positive().ByteSizeLong(), 0u);
  EXPECT_FALSE(
      std::signbit(second.metrics(1).exponential_histogram().data_points(0).zero_threshold()));
  EXPECT_EQ(second.metrics(1).exponential_histogram().aggregation_temporality(),
            pb::metrics::v1::AGGREGATION_TEMPORALITY_DELTA);
  EXPECT_EQ(second.metrics(1).exponential_histogram().data_points(0).negative().offset(), -1);
  EXPECT_EQ(second.metrics(2).data_case(), pb::metrics::v1::Metric::kSum);
  EXPECT_EQ(second.metrics(2).sum().data_points_size(), 0);
}

TEST(OtlpMetricsEncoderTest, EmptyMetrics) {
  std::string bytes, json;
  EncodeMetricsRequestProto(ResourceMetrics{}, bytes);
  EncodeMetricsRequestJson(ResourceMetrics{}, json);
  EXPECT_EQ(bytes, "");
  EXPECT_EQ(json, "{}");

  // A resource without any scope is nothing to export either.
  ResourceMetrics no_scopes;
  no_scopes.resource = std::make_shared<const Resource>(OwnedAttributes{{"a", int64_t{1}}});
  EncodeMetricsRequestProto(no_scopes, bytes);
  EncodeMetricsRequestJson(no_scopes, json);
  EXPECT_EQ(bytes, "");
  EXPECT_EQ(json, "{}{}");

  // A scope without metrics and a null resource are encoded as given.
  ResourceMetrics empty_scope;
  empty_scope.scope_metrics.emplace_back();
  empty_scope.scope_metrics[0].scope = MakeScope("s", "", "", {});
  const auto request = ExpectEncodesLikeReference(empty_scope);
  ASSERT_EQ(request.resource_metrics_size(), 1);
  EXPECT_TRUE(request.resource_metrics(0).has_resource());
  EXPECT_EQ(request.resource_metrics(0).scope_metrics(0).scope().name(), "s");
  EXPECT_EQ(request.resource_metrics(0).scope_metrics(0).metrics_size(), 0);
}

TEST(OtlpMetricsEncoderTest, AppendsToExistingOutput) {
  const ResourceMetrics rm = FullMetrics();
  std::string alone, out = "HEADER";
  EncodeMetricsRequestProto(rm, alone);
  EncodeMetricsRequestProto(rm, out);
  EXPECT_EQ(out, "HEADER" + alone);
  std::string json_alone, json = "[";
  EncodeMetricsRequestJson(rm, json_alone);
  EncodeMetricsRequestJson(rm, json);
  EXPECT_EQ(json, "[" + json_alone);
}

TEST(OtlpMetricsEncoderTest, LargeMessagesNeedLongerLengthPrefixes) {
  // Thousands of points and long attribute values: every BeginMessage length guess is exercised
  // in both directions.
  ResourceMetrics rm;
  rm.resource = std::make_shared<const Resource>(OwnedAttributes{});
  ScopeMetrics sm;
  SumData sum;
  for (int i = 0; i < 3000; ++i) {
    sum.points.push_back(NumberPoint{{{"i", int64_t{i}}, {"s", std::string(i % 300, 'x')}},
                                     kStart, kTime, int64_t{i}, {}});
  }
  sm.metrics.push_back(MetricData{"big", "", "", sum});
  HistogramData hist;
  HistogramPoint h;
  h.boundaries.assign(5000, 1.0);
  h.bucket_counts.assign(5001, 7);
  hist.points.push_back(h);
  sm.metrics.push_back(MetricData{"wide", "", "", hist});
  rm.scope_metrics.push_back(std::move(sm));
  const auto request = ExpectEncodesLikeReference(rm);
  EXPECT_EQ(request.resource_metrics(0).scope_metrics(0).metrics(0).sum().data_points_size(),
            3000);
}

TEST(OtlpMetricsEncoderTest, InvalidUtf8IsReplacedSoReceiversAcceptTheRequest) {
  ResourceMetrics rm;
  rm.resource = std::make_shared<const Resource>(
      OwnedAttributes{{"res\xff", std::string("v\xC0\x80")}}, "url\x80");
  ScopeMetrics sm;
  sm.scope = MakeScope("scope\xfe", "1\xff", "surl\xff", {{"a\xff", int64_t{1}}});
  SumData sum;
  Exemplar e = SampledExemplar(int64_t{1}, 5);
  e.filtered_attributes = {{"f\xff", std::vector<std::string>{"ok", "bad\x80"}}};
  sum.points.push_back(
      NumberPoint{{{"key\xff", std::string("value\xed\xa0\x80")}}, kStart, kTime, int64_t{1}, {e}});
  sm.metrics.push_back(MetricData{"name\xE2\x82", "desc\xff", "unit\xff", sum});
  rm.scope_metrics.push_back(std::move(sm));

  std::string bytes, json;
  EncodeMetricsRequestProto(rm, bytes);
  EncodeMetricsRequestJson(rm, json);
  ExpectCanonical(bytes);
  const auto request = DecodeProto(bytes);  // libprotobuf rejects invalid UTF-8 in strings
  const std::string r = "\xEF\xBF\xBD";
  const auto& prm = request.resource_metrics(0);
  EXPECT_EQ(prm.schema_url(), "url" + r);
  EXPECT_EQ(prm.resource().attributes(0).key(), "res" + r);
  EXPECT_EQ(prm.resource().attributes(0).value().string_value(), "v" + r + r);
  const auto& psm = prm.scope_metrics(0);
  EXPECT_EQ(psm.scope().name(), "scope" + r);
  EXPECT_EQ(psm.scope().version(), "1" + r);
  EXPECT_EQ(psm.scope().attributes(0).key(), "a" + r);
  EXPECT_EQ(psm.schema_url(), "surl" + r);
  const auto& m = psm.metrics(0);
  EXPECT_EQ(m.name(), "name" + r + r);
  EXPECT_EQ(m.description(), "desc" + r);
  EXPECT_EQ(m.unit(), "unit" + r);
  const auto& p = m.sum().data_points(0);
  EXPECT_EQ(p.attributes(0).key(), "key" + r);
  EXPECT_EQ(p.attributes(0).value().string_value(), "value" + r + r + r);
  EXPECT_EQ(p.exemplars(0).filtered_attributes(0).key(), "f" + r);
  EXPECT_EQ(p.exemplars(0).filtered_attributes(0).value().array_value().values(1).string_value(),
            "bad" + r);
  std::string diff;
  EXPECT_TRUE(ProtoEquals(request, DecodeJson(json), &diff)) << diff;
}

TEST(OtlpMetricsEncoderJsonTest, FollowsOtlpJsonConventions) {
  std::string json;
  EncodeMetricsRequestJson(FullMetrics(), json);
  common::JsonValue root;
  std::string error;
  ASSERT_TRUE(common::ParseJson(json, root, &error)) << error;

  // Keys are lowerCamelCase only.
  std::vector<const common::JsonValue*> stack = {&root};
  while (!stack.empty()) {
    const common::JsonValue* v = stack.back();
    stack.pop_back();
    for (const auto& m : v->members()) {
      EXPECT_EQ(m.key.find('_'), std::string::npos) << m.key;
      stack.push_back(&m.value);
    }
    for (const auto& e : v->array()) stack.push_back(&e);
  }

  const auto& rm = root.Find("resourceMetrics")->array().at(0);
  const auto& metrics = rm.Find("scopeMetrics")->array().at(0).Find("metrics")->array();
  const auto& sum = *metrics.at(0).Find("sum");
  // Enums as integers; 64-bit integers (sfixed64, fixed64) as strings.
  ASSERT_TRUE(sum.Find("aggregationTemporality")->is_number());
  EXPECT_EQ(sum.Find("aggregationTemporality")->text(), "2");
  EXPECT_TRUE(sum.Find("isMonotonic")->bool_value());
  const auto& point = sum.Find("dataPoints")->array().at(0);
  ASSERT_TRUE(point.Find("asInt")->is_string());
  EXPECT_EQ(point.Find("asInt")->text(), "42");
  ASSERT_TRUE(point.Find("startTimeUnixNano")->is_string());
  EXPECT_EQ(point.Find("startTimeUnixNano")->text(), std::to_string(kStart));
  EXPECT_EQ(point.Find("timeUnixNano")->text(), std::to_string(kTime));
  const auto& exemplar = point.Find("exemplars")->array().at(0);
  // Ids: lowercase hex.
  EXPECT_EQ(exemplar.Find("traceId")->text(), MakeTraceId(1).ToHex());
  EXPECT_EQ(exemplar.Find("spanId")->text(), MakeSpanId(1).ToHex());
  EXPECT_EQ(exemplar.Find("filteredAttributes")->array().size(), 2u);
  const auto& unsampled = point.Find("exemplars")->array().at(1);
  EXPECT_EQ(unsampled.Find("traceId"), nullptr);
  EXPECT_EQ(unsampled.Find("spanId"), nullptr);
  const auto& queue = *metrics.at(1).Find("sum");
  EXPECT_EQ(queue.Find("aggregationTemporality")->text(), "1");
  EXPECT_EQ(queue.Find("isMonotonic"), nullptr);
  ASSERT_TRUE(queue.Find("dataPoints")->array().at(0).Find("asDouble")->is_number());
  EXPECT_EQ(queue.Find("dataPoints")->array().at(0).Find("asDouble")->text(), "-1.5");
  EXPECT_EQ(metrics.at(2).Find("gauge")->Find("dataPoints")->array().at(2).Find("asDouble")->text(),
            "Infinity");

  const auto& h = metrics.at(3).Find("histogram")->Find("dataPoints")->array().at(0);
  ASSERT_TRUE(h.Find("count")->is_string());
  EXPECT_EQ(h.Find("count")->text(), "6");
  ASSERT_TRUE(h.Find("sum")->is_number());
  EXPECT_EQ(h.Find("bucketCounts")->array().at(1).text(), "2");
  ASSERT_TRUE(h.Find("bucketCounts")->array().at(1).is_string());
  ASSERT_TRUE(h.Find("explicitBounds")->array().at(1).is_number());
  EXPECT_EQ(h.Find("min")->text(), "0.5");
  EXPECT_EQ(h.Find("max")->text(), "80");
  const auto& sizes = metrics.at(4).Find("histogram")->Find("dataPoints")->array().at(0);
  EXPECT_EQ(sizes.Find("min"), nullptr);
  EXPECT_EQ(sizes.Find("explicitBounds"), nullptr);

  const auto& e = rm.Find("scopeMetrics")->array().at(1).Find("metrics")->array().at(0)
                      .Find("exponentialHistogram")->Find("dataPoints")->array().at(0);
  ASSERT_TRUE(e.Find("scale")->is_number());
  EXPECT_EQ(e.Find("scale")->text(), "-3");
  EXPECT_EQ(e.Find("zeroCount")->text(), "2");
  ASSERT_TRUE(e.Find("positive")->Find("offset")->is_number());
  EXPECT_EQ(e.Find("positive")->Find("offset")->text(), "-5");
  ASSERT_TRUE(e.Find("positive")->Find("bucketCounts")->array().at(2).is_string());
  EXPECT_EQ(e.Find("positive")->Find("bucketCounts")->array().at(2).text(), "300");
  ASSERT_TRUE(e.Find("zeroThreshold")->is_number());
}

// ---------------------------------------------------------------------------------------------
// Data produced by the SDK.

TEST(OtlpMetricsEncoderTest, SdkCollectedMetrics) {
  auto reader = std::make_shared<ManualReader>(TemporalityPreference::kDelta);
  MeterProviderOptions options;
  options.resource = std::make_shared<const Resource>(
      OwnedAttributes{{"service.name", std::string("svc")}}, "https://schema/1");
  options.readers.push_back(reader);
  options.exemplar_filter = ExemplarFilter::kAlwaysOn;
  View exp_view;
  exp_view.selector.name = "exp.latency";
  exp_view.aggregation.type = AggregationType::kBase2ExponentialHistogram;
  options.views.push_back(exp_view);
  View filtered;
  filtered.selector.name = "requests";
  filtered.attribute_keys = std::vector<std::string>{"route"};
  options.views.push_back(filtered);
  MeterProvider provider(std::move(options));

  // A sampled span, so that exemplars carry a span context.
  sdk::trace::TracerProviderOptions trace_options;
  trace_options.resource = std::make_shared<const Resource>();
  trace_options.sampler = sdk::trace::CreateAlwaysOnSampler();
  sdk::trace::TracerProvider tracing(std::move(trace_options));
  auto span = tracing.GetTracer("t")->StartSpan("op");

  auto meter = provider.GetMeter("io.adot.meter", "2.0", "https://schema/2");
  auto counter = meter->CreateInt64Counter("requests", "Requests", "{request}");
  auto histogram = meter->CreateDoubleHistogram("latency", "Latency", "ms");
  auto exp = meter->CreateDoubleHistogram("exp.latency", "", "s");
  auto gauge = meter->CreateDoubleGauge("temperature", "", "Cel");
  auto updown = meter->CreateInt64UpDownCounter("queue");
  {
    auto scope = api::trace::Tracer::WithActiveSpan(span);
    counter->Add(5, {{"route", "/cart"}, {"user", "u1"}});
  }
  histogram->Record(12.5, {{"ok", true}});
  histogram->Record(700);
  for (double v : {0.001, 0.5, 3.0, 3.0, 1000.0}) exp->Record(v);
  gauge->Record(21.5, {{"room", int64_t{4}}});
  updown->Add(-3);
  span->End();

  ResourceMetrics rm;
  ASSERT_TRUE(reader->Collect(rm));
  const auto request = ExpectEncodesLikeReference(rm);

  ASSERT_EQ(request.resource_metrics_size(), 1);
  const auto& prm = request.resource_metrics(0);
  EXPECT_EQ(prm.schema_url(), "https://schema/1");
  EXPECT_EQ(prm.resource().attributes(0).value().string_value(), "svc");
  ASSERT_EQ(prm.scope_metrics_size(), 1);
  const auto& sm = prm.scope_metrics(0);
  EXPECT_EQ(sm.scope().name(), "io.adot.meter");
  EXPECT_EQ(sm.scope().version(), "2.0");
  EXPECT_EQ(sm.schema_url(), "https://schema/2");
  auto find = [&sm](std::string_view name) -> const pb::metrics::v1::Metric& {
    for (const auto& m : sm.metrics()) {
      if (m.name() == name) return m;
    }
    ADD_FAILURE() << "no metric " << name;
    static const pb::metrics::v1::Metric none;
    return none;
  };

  const auto& requests = find("requests");
  EXPECT_EQ(requests.description(), "Requests");
  EXPECT_EQ(requests.unit(), "{request}");
  EXPECT_TRUE(requests.sum().is_monotonic());
  EXPECT_EQ(requests.sum().aggregation_temporality(),
            pb::metrics::v1::AGGREGATION_TEMPORALITY_DELTA);
  ASSERT_EQ(requests.sum().data_points_size(), 1);
  const auto& rp = requests.sum().data_points(0);
  EXPECT_EQ(rp.as_int(), 5);
  EXPECT_GT(rp.start_time_unix_nano(), 0u);
  EXPECT_GE(rp.time_unix_nano(), rp.start_time_unix_nano());
  ASSERT_EQ(rp.attributes_size(), 1);
  EXPECT_EQ(rp.attributes(0).key(), "route");
  ASSERT_EQ(rp.exemplars_size(), 1);
  {
    const auto& e = rp.exemplars(0);
    EXPECT_EQ(e.as_int(), 5);
    EXPECT_EQ(e.span_id(),
              std::string(reinterpret_cast<const char*>(span->GetContext().span_id().data()), 8));
    EXPECT_EQ(e.trace_id(),
              std::string(reinterpret_cast<const char*>(span->GetContext().trace_id().data()), 16));
    ASSERT_EQ(e.filtered_attributes_size(), 1);
    EXPECT_EQ(e.filtered_attributes(0).key(), "user");
  }

  const auto& latency = find("latency");
  ASSERT_EQ(latency.data_case(), pb::metrics::v1::Metric::kHistogram);
  int64_t total = 0;
  for (const auto& p : latency.histogram().data_points()) {
    total += static_cast<int64_t>(p.count());
    EXPECT_EQ(p.bucket_counts_size(), p.explicit_bounds_size() + 1);
    EXPECT_TRUE(p.has_min());
    // Recorded outside the span: exemplars without a span context.
    ASSERT_EQ(p.exemplars_size(), 1);
    EXPECT_TRUE(p.exemplars(0).trace_id().empty());
    EXPECT_TRUE(p.exemplars(0).span_id().empty());
  }
  EXPECT_EQ(total, 2);

  const auto& e = find("exp.latency");
  ASSERT_EQ(e.data_case(), pb::metrics::v1::Metric::kExponentialHistogram);
  ASSERT_EQ(e.exponential_histogram().data_points_size(), 1);
  const auto& ep = e.exponential_histogram().data_points(0);
  EXPECT_EQ(ep.count(), 5u);
  EXPECT_DOUBLE_EQ(ep.sum(), 1006.501);
  EXPECT_EQ(ep.min(), 0.001);
  EXPECT_EQ(ep.max(), 1000.0);
  uint64_t positive = 0;
  for (uint64_t c : ep.positive().bucket_counts()) positive += c;
  EXPECT_EQ(positive, 5u);
  EXPECT_EQ(ep.negative().bucket_counts_size(), 0);

  const auto& temperature = find("temperature");
  ASSERT_EQ(temperature.data_case(), pb::metrics::v1::Metric::kGauge);
  EXPECT_EQ(temperature.gauge().data_points(0).as_double(), 21.5);
  EXPECT_EQ(temperature.gauge().data_points(0).attributes(0).value().int_value(), 4);

  const auto& queue = find("queue");
  EXPECT_FALSE(queue.sum().is_monotonic());
  EXPECT_EQ(queue.sum().data_points(0).as_int(), -3);

  // A cumulative reader over the same kind of data.
  auto cumulative = std::make_shared<ManualReader>();
  MeterProviderOptions cumulative_options;
  cumulative_options.readers.push_back(cumulative);
  MeterProvider cumulative_provider(std::move(cumulative_options));
  auto c = cumulative_provider.GetMeter("m")->CreateDoubleCounter("c");
  c->Add(1.5);
  c->Add(2);
  ResourceMetrics crm;
  ASSERT_TRUE(cumulative->Collect(crm));
  const auto creq = ExpectEncodesLikeReference(crm);
  const auto& cm = creq.resource_metrics(0).scope_metrics(0).metrics(0);
  EXPECT_EQ(cm.sum().aggregation_temporality(),
            pb::metrics::v1::AGGREGATION_TEMPORALITY_CUMULATIVE);
  EXPECT_EQ(cm.sum().data_points(0).as_double(), 3.5);
}

}  // namespace
}  // namespace adot::exporters::otlp
