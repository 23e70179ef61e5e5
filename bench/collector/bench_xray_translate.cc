// Span → X-Ray segment document translation (awsxray exporter): documents per second for a batch
// of typical spans. The request holds 4 resources (service.name, telemetry.sdk.*, cloud.provider /
// platform / region / account, host.id: 9 attributes) of 128 spans each, alternating a SERVER span
// with 8 HTTP attributes and a CLIENT child span with 6 attributes.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "collector/exporters/awsxray/translator.h"

namespace adot::collector {
namespace {

using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::trace::v1::Span;
using Attrs = google::protobuf::RepeatedPtrField<KeyValue>;

constexpr int kResources = 4;
constexpr int kSpansPerResource = 128;

void Str(Attrs* a, const char* key, const std::string& value) {
  KeyValue* kv = a->Add();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}
void Int(Attrs* a, const char* key, int64_t value) {
  KeyValue* kv = a->Add();
  kv->set_key(key);
  kv->mutable_value()->set_int_value(value);
}

TracesRequest TypicalRequest() {
  TracesRequest req;
  uint64_t id = 0x1000;
  for (int r = 0; r < kResources; ++r) {
    auto* rs = req.add_resource_spans();
    Attrs* res = rs->mutable_resource()->mutable_attributes();
    Str(res, "service.name", "checkout-" + std::to_string(r));
    Str(res, "telemetry.sdk.name", "opentelemetry");
    Str(res, "telemetry.sdk.language", "cpp");
    Str(res, "telemetry.sdk.version", "1.16.1");
    Str(res, "cloud.provider", "aws");
    Str(res, "cloud.platform", "aws_ec2");
    Str(res, "cloud.region", "us-east-1");
    Str(res, "cloud.account.id", "123456789012");
    Str(res, "host.id", "i-0abc123def4567890");
    auto* ss = rs->add_scope_spans();
    ss->mutable_scope()->set_name("adot.bench");
    for (int i = 0; i < kSpansPerResource; ++i) {
      Span* s = ss->add_spans();
      std::string trace(16, '\0');
      for (int b = 0; b < 16; ++b) trace[b] = static_cast<char>(0x4b + r * 7 + i / 2 + b * 13);
      s->set_trace_id(trace);
      std::string span_id(8, '\0');
      ++id;
      for (int b = 0; b < 8; ++b) span_id[b] = static_cast<char>(id >> (8 * (7 - b)));
      s->set_span_id(span_id);
      s->set_start_time_unix_nano(1726707056546713800ull + i * 1000003ull);
      s->set_end_time_unix_nano(1726707056546713800ull + i * 1000003ull + 23456789ull);
      Attrs* a = s->mutable_attributes();
      if (i % 2 == 0) {
        s->set_name("GET /api/cart/{id}");
        s->set_kind(Span::SPAN_KIND_SERVER);
        Str(a, "http.request.method", "GET");
        Str(a, "url.scheme", "https");
        Str(a, "url.path", "/api/cart/" + std::to_string(i));
        Str(a, "server.address", "shop.example.com");
        Int(a, "server.port", 443);
        Str(a, "http.route", "/api/cart/{id}");
        Str(a, "user_agent.original", "Mozilla/5.0 (X11; Linux x86_64)");
        Int(a, "http.response.status_code", 200);
      } else {
        s->set_name("GET");
        s->set_kind(Span::SPAN_KIND_CLIENT);
        s->set_parent_span_id(span_id);
        Str(a, "http.request.method", "GET");
        Str(a, "url.full", "http://inventory.internal:8080/items/" + std::to_string(i));
        Str(a, "server.address", "inventory.internal");
        Int(a, "server.port", 8080);
        Int(a, "http.response.status_code", 200);
        Str(a, "network.protocol.version", "1.1");
      }
    }
  }
  return req;
}

void BM_XrayTranslate(benchmark::State& state) {
  const TracesRequest req = TypicalRequest();
  const awsxray::SegmentTranslator translator(awsxray::TranslateOptions{});
  std::vector<std::string> docs;
  size_t bytes = 0;
  for (auto _ : state) {
    docs.clear();
    translator.Translate(req, docs);
    bytes = 0;
    for (const auto& d : docs) bytes += d.size();
    benchmark::DoNotOptimize(docs.data());
  }
  state.SetItemsProcessed(state.iterations() * kResources * kSpansPerResource);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes));
  state.counters["doc_bytes"] = static_cast<double>(bytes) / (kResources * kSpansPerResource);
}
BENCHMARK(BM_XrayTranslate);

}  // namespace
}  // namespace adot::collector

BENCHMARK_MAIN();
