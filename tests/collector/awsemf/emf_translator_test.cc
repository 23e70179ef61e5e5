// The OTLP metrics → CloudWatch EMF translator of the awsemf exporter (docs: emf.md §5): every
// document is parsed and checked field by field against the EMF layout.
#include "collector/exporters/awsemf/emf_translator.h"

#include <gtest/gtest.h>
#include <time.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>
#include <thread>

#include "common/json_reader.h"

namespace adot::collector::awsemf {
namespace {

namespace pm = opentelemetry::proto::metrics::v1;
using common::JsonValue;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using Attrs = google::protobuf::RepeatedPtrField<KeyValue>;
using Dims = std::vector<std::vector<std::string>>;

constexpr uint64_t kT0 = 1700000000000000000ull;  // ns
constexpr int64_t kT0Ms = 1700000000000;
constexpr int64_t kNowMs = 1700000999000;

// ---- building requests ----

AnyValue* Add(Attrs* attrs, const std::string& key) {
  KeyValue* kv = attrs->Add();
  kv->set_key(key);
  return kv->mutable_value();
}
void Str(Attrs* a, const std::string& k, const std::string& v) { Add(a, k)->set_string_value(v); }

struct Request {
  MetricsRequest req;
  pm::ResourceMetrics* rm;
  pm::ScopeMetrics* sm;

