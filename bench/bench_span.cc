// Span start/end costs in the SDK and the no-op API.
//
//   build/release/bench/bench_span
#include <benchmark/benchmark.h>

#include <atomic>
#include <thread>

#include "adot/api/trace.h"
#include "adot/sdk/trace/tracer_provider.h"

namespace {

using namespace adot;

// Counts spans and drops them: isolates the SDK's own cost from any protocol.
class DiscardingExporter final : public sdk::trace::SpanExporter {
 public:
  sdk::ExportResult Export(sdk::trace::SpanBatch spans) noexcept override {
    count.fetch_add(spans.size(), std::memory_order_relaxed);
    return sdk::ExportResult::kSuccess;
  }
  bool Shutdown(std::chrono::milliseconds) noexcept override { return true; }
  static inline std::atomic<uint64_t> count{0};
};

std::shared_ptr<sdk::trace::TracerProvider> MakeProvider(std::shared_ptr<sdk::trace::Sampler> sampler) {
  sdk::trace::TracerProviderOptions options;
  options.resource = std::make_shared<const sdk::Resource>(sdk::Resource::Create());
  options.sampler = std::move(sampler);
  sdk::trace::BatchSpanProcessorOptions bsp;
  bsp.max_queue_size = 1 << 16;
  options.processors.push_back(std::make_shared<sdk::trace::BatchSpanProcessor>(
      std::make_unique<DiscardingExporter>(), bsp));
  return std::make_shared<sdk::trace::TracerProvider>(std::move(options));
}

void BM_NoopSpan(benchmark::State& state) {
  api::trace::NoopTracerProvider provider;
  auto tracer = provider.GetTracer("bench");
  for (auto _ : state) {
    auto span = tracer->StartSpan("op");
    span->End();
  }
}
BENCHMARK(BM_NoopSpan);

void BM_SpanStartEnd(benchmark::State& state) {
  auto provider = MakeProvider(sdk::trace::CreateAlwaysOnSampler());
  auto tracer = provider->GetTracer("bench");
  for (auto _ : state) {
    auto span = tracer->StartSpan("op");
    span->End();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SpanStartEnd);

// Start+end with N SetAttribute(string key, int64) calls; the slope over N is the per-attribute
// cost.
void BM_SpanWithAttributes(benchmark::State& state) {
  auto provider = MakeProvider(sdk::trace::CreateAlwaysOnSampler());
  auto tracer = provider->GetTracer("bench");
  static const char* keys[] = {"attr.00", "attr.01", "attr.02", "attr.03", "attr.04",
                               "attr.05", "attr.06", "attr.07", "attr.08", "attr.09"};
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    auto span = tracer->StartSpan("op");
    for (int i = 0; i < n; ++i) span->SetAttribute(keys[i], int64_t{i});
    span->End();
  }
}
BENCHMARK(BM_SpanWithAttributes)->Arg(0)->Arg(1)->Arg(5)->Arg(10);

void BM_SpanDroppedBySampler(benchmark::State& state) {
  auto provider = MakeProvider(sdk::trace::CreateAlwaysOffSampler());
  auto tracer = provider->GetTracer("bench");
  for (auto _ : state) {
    auto span = tracer->StartSpan("op");
    span->End();
  }
}
BENCHMARK(BM_SpanDroppedBySampler);

void BM_ChildOfActiveSpan(benchmark::State& state) {
  auto provider = MakeProvider(sdk::trace::CreateAlwaysOnSampler());
  auto tracer = provider->GetTracer("bench");
  auto parent = tracer->StartSpan("parent");
  api::Scope scope = api::trace::Tracer::WithActiveSpan(parent);
  for (auto _ : state) {
    auto span = tracer->StartSpan("op");
    span->End();
  }
}
BENCHMARK(BM_ChildOfActiveSpan);

}  // namespace

BENCHMARK_MAIN();
