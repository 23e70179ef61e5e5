// Costs on the collector's hot path for a 512-span request (8 resources x 64 spans):
// accepting received bytes (wire scan only, the pass-through path) vs decoding with libprotobuf,
// joining batches on the wire vs merging decoded messages, and OTLP/JSON in and out.
#include <benchmark/benchmark.h>

#include "collector/core/otlp_json.h"
#include "collector/core/pdata.h"
#include "collector/processors/batch/batch_processor.h"
#include "collector/test_util.h"

namespace adot::collector {
namespace {

const std::string& RequestBytes() {
  static const std::string bytes = testing::MakeTracesRequest(8, 64).SerializeAsString();
  return bytes;
}

void BM_AcceptPassThrough(benchmark::State& state) {
  for (auto _ : state) {
    PData p;
    benchmark::DoNotOptimize(PData::FromProtoBytes(Signal::kTraces, RequestBytes(), p));
    std::string scratch;
    benchmark::DoNotOptimize(p.ProtoBytes(scratch).size());
  }
  state.SetItemsProcessed(state.iterations() * 512);
  state.SetBytesProcessed(state.iterations() * RequestBytes().size());
}
BENCHMARK(BM_AcceptPassThrough);

void BM_AcceptDecodeReencode(benchmark::State& state) {
  for (auto _ : state) {
    PData p;
    PData::FromProtoBytes(Signal::kTraces, RequestBytes(), p);
    p.MutableTraces();  // decode on the arena, drop the bytes
    std::string scratch;
    benchmark::DoNotOptimize(p.ProtoBytes(scratch).size());
  }
  state.SetItemsProcessed(state.iterations() * 512);
  state.SetBytesProcessed(state.iterations() * RequestBytes().size());
}
BENCHMARK(BM_AcceptDecodeReencode);

void BM_BatchJoinBytes(benchmark::State& state) {
  for (auto _ : state) {
    std::vector<PData> batches(16);
    for (auto& b : batches) PData::FromProtoBytes(Signal::kTraces, RequestBytes(), b);
    benchmark::DoNotOptimize(MergeBatches(Signal::kTraces, batches).ItemCount());
  }
  state.SetItemsProcessed(state.iterations() * 512 * 16);
}
BENCHMARK(BM_BatchJoinBytes);

void BM_BatchMergeDecoded(benchmark::State& state) {
  for (auto _ : state) {
    std::vector<PData> batches(16);
    for (auto& b : batches) {
      PData::FromProtoBytes(Signal::kTraces, RequestBytes(), b);
      b.MutableTraces();
    }
    benchmark::DoNotOptimize(MergeBatches(Signal::kTraces, batches).ItemCount());
  }
  state.SetItemsProcessed(state.iterations() * 512 * 16);
}
BENCHMARK(BM_BatchMergeDecoded);

void BM_OtlpJsonParse(benchmark::State& state) {
  PData p;
  PData::FromProtoBytes(Signal::kTraces, RequestBytes(), p);
  std::string json = p.Json();
  for (auto _ : state) {
    PData q;
    benchmark::DoNotOptimize(PData::FromJson(Signal::kTraces, json, q));
  }
  state.SetItemsProcessed(state.iterations() * 512);
  state.SetBytesProcessed(state.iterations() * json.size());
}
BENCHMARK(BM_OtlpJsonParse);

void BM_OtlpJsonPrint(benchmark::State& state) {
  PData p;
  PData::FromProtoBytes(Signal::kTraces, RequestBytes(), p);
  p.Traces();
  for (auto _ : state) benchmark::DoNotOptimize(p.Json().size());
  state.SetItemsProcessed(state.iterations() * 512);
}
BENCHMARK(BM_OtlpJsonPrint);

}  // namespace
}  // namespace adot::collector

BENCHMARK_MAIN();