  explicit Request(const std::string& scope = "lib") {
    rm = req.add_resource_metrics();
    sm = rm->add_scope_metrics();
    sm->mutable_scope()->set_name(scope);
  }
  Attrs* resource() { return rm->mutable_resource()->mutable_attributes(); }
  pm::Metric* Metric(const std::string& name, const std::string& unit = "") {
    pm::Metric* m = sm->add_metrics();
    m->set_name(name);
    m->set_unit(unit);
    return m;
  }
  // A gauge with one double point at kT0 (+ offset ms) with string attributes.
  pm::NumberDataPoint* Gauge(const std::string& name, double v,
                             std::vector<std::pair<std::string, std::string>> attrs = {},
                             int64_t offset_ms = 0) {
    pm::NumberDataPoint* dp = Metric(name)->mutable_gauge()->add_data_points();
    dp->set_as_double(v);
    dp->set_time_unix_nano(kT0 + offset_ms * 1000000);
    for (auto& [k, val] : attrs) Str(dp->mutable_attributes(), k, val);
    return dp;
  }
};

pm::NumberDataPoint* SumPoint(
    pm::Metric* m, double v, uint64_t start_ns, uint64_t time_ns,
    pm::AggregationTemporality temporality = pm::AGGREGATION_TEMPORALITY_CUMULATIVE,
    bool monotonic = true) {
  m->mutable_sum()->set_aggregation_temporality(temporality);
  m->mutable_sum()->set_is_monotonic(monotonic);
  pm::NumberDataPoint* dp = m->mutable_sum()->add_data_points();
  dp->set_as_double(v);
  dp->set_start_time_unix_nano(start_ns);
  dp->set_time_unix_nano(time_ns);
  return dp;
}

// ---- reading documents ----

JsonValue Parse(const std::string& text) {
  JsonValue v;
  std::string error;
  EXPECT_TRUE(common::ParseJson(text, v, &error)) << error << "\n" << text;
  return v;
}

std::vector<std::string> Keys(const JsonValue& obj) {
  std::vector<std::string> keys;
  for (const auto& m : obj.members()) keys.push_back(m.key);
  return keys;
}

double Num(const JsonValue* v) {
  double d = std::nan("");
  EXPECT_TRUE(v && v->GetDouble(d));
  return d;
}

std::string Text(const JsonValue* v) {
  EXPECT_TRUE(v && v->is_string());
  return v ? v->text() : "";
}

const JsonValue& Directives(const JsonValue& doc) {
  const JsonValue* aws = doc.Find("_aws");
  EXPECT_TRUE(aws && aws->is_object());
  static const JsonValue kEmpty;
  const JsonValue* cwm = aws ? aws->Find("CloudWatchMetrics") : nullptr;
  return cwm ? *cwm : kEmpty;
}

Dims DimsOf(const JsonValue& directive) {
  Dims out;
  for (const JsonValue& set : directive.Find("Dimensions")->array()) {
    std::vector<std::string>& s = out.emplace_back();
    for (const JsonValue& k : set.array()) s.push_back(k.text());
  }
  return out;
}

std::vector<std::string> MetricNames(const JsonValue& directive) {
  std::vector<std::string> out;
  for (const JsonValue& m : directive.Find("Metrics")->array()) out.push_back(Text(m.Find("Name")));
  return out;
}

// Translates and parses; expects `events` events.
struct Result {
  std::vector<EmfEvent> events;
  std::vector<JsonValue> docs;
  size_t dropped = 0;
};

Result Convert(EmfTranslator& t, const MetricsRequest& req, int64_t now_ms = kNowMs) {
  Result r;
  r.dropped = t.Translate(req, r.events, now_ms);
  for (const EmfEvent& e : r.events) r.docs.push_back(Parse(e.message));
  return r;
}

Result Convert(const EmfOptions& o, const MetricsRequest& req) {
  EmfTranslator t(o);
  return Convert(t, req);
}

// ---- document layout ----

TEST(EmfTranslator, GaugeDocumentFieldByField) {
  Request r;
  r.Gauge("latency", 1.5, {{"route", "/a"}, {"method", "GET"}})->mutable_attributes();
  r.sm->mutable_metrics(0)->set_unit("ms");
  Result res = Convert(EmfOptions{}, r.req);
  ASSERT_EQ(res.events.size(), 1u);
  EXPECT_EQ(res.dropped, 0u);
  const EmfEvent& ev = res.events[0];
  EXPECT_EQ(ev.log_group, "/metrics/default");
  EXPECT_EQ(ev.log_stream.rfind("otel-stream-", 0), 0u);
  EXPECT_EQ(ev.log_stream.size(), std::string("otel-stream-").size() + 36);
  EXPECT_EQ(ev.timestamp_ms, kT0Ms);
  const JsonValue& doc = res.docs[0];
  EXPECT_EQ(Keys(doc),
            (std::vector<std::string>{"OTelLib", "Version", "_aws", "latency", "method", "route"}));
  EXPECT_EQ(Text(doc.Find("OTelLib")), "lib");
  EXPECT_EQ(Text(doc.Find("Version")), "1");
  EXPECT_EQ(Num(doc.Find("latency")), 1.5);
  EXPECT_EQ(Text(doc.Find("method")), "GET");
  EXPECT_EQ(Text(doc.Find("route")), "/a");
  const JsonValue* aws = doc.Find("_aws");
  EXPECT_EQ(Keys(*aws), (std::vector<std::string>{"CloudWatchMetrics", "Timestamp"}));
  int64_t ts = 0;
  ASSERT_TRUE(aws->Find("Timestamp")->is_number());
  EXPECT_TRUE(aws->Find("Timestamp")->GetInt64(ts));
  EXPECT_EQ(ts, kT0Ms);
  const JsonValue& cwm = Directives(doc);
  ASSERT_EQ(cwm.array().size(), 1u);
  const JsonValue& d = cwm.array()[0];
  EXPECT_EQ(Keys(d), (std::vector<std::string>{"Namespace", "Dimensions", "Metrics"}));
  EXPECT_EQ(Text(d.Find("Namespace")), "default");
  EXPECT_EQ(DimsOf(d), (Dims{{"OTelLib", "method", "route"},
                             {"OTelLib"},
                             {"OTelLib", "method"},
                             {"OTelLib", "route"}}));
  ASSERT_EQ(d.Find("Metrics")->array().size(), 1u);
  const JsonValue& m = d.Find("Metrics")->array()[0];
  EXPECT_EQ(Keys(m), (std::vector<std::string>{"Name", "Unit", "StorageResolution"}));
  EXPECT_EQ(Text(m.Find("Name")), "latency");
  EXPECT_EQ(Text(m.Find("Unit")), "Milliseconds");
  EXPECT_EQ(Num(m.Find("StorageResolution")), 60);
}

TEST(EmfTranslator, IntGaugeAndNoTimestampUsesNow) {
  Request r;
  pm::NumberDataPoint* dp = r.Metric("items")->mutable_gauge()->add_data_points();
  dp->set_as_int(-42);
  Result res = Convert(EmfOptions{}, r.req);
  ASSERT_EQ(res.docs.size(), 1u);
  EXPECT_EQ(res.docs[0].Find("items")->text(), "-42");
  EXPECT_EQ(res.events[0].timestamp_ms, kNowMs);
  int64_t ts = 0;
  EXPECT_TRUE(res.docs[0].Find("_aws")->Find("Timestamp")->GetInt64(ts));
  EXPECT_EQ(ts, kNowMs);
  // Only OTelLib: the full set equals the zero-dimension set.
  EXPECT_EQ(DimsOf(Directives(res.docs[0]).array()[0]), (Dims{{"OTelLib"}}));
}

TEST(EmfTranslator, NumbersAreShortestRoundTrip) {
  Request r;
  r.Gauge("a", 0.1);
  r.Gauge("b", 1e300);
  r.Gauge("c", 3);
  Result res = Convert(EmfOptions{}, r.req);
  ASSERT_EQ(res.docs.size(), 1u);
  EXPECT_EQ(res.docs[0].Find("a")->text(), "0.1");
  EXPECT_EQ(Num(res.docs[0].Find("b")), 1e300);
  EXPECT_EQ(res.docs[0].Find("c")->text(), "3");
}

TEST(EmfTranslator, Version0Layout) {
  Request r;
  r.Gauge("g", 2, {{"k", "v"}});
  EmfOptions o;
  o.version = "0";
  Result res = Convert(o, r.req);
  ASSERT_EQ(res.docs.size(), 1u);
  const JsonValue& doc = res.docs[0];
  EXPECT_EQ(Keys(doc), (std::vector<std::string>{"CloudWatchMetrics", "OTelLib", "Timestamp",
                                                 "Version", "g", "k"}));
  EXPECT_EQ(doc.Find("_aws"), nullptr);
  EXPECT_EQ(Text(doc.Find("Timestamp")), std::to_string(kT0Ms));  // a string in version 0
  EXPECT_EQ(Text(doc.Find("Version")), "0");
  const JsonValue* cwm = doc.Find("CloudWatchMetrics");
  ASSERT_TRUE(cwm && cwm->is_array());
  ASSERT_EQ(cwm->array().size(), 1u);
  EXPECT_EQ(Text(cwm->array()[0].Find("Namespace")), "default");
  EXPECT_EQ(MetricNames(cwm->array()[0]), (std::vector<std::string>{"g"}));
}

// ---- sums ----

TEST(EmfTranslator, DeltaSumPassesThrough) {
  EmfTranslator t(EmfOptions{});
  for (double v : {5.0, 3.0}) {
    Request r;
    SumPoint(r.Metric("d"), v, kT0, kT0 + 1000, pm::AGGREGATION_TEMPORALITY_DELTA);
    Result res = Convert(t, r.req);
    ASSERT_EQ(res.docs.size(), 1u);
    EXPECT_EQ(Num(res.docs[0].Find("d")), v);
  }
}

// Sends one cumulative point of series "c" and returns the emitted value (NaN when none).
double SendCumulative(EmfTranslator& t, double v, uint64_t start_ns, bool monotonic = true,
                      int64_t now_ms = kNowMs, size_t* dropped = nullptr) {
  Request r;
  SumPoint(r.Metric("c"), v, start_ns, start_ns + 1000000000,
           pm::AGGREGATION_TEMPORALITY_CUMULATIVE, monotonic);
  Result res = Convert(t, r.req, now_ms);
  if (dropped) *dropped = res.dropped;
  return res.docs.empty() ? std::nan("") : Num(res.docs[0].Find("c"));
}

TEST(EmfTranslator, CumulativeSumFirstPointIsBaseline) {
  EmfTranslator t(EmfOptions{});
  size_t dropped = 0;
  EXPECT_TRUE(std::isnan(SendCumulative(t, 10, kT0, true, kNowMs, &dropped)));
  EXPECT_EQ(dropped, 1u);
  EXPECT_EQ(SendCumulative(t, 15, kT0, true, kNowMs, &dropped), 5);
  EXPECT_EQ(dropped, 0u);
  EXPECT_EQ(SendCumulative(t, 15, kT0), 0);
  EXPECT_EQ(SendCumulative(t, 22.5, kT0), 7.5);
}

TEST(EmfTranslator, CumulativeSumRetainInitialValue) {
  EmfOptions o;
  o.retain_initial_value_of_delta_metric = true;
  EmfTranslator t(o);
  EXPECT_EQ(SendCumulative(t, 10, kT0), 10);
  EXPECT_EQ(SendCumulative(t, 12, kT0), 2);
}

TEST(EmfTranslator, CumulativeSumDecreaseIsReset) {
  EmfTranslator t(EmfOptions{});
  SendCumulative(t, 10, kT0);
  EXPECT_EQ(SendCumulative(t, 4, kT0), 4);  // the counter restarted: its value is the delta
  EXPECT_EQ(SendCumulative(t, 6, kT0), 2);
}

TEST(EmfTranslator, CumulativeSumStartTimeChangeIsReset) {
  // Go ignores the start time (CC#48556): a restart that reaches the same value would give 0.
  EmfTranslator t(EmfOptions{});
  SendCumulative(t, 10, kT0);
  EXPECT_EQ(SendCumulative(t, 20, kT0), 10);
  EXPECT_EQ(SendCumulative(t, 20, kT0 + 60000000000ull), 20);
  EXPECT_EQ(SendCumulative(t, 50, kT0 + 60000000000ull), 30);
}

TEST(EmfTranslator, NonMonotonicCumulativeSumGivesSignedDeltas) {
  EmfTranslator t(EmfOptions{});
  SendCumulative(t, 10, kT0, false);
  EXPECT_EQ(SendCumulative(t, 4, kT0, false), -6);
  EXPECT_EQ(SendCumulative(t, 9, kT0, false), 5);
  EXPECT_EQ(SendCumulative(t, -3, kT0 + 1, false), -3);  // new start time: value since the restart
}

TEST(EmfTranslator, IntCumulativeSum) {
  EmfTranslator t(EmfOptions{});
  std::vector<double> got;
  for (int64_t v : {int64_t{1} << 40, (int64_t{1} << 40) + 3}) {
    Request r;
    pm::NumberDataPoint* dp = SumPoint(r.Metric("c"), 0, kT0, kT0 + 1);
    dp->set_as_int(v);
    Result res = Convert(t, r.req);
    if (!res.docs.empty()) got.push_back(Num(res.docs[0].Find("c")));
  }
  EXPECT_EQ(got, (std::vector<double>{3}));
}

TEST(EmfTranslator, CumulativeStateIsPerSeries) {
  EmfTranslator t(EmfOptions{});
  auto send = [&](const std::string& route, double v) {
    Request r;
    Str(SumPoint(r.Metric("c"), v, kT0, kT0 + 1)->mutable_attributes(), "route", route);
    Result res = Convert(t, r.req);
    return res.docs.empty() ? std::nan("") : Num(res.docs[0].Find("c"));
  };
  EXPECT_TRUE(std::isnan(send("/a", 1)));
  EXPECT_TRUE(std::isnan(send("/b", 100)));
  EXPECT_EQ(send("/a", 3), 2);
  EXPECT_EQ(send("/b", 101), 1);
}

TEST(EmfTranslator, CumulativeStateExpiresAfterFiveMinutes) {
  EmfTranslator t(EmfOptions{});
  SendCumulative(t, 10, kT0, true, kNowMs);
  // Seen within 5 minutes: still a delta (the clock is now_ms).
  EXPECT_EQ(SendCumulative(t, 12, kT0, true, kNowMs + 299000), 2);
  // Unseen for more than 5 minutes: a new baseline.
  size_t dropped = 0;
  EXPECT_TRUE(std::isnan(SendCumulative(t, 20, kT0, true, kNowMs + 299000 + 301000, &dropped)));
  EXPECT_EQ(dropped, 1u);
  EXPECT_EQ(SendCumulative(t, 21, kT0, true, kNowMs + 299000 + 302000), 1);
}

TEST(EmfTranslator, ExpiredEntriesAreSweptFromOtherSeries) {
  EmfTranslator t(EmfOptions{});
  SendCumulative(t, 10, kT0, true, kNowMs);
  // Another series' traffic sweeps "c" out after 5 minutes; "c" then starts from a baseline.
  Request other;
  SumPoint(other.Metric("other"), 1, kT0, kT0 + 1);
  Convert(t, other.req, kNowMs + 400000);
  EXPECT_TRUE(std::isnan(SendCumulative(t, 11, kT0, true, kNowMs + 400000)));
}

// ---- histograms and summaries ----

TEST(EmfTranslator, HistogramIsStatisticSet) {
  Request r;
  pm::HistogramDataPoint* dp = r.Metric("h", "s")->mutable_histogram()->add_data_points();
  dp->set_time_unix_nano(kT0);
  dp->set_count(7);
  dp->set_sum(21.5);
  dp->set_min(0.5);
  dp->set_max(9);
  dp->add_explicit_bounds(1);
  dp->add_bucket_counts(3);
  dp->add_bucket_counts(4);
  Result res = Convert(EmfOptions{}, r.req);
  ASSERT_EQ(res.docs.size(), 1u);
  const JsonValue* h = res.docs[0].Find("h");
  ASSERT_TRUE(h && h->is_object());
  EXPECT_EQ(Keys(*h), (std::vector<std::string>{"Max", "Min", "Count", "Sum"}));
  EXPECT_EQ(Num(h->Find("Max")), 9);
  EXPECT_EQ(Num(h->Find("Min")), 0.5);
  EXPECT_EQ(h->Find("Count")->text(), "7");
  EXPECT_EQ(Num(h->Find("Sum")), 21.5);
  EXPECT_EQ(Text(Directives(res.docs[0]).array()[0].Find("Metrics")->array()[0].Find("Unit")),
            "Seconds");
}

TEST(EmfTranslator, CumulativeHistogramCountAndSumAreDeltas) {
  EmfTranslator t(EmfOptions{});
  auto send = [&](uint64_t count, double sum, uint64_t start = kT0) {
    Request r;
    pm::Histogram* h = r.Metric("h")->mutable_histogram();
    h->set_aggregation_temporality(pm::AGGREGATION_TEMPORALITY_CUMULATIVE);
    pm::HistogramDataPoint* dp = h->add_data_points();
    dp->set_start_time_unix_nano(start);
    dp->set_time_unix_nano(kT0 + 1);
    dp->set_count(count);
    dp->set_sum(sum);
    dp->set_min(1);
    dp->set_max(8);
    return Convert(t, r.req);
  };
  Result first = send(4, 10);
  EXPECT_TRUE(first.docs.empty());
  EXPECT_EQ(first.dropped, 1u);
  auto stats = [](const Result& r) {
    const JsonValue* h = r.docs.at(0).Find("h");
    return std::vector<double>{Num(h->Find("Count")), Num(h->Find("Sum")), Num(h->Find("Min")),
                               Num(h->Find("Max"))};
  };
  EXPECT_EQ(stats(send(7, 25)), (std::vector<double>{3, 15, 1, 8}));
  EXPECT_EQ(stats(send(2, 3)), (std::vector<double>{2, 3, 1, 8}));  // count went down: restart
  EXPECT_EQ(stats(send(9, 40, kT0 + 5)),
            (std::vector<double>{9, 40, 1, 8}));  // new start time: restart
}

pm::ExponentialHistogramDataPoint* ExpPoint(pm::Metric* m) {
  pm::ExponentialHistogramDataPoint* dp = m->mutable_exponential_histogram()->add_data_points();
  dp->set_time_unix_nano(kT0);
  return dp;
}

TEST(EmfTranslator, ExponentialHistogramMidpoints) {
  Request r;
  pm::ExponentialHistogramDataPoint* dp = ExpPoint(r.Metric("e"));
  dp->set_scale(0);  // base 2
  dp->set_count(8);
  dp->set_sum(3.5);
  dp->set_min(-1.8);
  dp->set_max(3.9);
  dp->set_zero_count(1);
  dp->mutable_positive()->set_offset(0);  // (1,2], (2,4]
  dp->mutable_positive()->add_bucket_counts(1);
  dp->mutable_positive()->add_bucket_counts(2);
  dp->mutable_negative()->set_offset(0);  // [-2,-1)
  dp->mutable_negative()->add_bucket_counts(4);
  dp->mutable_negative()->add_bucket_counts(0);  // empty buckets are left out
  Result res = Convert(EmfOptions{}, r.req);
  ASSERT_EQ(res.docs.size(), 1u);
  const JsonValue* e = res.docs[0].Find("e");
  ASSERT_TRUE(e && e->is_object());
  EXPECT_EQ(Keys(*e), (std::vector<std::string>{"Values", "Counts", "Max", "Min", "Count", "Sum"}));
  std::vector<double> values, counts;
  for (const JsonValue& v : e->Find("Values")->array()) values.push_back(Num(&v));
  for (const JsonValue& v : e->Find("Counts")->array()) counts.push_back(Num(&v));
  EXPECT_EQ(values, (std::vector<double>{3, 1.5, 0, -1.5}));
  EXPECT_EQ(counts, (std::vector<double>{2, 1, 1, 4}));
  EXPECT_EQ(Num(e->Find("Max")), 3.9);
  EXPECT_EQ(Num(e->Find("Min")), -1.8);
  EXPECT_EQ(Num(e->Find("Count")), 8);
  EXPECT_EQ(Num(e->Find("Sum")), 3.5);
}

TEST(EmfTranslator, ExponentialHistogramScaleAndMissingMinMax) {
  Request r;
  pm::ExponentialHistogramDataPoint* dp = ExpPoint(r.Metric("e"));
  dp->set_scale(1);  // base sqrt(2)
  dp->set_count(1);
  dp->set_sum(1.2);
  dp->mutable_positive()->set_offset(0);  // (1, 1.414...]
  dp->mutable_positive()->add_bucket_counts(1);
  Result res = Convert(EmfOptions{}, r.req);
  ASSERT_EQ(res.docs.size(), 1u);
  const JsonValue* e = res.docs[0].Find("e");
  const double mid = (1 + std::sqrt(2.0)) / 2;
  EXPECT_NEAR(Num(&e->Find("Values")->array()[0]), mid, 1e-12);
  EXPECT_NEAR(Num(e->Find("Max")), mid, 1e-12);  // no max recorded: the top midpoint
  EXPECT_NEAR(Num(e->Find("Min")), mid, 1e-12);
}

TEST(EmfTranslator, ExponentialHistogramOver100BucketsIsSplit) {
  Request r;
  pm::ExponentialHistogramDataPoint* dp = ExpPoint(r.Metric("e"));
  dp->set_scale(3);
  dp->set_count(0);
  dp->set_sum(1000);
  dp->set_min(1.01);
  dp->set_max(5000);
  dp->mutable_positive()->set_offset(0);
  uint64_t total = 0;
  for (int i = 0; i < 250; ++i) {
    dp->mutable_positive()->add_bucket_counts(i + 1);
    total += i + 1;
  }
  dp->set_count(total);
  r.Gauge("other", 1);  // another metric type: its own document
  // Same type, labels and time: shares the first document only.
  pm::ExponentialHistogramDataPoint* g = ExpPoint(r.Metric("g"));
  g->set_count(1);
  g->set_zero_count(1);
  Result res = Convert(EmfOptions{}, r.req);
  ASSERT_EQ(res.docs.size(), 4u);
  EXPECT_EQ(MetricNames(Directives(res.docs[3]).array()[0]), (std::vector<std::string>{"other"}));
  std::vector<size_t> sizes;
  uint64_t counted = 0;
  double previous = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < 3; ++i) {
    const JsonValue* e = res.docs[i].Find("e");
    ASSERT_TRUE(e);
    const auto& values = e->Find("Values")->array();
    const auto& counts = e->Find("Counts")->array();
    ASSERT_EQ(values.size(), counts.size());
    sizes.push_back(values.size());
    uint64_t chunk = 0;
    for (size_t j = 0; j < values.size(); ++j) {
      EXPECT_LT(Num(&values[j]), previous);  // descending across the documents
      previous = Num(&values[j]);
      chunk += static_cast<uint64_t>(Num(&counts[j]));
    }
    uint64_t count = 0;
    EXPECT_TRUE(e->Find("Count")->GetUint64(count));
    EXPECT_EQ(count, chunk);
    counted += chunk;
    EXPECT_EQ(Num(e->Find("Sum")), i == 0 ? 1000 : 0);
    EXPECT_EQ(Num(e->Find("Max")), i == 0 ? 5000 : Num(&values.front()));
    EXPECT_EQ(Num(e->Find("Min")), i == 2 ? 1.01 : Num(&values.back()));
    EXPECT_EQ(res.docs[i].Find("g") != nullptr, i == 0);
    EXPECT_EQ(MetricNames(Directives(res.docs[i]).array()[0]),
              i == 0 ? (std::vector<std::string>{"e", "g"}) : std::vector<std::string>{"e"});
    EXPECT_EQ(res.events[i].timestamp_ms, kT0Ms);
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{100, 100, 50}));
  EXPECT_EQ(counted, total);
}

