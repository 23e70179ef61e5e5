#include <gtest/gtest.h>

#include <thread>

#include "metrics_test_util.h"

namespace adot::sdk::metrics {
namespace {

using testing::Attrs;
using testing::Fixture;
using testing::Get;
using testing::Value;

TEST(InstrumentsTest, CounterSumsPerAttributeSetInAnyOrder) {
  Fixture f;
  auto counter = f.meter->CreateInt64Counter("requests", "Requests served", "{request}");
  counter->Add(1, {{"route", "/a"}, {"code", 200}});
  counter->Add(2, {{"code", 200}, {"route", "/a"}});             // same set, other order
  counter->Add(4, {{"route", "/a"}, {"code", 200}, {"code", 200}});  // a repeated key
  counter->Add(8, {{"route", "/b"}, {"code", 200}});
  counter->Add(16);
  counter->Add(-5, {{"route", "/a"}, {"code", 200}});  // negative: ignored
  auto rm = f.Collect();
  ASSERT_EQ(rm.resource->Find("service.name") != nullptr, true);
  const auto* m = testing::FindMetric(rm, "requests");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->description, "Requests served");
  EXPECT_EQ(m->unit, "{request}");
  const auto& sum = std::get<SumData>(m->data);
  EXPECT_TRUE(sum.is_monotonic);
  EXPECT_EQ(sum.temporality, AggregationTemporality::kCumulative);
  EXPECT_EQ(sum.points.size(), 3u);
  EXPECT_EQ(Value(rm, "requests", Attrs({{"route", std::string("/a")}, {"code", 200}})), PointValue(int64_t{7}));
  EXPECT_EQ(Value(rm, "requests", Attrs({{"route", std::string("/b")}, {"code", 200}})), PointValue(int64_t{8}));
  EXPECT_EQ(Value(rm, "requests"), PointValue(int64_t{16}));
  ASSERT_EQ(rm.scope_metrics.size(), 1u);
  EXPECT_EQ(rm.scope_metrics[0].scope->name, "lib");
  EXPECT_EQ(rm.scope_metrics[0].scope->version, "1.0");
}

TEST(InstrumentsTest, AttributeValueTypesAreDistinctSeries) {
  Fixture f;
  auto counter = f.meter->CreateDoubleCounter("c");
  const std::vector<int64_t> array = {1, 2};
  counter->Add(1.5, {{"k", 1}});
  counter->Add(1.5, {{"k", "1"}});
  counter->Add(1.5, {{"k", 1.0}});
  counter->Add(1.5, {{"k", true}});
  counter->Add(1.5, {{"k", array}});
  counter->Add(1.5, {{"k", array}});
  auto rm = f.Collect();
  EXPECT_EQ(Get<SumData>(rm, "c").points.size(), 5u);
  EXPECT_EQ(Value(rm, "c", Attrs({{"k", std::vector<int64_t>{1, 2}}})), PointValue(3.0));
}

TEST(InstrumentsTest, UpDownCounterIsNotMonotonic) {
  Fixture f;
  auto counter = f.meter->CreateInt64UpDownCounter("queue");
  counter->Add(5);
  counter->Add(-7);
  auto rm = f.Collect();
  EXPECT_FALSE(Get<SumData>(rm, "queue").is_monotonic);
  EXPECT_EQ(Value(rm, "queue"), PointValue(int64_t{-2}));
}

TEST(InstrumentsTest, HistogramBucketsMinMaxSumCount) {
  Fixture f;
  auto histogram = f.meter->CreateDoubleHistogram("latency", "", "ms");
  for (double v : {0.0, 5.0, 5.5, 7.0, 10000.0, 20000.0}) histogram->Record(v, {{"r", "/"}});
  histogram->Record(-1.0, {{"r", "/"}});  // negative: ignored
  auto rm = f.Collect();
  const auto& data = Get<HistogramData>(rm, "latency");
  ASSERT_EQ(data.points.size(), 1u);
  const HistogramPoint& p = data.points[0];
  EXPECT_EQ(p.boundaries, DefaultHistogramBoundaries());
  ASSERT_EQ(p.bucket_counts.size(), 16u);
  EXPECT_EQ(p.count, 6u);
  EXPECT_DOUBLE_EQ(p.sum, 30017.5);
  EXPECT_TRUE(p.has_min_max);
  EXPECT_EQ(p.min, 0.0);
  EXPECT_EQ(p.max, 20000.0);
  // Bucket i covers (b[i-1], b[i]]: 0 -> bucket 0, 5 -> bucket 1, 5.5 and 7 -> bucket 2.
  EXPECT_EQ(p.bucket_counts[0], 1u);
  EXPECT_EQ(p.bucket_counts[1], 1u);
  EXPECT_EQ(p.bucket_counts[2], 2u);
  EXPECT_EQ(p.bucket_counts[14], 1u);
  EXPECT_EQ(p.bucket_counts[15], 1u);
}

TEST(InstrumentsTest, HistogramAdviceSetsBoundaries) {
  Fixture f;
  auto histogram = f.meter->CreateInt64Histogram("size", "", "By", {std::vector<double>{10, 100}});
  histogram->Record(10);
  histogram->Record(11);
  histogram->Record(1000);
  auto rm = f.Collect();
  const HistogramPoint& p = Get<HistogramData>(rm, "size").points.at(0);
  EXPECT_EQ(p.boundaries, (std::vector<double>{10, 100}));
  EXPECT_EQ(p.bucket_counts, (std::vector<uint64_t>{1, 1, 1}));
}

TEST(InstrumentsTest, InvalidAdviceFallsBackToDefaultBoundaries) {
  Fixture f;
  auto histogram = f.meter->CreateInt64Histogram("size", "", "", {std::vector<double>{5, 1}});
  histogram->Record(1);
  EXPECT_EQ(Get<HistogramData>(f.Collect(), "size").points.at(0).boundaries,
            DefaultHistogramBoundaries());
}

TEST(InstrumentsTest, GaugeKeepsTheLastValue) {
  Fixture f;
  auto gauge = f.meter->CreateDoubleGauge("temperature");
  gauge->Record(20.5, {{"room", "a"}});
  gauge->Record(21.5, {{"room", "a"}});
  gauge->Record(-3, {{"room", "b"}});
  auto rm = f.Collect();
  EXPECT_EQ(Get<GaugeData>(rm, "temperature").points.size(), 2u);
  EXPECT_EQ(Value(rm, "temperature", Attrs({{"room", std::string("a")}})), PointValue(21.5));
  EXPECT_EQ(Value(rm, "temperature", Attrs({{"room", std::string("b")}})), PointValue(-3.0));
}

TEST(InstrumentsTest, SameIdentityReturnsTheSameInstrument) {
  Fixture f;
  auto a = f.meter->CreateInt64Counter("requests", "d", "1");
  auto b = f.meter->CreateInt64Counter("REQUESTS", "d", "1");  // names are case-insensitive
  EXPECT_EQ(a.get(), b.get());
  EXPECT_EQ(f.provider->GetMeter("lib", "1.0").get(), f.meter.get());
  EXPECT_NE(f.provider->GetMeter("lib", "2.0").get(), f.meter.get());
}

TEST(InstrumentsTest, InvalidNamesGiveNoopInstruments) {
  Fixture f;
  for (const char* name : {"", "1abc", "a b", "_x"}) {
    auto counter = f.meter->CreateInt64Counter(name);
    ASSERT_NE(counter, nullptr);
    counter->Add(1);
  }
  f.meter->CreateInt64Counter(std::string(256, 'a'))->Add(1);
  f.meter->CreateInt64Counter("ok.name/with-all_chars9")->Add(1);
  EXPECT_EQ(testing::CountMetrics(f.Collect()), 1u);
}

TEST(InstrumentsTest, ConcurrentAddsAreExact) {
  Fixture f;
  auto counter = f.meter->CreateInt64Counter("c");
  auto dcounter = f.meter->CreateDoubleCounter("d");
  auto histogram = f.meter->CreateInt64Histogram("h");
  constexpr int kThreads = 4, kIterations = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIterations; ++i) {
        counter->Add(1, {{"shared", true}});
        counter->Add(1, {{"thread", t}, {"i", i % 50}});  // new series while others record
        dcounter->Add(0.5, {{"shared", true}});
        histogram->Record(i % 20, {{"shared", true}});
      }
    });
  }
  for (auto& t : threads) t.join();
  auto rm = f.Collect();
  EXPECT_EQ(Value(rm, "c", Attrs({{"shared", true}})), PointValue(int64_t{kThreads * kIterations}));
  EXPECT_EQ(Value(rm, "d", Attrs({{"shared", true}})), PointValue(kThreads * kIterations * 0.5));
  EXPECT_EQ(Get<SumData>(rm, "c").points.size(), 1u + kThreads * 50);
  for (int t = 0; t < kThreads; ++t)
    EXPECT_EQ(Value(rm, "c", Attrs({{"thread", int64_t{t}}, {"i", int64_t{7}}})),
              PointValue(int64_t{kIterations / 50}));
  const HistogramPoint& p = Get<HistogramData>(rm, "h").points.at(0);
  EXPECT_EQ(p.count, uint64_t{kThreads * kIterations});
  uint64_t total = 0;
  for (uint64_t c : p.bucket_counts) total += c;
  EXPECT_EQ(total, p.count);
}

