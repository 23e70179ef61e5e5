// The awsxray receiver's per-datagram work: ParseDaemonDatagram (datagram -> Segment) and
// AppendSegment (Segment -> OTLP bytes of a batch), alone and together as the receiver does them
// (one Segment reused for every datagram, ~10 datagrams per batch, each batch a new buffer sized
// like the previous one). The datagram is the
// one the UDP load generator sends (xray/sample_datagram.h): a segment with http, aws, annotations
// and metadata and 2 subsegments, ~1 KB, fresh ids. Read the ns_per_datagram counter.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "aws/xray_segment.h"
#include "common/proto_writer.h"
#include "collector/receivers/awsxray/segment_translator.h"
#include "xray/sample_datagram.h"

namespace adot::collector {
namespace {

constexpr int kDatagramsPerBatch = 10;
constexpr int kDistinctDatagrams = 64;

const std::vector<std::string>& Datagrams() {
  static const std::vector<std::string> datagrams = [] {
    std::mt19937_64 rng(42);
    std::vector<std::string> out;
    for (int i = 0; i < kDistinctDatagrams; ++i) out.push_back(bench::xray::SampleDatagram(rng, 1764331200.25 + i));
    return out;
  }();
  return datagrams;
}

// Seconds per datagram, from `datagrams` datagrams handled per iteration.
benchmark::Counter PerDatagram(int datagrams) {
  return benchmark::Counter(datagrams, benchmark::Counter::kIsIterationInvariantRate |
                                           benchmark::Counter::kInvert);
}

void BM_ParseDatagram(benchmark::State& state) {
  const auto& datagrams = Datagrams();
  aws::xray::Segment segment;
  std::string error;
  size_t i = 0;
  for (auto _ : state) {
    if (!aws::xray::ParseDaemonDatagram(datagrams[i++ % datagrams.size()], segment, error)) {
      state.SkipWithError(error.c_str());
      break;
    }
    benchmark::DoNotOptimize(segment);
  }
  state.counters["ns_per_datagram"] = PerDatagram(1);
}
BENCHMARK(BM_ParseDatagram);

void BM_AppendSegment(benchmark::State& state) {
  std::vector<aws::xray::Segment> segments(kDatagramsPerBatch);
  std::string error;
  for (int i = 0; i < kDatagramsPerBatch; ++i) {
    if (!aws::xray::ParseDaemonDatagram(Datagrams()[i], segments[i], error)) {
      state.SkipWithError(error.c_str());
      return;
    }
  }
  size_t capacity = 4096;
  for (auto _ : state) {
    std::string batch;
    batch.reserve(capacity);
    {
      common::proto::ProtoWriter writer(batch);
      for (const aws::xray::Segment& segment : segments) {
        if (awsxray::AppendSegment(segment, writer, error) == 0) {
          state.SkipWithError(error.c_str());
          break;
        }
      }
    }
    capacity = batch.size() + batch.size() / 4;
    benchmark::DoNotOptimize(batch);
  }
  state.counters["ns_per_datagram"] = PerDatagram(kDatagramsPerBatch);
}
BENCHMARK(BM_AppendSegment);

// As the receiver's poll loop: each datagram parsed into one Segment, then appended to the batch.
void BM_ParseAndAppend(benchmark::State& state) {
  const auto& datagrams = Datagrams();
  aws::xray::Segment segment;
  std::string error;
  size_t next = 0;
  size_t capacity = 4096;
  for (auto _ : state) {
    std::string batch;
    batch.reserve(capacity);
    {
      common::proto::ProtoWriter writer(batch);
      for (int i = 0; i < kDatagramsPerBatch; ++i) {
        if (!aws::xray::ParseDaemonDatagram(datagrams[next++ % datagrams.size()], segment, error) ||
            awsxray::AppendSegment(segment, writer, error) == 0) {
          state.SkipWithError(error.c_str());
          break;
        }
      }
    }
    capacity = batch.size() + batch.size() / 4;
    benchmark::DoNotOptimize(batch);
  }
  state.counters["ns_per_datagram"] = PerDatagram(kDatagramsPerBatch);
}
BENCHMARK(BM_ParseAndAppend);

}  // namespace
}  // namespace adot::collector

BENCHMARK_MAIN();
