// The batch span processor end to end.
//
//   BM_EndToOtlpBytes      spans/s from End() to OTLP protobuf bytes, application thread and
//                          export thread pinned to the same core
//   BM_PacedToLoopback     a paced load through the real OTLP/HTTP exporter to a loopback sink,
//                          default processor settings: how many spans are dropped
//   BM_EndLatencyStalled   End() latency percentiles while the endpoint accepts and never answers
//
//   build/release/bench/bench_batch_export
#include <benchmark/benchmark.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "adot/api/trace.h"
#include "adot/exporters/otlp/otlp_http_exporter.h"
#include "adot/sdk/trace/tracer_provider.h"
#include "exporters/otlp/otlp_trace_encoder.h"
#include "loopback_sink.h"

namespace {

using namespace adot;
using Clock = std::chrono::steady_clock;

// Encodes every batch as an OTLP request, as the HTTP exporter does, and keeps only the size.
class EncodingExporter final : public sdk::trace::SpanExporter {
 public:
  sdk::ExportResult Export(sdk::trace::SpanBatch spans) noexcept override {
    buffer_.clear();
    exporters::otlp::EncodeTraceRequestProto(spans, buffer_);
    bytes += buffer_.size();
    return sdk::ExportResult::kSuccess;
  }
  bool Shutdown(std::chrono::milliseconds) noexcept override { return true; }
  uint64_t bytes = 0;

 private:
  std::string buffer_;
};

void PinToCpu(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof(set), &set);
}

void UnpinAll() {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int i = 0; i < CPU_SETSIZE; ++i) CPU_SET(i, &set);
  sched_setaffinity(0, sizeof(set), &set);
}

// Ten attributes with 20-character values.
struct SpanShape {
  std::vector<std::string> keys, values;
  std::vector<api::KeyValue> attributes;
  SpanShape() {
    for (int i = 0; i < 10; ++i) {
      keys.push_back("attribute.key." + std::to_string(i));
      values.push_back("value-" + std::string(13, static_cast<char>('a' + i)) + "-");
    }
    for (int i = 0; i < 10; ++i) attributes.push_back({keys[i], values[i]});
  }
};

std::shared_ptr<sdk::trace::TracerProvider> MakeProvider(
    std::unique_ptr<sdk::trace::SpanExporter> exporter, sdk::trace::BatchSpanProcessorOptions bsp,
    std::shared_ptr<sdk::trace::BatchSpanProcessor>* processor_out) {
  sdk::trace::TracerProviderOptions options;
  options.resource = std::make_shared<const sdk::Resource>(sdk::Resource::Create());
  auto processor = std::make_shared<sdk::trace::BatchSpanProcessor>(std::move(exporter), bsp);
  *processor_out = processor;
  options.processors.push_back(processor);
  return std::make_shared<sdk::trace::TracerProvider>(std::move(options));
}

void BM_EndToOtlpBytes(benchmark::State& state) {
  PinToCpu(0);  // before the provider exists, so its export thread inherits the pinning
  SpanShape shape;
  auto exporter = std::make_unique<EncodingExporter>();
  EncodingExporter* encoder = exporter.get();
  sdk::trace::BatchSpanProcessorOptions bsp;
  bsp.max_queue_size = 1 << 16;  // sized so that a single core never drops: this measures cost
  std::shared_ptr<sdk::trace::BatchSpanProcessor> processor;
  auto provider = MakeProvider(std::move(exporter), bsp, &processor);
  auto tracer = provider->GetTracer("bench");
  const int kSpans = 100000;
  for (auto _ : state) {
    auto start = Clock::now();
    for (int i = 0; i < kSpans; ++i) {
      tracer->StartSpan("GET /api/adoptionlist/", api::AttributeView(shape.attributes))->End();
    }
    processor->ForceFlush(std::chrono::seconds(60));
    state.SetIterationTime(std::chrono::duration<double>(Clock::now() - start).count());
  }
  auto stats = processor->GetStats();
  state.SetItemsProcessed(state.iterations() * kSpans);
  state.counters["dropped"] = static_cast<double>(stats.dropped);
  state.counters["otlp_bytes_per_span"] =
      static_cast<double>(encoder->bytes) / static_cast<double>(stats.exported);
  provider->Shutdown();
  UnpinAll();
}
BENCHMARK(BM_EndToOtlpBytes)->UseManualTime()->Unit(benchmark::kMillisecond)->Iterations(5);

