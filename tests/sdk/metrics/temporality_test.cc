#include <gtest/gtest.h>

#include <cstdlib>

#include "metrics_test_util.h"

namespace adot::sdk::metrics {
namespace {

using testing::Attrs;
using testing::Fixture;
using testing::Get;
using testing::Value;

TEST(TemporalityTest, CumulativeAccumulatesAndKeepsQuietSeries) {
  Fixture f(TemporalityPreference::kCumulative);
  auto counter = f.meter->CreateInt64Counter("c");
  counter->Add(1, {{"k", "a"}});
  counter->Add(2, {{"k", "b"}});
  auto first = f.Collect();
  counter->Add(10, {{"k", "a"}});
  auto second = f.Collect();
  auto third = f.Collect();  // nothing recorded: b idle for two intervals, a for one
  for (const auto* rm : {&second, &third}) {
    EXPECT_EQ(Value(*rm, "c", Attrs({{"k", std::string("a")}})), PointValue(int64_t{11}));
    EXPECT_EQ(Value(*rm, "c", Attrs({{"k", std::string("b")}})), PointValue(int64_t{2}));
  }
  const auto& p1 = Get<SumData>(first, "c").points.at(0);
  const auto& p3 = Get<SumData>(third, "c").points.at(0);
  EXPECT_EQ(p1.start_time_unix_nano, p3.start_time_unix_nano);  // one start for all collections
  EXPECT_LT(p1.time_unix_nano, p3.time_unix_nano);
  counter->Add(1, {{"k", "b"}});  // b's series was freed from the recording table; still counted
  EXPECT_EQ(Value(f.Collect(), "c", Attrs({{"k", std::string("b")}})), PointValue(int64_t{3}));
}

TEST(TemporalityTest, DeltaReportsIncrementsAndDropsQuietSeries) {
  Fixture f(TemporalityPreference::kDelta);
  auto counter = f.meter->CreateInt64Counter("c");
  auto histogram = f.meter->CreateInt64Histogram("h");
  counter->Add(1, {{"k", "a"}});
  counter->Add(2, {{"k", "b"}});
  histogram->Record(7);
  auto first = f.Collect();
  EXPECT_EQ(Get<SumData>(first, "c").temporality, AggregationTemporality::kDelta);
  EXPECT_EQ(Get<HistogramData>(first, "h").temporality, AggregationTemporality::kDelta);
  counter->Add(10, {{"k", "a"}});
  auto second = f.Collect();
  EXPECT_EQ(Value(second, "c", Attrs({{"k", std::string("a")}})), PointValue(int64_t{10}));
  EXPECT_FALSE(Value(second, "c", Attrs({{"k", std::string("b")}})));  // b reported nothing
  EXPECT_EQ(testing::FindMetric(second, "h"), nullptr);
  // Consecutive delta intervals touch: this start is the previous collection's time.
  const auto& p1 = Get<SumData>(first, "c").points.at(0);
  const auto& p2 = Get<SumData>(second, "c").points.at(0);
  EXPECT_EQ(p2.start_time_unix_nano, p1.time_unix_nano);
  EXPECT_EQ(testing::CountMetrics(f.Collect()), 0u);
  counter->Add(4, {{"k", "b"}});
  EXPECT_EQ(Value(f.Collect(), "c", Attrs({{"k", std::string("b")}})), PointValue(int64_t{4}));
}

TEST(TemporalityTest, DeltaGaugeReportsOnlyRecordedSeries) {
  Fixture f(TemporalityPreference::kDelta);
  auto gauge = f.meter->CreateInt64Gauge("g");
  gauge->Record(1, {{"k", 1}});
  gauge->Record(2, {{"k", 2}});
  f.Collect();
  gauge->Record(3, {{"k", 2}});
  auto rm = f.Collect();
  EXPECT_EQ(Get<GaugeData>(rm, "g").points.size(), 1u);
  EXPECT_EQ(Value(rm, "g", Attrs({{"k", 2}})), PointValue(int64_t{3}));
}

TEST(TemporalityTest, UpDownCountersStayCumulativeWithDeltaPreference) {
  Fixture f(TemporalityPreference::kDelta);
  auto counter = f.meter->CreateInt64UpDownCounter("u");
  counter->Add(3);
  f.Collect();
  counter->Add(-1);
  auto rm = f.Collect();
  EXPECT_EQ(Get<SumData>(rm, "u").temporality, AggregationTemporality::kCumulative);
  EXPECT_EQ(Value(rm, "u"), PointValue(int64_t{2}));
}

TEST(TemporalityTest, TwoReadersKeepTheirOwnState) {
  auto cumulative = std::make_shared<ManualReader>(TemporalityPreference::kCumulative);
  auto delta = std::make_shared<ManualReader>(TemporalityPreference::kDelta);
  MeterProviderOptions options;
  options.resource = std::make_shared<const Resource>();
  options.readers = {cumulative, delta};
  MeterProvider provider(std::move(options));
  auto counter = provider.GetMeter("lib")->CreateInt64Counter("c");
  auto histogram = provider.GetMeter("lib")->CreateDoubleHistogram("h");
  ResourceMetrics out;
  counter->Add(1);
  histogram->Record(1);
  ASSERT_TRUE(cumulative->Collect(out));
  EXPECT_EQ(Value(out, "c"), PointValue(int64_t{1}));
  counter->Add(2);
  histogram->Record(100);
  ASSERT_TRUE(delta->Collect(out));  // its interval spans both recordings
  EXPECT_EQ(Value(out, "c"), PointValue(int64_t{3}));
  EXPECT_EQ(Get<HistogramData>(out, "h").points.at(0).count, 2u);
  EXPECT_EQ(Get<HistogramData>(out, "h").points.at(0).max, 100.0);
  counter->Add(4);
  ASSERT_TRUE(delta->Collect(out));
  EXPECT_EQ(Value(out, "c"), PointValue(int64_t{4}));
  ASSERT_TRUE(cumulative->Collect(out));
  EXPECT_EQ(Value(out, "c"), PointValue(int64_t{7}));
  EXPECT_EQ(Get<HistogramData>(out, "h").points.at(0).count, 2u);
  ASSERT_TRUE(delta->Collect(out));
  EXPECT_EQ(testing::CountMetrics(out), 0u);
}

TEST(TemporalityTest, ObservableCounterCumulativeAndDelta) {
  for (auto preference : {TemporalityPreference::kCumulative, TemporalityPreference::kDelta}) {
    Fixture f(preference);
    int64_t total = 0;
    bool report_b = true;
    auto counter = f.meter->CreateInt64ObservableCounter(
        "cpu", "", "s", [&](api::metrics::ObserverResult<int64_t>& r) {
          r.Observe(total, {{"cpu", 0}});
          if (report_b) r.Observe(100, {{"cpu", 1}});
        });
    total = 10;
    auto first = f.Collect();
    total = 25;
    report_b = false;
    auto second = f.Collect();
    const bool delta = preference == TemporalityPreference::kDelta;
    EXPECT_EQ(Get<SumData>(second, "cpu").temporality,
              delta ? AggregationTemporality::kDelta : AggregationTemporality::kCumulative);
    EXPECT_TRUE(Get<SumData>(second, "cpu").is_monotonic);
    EXPECT_EQ(Value(first, "cpu", Attrs({{"cpu", 0}})), PointValue(int64_t{10}));
    EXPECT_EQ(Value(second, "cpu", Attrs({{"cpu", 0}})), PointValue(int64_t{delta ? 15 : 25}));
    EXPECT_FALSE(Value(second, "cpu", Attrs({{"cpu", 1}})));  // not observed: not reported
    const auto& p1 = Get<SumData>(first, "cpu").points.at(0);
    const auto& p2 = Get<SumData>(second, "cpu").points.at(0);
    if (delta) {
      EXPECT_EQ(p2.start_time_unix_nano, p1.time_unix_nano);
    } else {
      EXPECT_EQ(p2.start_time_unix_nano, p1.start_time_unix_nano);
    }
  }
}

TEST(TemporalityTest, ObservableGaugeAndUpDownCounter) {
  Fixture f(TemporalityPreference::kDelta);
  double temperature = 20.5;
  auto gauge = f.meter->CreateDoubleObservableGauge("t");
  auto id = gauge->AddCallback([&](api::metrics::ObserverResult<double>& r) {
    r.Observe(temperature, {{"room", "a"}});
  });
  auto updown = f.meter->CreateInt64ObservableUpDownCounter(
      "q", "", "", [](api::metrics::ObserverResult<int64_t>& r) { r.Observe(-4); });
  auto rm = f.Collect();
  EXPECT_EQ(Value(rm, "t", Attrs({{"room", std::string("a")}})), PointValue(20.5));
  EXPECT_EQ(Get<SumData>(rm, "q").temporality, AggregationTemporality::kCumulative);
  EXPECT_FALSE(Get<SumData>(rm, "q").is_monotonic);
  EXPECT_EQ(Value(rm, "q"), PointValue(int64_t{-4}));
  temperature = 19;
  EXPECT_EQ(Value(f.Collect(), "t", Attrs({{"room", std::string("a")}})), PointValue(19.0));
  gauge->RemoveCallback(id);
  auto after = f.Collect();
  EXPECT_EQ(testing::FindMetric(after, "t"), nullptr);
  EXPECT_NE(testing::FindMetric(after, "q"), nullptr);
}

TEST(TemporalityTest, SeveralCallbacksAndAThrowingOne) {
  Fixture f;
  auto counter = f.meter->CreateInt64ObservableCounter("c");
  counter->AddCallback([](api::metrics::ObserverResult<int64_t>& r) { r.Observe(1, {{"a", 1}}); });
  counter->AddCallback([](api::metrics::ObserverResult<int64_t>&) { throw std::runtime_error("x"); });
  counter->AddCallback([](api::metrics::ObserverResult<int64_t>& r) { r.Observe(2, {{"a", 2}}); });
  auto rm = f.Collect();
  EXPECT_EQ(Value(rm, "c", Attrs({{"a", 1}})), PointValue(int64_t{1}));
  EXPECT_EQ(Value(rm, "c", Attrs({{"a", 2}})), PointValue(int64_t{2}));
}

TEST(TemporalityTest, PreferenceTable) {
  using K = InstrumentKind;
  constexpr auto D = AggregationTemporality::kDelta;
  constexpr auto C = AggregationTemporality::kCumulative;
  for (K k : {K::kCounter, K::kUpDownCounter, K::kHistogram, K::kGauge, K::kObservableCounter,
              K::kObservableUpDownCounter, K::kObservableGauge})
    EXPECT_EQ(TemporalityFor(TemporalityPreference::kCumulative, k), C);
  EXPECT_EQ(TemporalityFor(TemporalityPreference::kDelta, K::kCounter), D);
  EXPECT_EQ(TemporalityFor(TemporalityPreference::kDelta, K::kObservableCounter), D);
  EXPECT_EQ(TemporalityFor(TemporalityPreference::kDelta, K::kHistogram), D);
  EXPECT_EQ(TemporalityFor(TemporalityPreference::kDelta, K::kUpDownCounter), C);
  EXPECT_EQ(TemporalityFor(TemporalityPreference::kDelta, K::kObservableUpDownCounter), C);
  EXPECT_EQ(TemporalityFor(TemporalityPreference::kLowMemory, K::kCounter), D);
  EXPECT_EQ(TemporalityFor(TemporalityPreference::kLowMemory, K::kHistogram), D);
  EXPECT_EQ(TemporalityFor(TemporalityPreference::kLowMemory, K::kObservableCounter), C);
  EXPECT_EQ(TemporalityFor(TemporalityPreference::kLowMemory, K::kUpDownCounter), C);
}

TEST(TemporalityTest, PreferenceFromEnvironment) {
  const char* name = "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE";
  setenv(name, "Delta", 1);
  EXPECT_EQ(TemporalityPreferenceFromEnvironment(), TemporalityPreference::kDelta);
  setenv(name, "lowmemory", 1);
  EXPECT_EQ(TemporalityPreferenceFromEnvironment(), TemporalityPreference::kLowMemory);
  setenv(name, "cumulative", 1);
  EXPECT_EQ(TemporalityPreferenceFromEnvironment(), TemporalityPreference::kCumulative);
  setenv(name, "sometimes", 1);
  EXPECT_EQ(TemporalityPreferenceFromEnvironment(), std::nullopt);
  unsetenv(name);
  EXPECT_EQ(TemporalityPreferenceFromEnvironment(), std::nullopt);
}

}  // namespace
}  // namespace adot::sdk::metrics