TEST(InstrumentsTest, ConcurrentAddsWithDeltaCollectionsLoseNothing) {
  Fixture f(TemporalityPreference::kDelta);
  auto counter = f.meter->CreateInt64Counter("c");
  auto histogram = f.meter->CreateDoubleHistogram("h");
  constexpr int kThreads = 3, kIterations = 200000;
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIterations; ++i) {
        counter->Add(1, {{"k", i % 4}});
        histogram->Record(1.0, {{"k", i % 4}});
      }
    });
  }
  int64_t sum = 0;
  uint64_t count = 0;
  auto take = [&] {
    auto rm = f.Collect();
    if (auto* m = testing::FindMetric(rm, "c"))
      for (const auto& p : std::get<SumData>(m->data).points) sum += std::get<int64_t>(p.value);
    if (auto* m = testing::FindMetric(rm, "h")) {
      for (const auto& p : std::get<HistogramData>(m->data).points) {
        count += p.count;
        uint64_t buckets = 0;
        for (uint64_t c : p.bucket_counts) buckets += c;
        EXPECT_EQ(buckets, p.count);  // each snapshot is consistent
        EXPECT_DOUBLE_EQ(p.sum, static_cast<double>(p.count));
      }
    }
  };
  std::thread collector([&] {
    while (!done.load()) take();
  });
  for (auto& t : threads) t.join();
  done = true;
  collector.join();
  take();
  EXPECT_EQ(sum, int64_t{kThreads} * kIterations);
  EXPECT_EQ(count, uint64_t{kThreads} * kIterations);
}