pm::SummaryDataPoint* SummaryPoint(pm::Metric* m, double sum, uint64_t count,
                                   uint64_t start_ns = kT0) {
  pm::SummaryDataPoint* dp = m->mutable_summary()->add_data_points();
  dp->set_start_time_unix_nano(start_ns);
  dp->set_time_unix_nano(kT0);
  dp->set_sum(sum);
  dp->set_count(count);
  auto* q = dp->add_quantile_values();
  q->set_quantile(0);
  q->set_value(1);
  q = dp->add_quantile_values();
  q->set_quantile(0.5);
  q->set_value(4);
  q = dp->add_quantile_values();
  q->set_quantile(1);
  q->set_value(9);
  return dp;
}

TEST(EmfTranslator, SummaryIsStatisticSet) {
  Request r;
  SummaryPoint(r.Metric("s"), 30, 6);
  Result res = Convert(EmfOptions{}, r.req);
  ASSERT_EQ(res.docs.size(), 1u);
  const JsonValue* s = res.docs[0].Find("s");
  ASSERT_TRUE(s && s->is_object());
  EXPECT_EQ(Keys(*s), (std::vector<std::string>{"Max", "Min", "Count", "Sum"}));
  EXPECT_EQ(Num(s->Find("Max")), 9);
  EXPECT_EQ(Num(s->Find("Min")), 1);
  EXPECT_EQ(Num(s->Find("Count")), 6);
  EXPECT_EQ(Num(s->Find("Sum")), 30);
  EXPECT_EQ(res.docs[0].Find("prom_metric_type"), nullptr);
}

