#include <gtest/gtest.h>

#include "metrics_test_util.h"

namespace adot::sdk::metrics {
namespace {

using testing::Attrs;
using testing::Fixture;
using testing::Get;
using testing::Value;

View Select(std::string name) {
  View view;
  view.selector.name = std::move(name);
  return view;
}

TEST(ViewTest, WildcardMatch) {
  EXPECT_TRUE(WildcardMatch("*", ""));
  EXPECT_TRUE(WildcardMatch("*", "anything"));
  EXPECT_TRUE(WildcardMatch("http.*", "http.server.duration"));
  EXPECT_TRUE(WildcardMatch("HTTP.*.duration", "http.client.duration"));
  EXPECT_TRUE(WildcardMatch("a?c", "abc"));
  EXPECT_FALSE(WildcardMatch("a?c", "ac"));
  EXPECT_TRUE(WildcardMatch("*a*b*", "xxaxxbxx"));
  EXPECT_FALSE(WildcardMatch("*a*b", "xxaxxbxx"));
  EXPECT_FALSE(WildcardMatch("http.*", "rpc.server"));
  EXPECT_TRUE(WildcardMatch("exact", "EXACT"));
}

TEST(ViewTest, RenamesAndDescribes) {
  View view = Select("requests");
  view.name = "http.requests";
  view.description = "renamed";
  Fixture f(TemporalityPreference::kCumulative, {view});
  f.meter->CreateInt64Counter("requests", "original", "1")->Add(1);
  f.meter->CreateInt64Counter("other")->Add(1);
  auto rm = f.Collect();
  const auto* m = testing::FindMetric(rm, "http.requests");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->description, "renamed");
  EXPECT_EQ(m->unit, "1");
  EXPECT_EQ(testing::FindMetric(rm, "requests"), nullptr);
  EXPECT_NE(testing::FindMetric(rm, "other"), nullptr);  // no View matched: the default stream
}

TEST(ViewTest, RenamingWildcardViewIsIgnored) {
  View view = Select("req*");
  view.name = "x";
  Fixture f(TemporalityPreference::kCumulative, {view});
  f.meter->CreateInt64Counter("requests")->Add(1);
  auto rm = f.Collect();
  EXPECT_NE(testing::FindMetric(rm, "requests"), nullptr);
  EXPECT_EQ(testing::FindMetric(rm, "x"), nullptr);
}

TEST(ViewTest, SelectsByKindUnitAndMeter) {
  View drop_histograms;
  drop_histograms.selector.kind = InstrumentKind::kHistogram;
  drop_histograms.aggregation.type = AggregationType::kDrop;
  View drop_other_meter;
  drop_other_meter.selector.meter_name = "other";
  drop_other_meter.aggregation.type = AggregationType::kDrop;
  View drop_bytes;
  drop_bytes.selector.unit = "By";
  drop_bytes.aggregation.type = AggregationType::kDrop;
  Fixture f(TemporalityPreference::kCumulative, {drop_histograms, drop_other_meter, drop_bytes});
  f.meter->CreateInt64Histogram("h")->Record(1);
  f.meter->CreateInt64Counter("c")->Add(1);
  f.meter->CreateInt64Counter("bytes", "", "By")->Add(1);
  f.provider->GetMeter("other")->CreateInt64Counter("c2")->Add(1);
  auto rm = f.Collect();
  EXPECT_EQ(testing::CountMetrics(rm), 1u);
  EXPECT_NE(testing::FindMetric(rm, "c"), nullptr);
}

TEST(ViewTest, AttributeAllowListMergesSeries) {
  View view = Select("c*");
  view.attribute_keys = std::vector<std::string>{"route"};
  Fixture f(TemporalityPreference::kCumulative, {view});
  auto counter = f.meter->CreateInt64Counter("c");
  counter->Add(1, {{"route", "/a"}, {"user", "1"}});
  counter->Add(2, {{"user", "2"}, {"route", "/a"}});
  counter->Add(4, {{"user", "3"}});
  auto observable = f.meter->CreateInt64ObservableCounter(
      "cpu", "", "", [](api::metrics::ObserverResult<int64_t>& r) {
        r.Observe(10, {{"route", "/x"}, {"cpu", 0}});
        r.Observe(20, {{"route", "/x"}, {"cpu", 1}});
      });
  auto rm = f.Collect();
  EXPECT_EQ(Get<SumData>(rm, "c").points.size(), 2u);
  EXPECT_EQ(Value(rm, "c", Attrs({{"route", std::string("/a")}})), PointValue(int64_t{3}));
  EXPECT_EQ(Value(rm, "c"), PointValue(int64_t{4}));
  // Observations merged by the filter add up.
  EXPECT_EQ(Value(rm, "cpu", Attrs({{"route", std::string("/x")}})), PointValue(int64_t{30}));
}

TEST(ViewTest, TwoViewsMakeTwoStreams) {
  View a = Select("latency");
  a.name = "latency.histogram";
  View b = Select("latency");
  b.name = "latency.sum";
  b.aggregation.type = AggregationType::kSum;
  Fixture f(TemporalityPreference::kCumulative, {a, b});
  auto h = f.meter->CreateDoubleHistogram("latency");
  h->Record(1.5);
  h->Record(2.5);
  auto rm = f.Collect();
  EXPECT_EQ(Get<HistogramData>(rm, "latency.histogram").points.at(0).count, 2u);
  EXPECT_EQ(Value(rm, "latency.sum"), PointValue(4.0));
  EXPECT_TRUE(Get<SumData>(rm, "latency.sum").is_monotonic);
}

TEST(ViewTest, AggregationAndBoundariesOverride) {
  View buckets = Select("h");
  buckets.aggregation.type = AggregationType::kExplicitBucketHistogram;
  buckets.aggregation.boundaries = std::vector<double>{1, 2};
  buckets.aggregation.record_min_max = false;
  View last = Select("c");
  last.aggregation.type = AggregationType::kLastValue;
  View exponential = Select("e");
  exponential.aggregation.type = AggregationType::kBase2ExponentialHistogram;
  Fixture f(TemporalityPreference::kCumulative, {buckets, last, exponential});
  // The View's boundaries win over the advice.
  f.meter->CreateInt64Histogram("h", "", "", {std::vector<double>{100}})->Record(2);
  auto c = f.meter->CreateInt64Counter("c");
  c->Add(5);
  c->Add(3);
  f.meter->CreateDoubleHistogram("e")->Record(3);
  auto rm = f.Collect();
  const auto& p = Get<HistogramData>(rm, "h").points.at(0);
  EXPECT_EQ(p.boundaries, (std::vector<double>{1, 2}));
  EXPECT_EQ(p.bucket_counts, (std::vector<uint64_t>{0, 1, 0}));
  EXPECT_FALSE(p.has_min_max);
  EXPECT_EQ(Value(rm, "c"), PointValue(int64_t{3}));
  EXPECT_EQ(Get<ExponentialHistogramData>(rm, "e").points.at(0).count, 1u);
}

TEST(ViewTest, HistogramAggregationOnObservableFallsBackToDefault) {
  View view = Select("obs");
  view.aggregation.type = AggregationType::kExplicitBucketHistogram;
  Fixture f(TemporalityPreference::kCumulative, {view});
  f.meter->CreateDoubleObservableGauge("obs", "", "",
                                       [](api::metrics::ObserverResult<double>& r) { r.Observe(1); });
  EXPECT_EQ(Value(f.Collect(), "obs"), PointValue(1.0));
}

}  // namespace
}  // namespace adot::sdk::metrics