TEST(InstrumentsTest, ExplicitContextIsAccepted) {
  Fixture f;
  auto counter = f.meter->CreateInt64Counter("c");
  api::Context context;
  counter->Add(3, {{"a", 1}}, context);
  EXPECT_EQ(Value(f.Collect(), "c", Attrs({{"a", 1}})), PointValue(int64_t{3}));
}

TEST(InstrumentsTest, ShutdownProviderGivesNoopMeters) {
  Fixture f;
  EXPECT_TRUE(f.provider->Shutdown());
  ResourceMetrics out;
  EXPECT_FALSE(f.reader->Collect(out));
  auto meter = f.provider->GetMeter("other");
  meter->CreateInt64Counter("c")->Add(1);
  EXPECT_NE(dynamic_cast<api::metrics::NoopMeter*>(meter.get()), nullptr);
}

}  // namespace
}  // namespace adot::sdk::metrics

namespace adot::sdk::metrics {
namespace {

TEST(AttributesTest, ViewAndOwnedFormsHashAndCompareAlike) {
  const std::vector<int64_t> ints = {1, -2};
  const std::vector<double> doubles = {0.5, -0.0};
  const std::vector<std::string_view> strings = {"a", "a much longer string than sixteen bytes"};
  const bool bools[] = {true, false, true};
  const api::KeyValue list[] = {{"b", true},
                                {"i", int64_t{-7}},
                                {"d", 2.5},
                                {"s", "short"},
                                {"", ""},
                                {"long.key.name.over.sixteen", "a value that is longer than sixteen"},
                                {"ba", std::span<const bool>(bools)},
                                {"ia", ints},
                                {"da", doubles},
                                {"sa", strings}};
  const api::AttributeView view{std::span<const api::KeyValue>(list)};
  const OwnedAttributes owned = internal::ToOwnedAttributes(view);
  EXPECT_EQ(internal::HashAttributes(view), internal::HashAttributes(owned));
  EXPECT_TRUE(internal::MatchesView(owned, view));
  // Any order matches; a changed value or a repeated key does not.
  std::vector<api::KeyValue> reversed(std::rbegin(list), std::rend(list));
  EXPECT_EQ(internal::HashAttributes(api::AttributeView(reversed)), internal::HashAttributes(owned));
  EXPECT_TRUE(internal::MatchesView(owned, reversed));
  reversed[0].value = "other";
  EXPECT_FALSE(internal::MatchesView(owned, reversed));
  std::vector<api::KeyValue> repeated(std::begin(list), std::end(list));
  repeated.back() = repeated.front();
  EXPECT_FALSE(internal::MatchesView(owned, repeated));
  EXPECT_EQ(internal::HashAttributes(internal::OverflowKey().attributes
                                         ? *internal::OverflowKey().attributes
                                         : OwnedAttributes{}),
            internal::HashAttributes(api::AttributeView{{"otel.metric.overflow", true}}));
}

// Series come and go while threads record: the recording table grows, and delta collections
// free idle series, under concurrent lookups. Nothing may be lost or read after being freed.
TEST(InstrumentsTest, ChurningSeriesUnderConcurrentCollection) {
  testing::Fixture f(TemporalityPreference::kDelta);
  auto counter = f.meter->CreateInt64Counter("c");
  constexpr int kThreads = 2, kRounds = 40, kSeriesPerRound = 300;
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < kRounds; ++round)
        for (int i = 0; i < kSeriesPerRound; ++i)
          counter->Add(1, {{"round", round}, {"i", i}, {"t", t}});
    });
  }
  int64_t total = 0;
  auto take = [&] {
    auto rm = f.Collect();
    if (auto* m = testing::FindMetric(rm, "c"))
      for (const auto& p : std::get<SumData>(m->data).points) total += std::get<int64_t>(p.value);
  };
  std::thread collector([&] {
    while (!done.load()) take();
  });
  for (auto& t : threads) t.join();
  done = true;
  collector.join();
  take();
  EXPECT_EQ(total, int64_t{kThreads} * kRounds * kSeriesPerRound);
}