TEST(EmfTranslator, SummaryDetailedMetrics) {
  Request r;
  pm::SummaryDataPoint* dp = SummaryPoint(r.Metric("s", "ms"), 30, 6);
  Str(dp->mutable_attributes(), "k", "v");
  Str(dp->mutable_attributes(), "quantile", "from-attribute");  // replaced on the quantile points
  EmfOptions o;
  o.detailed_metrics = true;
  Result res = Convert(o, r.req);
  ASSERT_EQ(res.docs.size(), 4u);  // _sum/_count + one document per quantile (its own label)
  const JsonValue& base = res.docs[0];
  EXPECT_EQ(Num(base.Find("s_sum")), 30);
  EXPECT_EQ(Num(base.Find("s_count")), 6);
  EXPECT_EQ(Text(base.Find("quantile")), "from-attribute");
  EXPECT_EQ(MetricNames(Directives(base).array()[0]),
            (std::vector<std::string>{"s_sum", "s_count"}));
  std::map<std::string, double> quantiles;
  for (size_t i = 1; i < 4; ++i) {
    const JsonValue& d = res.docs[i];
    quantiles[Text(d.Find("quantile"))] = Num(d.Find("s"));
    EXPECT_EQ(Text(d.Find("k")), "v");
    const JsonValue& dir = Directives(d).array()[0];
    EXPECT_EQ(DimsOf(dir)[0], (std::vector<std::string>{"OTelLib", "k", "quantile"}));
    EXPECT_EQ(Text(dir.Find("Metrics")->array()[0].Find("Unit")), "Milliseconds");
  }
  EXPECT_EQ(quantiles, (std::map<std::string, double>{{"0", 1}, {"0.5", 4}, {"1", 9}}));
}

TEST(EmfTranslator, PrometheusSummaryIsDeltaAndTyped) {
  EmfTranslator t(EmfOptions{});
  auto send = [&](double sum, uint64_t count, uint64_t start = kT0) {
    Request r;
    Str(r.resource(), "receiver", "prometheus");
    SummaryPoint(r.Metric("s"), sum, count, start);
    return Convert(t, r.req);
  };
  Result first = send(10, 2);
  EXPECT_TRUE(first.docs.empty());
  EXPECT_EQ(first.dropped, 1u);
  Result second = send(25, 5);
  ASSERT_EQ(second.docs.size(), 1u);
  EXPECT_EQ(Num(second.docs[0].Find("s")->Find("Sum")), 15);
  EXPECT_EQ(Num(second.docs[0].Find("s")->Find("Count")), 3);
  EXPECT_EQ(Text(second.docs[0].Find("prom_metric_type")), "summary");
  Result restarted = send(4, 1);  // count went down: a restart, not a wrapped-around delta
  EXPECT_EQ(Num(restarted.docs[0].Find("s")->Find("Count")), 1);
  EXPECT_EQ(Num(restarted.docs[0].Find("s")->Find("Sum")), 4);
}

TEST(EmfTranslator, PrometheusTypesPerMetricKind) {
  Request r;
  Str(r.resource(), "receiver", "prometheus");
  r.Gauge("g", 1);
  SumPoint(r.Metric("c"), 1, kT0, kT0, pm::AGGREGATION_TEMPORALITY_DELTA);
  Result res = Convert(EmfOptions{}, r.req);
  ASSERT_EQ(res.docs.size(), 2u);  // the metric type is part of the group
  EXPECT_EQ(Text(res.docs[0].Find("prom_metric_type")), "gauge");
  EXPECT_EQ(Text(res.docs[1].Find("prom_metric_type")), "counter");
}

