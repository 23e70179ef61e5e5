#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "metrics_test_util.h"
#include "sdk/metrics/aggregation.h"

namespace adot::sdk::metrics {
namespace {

using internal::MapToIndex;
using testing::Fixture;
using testing::Get;

View Exponential(int32_t max_size = 160, int32_t max_scale = 20) {
  View view;
  view.selector.name = "h";
  view.aggregation.type = AggregationType::kBase2ExponentialHistogram;
  view.aggregation.max_size = max_size;
  view.aggregation.max_scale = max_scale;
  return view;
}

uint64_t Total(const ExponentialBuckets& b) {
  uint64_t n = 0;
  for (uint64_t c : b.counts) n += c;
  return n;
}

// The count of the bucket v falls in at the point's scale.
uint64_t CountAt(const ExponentialHistogramPoint& p, double v) {
  const ExponentialBuckets& b = v > 0 ? p.positive : p.negative;
  const int32_t index = MapToIndex(std::fabs(v), p.scale);
  if (index < b.offset || index >= b.offset + static_cast<int32_t>(b.counts.size())) return 0;
  return b.counts[index - b.offset];
}

TEST(ExponentialHistogramTest, MapToIndex) {
  EXPECT_EQ(MapToIndex(1, 0), -1);  // (0.5, 1]
  EXPECT_EQ(MapToIndex(2, 0), 0);   // (1, 2]
  EXPECT_EQ(MapToIndex(3, 0), 1);   // (2, 4]
  EXPECT_EQ(MapToIndex(4, 0), 1);
  EXPECT_EQ(MapToIndex(5, 0), 2);
  EXPECT_EQ(MapToIndex(4, -1), 0);  // (1, 4]
  EXPECT_EQ(MapToIndex(5, -1), 1);  // (4, 16]
  EXPECT_EQ(MapToIndex(2, 1), 1);   // (sqrt 2, 2]
  EXPECT_EQ(MapToIndex(3, 1), 3);   // (2 sqrt 2, 4]
  EXPECT_EQ(MapToIndex(1, 20), -1);
  EXPECT_EQ(MapToIndex(std::numeric_limits<double>::denorm_min(), 0), -1075);
  // Every value lies in (base^i, base^(i+1)].
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> exponent(-30, 30);
  for (int scale : {-3, 0, 3, 8, 20}) {
    for (int i = 0; i < 1000; ++i) {
      const double v = std::exp2(exponent(rng));
      const int32_t index = MapToIndex(v, scale);
      const double lower = std::exp2(std::ldexp(static_cast<double>(index), -scale));
      const double upper = std::exp2(std::ldexp(static_cast<double>(index) + 1, -scale));
      EXPECT_GT(v, lower * (1 - 1e-12)) << v << " scale " << scale;
      EXPECT_LE(v, upper * (1 + 1e-12)) << v << " scale " << scale;
    }
  }
}

TEST(ExponentialHistogramTest, ScaleDropsUntilTheValuesFit) {
  Fixture f(TemporalityPreference::kCumulative, {Exponential(4)});
  auto h = f.meter->CreateDoubleHistogram("h");
  h->Record(1);
  h->Record(2);
  h->Record(4);
  const auto data = Get<ExponentialHistogramData>(f.Collect(), "h");
  const ExponentialHistogramPoint& p = data.points.at(0);
  // At scale 1 the indices -1, 1, 3 span 5 buckets; at scale 0 they are -1, 0, 1.
  EXPECT_EQ(p.scale, 0);
  EXPECT_EQ(p.positive.offset, -1);
  EXPECT_EQ(p.positive.counts, (std::vector<uint64_t>{1, 1, 1}));
  EXPECT_TRUE(p.negative.counts.empty());
  EXPECT_EQ(p.count, 3u);
  EXPECT_EQ(p.sum, 7.0);
  EXPECT_EQ(p.min, 1.0);
  EXPECT_EQ(p.max, 4.0);
  EXPECT_EQ(p.zero_count, 0u);
}

TEST(ExponentialHistogramTest, ZeroAndNegativeValues) {
  Fixture f(TemporalityPreference::kCumulative, {Exponential()});
  auto h = f.meter->CreateInt64Histogram("h");
  h->Record(0);
  h->Record(3);
  auto rm = f.Collect();
  const ExponentialHistogramPoint& p = Get<ExponentialHistogramData>(rm, "h").points.at(0);
  EXPECT_EQ(p.zero_count, 1u);
  EXPECT_EQ(p.count, 2u);
  EXPECT_EQ(p.scale, 20);  // one bucket needs no downscale
  EXPECT_EQ(CountAt(p, 3), 1u);

  // A Histogram drops negative values; a Gauge with an exponential View records them.
  View view = Exponential(8);
  view.selector.name = "g";
  Fixture g2(TemporalityPreference::kCumulative, {view});
  auto gauge = g2.meter->CreateDoubleGauge("g");
  for (double v : {-1.0, -3.0, -100.0, 0.0, 5.0}) gauge->Record(v);
  const auto q = Get<ExponentialHistogramData>(g2.Collect(), "g").points.at(0);
  EXPECT_EQ(q.count, 5u);
  EXPECT_EQ(q.zero_count, 1u);
  EXPECT_EQ(Total(q.negative), 3u);
  EXPECT_EQ(Total(q.positive), 1u);
  EXPECT_LE(q.negative.counts.size(), 8u);
  for (double v : {-1.0, -3.0, -100.0, 5.0}) EXPECT_GE(CountAt(q, v), 1u) << v;
  EXPECT_EQ(q.min, -100.0);
  EXPECT_EQ(q.max, 5.0);
  EXPECT_EQ(q.sum, -99.0);
}

TEST(ExponentialHistogramTest, WideRangeFitsMaxSize) {
  Fixture f(TemporalityPreference::kCumulative, {Exponential(20)});
  auto h = f.meter->CreateDoubleHistogram("h");
  std::vector<double> values;
  for (double v = 1e-5; v < 1e5; v *= 1.7) values.push_back(v);
  for (double v : values) h->Record(v);
  const auto p = Get<ExponentialHistogramData>(f.Collect(), "h").points.at(0);
  EXPECT_LE(p.positive.counts.size(), 20u);
  EXPECT_EQ(Total(p.positive), values.size());
  EXPECT_NE(p.positive.counts.front(), 0u);
  EXPECT_NE(p.positive.counts.back(), 0u);
  // The range needs about log2(1e10) = 33 powers of two in 20 buckets: scale -1.
  EXPECT_EQ(p.scale, -1);
  for (double v : values) EXPECT_GE(CountAt(p, v), 1u) << v;
}

TEST(ExponentialHistogramTest, CumulativeMergesIntervalsAtTheCoarserScale) {
  Fixture f(TemporalityPreference::kCumulative, {Exponential(10)});
  auto h = f.meter->CreateDoubleHistogram("h");
  h->Record(1.5);
  const auto first = Get<ExponentialHistogramData>(f.Collect(), "h").points.at(0);
  EXPECT_EQ(first.scale, 20);
  h->Record(1000);
  h->Record(1.5);
  const auto second = Get<ExponentialHistogramData>(f.Collect(), "h").points.at(0);
  EXPECT_EQ(second.count, 3u);
  EXPECT_LE(second.positive.counts.size(), 10u);
  EXPECT_EQ(CountAt(second, 1.5), 2u);
  EXPECT_EQ(CountAt(second, 1000), 1u);
  EXPECT_LT(second.scale, 20);
}

TEST(ExponentialHistogramTest, DeltaStartsEachIntervalAtFullScale) {
  Fixture f(TemporalityPreference::kDelta, {Exponential(10)});
  auto h = f.meter->CreateDoubleHistogram("h");
  h->Record(1.5);
  h->Record(1e6);
  EXPECT_LT(Get<ExponentialHistogramData>(f.Collect(), "h").points.at(0).scale, 5);
  h->Record(1.5);
  const auto p = Get<ExponentialHistogramData>(f.Collect(), "h").points.at(0);
  EXPECT_EQ(p.scale, 20);
  EXPECT_EQ(p.count, 1u);
}

TEST(ExponentialHistogramTest, MaxScaleIsRespected) {
  Fixture f(TemporalityPreference::kCumulative, {Exponential(160, 3)});
  auto h = f.meter->CreateDoubleHistogram("h");
  h->Record(10);
  const auto p = Get<ExponentialHistogramData>(f.Collect(), "h").points.at(0);
  EXPECT_EQ(p.scale, 3);
  EXPECT_EQ(p.positive.offset, MapToIndex(10, 3));
}

}  // namespace
}  // namespace adot::sdk::metrics
