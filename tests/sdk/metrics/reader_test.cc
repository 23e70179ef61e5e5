#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "adot/sdk/metrics/in_memory_exporter.h"
#include "metrics_test_util.h"

namespace adot::sdk::metrics {
namespace {

using namespace std::chrono_literals;
using testing::Value;

struct Periodic {
  explicit Periodic(std::chrono::milliseconds interval,
                    TemporalityPreference preference = TemporalityPreference::kCumulative) {
    PeriodicExportingMetricReaderOptions options;
    options.export_interval = interval;
    options.export_timeout = 1000ms;
    reader = std::make_shared<PeriodicExportingMetricReader>(
        std::make_unique<InMemoryMetricExporter>(store, preference), options);
    MeterProviderOptions provider_options;
    provider_options.resource = std::make_shared<const Resource>();
    provider_options.readers.push_back(reader);
    provider = std::make_shared<MeterProvider>(std::move(provider_options));
    counter = provider->GetMeter("lib")->CreateInt64Counter("c");
  }
  std::shared_ptr<InMemoryMetricStore> store = std::make_shared<InMemoryMetricStore>();
  std::shared_ptr<PeriodicExportingMetricReader> reader;
  std::shared_ptr<MeterProvider> provider;
  std::shared_ptr<api::metrics::Counter<int64_t>> counter;
};

bool WaitFor(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5000ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

TEST(ReaderTest, PeriodicReaderExportsOnItsInterval) {
  Periodic p(20ms, TemporalityPreference::kDelta);
  p.counter->Add(3);
  ASSERT_TRUE(WaitFor([&] { return p.store->size() >= 1; }));
  auto exports = p.store->Take();
  EXPECT_EQ(Value(exports.at(0), "c"), PointValue(int64_t{3}));
  EXPECT_EQ(testing::Get<SumData>(exports.at(0), "c").temporality, AggregationTemporality::kDelta);
  p.counter->Add(4);
  ASSERT_TRUE(WaitFor([&] { return p.store->size() >= 1; }));
  EXPECT_EQ(Value(p.store->Take().at(0), "c"), PointValue(int64_t{4}));
}

TEST(ReaderTest, ForceFlushExportsAtOnce) {
  Periodic p(1h);
  p.counter->Add(7);
  EXPECT_TRUE(p.provider->ForceFlush(5000ms));
  auto exports = p.store->Take();
  ASSERT_EQ(exports.size(), 1u);
  EXPECT_EQ(Value(exports[0], "c"), PointValue(int64_t{7}));
  EXPECT_TRUE(p.reader->ForceFlush(5000ms));  // a cumulative reader exports the series again
  EXPECT_EQ(Value(p.store->Take().at(0), "c"), PointValue(int64_t{7}));
}

TEST(ReaderTest, NothingToExportIsNotExported) {
  Periodic p(1h);
  EXPECT_TRUE(p.reader->ForceFlush(5000ms));
  EXPECT_EQ(p.store->size(), 0u);
}

TEST(ReaderTest, ShutdownExportsALastTime) {
  Periodic p(1h);
  p.counter->Add(9);
  EXPECT_TRUE(p.provider->Shutdown(5000ms));
  auto exports = p.store->Take();
  ASSERT_EQ(exports.size(), 1u);
  EXPECT_EQ(Value(exports[0], "c"), PointValue(int64_t{9}));
  EXPECT_FALSE(p.reader->ForceFlush(100ms));
  ResourceMetrics out;
  EXPECT_FALSE(p.reader->Collect(out));
  EXPECT_TRUE(p.reader->Shutdown(100ms));  // a second shutdown is a no-op
}

TEST(ReaderTest, DestroyingTheProviderShutsDown) {
  auto store = std::make_shared<InMemoryMetricStore>();
  {
    Periodic p(1h);
    store = p.store;
    p.counter->Add(1);
    p.reader.reset();
    p.provider.reset();  // the counter outlives the provider and can still be used
    p.counter->Add(1);
  }
  EXPECT_EQ(store->size(), 1u);
}

TEST(ReaderTest, UnregisteredReaderCollectsNothing) {
  ManualReader reader;
  ResourceMetrics out;
  EXPECT_FALSE(reader.Collect(out));
}

TEST(ReaderTest, ReaderStaysWithItsFirstProvider) {
  auto reader = std::make_shared<ManualReader>();
  MeterProviderOptions a;
  a.resource = std::make_shared<const Resource>();
  a.readers.push_back(reader);
  MeterProvider first(std::move(a));
  MeterProviderOptions b;
  b.resource = std::make_shared<const Resource>();
  b.readers.push_back(reader);
  MeterProvider second(std::move(b));
  first.GetMeter("first")->CreateInt64Counter("c1")->Add(1);
  second.GetMeter("second")->CreateInt64Counter("c2")->Add(1);
  ResourceMetrics out;
  ASSERT_TRUE(reader->Collect(out));
  EXPECT_NE(testing::FindMetric(out, "c1"), nullptr);
  EXPECT_EQ(testing::FindMetric(out, "c2"), nullptr);
}

TEST(ReaderTest, OptionsFromEnvironment) {
  setenv("OTEL_METRIC_EXPORT_INTERVAL", "1500", 1);
  setenv("OTEL_METRIC_EXPORT_TIMEOUT", "700", 1);
  auto options = PeriodicExportingMetricReaderOptions::FromEnvironment();
  EXPECT_EQ(options.export_interval, 1500ms);
  EXPECT_EQ(options.export_timeout, 700ms);
  setenv("OTEL_METRIC_EXPORT_INTERVAL", "0", 1);
  setenv("OTEL_METRIC_EXPORT_TIMEOUT", "soon", 1);
  options = PeriodicExportingMetricReaderOptions::FromEnvironment();
  EXPECT_EQ(options.export_interval, 60000ms);
  EXPECT_EQ(options.export_timeout, 30000ms);
  unsetenv("OTEL_METRIC_EXPORT_INTERVAL");
  unsetenv("OTEL_METRIC_EXPORT_TIMEOUT");
  // The older name, as ADOT's samples set it; the standard one wins.
  setenv("OTEL_IMR_EXPORT_INTERVAL", "2500", 1);
  EXPECT_EQ(PeriodicExportingMetricReaderOptions::FromEnvironment().export_interval, 2500ms);
  setenv("OTEL_METRIC_EXPORT_INTERVAL", "1000", 1);
  EXPECT_EQ(PeriodicExportingMetricReaderOptions::FromEnvironment().export_interval, 1000ms);
  unsetenv("OTEL_METRIC_EXPORT_INTERVAL");
  unsetenv("OTEL_IMR_EXPORT_INTERVAL");

  setenv("OTEL_METRICS_EXEMPLAR_FILTER", "always_on", 1);
  EXPECT_EQ(MeterProviderOptions::FromEnvironment().exemplar_filter, ExemplarFilter::kAlwaysOn);
  setenv("OTEL_METRICS_EXEMPLAR_FILTER", "ALWAYS_OFF", 1);
  EXPECT_EQ(MeterProviderOptions::FromEnvironment().exemplar_filter, ExemplarFilter::kAlwaysOff);
  unsetenv("OTEL_METRICS_EXEMPLAR_FILTER");
  EXPECT_EQ(MeterProviderOptions::FromEnvironment().exemplar_filter, ExemplarFilter::kTraceBased);
}

// A recording thread runs through the fork; the child records, and its restarted reader thread
// exports on its own.
TEST(ReaderTest, ForkedChildRestartsTheReaderThread) {
  Periodic p(20ms, TemporalityPreference::kDelta);
  std::atomic<bool> stop{false};
  std::thread recorder([&] {
    for (int i = 0; !stop.load(); ++i) p.counter->Add(1, {{"i", i % 100}});
  });
  std::this_thread::sleep_for(10ms);
  const pid_t pid = fork();
  if (pid == 0) {
    p.store->Take();
    p.counter->Add(5, {{"child", true}});
    const bool exported = WaitFor([&] {
      for (const auto& rm : p.store->Take())
        if (Value(rm, "c", testing::Attrs({{"child", true}})) == PointValue(int64_t{5})) return true;
      return false;
    });
    _exit(exported ? 0 : 1);
  }
  ASSERT_GT(pid, 0);
  stop = true;
  recorder.join();
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  p.counter->Add(1, {{"parent", true}});  // the parent goes on as before
  EXPECT_TRUE(p.provider->ForceFlush(5000ms));
}

}  // namespace
}  // namespace adot::sdk::metrics