// ---- grouping ----

TEST(EmfTranslator, GroupingByLabelsTimeAndType) {
  Request r;
  r.Gauge("a", 1, {{"k", "v"}});
  r.Gauge("b", 2, {{"k", "v"}});     // same group as a
  r.Gauge("c", 3, {{"k", "w"}});     // other labels
  r.Gauge("d", 4, {{"k", "v"}}, 1);  // other time
  SumPoint(r.Metric("e"), 5, kT0, kT0, pm::AGGREGATION_TEMPORALITY_DELTA);
  Str(r.sm->mutable_metrics(4)->mutable_sum()->mutable_data_points(0)->mutable_attributes(), "k",
      "v");
  Result res = Convert(EmfOptions{}, r.req);
  ASSERT_EQ(res.docs.size(), 4u);
  EXPECT_EQ(MetricNames(Directives(res.docs[0]).array()[0]), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Num(res.docs[0].Find("a")), 1);
  EXPECT_EQ(Num(res.docs[0].Find("b")), 2);
  EXPECT_EQ(MetricNames(Directives(res.docs[1]).array()[0]), (std::vector<std::string>{"c"}));
  EXPECT_EQ(MetricNames(Directives(res.docs[2]).array()[0]), (std::vector<std::string>{"d"}));
  EXPECT_EQ(res.events[2].timestamp_ms, kT0Ms + 1);
  EXPECT_EQ(MetricNames(Directives(res.docs[3]).array()[0]), (std::vector<std::string>{"e"}));
}

TEST(EmfTranslator, GroupingAcrossResourcesAndScopes) {
  Request r("lib");
  r.Gauge("a", 1);
  // A second scope with the same name and a second resource with the same namespace join the group.
  auto* sm2 = r.rm->add_scope_metrics();
  sm2->mutable_scope()->set_name("lib");
  auto* m = sm2->add_metrics();
  m->set_name("b");
  m->mutable_gauge()->add_data_points()->set_as_double(2);
  m->mutable_gauge()->mutable_data_points(0)->set_time_unix_nano(kT0);
  *r.req.add_resource_metrics() = *r.rm;
  r.req.mutable_resource_metrics(1)->mutable_scope_metrics(0)->mutable_metrics(0)->set_name("x");
  r.req.mutable_resource_metrics(1)->mutable_scope_metrics(1)->mutable_metrics(0)->set_name("y");
  Result res = Convert(EmfOptions{}, r.req);
  ASSERT_EQ(res.docs.size(), 1u);
  EXPECT_EQ(MetricNames(Directives(res.docs[0]).array()[0]),
            (std::vector<std::string>{"a", "b", "x", "y"}));
}

TEST(EmfTranslator, Over100MetricsInAGroupAreSplit) {
  Request r;
  for (int i = 0; i < 250; ++i) r.Gauge("m" + std::to_string(i), i, {{"k", "v"}});
  Result res = Convert(EmfOptions{}, r.req);
  EXPECT_EQ(res.dropped, 0u);
  ASSERT_EQ(res.docs.size(), 3u);
  std::vector<size_t> sizes;
  std::set<std::string> seen;
  for (size_t d = 0; d < 3; ++d) {
    const JsonValue& cwm = Directives(res.docs[d]);
    ASSERT_EQ(cwm.array().size(), 1u);
    std::vector<std::string> names = MetricNames(cwm.array()[0]);
    sizes.push_back(names.size());
    for (const std::string& n : names) {
      EXPECT_TRUE(seen.insert(n).second);
      EXPECT_EQ(Num(res.docs[d].Find(n)),
                std::stoi(n.substr(1)));  // the value is in the same document
    }
    EXPECT_EQ(Keys(res.docs[d]).size(), names.size() + 4);  // + OTelLib, Version, _aws, k
    EXPECT_EQ(Text(res.docs[d].Find("k")), "v");
    EXPECT_EQ(DimsOf(cwm.array()[0]), (Dims{{"OTelLib"}, {"OTelLib", "k"}}));
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{100, 100, 50}));
  EXPECT_EQ(seen.size(), 250u);
}

TEST(EmfTranslator, DuplicateNameInGroupFirstWins) {
  Request r;
  r.Gauge("a", 1, {{"k", "v"}});
  r.Gauge("a", 2, {{"k", "v"}});
  r.Gauge("a", 3, {{"k", "other"}});
  Result res = Convert(EmfOptions{}, r.req);
  EXPECT_EQ(res.dropped, 1u);
  ASSERT_EQ(res.docs.size(), 2u);
  EXPECT_EQ(Num(res.docs[0].Find("a")), 1);
  EXPECT_EQ(MetricNames(Directives(res.docs[0]).array()[0]), (std::vector<std::string>{"a"}));
  EXPECT_EQ(Num(res.docs[1].Find("a")), 3);
}

TEST(EmfTranslator, MetricValueWinsOverLabelOfSameName) {
  Request r;
  r.Gauge("k", 7, {{"k", "label"}});
  Result res = Convert(EmfOptions{}, r.req);
  ASSERT_EQ(res.docs.size(), 1u);
  EXPECT_EQ(Keys(res.docs[0]), (std::vector<std::string>{"OTelLib", "Version", "_aws", "k"}));
  EXPECT_EQ(Num(res.docs[0].Find("k")), 7);
}

// ---- dimensions ----

Dims DimsFor(DimensionRollup rollup, std::vector<std::pair<std::string, std::string>> labels,
             const std::string& scope = "lib") {
  Request r(scope);
  r.Gauge("g", 1, std::move(labels));
  EmfOptions o;
  o.dimension_rollup = rollup;
  Result res = Convert(o, r.req);
  EXPECT_EQ(res.docs.size(), 1u);
  return res.docs.empty() ? Dims{} : DimsOf(Directives(res.docs[0]).array()[0]);
}

TEST(EmfTranslator, RollupOptions) {
  const std::vector<std::pair<std::string, std::string>> two = {{"b", "2"}, {"a", "1"}};
  EXPECT_EQ(DimsFor(DimensionRollup::kZeroAndSingleDimension, two),
            (Dims{{"OTelLib", "a", "b"}, {"OTelLib"}, {"OTelLib", "a"}, {"OTelLib", "b"}}));
  EXPECT_EQ(DimsFor(DimensionRollup::kSingleDimensionOnly, two),
            (Dims{{"OTelLib", "a", "b"}, {"OTelLib", "a"}, {"OTelLib", "b"}}));
  EXPECT_EQ(DimsFor(DimensionRollup::kNone, two), (Dims{{"OTelLib", "a", "b"}}));
  // No scope name: no OTelLib; the zero-dimension set is empty.
  EXPECT_EQ(DimsFor(DimensionRollup::kZeroAndSingleDimension, two, ""),
            (Dims{{"a", "b"}, {}, {"a"}, {"b"}}));
  // A single label: its full set would repeat the single-dimension set.
  EXPECT_EQ(DimsFor(DimensionRollup::kZeroAndSingleDimension, {{"a", "1"}}),
            (Dims{{"OTelLib"}, {"OTelLib", "a"}}));
  EXPECT_EQ(DimsFor(DimensionRollup::kSingleDimensionOnly, {{"a", "1"}}), (Dims{{"OTelLib", "a"}}));
  EXPECT_EQ(DimsFor(DimensionRollup::kNone, {{"a", "1"}}), (Dims{{"OTelLib", "a"}}));
  EXPECT_EQ(DimsFor(DimensionRollup::kZeroAndSingleDimension, {{"a", "1"}}, ""), (Dims{{}, {"a"}}));
  // No labels at all: one empty set.
  EXPECT_EQ(DimsFor(DimensionRollup::kZeroAndSingleDimension, {}, ""), (Dims{{}}));
}

