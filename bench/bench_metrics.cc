// Metrics recording and collection costs in the SDK and the no-op API.
//
//   taskset -c 1 build/sdkperf/bench/bench_metrics --benchmark_repetitions=5
//   (the two-thread cases need two cores: taskset -c 0,1)
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>

#include "adot/api/metrics.h"
#include "adot/sdk/metrics/meter_provider.h"

// Counts heap bytes: allocated in total, and live (by the allocator's usable size).
namespace {
std::atomic<uint64_t> allocated_bytes{0};
std::atomic<int64_t> live_bytes{0};
}  // namespace

// The replacements below pair malloc with free, which GCC cannot see through.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(size_t size) {
  void* p = std::malloc(size ? size : 1);
  if (!p) throw std::bad_alloc();
  const size_t usable = malloc_usable_size(p);
  allocated_bytes.fetch_add(usable, std::memory_order_relaxed);
  live_bytes.fetch_add(static_cast<int64_t>(usable), std::memory_order_relaxed);
  return p;
}
void operator delete(void* p) noexcept {
  if (!p) return;
  live_bytes.fetch_sub(static_cast<int64_t>(malloc_usable_size(p)), std::memory_order_relaxed);
  std::free(p);
}
void operator delete(void* p, size_t) noexcept { operator delete(p); }

namespace {

using namespace adot;

struct Sdk {
  explicit Sdk(sdk::metrics::TemporalityPreference preference =
                   sdk::metrics::TemporalityPreference::kCumulative,
               size_t cardinality_limit = 2000) {
    reader = std::make_shared<sdk::metrics::ManualReader>(preference);
    sdk::metrics::MeterProviderOptions options;
    options.resource = std::make_shared<const sdk::Resource>(sdk::Resource::Create());
    options.readers.push_back(reader);
    options.cardinality_limit = cardinality_limit;
    provider = std::make_shared<sdk::metrics::MeterProvider>(std::move(options));
    meter = provider->GetMeter("bench");
  }
  std::shared_ptr<sdk::metrics::ManualReader> reader;
  std::shared_ptr<sdk::metrics::MeterProvider> provider;
  std::shared_ptr<api::metrics::Meter> meter;
};

// One provider for the multi-threaded cases: every thread records into the same series.
Sdk& Shared() {
  static Sdk* sdk = new Sdk();
  return *sdk;
}

void BM_NoopCounterAdd3Attributes(benchmark::State& state) {
  api::metrics::NoopMeterProvider provider;
  auto counter = provider.GetMeter("bench")->CreateInt64Counter("requests");
  for (auto _ : state)
    counter->Add(1, {{"http.method", "GET"}, {"http.route", "/api/v1/users"}, {"http.status_code", 200}});
}
BENCHMARK(BM_NoopCounterAdd3Attributes);

void BM_CounterAdd3Attributes(benchmark::State& state) {
  static auto counter = Shared().meter->CreateInt64Counter("requests");
  for (auto _ : state)
    counter->Add(1, {{"http.method", "GET"}, {"http.route", "/api/v1/users"}, {"http.status_code", 200}});
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterAdd3Attributes)->Threads(1)->Threads(2)->UseRealTime();

void BM_DoubleCounterAdd3Attributes(benchmark::State& state) {
  static auto counter = Shared().meter->CreateDoubleCounter("bytes");
  for (auto _ : state)
    counter->Add(1.5, {{"http.method", "GET"}, {"http.route", "/api/v1/users"}, {"http.status_code", 200}});
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DoubleCounterAdd3Attributes)->Threads(1)->Threads(2)->UseRealTime();

void BM_CounterAddNoAttributes(benchmark::State& state) {
  static auto counter = Shared().meter->CreateInt64Counter("plain");
  for (auto _ : state) counter->Add(1);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterAddNoAttributes);

void BM_HistogramRecord3Attributes(benchmark::State& state) {
  static auto histogram = Shared().meter->CreateDoubleHistogram("latency");
  double v = 0;
  for (auto _ : state) {
    histogram->Record(v, {{"http.method", "GET"}, {"http.route", "/api/v1/users"}, {"http.status_code", 200}});
    v = v < 10000 ? v + 37.5 : 0;  // spread over the default buckets
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecord3Attributes)->Threads(1)->Threads(2)->UseRealTime();

void BM_ExponentialHistogramRecord3Attributes(benchmark::State& state) {
  sdk::metrics::View view;
  view.selector.name = "latency";
  view.aggregation.type = sdk::metrics::AggregationType::kBase2ExponentialHistogram;
  auto reader = std::make_shared<sdk::metrics::ManualReader>();
  sdk::metrics::MeterProviderOptions options;
  options.resource = std::make_shared<const sdk::Resource>();
  options.readers.push_back(reader);
  options.views.push_back(view);
  sdk::metrics::MeterProvider provider(std::move(options));
  auto histogram = provider.GetMeter("bench")->CreateDoubleHistogram("latency");
  double v = 1;
  for (auto _ : state) {
    histogram->Record(v, {{"http.method", "GET"}, {"http.route", "/api/v1/users"}, {"http.status_code", 200}});
    v = v < 10000 ? v * 1.1 : 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ExponentialHistogramRecord3Attributes);

// Recording into 10,000 series (paused), then one collection. Reports the heap bytes a
// collection allocates and the live bytes per series (recording table plus reader state).
void Collect10kSeries(benchmark::State& state, sdk::metrics::TemporalityPreference preference) {
  constexpr int kSeries = 10000;
  const int64_t live_before = live_bytes.load();
  Sdk sdk(preference, kSeries + 1);
  auto counter = sdk.meter->CreateInt64Counter("requests");
  auto record_all = [&] {
    for (int i = 0; i < kSeries; ++i)
      counter->Add(1, {{"http.route", "/api/v1/users"}, {"http.status_code", 200}, {"user", i}});
  };
  record_all();
  sdk::metrics::ResourceMetrics out;
  sdk.reader->Collect(out);
  out = {};
  const int64_t live_with_series = live_bytes.load() - live_before;
  uint64_t allocated = 0;
  for (auto _ : state) {
    state.PauseTiming();
    record_all();
    out = {};
    const uint64_t before = allocated_bytes.load();
    state.ResumeTiming();
    sdk.reader->Collect(out);
    allocated += allocated_bytes.load() - before;
    benchmark::DoNotOptimize(out);
  }
  state.counters["alloc_bytes_per_collect"] =
      benchmark::Counter(static_cast<double>(allocated) / state.iterations());
  state.counters["live_bytes_per_series"] =
      benchmark::Counter(static_cast<double>(live_with_series) / kSeries);
  state.SetItemsProcessed(state.iterations() * kSeries);
}
void BM_Collect10kSeriesCumulative(benchmark::State& state) {
  Collect10kSeries(state, sdk::metrics::TemporalityPreference::kCumulative);
}
void BM_Collect10kSeriesDelta(benchmark::State& state) {
  Collect10kSeries(state, sdk::metrics::TemporalityPreference::kDelta);
}
BENCHMARK(BM_Collect10kSeriesCumulative)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Collect10kSeriesDelta)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