// Each thread remembers the series it recorded into last. That memory must never outlive the
// series (freed when idle for a delta interval) or the instrument, and must not confuse series
// that share keys, or instruments.
TEST(InstrumentsTest, RecentSeriesFollowsEvictionInstrumentsAndValues) {
  testing::Fixture f(TemporalityPreference::kDelta);
  auto counter = f.meter->CreateInt64Counter("c");
  counter->Add(1, {{"k", 1}});
  f.Collect();
  f.Collect();  // idle for an interval: the series is freed
  counter->Add(2, {{"k", 1}});
  auto rm = f.Collect();
  EXPECT_EQ(Value(rm, "c", Attrs({{"k", 1}})), PointValue(int64_t{2}));

  auto other = f.meter->CreateInt64Counter("d");
  for (int i = 0; i < 3; ++i) {
    counter->Add(1, {{"k", 1}, {"j", "x"}});
    other->Add(10, {{"k", 1}, {"j", "x"}});
    counter->Add(100, {{"k", 2}, {"j", "x"}});
    counter->Add(1000, {{"j", "x"}, {"k", 1}});  // the first set, in another order
  }
  rm = f.Collect();
  EXPECT_EQ(Value(rm, "c", Attrs({{"k", 1}, {"j", std::string("x")}})), PointValue(int64_t{3003}));
  EXPECT_EQ(Value(rm, "c", Attrs({{"k", 2}, {"j", std::string("x")}})), PointValue(int64_t{300}));
  EXPECT_EQ(Value(rm, "d", Attrs({{"k", 1}, {"j", std::string("x")}})), PointValue(int64_t{30}));

  // A new instrument may take a destroyed one's address.
  for (int round = 0; round < 4; ++round) {
    auto temporary = f.meter->CreateInt64Counter("t" + std::to_string(round));
    temporary->Add(round + 1, {{"k", 1}});
    temporary->Add(round + 1, {{"k", 1}});
    rm = f.Collect();
    EXPECT_EQ(Value(rm, "t" + std::to_string(round), Attrs({{"k", 1}})), PointValue(int64_t{2 * (round + 1)}));
  }
}

// Threads record runs of the same series (the remembered series is used) while delta
// collections free idle series and the table grows.
TEST(InstrumentsTest, RepeatedSeriesUnderConcurrentCollection) {
  testing::Fixture f(TemporalityPreference::kDelta);
  auto counter = f.meter->CreateInt64Counter("c");
  constexpr int kThreads = 2, kSeries = 4000, kRepeats = 8;
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kSeries; ++i)
        for (int r = 0; r < kRepeats; ++r) counter->Add(1, {{"i", i % 500}, {"t", t}});
    });
  }
  int64_t total = 0;
  auto take = [&] {
    auto rm = f.Collect();
    if (auto* m = testing::FindMetric(rm, "c"))
      for (const auto& p : std::get<SumData>(m->data).points) total += std::get<int64_t>(p.value);
  };
  std::thread collector([&] {
    while (!done.load()) take();
  });
  for (auto& t : threads) t.join();
  done = true;
  collector.join();
  take();
  EXPECT_EQ(total, int64_t{kThreads} * kSeries * kRepeats);
}

}  // namespace
}  // namespace adot::sdk::metrics
