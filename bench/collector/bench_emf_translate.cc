// OTLP metrics → CloudWatch EMF (awsemf exporter): translation and the PutLogEvents body, in ns per
// data point. The workload is the end-to-end benchmark's (bench/collector/emf): requests of 10 gauges
// × 10 series (a "route" label) from one resource (service.name) and scope, each request at its own
// time; a batch holds 1 or 50 requests (50: the batch processor's one-second batch at 5,000 points/s).
//
//   BM_EmfTranslate/<requests>       Translate a message into EmfEvents (plain documents, the tests'
//                                    API; the message is serialized first, then read as bytes)
//   BM_EmfEventsBody/<requests>      the same, then a PutLogEvents body escaping each document again
//                                    (the exporter before documents were written escaped)
//   BM_EmfTranslateBytes/<requests>  Translate the encoded request into EmfDocuments written escaped
//                                    (the exporter reads the received bytes: no libprotobuf decoding)
//   BM_EmfDocumentsBody/<requests>   the same, then the body (the exporter's path)
//
// EMF_BENCH_ITERATIONS=N runs each benchmark exactly N times (one run), for instruction counts that
// repeat on a busy machine: run valgrind --tool=callgrind bench_emf_translate
// --benchmark_filter=BM_EmfTranslateBytes/50 with EMF_BENCH_ITERATIONS=10 and 30, and divide the
// difference of the counts by 20 × 5,000 points (the difference leaves out building the request).
#include <benchmark/benchmark.h>

#include <charconv>
#include <cstdlib>
#include <string>
#include <vector>

#include "collector/exporters/awsemf/emf_translator.h"
#include "collector/exporters/awsemf/put_log_events.h"
#include "common/json_writer.h"

namespace adot::collector::awsemf {
namespace {

constexpr int kMetrics = 10, kSeries = 10;
constexpr int64_t kNowMs = 1726707056000;

MetricsRequest Batch(int requests) {
  MetricsRequest req;
  for (int r = 0; r < requests; ++r) {
    auto* rm = req.add_resource_metrics();
    auto* attr = rm->mutable_resource()->add_attributes();
    attr->set_key("service.name");
    attr->mutable_value()->set_string_value("petsearch");
    auto* sm = rm->add_scope_metrics();
    sm->mutable_scope()->set_name("petsearch.metrics");
    const uint64_t time_ns = (kNowMs - 1000 + 20 * r) * 1000000ull;
    for (int m = 0; m < kMetrics; ++m) {
      auto* metric = sm->add_metrics();
      metric->set_name("pets_searched_" + std::to_string(m));
      metric->set_unit("1");
      for (int s = 0; s < kSeries; ++s) {
        auto* p = metric->mutable_gauge()->add_data_points();
        p->set_time_unix_nano(time_ns);
        p->set_as_double(r * 1.5 + s);
        auto* a = p->add_attributes();
        a->set_key("route");
        a->mutable_value()->set_string_value("/api/search/" + std::to_string(s));
      }
    }
  }
  return req;
}

// Args 1 and 50, and the fixed iteration count of EMF_BENCH_ITERATIONS.
void Batches(benchmark::internal::Benchmark* b) {
  b->Arg(1)->Arg(50);
  if (const char* n = std::getenv("EMF_BENCH_ITERATIONS"); n && std::atoi(n) > 0) b->Iterations(std::atoi(n));
}

EmfOptions Options() {
  EmfOptions o;
  o.log_group_name = "/bench/metrics";
  o.log_stream_name = "bench";
  return o;
}

// The data points of state.range(0) requests, per iteration: ns per point.
void SetNsPerPoint(benchmark::State& state) {
  state.counters["ns_per_point"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0) * kMetrics * kSeries),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_EmfTranslate(benchmark::State& state) {
  const MetricsRequest req = Batch(static_cast<int>(state.range(0)));
  EmfTranslator translator(Options());
  std::vector<EmfEvent> events;
  for (auto _ : state) {
    events.clear();
    translator.Translate(req, events, kNowMs);
    benchmark::DoNotOptimize(events.data());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0) * kMetrics * kSeries);
  SetNsPerPoint(state);
}
BENCHMARK(BM_EmfTranslate)->Apply(Batches);

// The body as the exporter built it from EmfEvents: every document escaped into it.
void BM_EmfEventsBody(benchmark::State& state) {
  const MetricsRequest req = Batch(static_cast<int>(state.range(0)));
  EmfTranslator translator(Options());
  size_t body_bytes = 0;
  for (auto _ : state) {
    std::vector<EmfEvent> events;
    translator.Translate(req, events, kNowMs);
    std::string body;
    body += "{\"logGroupName\":";
    common::AppendJsonString(events.front().log_group, body);
    body += ",\"logStreamName\":";
    common::AppendJsonString(events.front().log_stream, body);
    body += ",\"logEvents\":[";
    for (size_t i = 0; i < events.size(); ++i) {
      body += i ? ",{\"timestamp\":" : "{\"timestamp\":";
      body += std::to_string(events[i].timestamp_ms);
      body += ",\"message\":";
      common::AppendJsonString(events[i].message, body);
      body += '}';
    }
    body += "]}";
    body_bytes = body.size();
    benchmark::DoNotOptimize(body.data());
  }
  SetNsPerPoint(state);
  state.counters["body_bytes"] = static_cast<double>(body_bytes);
}
BENCHMARK(BM_EmfEventsBody)->Apply(Batches);

// Translation alone, from the bytes.
void BM_EmfTranslateBytes(benchmark::State& state) {
  const std::string bytes = Batch(static_cast<int>(state.range(0))).SerializeAsString();
  EmfTranslator translator(Options());
  for (auto _ : state) {
    EmfDocuments docs;
    translator.Translate(bytes, docs, kNowMs);
    benchmark::DoNotOptimize(docs.text.data());
  }
  SetNsPerPoint(state);
}
BENCHMARK(BM_EmfTranslateBytes)->Apply(Batches);

// The exporter's path: documents written escaped from the bytes, planned into calls, the body
// assembled.
void BM_EmfDocumentsBody(benchmark::State& state) {
  const std::string bytes = Batch(static_cast<int>(state.range(0))).SerializeAsString();
  EmfTranslator translator(Options());
  size_t body_bytes = 0;
  for (auto _ : state) {
    EmfDocuments docs;
    translator.Translate(bytes, docs, kNowMs);
    PutLogEventsPlan plan = PlanPutLogEvents(docs, kNowMs);
    std::string body;
    for (const PutLogEventsCall& call : plan.calls) {
      body.clear();
      AppendPutLogEventsBody(docs, plan, call, body);
    }
    body_bytes = body.size();
    benchmark::DoNotOptimize(body.data());
  }
  SetNsPerPoint(state);
  state.counters["body_bytes"] = static_cast<double>(body_bytes);
}
BENCHMARK(BM_EmfDocumentsBody)->Apply(Batches);

}  // namespace
}  // namespace adot::collector::awsemf

BENCHMARK_MAIN();