TEST(EmfTranslator, ScopeWithoutNameHasNoOTelLib) {
  Request r("");
  r.Gauge("g", 1, {{"a", "1"}});
  Result res = Convert(EmfOptions{}, r.req);
  ASSERT_EQ(res.docs.size(), 1u);
  EXPECT_EQ(res.docs[0].Find("OTelLib"), nullptr);
}

TEST(EmfTranslator, ScopeNameOverridesAttributeOTelLib) {
  Request r("real");
  r.Gauge("g", 1, {{"OTelLib", "fake"}});
  Result res = Convert(EmfOptions{}, r.req);
  EXPECT_EQ(Text(res.docs[0].Find("OTelLib")), "real");
}

TEST(EmfTranslator, MetricDeclarations) {
  EmfOptions o;
  o.dimension_rollup = DimensionRollup::kNone;
  MetricDeclaration d1;
  d1.dimensions = {{"svc", "route"},
                   {"route", "svc"},
                   {"svc"},
                   {"missing"},
                   {"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "a10", "a11"}};
  d1.metric_name_selectors = {"^latency$", "^errors"};
  MetricDeclaration d2;
  d2.dimensions = {{"svc"}};
  d2.metric_name_selectors = {"^errors_total$"};
  MetricDeclaration d3;  // its label matcher never matches: ignored
  d3.dimensions = {{"route"}};
  d3.metric_name_selectors = {".*"};
  d3.label_matchers = {LabelMatcher{{"svc", "route"}, ";", "^nope;"}};
  o.metric_declarations = {d1, d2, d3};
  ASSERT_EQ(CheckEmfOptions(o), "");
  Request r("");
  r.Gauge("latency", 1, {{"svc", "s"}, {"route", "/a"}});
  r.Gauge("errors_total", 2, {{"svc", "s"}, {"route", "/a"}});
  r.Gauge("unselected", 3, {{"svc", "s"}, {"route", "/a"}});
  Result res = Convert(o, r.req);
  EXPECT_EQ(res.dropped, 1u);  // "unselected"
  ASSERT_EQ(res.docs.size(), 1u);
  const JsonValue& doc = res.docs[0];
  EXPECT_EQ(doc.Find("unselected"), nullptr);
  EXPECT_EQ(Num(doc.Find("latency")), 1);
  const JsonValue& cwm = Directives(doc);
  ASSERT_EQ(cwm.array().size(), 2u);  // {d1} and {d1, d2} select different sets
  EXPECT_EQ(MetricNames(cwm.array()[0]), (std::vector<std::string>{"latency"}));
  EXPECT_EQ(DimsOf(cwm.array()[0]),
            (Dims{{"route", "svc"}, {"svc"}}));  // sorted, de-duplicated, >10 dropped
  EXPECT_EQ(MetricNames(cwm.array()[1]), (std::vector<std::string>{"errors_total"}));
  EXPECT_EQ(DimsOf(cwm.array()[1]), (Dims{{"route", "svc"}, {"svc"}}));
}

TEST(EmfTranslator, MetricDeclarationsShareDirectiveAndAddRollup) {
  EmfOptions o;  // default rollup is appended to the declared sets
  MetricDeclaration d;
  d.dimensions = {{"svc"}};
  d.metric_name_selectors = {"^a$", "^b$"};
  d.label_matchers = {LabelMatcher{{"svc", "env"}, "/", "^s/prod$"}};
  o.metric_declarations = {d};
  Request r;
  r.Gauge("a", 1, {{"svc", "s"}, {"env", "prod"}});
  r.Gauge("b", 2, {{"svc", "s"}, {"env", "prod"}});
  r.Gauge("a", 3,
          {{"svc", "s"}, {"env", "dev"}});  // label matcher fails: the whole group is dropped
  Result res = Convert(o, r.req);
  EXPECT_EQ(res.dropped, 1u);
  ASSERT_EQ(res.docs.size(), 1u);
  const JsonValue& cwm = Directives(res.docs[0]);
  ASSERT_EQ(cwm.array().size(), 1u);
  EXPECT_EQ(MetricNames(cwm.array()[0]), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(DimsOf(cwm.array()[0]),
            (Dims{{"svc"}, {"OTelLib"}, {"OTelLib", "env"}, {"OTelLib", "svc"}}));
}

TEST(EmfTranslator, MetricDeclarationRollupDuplicatesRemoved) {
  EmfOptions o;
  o.dimension_rollup = DimensionRollup::kSingleDimensionOnly;
  MetricDeclaration d;
  d.dimensions = {{"svc"}, {"svc", "OTelLib"}};
  d.metric_name_selectors = {"(?i)^LAT"};  // Go's case-insensitive flag
  o.metric_declarations = {d};
  Request r;
  r.Gauge("latency", 1, {{"svc", "s"}});
  Result res = Convert(o, r.req);
  ASSERT_EQ(res.docs.size(), 1u);
  EXPECT_EQ(DimsOf(Directives(res.docs[0]).array()[0]), (Dims{{"svc"}, {"OTelLib", "svc"}}));
}

TEST(EmfTranslator, NoDimensionSetLeftDropsMetric) {
  EmfOptions o;
  o.dimension_rollup = DimensionRollup::kNone;
  MetricDeclaration d;
  d.dimensions = {{"missing"}};
  d.metric_name_selectors = {"."};
  o.metric_declarations = {d};
  Request r;
  r.Gauge("a", 1, {{"svc", "s"}});
  r.Gauge("b", 1, {{"svc", "s"}});
  Result res = Convert(o, r.req);
  EXPECT_TRUE(res.events.empty());
  EXPECT_EQ(res.dropped, 2u);
}

TEST(EmfTranslator, CheckEmfOptions) {
  EXPECT_EQ(CheckEmfOptions(EmfOptions{}), "");
  EmfOptions o;
  o.version = "2";
  EXPECT_NE(CheckEmfOptions(o), "");
  o = EmfOptions{};
  o.version = "0";
  EXPECT_EQ(CheckEmfOptions(o), "");
  o.metric_declarations = {MetricDeclaration{{}, {"[unclosed"}, {}}};
  EXPECT_NE(CheckEmfOptions(o).find("metric_declarations[0]"), std::string::npos);
  o.metric_declarations = {MetricDeclaration{{}, {}, {}}};
  EXPECT_NE(CheckEmfOptions(o), "");
  o.metric_declarations = {MetricDeclaration{{}, {"a"}, {LabelMatcher{{"k"}, ";", "(bad"}}}};
  EXPECT_NE(CheckEmfOptions(o), "");
  o.metric_declarations = {MetricDeclaration{{}, {"a"}, {LabelMatcher{{}, ";", "x"}}}};
  EXPECT_NE(CheckEmfOptions(o), "");
  o.metric_declarations = {
      MetricDeclaration{{{"k"}}, {"a", "(?i)b"}, {LabelMatcher{{"k"}, ";", "x"}}}};
  EXPECT_EQ(CheckEmfOptions(o), "");
  o.metric_descriptors = {MetricDescriptor{"", "Count", false}};
  EXPECT_NE(CheckEmfOptions(o), "");
}

// ---- units ----

std::string UnitOf(const EmfOptions& o, const std::string& name, const std::string& unit) {
  Request r;
  pm::Metric* m = r.Metric(name, unit);
  m->mutable_gauge()->add_data_points()->set_as_double(1);
  Result res = Convert(o, r.req);
  EXPECT_EQ(res.docs.size(), 1u);
  return res.docs.empty()
             ? ""
             : Text(Directives(res.docs[0]).array()[0].Find("Metrics")->array()[0].Find("Unit"));
}

TEST(EmfTranslator, Units) {
  EmfOptions o;
  EXPECT_EQ(UnitOf(o, "m", "1"), "");
  EXPECT_EQ(UnitOf(o, "m", "ns"), "");
  EXPECT_EQ(UnitOf(o, "m", "us"), "Microseconds");
  EXPECT_EQ(UnitOf(o, "m", "ms"), "Milliseconds");
  EXPECT_EQ(UnitOf(o, "m", "s"), "Seconds");
  EXPECT_EQ(UnitOf(o, "m", "By"), "Bytes");
  EXPECT_EQ(UnitOf(o, "m", "bit"), "Bits");
  EXPECT_EQ(UnitOf(o, "m", "Count"), "Count");
  EXPECT_EQ(UnitOf(o, "m", ""), "");
  o.metric_descriptors = {
      {"filled", "Count", false}, {"kept", "Count", false}, {"forced", "Percent", true}};
  EXPECT_EQ(UnitOf(o, "filled", ""), "Count");         // no unit: the descriptor's
  EXPECT_EQ(UnitOf(o, "kept", "ms"), "Milliseconds");  // has a unit, no overwrite
  EXPECT_EQ(UnitOf(o, "forced", "ms"), "Percent");
}

// ---- namespaces, log groups and streams ----

EmfEvent EventFor(const EmfOptions& o, std::vector<std::pair<std::string, std::string>> resource,
                  std::vector<std::pair<std::string, std::string>> labels = {},
                  std::string* ns = nullptr) {
  Request r;
  for (auto& [k, v] : resource) Str(r.resource(), k, v);
  r.Gauge("g", 1, std::move(labels));
  Result res = Convert(o, r.req);
  EXPECT_EQ(res.events.size(), 1u);
  if (res.events.empty()) return {};
  if (ns) *ns = Text(Directives(res.docs[0]).array()[0].Find("Namespace"));
  return res.events[0];
}

TEST(EmfTranslator, Namespaces) {
  std::string ns;
  EmfOptions o;
  EXPECT_EQ(
      EventFor(o, {{"service.name", "svc"}, {"service.namespace", "shop"}}, {}, &ns).log_group,
      "/metrics/shop/svc");
  EXPECT_EQ(ns, "shop/svc");
  EventFor(o, {{"service.name", "svc"}}, {}, &ns);
  EXPECT_EQ(ns, "svc");
  EventFor(o, {{"service.namespace", "shop"}}, {}, &ns);
  EXPECT_EQ(ns, "shop");
  EventFor(o, {}, {}, &ns);
  EXPECT_EQ(ns, "default");
  o.namespace_name = "Configured";
  EXPECT_EQ(EventFor(o, {{"service.name", "svc"}}, {}, &ns).log_group, "/metrics/Configured");
  EXPECT_EQ(ns, "Configured");
}

TEST(EmfTranslator, LogGroupAndStreamPlaceholders) {
  EmfOptions o;
  o.log_group_name = "/aws/{ClusterName}/{TaskId}/{NodeName}/{Unknown}";
  o.log_stream_name = "{PodName}-{ServiceName}-{ContainerInstanceId}-{TaskDefinitionFamily}";
  EmfEvent ev = EventFor(o, {{"aws.ecs.cluster.name", "c1"},
                             {"TaskId", "t-literal"},
                             {"aws.ecs.task.id", "t-attr"},
                             {"k8s.node.name", "n1"},
                             {"pod", "p1"},
                             {"service.name", "s1"},
                             {"aws.ecs.container.instance.id", "ci"},
                             {"aws.ecs.task.family", "fam"}});
  EXPECT_EQ(ev.log_group, "/aws/c1/t-literal/n1/{Unknown}");  // the literal key comes first
  EXPECT_EQ(ev.log_stream, "p1-s1-ci-fam");
  // Missing: undefined; a data point label fills what the resource lacks.
  ev = EventFor(o, {{"aws.ecs.cluster.name", "c1"}}, {{"k8s.node.name", "from-label"}});
  EXPECT_EQ(ev.log_group, "/aws/c1/undefined/from-label/{Unknown}");
  EXPECT_EQ(ev.log_stream, "undefined-undefined-undefined-undefined");
}

TEST(EmfTranslator, DefaultLogStreamIsStablePerTranslator) {
  EmfTranslator t1(EmfOptions{}), t2(EmfOptions{});
  Request r;
  r.Gauge("g", 1);
  Result a = Convert(t1, r.req), b = Convert(t1, r.req), c = Convert(t2, r.req);
  EXPECT_EQ(a.events[0].log_stream, b.events[0].log_stream);
  EXPECT_NE(a.events[0].log_stream, c.events[0].log_stream);
}

// ---- labels ----

TEST(EmfTranslator, ResourceToTelemetryConversion) {
  Request r;
  Str(r.resource(), "host", "h1");
  Str(r.resource(), "k", "from-resource");
  r.Gauge("g", 1, {{"k", "from-point"}});
  Result plain = Convert(EmfOptions{}, r.req);
  EXPECT_EQ(plain.docs[0].Find("host"), nullptr);
  EmfOptions o;
  o.resource_to_telemetry_conversion = true;
  Result res = Convert(o, r.req);
  ASSERT_EQ(res.docs.size(), 1u);
  EXPECT_EQ(Text(res.docs[0].Find("host")), "h1");
  EXPECT_EQ(Text(res.docs[0].Find("k")), "from-point");  // the data point wins
  EXPECT_EQ(DimsOf(Directives(res.docs[0]).array()[0])[0],
            (std::vector<std::string>{"OTelLib", "host", "k"}));
}

TEST(EmfTranslator, LabelValueTypes) {
  Request r;
  pm::NumberDataPoint* dp = r.Gauge("g", 1);
  Attrs* a = dp->mutable_attributes();
  Add(a, "b")->set_bool_value(true);
  Add(a, "i")->set_int_value(-7);
  Add(a, "d")->set_double_value(2.5);
  Add(a, "y")->set_bytes_value("hi");
  auto* arr = Add(a, "arr")->mutable_array_value();
  arr->add_values()->set_string_value("x");
  arr->add_values()->set_int_value(1);
  auto* kv = Add(a, "map")->mutable_kvlist_value();
  auto* e = kv->add_values();
  e->set_key("z");
  e->mutable_value()->set_bool_value(false);
  e = kv->add_values();
  e->set_key("a");
  e->mutable_value()->set_string_value("q\"");
  Add(a, "empty");
  Result res = Convert(EmfOptions{}, r.req);
  ASSERT_EQ(res.docs.size(), 1u);
  const JsonValue& doc = res.docs[0];
  EXPECT_EQ(Text(doc.Find("b")), "true");
  EXPECT_EQ(Text(doc.Find("i")), "-7");
  EXPECT_EQ(Text(doc.Find("d")), "2.5");
  EXPECT_EQ(Text(doc.Find("y")), "aGk=");
  EXPECT_EQ(Text(doc.Find("arr")), "[\"x\",1]");
  EXPECT_EQ(Text(doc.Find("map")), "{\"a\":\"q\\\"\",\"z\":false}");
  EXPECT_EQ(Text(doc.Find("empty")), "");
}

TEST(EmfTranslator, StringsAreEscaped) {
  Request r("lib\"x");
  r.Gauge("we\"ird\n", 1, {{"k\\", "quote\" newline\n bad\xff utf8 \x01"}});
  Result res = Convert(EmfOptions{}, r.req);
  ASSERT_EQ(res.docs.size(), 1u);  // Convert() checks the document parses
  EXPECT_EQ(Text(res.docs[0].Find("k\\")), "quote\" newline\n bad\xef\xbf\xbd utf8 \x01");
  EXPECT_EQ(Text(res.docs[0].Find("OTelLib")), "lib\"x");
  EXPECT_EQ(Num(res.docs[0].Find("we\"ird\n")), 1);
}

TEST(EmfTranslator, StorageResolution) {
  Request r;
  pm::NumberDataPoint* hi = r.Gauge("hi", 1, {{"k", "v"}});
  Add(hi->mutable_attributes(), "aws.emf.storage_resolution")->set_int_value(1);
  pm::NumberDataPoint* hs = r.Gauge("hs", 1, {{"k", "v"}});
  Str(hs->mutable_attributes(), "aws.emf.storage_resolution", "1");
  pm::NumberDataPoint* lo = r.Gauge("lo", 1, {{"k", "v"}});
  Str(lo->mutable_attributes(), "aws.emf.storage_resolution", "60");
  Result res = Convert(EmfOptions{}, r.req);
  ASSERT_EQ(res.docs.size(), 1u);  // the attribute is no label: one group
  EXPECT_EQ(res.docs[0].Find("aws.emf.storage_resolution"), nullptr);
  std::map<std::string, double> resolution;
  for (const JsonValue& m : Directives(res.docs[0]).array()[0].Find("Metrics")->array()) {
    resolution[Text(m.Find("Name"))] = Num(m.Find("StorageResolution"));
  }
  EXPECT_EQ(resolution, (std::map<std::string, double>{{"hi", 1}, {"hs", 1}, {"lo", 60}}));
}

// ---- dropped points ----

TEST(EmfTranslator, InvalidPointsAreDropped) {
  Request r;
  r.Gauge("nan", std::nan(""));
  r.Gauge("inf", std::numeric_limits<double>::infinity());
  r.Gauge("ninf", -std::numeric_limits<double>::infinity());
  r.Gauge("norec", 1)->set_flags(pm::DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK);
  pm::HistogramDataPoint* h = r.Metric("h")->mutable_histogram()->add_data_points();
  h->set_sum(std::nan(""));
  pm::HistogramDataPoint* h2 = r.Metric("h2")->mutable_histogram()->add_data_points();
  h2->set_sum(1);
  h2->set_max(std::numeric_limits<double>::infinity());
  pm::ExponentialHistogramDataPoint* e = ExpPoint(r.Metric("e"));
  e->set_min(std::nan(""));
  pm::SummaryDataPoint* s = SummaryPoint(r.Metric("s"), 1, 1);
  s->mutable_quantile_values(1)->set_value(std::nan(""));
  pm::SummaryDataPoint* s2 = SummaryPoint(r.Metric("s2"), 1, 1);
  s2->set_flags(pm::DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK);
  r.Gauge("ok", 1);
  Result res = Convert(EmfOptions{}, r.req);
  EXPECT_EQ(res.dropped, 9u);
  ASSERT_EQ(res.docs.size(), 1u);
  EXPECT_EQ(MetricNames(Directives(res.docs[0]).array()[0]), (std::vector<std::string>{"ok"}));
}

// ---- concurrency ----

TEST(EmfTranslator, ConcurrentTranslateGivesExactDeltas) {
  // Declarations too, so their shared caches are used from every thread.
  EmfOptions o;
  MetricDeclaration d;
  d.dimensions = {{"thread", "series"}};
  d.metric_name_selectors = {"^c$"};
  d.label_matchers = {LabelMatcher{{"thread"}, ";", "^[0-9]+$"}};
  o.metric_declarations = {d};
  ASSERT_EQ(CheckEmfOptions(o), "");
  EmfTranslator t(o);
  constexpr int kThreads = 8, kRounds = 200, kSeries = 5;
  std::atomic<int> wrong{0}, emitted{0};
  std::vector<std::thread> threads;
  for (int th = 0; th < kThreads; ++th) {
    threads.emplace_back([&, th] {
      for (int round = 0; round < kRounds; ++round) {
        Request r;
        pm::Metric* m = r.Metric("c");
        for (int s = 0; s < kSeries; ++s) {
          // Series (thread, s) grows by th + s + 1 per round.
          pm::NumberDataPoint* dp = SumPoint(m, double(round) * (th + s + 1), kT0, kT0 + round);
          Str(dp->mutable_attributes(), "thread", std::to_string(th));
          Str(dp->mutable_attributes(), "series", std::to_string(s));
        }
        std::vector<EmfEvent> events;
        t.Translate(r.req, events, kNowMs + round);
        if (round == 0 && !events.empty()) ++wrong;
        for (const EmfEvent& ev : events) {
          JsonValue doc;
          if (!common::ParseJson(ev.message, doc)) {
            ++wrong;
            continue;
          }
          const JsonValue& dir = doc.Find("_aws")->Find("CloudWatchMetrics")->array()[0];
          if (dir.Find("Dimensions")->array()[0].array().size() != 2) ++wrong;
          int s = std::stoi(doc.Find("series")->text());
          double v = 0;
          doc.Find("c")->GetDouble(v);
          if (v != th + s + 1) ++wrong;
          ++emitted;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(emitted.load(), kThreads * (kRounds - 1) * kSeries);
}

}  // namespace
}  // namespace adot::collector::awsemf

namespace adot::collector::awsemf {
namespace {

// A loose guard against pathological slowness (the target is 5,000 points/s at ≤ 1 % of a core,
// i.e. ≤ 2 µs per point for the whole exporter): 5,000 points of gauges, cumulative sums and
// histograms over 100 series, translated 20 times.
TEST(EmfTranslator, Throughput) {
  EmfTranslator t(EmfOptions{});
  constexpr int kMetrics = 50, kSeries = 100, kRounds = 20;
  size_t events = 0;
  // CPU time of this thread, so a busy machine does not count.
  auto cpu_ns = [] {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
  };
  int64_t spent_ns = 0;
  for (int round = 0; round < kRounds; ++round) {
    Request r;
    Str(r.resource(), "service.name", "svc");
    for (int m = 0; m < kMetrics; ++m) {
      pm::Metric* metric = r.Metric("metric_" + std::to_string(m), "ms");
      for (int s = 0; s < kSeries; ++s) {
        Attrs* attrs;
        if (m % 3 == 0) {
          pm::NumberDataPoint* dp = metric->mutable_gauge()->add_data_points();
          dp->set_as_double(s);
          dp->set_time_unix_nano(kT0 + round * 1000000000ull);
          attrs = dp->mutable_attributes();
        } else if (m % 3 == 1) {
          attrs = SumPoint(metric, double(round * s), kT0, kT0 + round * 1000000000ull)
                      ->mutable_attributes();
        } else {
          pm::HistogramDataPoint* dp = metric->mutable_histogram()->add_data_points();
          dp->set_time_unix_nano(kT0 + round * 1000000000ull);
          dp->set_count(3);
          dp->set_sum(s);
          attrs = dp->mutable_attributes();
        }
        Str(attrs, "route", "/route/" + std::to_string(s % 10));
        Str(attrs, "instance", "i-" + std::to_string(s / 10));
        Add(attrs, "code")->set_int_value(200);
      }
    }
    std::vector<EmfEvent> out;
    const int64_t t0 = cpu_ns();
    t.Translate(r.req, out, kNowMs + round * 1000);
    spent_ns += cpu_ns() - t0;
    events += out.size();
  }
  const double us_per_point = spent_ns / 1000.0 / (kMetrics * kSeries * kRounds);
  std::printf("%.3f us per data point, %zu events\n", us_per_point, events);
  EXPECT_GT(events, 0u);
  EXPECT_LT(us_per_point, 50.0);
}

}  // namespace
}  // namespace adot::collector::awsemf
