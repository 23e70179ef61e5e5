// OTLP encoder throughput. Traces: 512-span batches (the batch processor's default export size) of
// spans with 10 string attributes of 20 characters; items_per_second = spans encoded per second.
// Metrics: 1,000 data points (250 each of sum, gauge, explicit histogram with the default 15
// boundaries and exponential histogram with 20 buckets), 3 string attributes per point;
// items_per_second = data points encoded per second.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "adot/sdk/metrics/data.h"
#include "adot/sdk/metrics/view.h"
#include "adot/sdk/trace/span_data.h"
#include "exporters/otlp/otlp_metrics_encoder.h"
#include "exporters/otlp/otlp_trace_encoder.h"

namespace {

using adot::sdk::trace::SpanData;

std::vector<std::unique_ptr<SpanData>> MakeBatch(size_t spans) {
  auto resource = std::make_shared<const adot::sdk::Resource>(
      adot::sdk::OwnedAttributes{{"service.name", std::string("checkout-service")},
                                 {"telemetry.sdk.language", std::string("cpp")},
                                 {"telemetry.sdk.name", std::string("opentelemetry")},
                                 {"host.name", std::string("ip-10-0-0-1.ec2.internal")}});
  auto info = std::make_shared<adot::sdk::InstrumentationInfo>();
  info->scope.name = "io.adot.bench";
  info->scope.version = "1.0.0";
  info->resource = resource;

  std::vector<std::unique_ptr<SpanData>> batch;
  for (size_t i = 0; i < spans; ++i) {
    auto span = std::make_unique<SpanData>();
    uint8_t trace_id[16], span_id[8];
    for (int b = 0; b < 16; ++b) trace_id[b] = static_cast<uint8_t>(i * 31 + b + 1);
    for (int b = 0; b < 8; ++b) span_id[b] = static_cast<uint8_t>(i * 17 + b + 1);
    span->trace_id = adot::api::trace::TraceId(trace_id);
    span->span_id = adot::api::trace::SpanId(span_id);
    if (i % 4 != 0) span->parent_span_id = adot::api::trace::SpanId::FromBytes(trace_id + 8);
    span->flags = adot::api::trace::TraceFlags(1);
    span->name = "GET /api/v1/cart";
    span->kind = adot::api::trace::SpanKind::kServer;
    span->start_time_unix_nano = 1700000000000000000ull + i * 1000;
    span->end_time_unix_nano = span->start_time_unix_nano + 250000;
    for (int a = 0; a < 10; ++a) {
      // 18-character keys, 20-character values.
      span->attributes.push_back(
          {"app.attribute.key" + std::to_string(a), std::string(20, static_cast<char>('a' + a))});
    }
    span->instrumentation = info;
    batch.push_back(std::move(span));
  }
  return batch;
}

// The exporter's pattern: one output buffer reused across batches.
void BM_EncodeProto(benchmark::State& state) {
  const auto batch = MakeBatch(static_cast<size_t>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    out.clear();
    adot::exporters::otlp::EncodeTraceRequestProto(batch, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
}
BENCHMARK(BM_EncodeProto)->Arg(512);

// A fresh string per batch (includes buffer growth).
void BM_EncodeProtoFreshBuffer(benchmark::State& state) {
  const auto batch = MakeBatch(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    std::string out;
    adot::exporters::otlp::EncodeTraceRequestProto(batch, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_EncodeProtoFreshBuffer)->Arg(512);

void BM_EncodeJson(benchmark::State& state) {
  const auto batch = MakeBatch(static_cast<size_t>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    out.clear();
    adot::exporters::otlp::EncodeTraceRequestJson(batch, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
}
BENCHMARK(BM_EncodeJson)->Arg(512);

namespace metrics = adot::sdk::metrics;

metrics::ResourceMetrics MakeMetrics(size_t points) {
  metrics::ResourceMetrics rm;
  rm.resource = std::make_shared<const adot::sdk::Resource>(
      adot::sdk::OwnedAttributes{{"service.name", std::string("checkout-service")},
                                 {"telemetry.sdk.language", std::string("cpp")},
                                 {"host.name", std::string("ip-10-0-0-1.ec2.internal")}});
  auto scope = std::make_shared<adot::sdk::InstrumentationScope>();
  scope->name = "io.adot.bench";
  scope->version = "1.0.0";
  metrics::ScopeMetrics sm;
  sm.scope = scope;
  const uint64_t start = 1700000000000000000ull, now = start + 60000000000ull;
  auto attributes = [](size_t i) {
    return adot::sdk::OwnedAttributes{{"http.route", "/api/v1/item/" + std::to_string(i)},
                                      {"http.method", std::string("GET")},
                                      {"http.status_code", std::string("200")}};
  };
  const size_t per_kind = points / 4;
  metrics::SumData sum;
  metrics::GaugeData gauge;
  metrics::HistogramData histogram;
  metrics::ExponentialHistogramData exponential;
  for (size_t i = 0; i < per_kind; ++i) {
    sum.points.push_back({attributes(i), start, now, static_cast<int64_t>(i * 7), {}});
    gauge.points.push_back({attributes(i), 0, now, 0.5 * static_cast<double>(i), {}});
    metrics::HistogramPoint h;
    h.attributes = attributes(i);
    h.start_time_unix_nano = start;
    h.time_unix_nano = now;
    h.count = 100 + i;
    h.sum = 1234.5;
    h.has_min_max = true;
    h.min = 0.25;
    h.max = 900;
    h.boundaries = metrics::DefaultHistogramBoundaries();
    h.bucket_counts.assign(h.boundaries.size() + 1, i % 50);
    histogram.points.push_back(std::move(h));
    metrics::ExponentialHistogramPoint e;
    e.attributes = attributes(i);
    e.start_time_unix_nano = start;
    e.time_unix_nano = now;
    e.count = 100 + i;
    e.sum = 1234.5;
    e.has_min_max = true;
    e.min = 0.25;
    e.max = 900;
    e.scale = 3;
    e.positive.offset = -4;
    e.positive.counts.assign(20, i % 200);
    exponential.points.push_back(std::move(e));
  }
  sm.metrics.push_back({"http.server.requests", "Requests", "{request}", std::move(sum)});
  sm.metrics.push_back({"http.server.active", "Active requests", "{request}", std::move(gauge)});
  sm.metrics.push_back({"http.server.duration", "Duration", "ms", std::move(histogram)});
  sm.metrics.push_back({"http.server.duration.exp", "Duration", "ms", std::move(exponential)});
  rm.scope_metrics.push_back(std::move(sm));
  return rm;
}

void BM_EncodeMetricsProto(benchmark::State& state) {
  const auto rm = MakeMetrics(static_cast<size_t>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    out.clear();
    adot::exporters::otlp::EncodeMetricsRequestProto(rm, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
}
BENCHMARK(BM_EncodeMetricsProto)->Arg(1000);

void BM_EncodeMetricsJson(benchmark::State& state) {
  const auto rm = MakeMetrics(static_cast<size_t>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    out.clear();
    adot::exporters::otlp::EncodeMetricsRequestJson(rm, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(out.size()));
}
BENCHMARK(BM_EncodeMetricsJson)->Arg(1000);

}  // namespace

BENCHMARK_MAIN();
