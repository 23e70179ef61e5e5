#include <gtest/gtest.h>

#include "metrics_test_util.h"

namespace adot::sdk::metrics {
namespace {

using testing::Attrs;
using testing::Fixture;
using testing::Get;
using testing::Value;

const OwnedAttributes kOverflow = Attrs({{"otel.metric.overflow", true}});

TEST(CardinalityTest, OverflowSeriesPastTheLimit) {
  Fixture f(TemporalityPreference::kCumulative, {}, /*cardinality_limit=*/4);
  auto counter = f.meter->CreateInt64Counter("c");
  for (int i = 0; i < 10; ++i) counter->Add(i + 1, {{"k", i}});
  counter->Add(100, {{"k", 0}});  // an existing series keeps counting
  auto rm = f.Collect();
  const auto& points = Get<SumData>(rm, "c").points;
  EXPECT_EQ(points.size(), 4u);  // 3 series and the overflow series
  EXPECT_EQ(Value(rm, "c", Attrs({{"k", 0}})), PointValue(int64_t{101}));
  EXPECT_EQ(Value(rm, "c", kOverflow), PointValue(int64_t{4 + 5 + 6 + 7 + 8 + 9 + 10}));
  int64_t total = 0;
  for (const auto& p : points) total += std::get<int64_t>(p.value);
  EXPECT_EQ(total, 155);
}

TEST(CardinalityTest, ViewLimitOverridesTheProviders) {
  View view;
  view.selector.name = "c";
  view.cardinality_limit = 2;
  Fixture f(TemporalityPreference::kCumulative, {view});
  auto counter = f.meter->CreateInt64Counter("c");
  auto other = f.meter->CreateInt64Counter("d");
  for (int i = 0; i < 5; ++i) {
    counter->Add(1, {{"k", i}});
    other->Add(1, {{"k", i}});
  }
  auto rm = f.Collect();
  EXPECT_EQ(Get<SumData>(rm, "c").points.size(), 2u);
  EXPECT_EQ(Value(rm, "c", kOverflow), PointValue(int64_t{4}));
  EXPECT_EQ(Get<SumData>(rm, "d").points.size(), 5u);
}

TEST(CardinalityTest, DeltaFreesIdleSeriesForNewOnes) {
  Fixture f(TemporalityPreference::kDelta, {}, 3);
  auto counter = f.meter->CreateInt64Counter("c");
  counter->Add(1, {{"k", 1}});
  counter->Add(1, {{"k", 2}});
  counter->Add(1, {{"k", 3}});
  auto first = f.Collect();
  EXPECT_EQ(Value(first, "c", kOverflow), PointValue(int64_t{1}));
  f.Collect();  // an idle interval: the series are freed
  counter->Add(5, {{"k", 3}});
  counter->Add(6, {{"k", 4}});
  auto rm = f.Collect();
  EXPECT_EQ(Value(rm, "c", Attrs({{"k", 3}})), PointValue(int64_t{5}));
  EXPECT_EQ(Value(rm, "c", Attrs({{"k", 4}})), PointValue(int64_t{6}));
  EXPECT_FALSE(Value(rm, "c", kOverflow));
}

TEST(CardinalityTest, CumulativeKeepsEarlierSeriesAndOverflowsNewOnes) {
  Fixture f(TemporalityPreference::kCumulative, {}, 3);
  auto counter = f.meter->CreateInt64Counter("c");
  counter->Add(1, {{"k", 1}});
  counter->Add(1, {{"k", 2}});
  f.Collect();
  f.Collect();  // idle: freed from the recording table, kept in the cumulative state
  counter->Add(1, {{"k", 3}});
  counter->Add(1, {{"k", 1}});
  auto rm = f.Collect();
  EXPECT_EQ(Get<SumData>(rm, "c").points.size(), 3u);
  EXPECT_EQ(Value(rm, "c", Attrs({{"k", 1}})), PointValue(int64_t{2}));
  EXPECT_EQ(Value(rm, "c", Attrs({{"k", 2}})), PointValue(int64_t{1}));
  EXPECT_EQ(Value(rm, "c", kOverflow), PointValue(int64_t{1}));
}

TEST(CardinalityTest, ObservableOverflow) {
  Fixture f(TemporalityPreference::kCumulative, {}, 3);
  f.meter->CreateInt64ObservableGauge("g", "", "", [](api::metrics::ObserverResult<int64_t>& r) {
    for (int i = 0; i < 5; ++i) r.Observe(i, {{"k", i}});
  });
  f.meter->CreateInt64ObservableCounter("c", "", "", [](api::metrics::ObserverResult<int64_t>& r) {
    for (int i = 0; i < 5; ++i) r.Observe(10, {{"k", i}});
  });
  auto rm = f.Collect();
  EXPECT_EQ(Get<GaugeData>(rm, "g").points.size(), 3u);
  EXPECT_EQ(Value(rm, "g", kOverflow), PointValue(int64_t{4}));  // the last value
  EXPECT_EQ(Value(rm, "c", kOverflow), PointValue(int64_t{30}));  // the sum
}

}  // namespace
}  // namespace adot::sdk::metrics