void BM_PacedToLoopback(benchmark::State& state) {
  const double rate = static_cast<double>(state.range(0));
  const double seconds = 2.0;
  bench::LoopbackSink sink;
  SpanShape shape;
  exporters::otlp::OtlpExporterOptions options;
  options.endpoint = sink.Url("/v1/traces");
  std::shared_ptr<sdk::trace::BatchSpanProcessor> processor;
  auto provider = MakeProvider(exporters::otlp::CreateOtlpHttpSpanExporter(options),
                               sdk::trace::BatchSpanProcessorOptions(), &processor);
  auto tracer = provider->GetTracer("bench");
  uint64_t sent = 0;
  for (auto _ : state) {
    const auto start = Clock::now();
    const auto total = static_cast<uint64_t>(rate * seconds);
    // Spans go out in small bursts every 100 us, as a busy service produces them.
    const auto step = std::chrono::microseconds(100);
    const uint64_t per_step = std::max<uint64_t>(1, static_cast<uint64_t>(rate / 10000));
    auto next = start;
    for (uint64_t i = 0; i < total;) {
      for (uint64_t k = 0; k < per_step && i < total; ++k, ++i) {
        tracer->StartSpan("GET /api/adoptionlist/", api::AttributeView(shape.attributes))->End();
      }
      next += step;
      while (Clock::now() < next) {
      }
    }
    sent += total;
  }
  processor->ForceFlush(std::chrono::seconds(30));
  auto stats = processor->GetStats();
  state.counters["spans_sent"] = static_cast<double>(sent);
  state.counters["exported"] = static_cast<double>(stats.exported);
  state.counters["dropped"] = static_cast<double>(stats.dropped);
  state.counters["requests"] = static_cast<double>(sink.requests());
  provider->Shutdown();
}
BENCHMARK(BM_PacedToLoopback)->Arg(200000)->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_EndLatencyStalled(benchmark::State& state) {
  bench::LoopbackSink sink(/*stall=*/true);
  exporters::otlp::OtlpExporterOptions options;
  options.endpoint = sink.Url("/v1/traces");
  std::shared_ptr<sdk::trace::BatchSpanProcessor> processor;
  auto provider = MakeProvider(exporters::otlp::CreateOtlpHttpSpanExporter(options),
                               sdk::trace::BatchSpanProcessorOptions(), &processor);
  auto tracer = provider->GetTracer("bench");
  SpanShape shape;
  std::vector<double> ns;
  const int kSpans = 200000;
  ns.reserve(kSpans);
  for (auto _ : state) {
    for (int i = 0; i < kSpans; ++i) {
      auto span = tracer->StartSpan("GET /api/adoptionlist/", api::AttributeView(shape.attributes));
      auto t0 = Clock::now();
      span->End();
      ns.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count());
    }
  }
  std::sort(ns.begin(), ns.end());
  auto pct = [&](double p) { return ns[static_cast<size_t>(p * (ns.size() - 1))]; };
  state.counters["p50_ns"] = pct(0.50);
  state.counters["p99_ns"] = pct(0.99);
  state.counters["p999_ns"] = pct(0.999);
  state.counters["max_ns"] = ns.back();
  state.counters["dropped"] = static_cast<double>(processor->GetStats().dropped);
  auto t0 = Clock::now();
  provider->Shutdown(std::chrono::milliseconds(500));
  state.counters["shutdown_ms"] =
      std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}
BENCHMARK(BM_EndLatencyStalled)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
