// The project's own SDK (traces: the metrics and logs SDKs do not exist yet) sends through each of
// its OTLP exporters — grpc, http/protobuf, http/json — to the real adot-collector binary, which
// forwards through both the otlp (gRPC) and the otlphttp exporter to sinks in this process that
// decode with libprotobuf. Every span must arrive once through each path with every field, its
// resource and its scope equal to the reference: the same spans as the SDK's http/protobuf
// exporter encodes them, sent straight to a sink, bypassing the collector (tests/interop checks
// that encoding against the SDK's SpanData field by field).
//
// One provider, four batch processors: the reference exporter and one exporter per protocol, each
// to its own collector receiver and pipeline, so the three copies of every span stay apart.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <limits>
#include <span>

#include "adot/api/context.h"
#include "adot/api/trace/span.h"
#include "adot/api/trace/tracer.h"
#include "adot/exporters/otlp/otlp_grpc_exporter.h"
#include "adot/exporters/otlp/otlp_http_exporter.h"
#include "adot/sdk/resource.h"
#include "adot/sdk/trace/processor.h"
#include "adot/sdk/trace/tracer_provider.h"
#include "collector/test_util.h"
#include "collector_process.h"
#include "otlp_sinks.h"
#include "support/http_test_server.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using adot::test::HttpTestServer;
using exporters::otlp::OtlpExporterOptions;
using exporters::otlp::Protocol;
using testing::CollectorProcess;
using testing::ExpectSame;
using testing::FreePort;
using testing::GrpcSink;
using testing::Items;
using testing::TakeHttp;
using testing::WaitHealthy;
namespace api_trace = adot::api::trace;

std::string Port(uint16_t p) { return std::to_string(p); }

// Spans with every field of the data model: every attribute type (int64 extremes, NaN and the
// infinities, which OTLP/JSON writes as strings), events, links with trace state, every kind and
// status, a remote parent, two scopes, a resource with a schema URL, and limits forcing drops.
// (-0.0 has its own test, CollectorDeliveryTest.OtlpJsonNegativeZeroKeepsItsSign.)
size_t RecordSpans(sdk::trace::TracerProvider& provider) {
  using api::KeyValue;
  auto tracer_a = provider.GetTracer("collector.sdk.scope.a", "1.2.3", "https://opentelemetry.io/schemas/1.24.0",
                                     {{"scope.attr", "scope-value"}, {"scope.int", 7}});
  auto tracer_b = provider.GetTracer("collector.sdk.scope.b");
  size_t ended = 0;

  const api_trace::SpanContext linked(api_trace::TraceId::FromHex("0af7651916cd43dd8448eb211c80319c"),
                                      api_trace::SpanId::FromHex("b7ad6b7169203331"), api_trace::TraceFlags(0x01),
                                      true, api_trace::TraceState::FromHeader("vendor1=value1,tenant@vendor2=x"));
  const api_trace::SpanContext linked_unsampled(api_trace::TraceId::FromHex("ffffffffffffffffffffffffffffffff"),
                                                api_trace::SpanId::FromHex("0000000000000001"),
                                                api_trace::TraceFlags(0x00), false);
  const std::vector<KeyValue> link_attributes = {{"link.string", "ü"}, {"link.int", int64_t{-3}}};
  const api_trace::Link links[] = {{linked, link_attributes}, {linked_unsampled, {}}};

  const bool bools[] = {true, false};
  const int64_t ints[] = {std::numeric_limits<int64_t>::min(), -1, 0, 9007199254740993,
                          std::numeric_limits<int64_t>::max()};
  const double doubles[] = {1.5, -2.25, 0.0, 1e-300, std::numeric_limits<double>::infinity()};
  const std::string_view strings[] = {"a", "ü日本", "", "with \"quotes\", commas\n"};
  const std::vector<KeyValue> everything = {
      {"bool.true", true},
      {"bool.false", false},
      {"int.zero", int64_t{0}},
      {"int.min", std::numeric_limits<int64_t>::min()},
      {"int.max", std::numeric_limits<int64_t>::max()},
      {"int.2^53+1", int64_t{9007199254740993}},
      {"double.pi", 3.141592653589793},
      {"double.denormal", 5e-324},
      {"double.infinity", std::numeric_limits<double>::infinity()},
      {"double.-infinity", -std::numeric_limits<double>::infinity()},
      {"double.nan", std::numeric_limits<double>::quiet_NaN()},
      {"string.empty", ""},
      {"string.unicode", "héllo wörld ✓ 日本語 😀"},
      {"string.escapes", "quote\" backslash\\ slash/ \b\f\n\r\t \x01\x1f end"},
      {"array.bool", std::span<const bool>(bools)},
      {"array.int", std::span<const int64_t>(ints)},
      {"array.double", std::span<const double>(doubles)},
      {"array.string", std::span<const std::string_view>(strings)},
  };
  api_trace::StartSpanOptions server_options;
  server_options.kind = api_trace::SpanKind::kServer;
  server_options.root = true;
  server_options.start_time_unix_nano = 1'700'000'000'123'456'789ull;
  server_options.links = links;
  auto server = tracer_a->StartSpan("GET /ünïcödé/{id}", everything, server_options);
  server->SetAttribute("over.limit.1", 1);  // over the attribute limit: dropped and counted
  server->SetAttribute("over.limit.2", "x");
  server->AddEvent("event with attributes ✓",
                   {{"e.string", "v"}, {"e.int", int64_t{-9}}, {"e.double", 0.25}, {"e.bool", true},
                    {"e.array", std::span<const int64_t>(ints)}, {"e.dropped", 1}},
                   1'700'000'000'123'456'790ull);
  server->AddEvent("event without attributes", {}, 1'700'000'000'200'000'000ull);
  server->RecordException("std::runtime_error", "bad thing: ✗", "frame 0\nframe 1", {}, 1'700'000'000'300'000'000ull);
  server->AddEvent("event over the limit", {}, 1'700'000'000'400'000'000ull);
  server->SetStatus(api_trace::StatusCode::kError, "failed: ✗");
  const api::Context server_context = api_trace::ContextWithSpan(api::Context(), server);

  const std::pair<api_trace::SpanKind, const char*> kinds[] = {
      {api_trace::SpanKind::kInternal, "internal"},
      {api_trace::SpanKind::kClient, "client"},
      {api_trace::SpanKind::kProducer, "producer"},
      {api_trace::SpanKind::kConsumer, "consumer"},
  };
  for (const auto& [kind, name] : kinds) {
    api_trace::StartSpanOptions options;
    options.kind = kind;
    options.parent = &server_context;
    auto child = tracer_a->StartSpan(name, {{"kind.name", name}}, options);
    if (kind == api_trace::SpanKind::kClient) {
      child->SetStatus(api_trace::StatusCode::kOk);
      child->AddLink(linked, {{"added.after.start", true}});
    }
    child->End();
    ++ended;
  }
  server->End(1'700'000'001'623'456'789ull);
  ++ended;

  const api_trace::SpanContext remote_parent(api_trace::TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
                                             api_trace::SpanId::FromHex("00f067aa0ba902b7"),
                                             api_trace::TraceFlags(0x03), true,
                                             api_trace::TraceState::FromHeader("rojo=00f067aa0ba902b7"));
  const api::Context remote_context = api_trace::ContextWithSpan(
      api::Context(), std::make_shared<api_trace::NonRecordingSpan>(remote_parent));
  api_trace::StartSpanOptions consumer_options;
  consumer_options.kind = api_trace::SpanKind::kConsumer;
  consumer_options.parent = &remote_context;
  auto consumer = tracer_b->StartSpan("process message", consumer_options);
  consumer->SetStatus(api_trace::StatusCode::kError);
  consumer->End();
  ++ended;

  api_trace::StartSpanOptions root_options;
  root_options.root = true;
  tracer_b->StartSpan("root of scope b", root_options)->End();
  ++ended;
  return ended;
}

TEST(CollectorSdkTest, SdkSpansOverEveryProtocolArriveEqualThroughOtlpAndOtlpHttp) {
  struct Path {
    const char* name;
    Protocol protocol;
    uint16_t port = 0;  // the collector receiver's
    std::unique_ptr<GrpcSink> grpc_sink = std::make_unique<GrpcSink>();
  };
  Path paths[] = {{"grpc", Protocol::kGrpc}, {"proto", Protocol::kHttpProtobuf}, {"json", Protocol::kHttpJson}};
  HttpTestServer http_sink;  // the reference under /ref, otlphttp out of each pipeline under /<name>
  uint16_t health = FreePort();
  std::string receivers, exporters, pipelines;
  for (auto& p : paths) {
    p.port = FreePort();
    const std::string name = p.name, endpoint = "{endpoint: \"127.0.0.1:" + Port(p.port) + "\"}";
    receivers += "  otlp/" + name + ":\n    protocols: {" +
                 (p.protocol == Protocol::kGrpc ? "grpc: " : "http: ") + endpoint + "}\n";
    exporters += "  otlp/" + name + ":\n    endpoint: \"127.0.0.1:" + Port(p.grpc_sink->port()) +
                 "\"\n    tls: {insecure: true}\n    retry_on_failure: {initial_interval: 50ms}\n";
    exporters += "  otlphttp/" + name + ":\n    endpoint: \"" + http_sink.Url("/" + name) +
                 "\"\n    retry_on_failure: {initial_interval: 50ms}\n";
    pipelines += "    traces/" + name + ": {receivers: [otlp/" + name + "], exporters: [otlp/" + name +
                 ", otlphttp/" + name + "]}\n";
  }
  CollectorProcess collector("receivers:\n" + receivers + "exporters:\n" + exporters +
                             "extensions:\n  health_check: {endpoint: \"127.0.0.1:" + Port(health) +
                             "\"}\nservice:\n  extensions: [health_check]\n"
                             "  telemetry: {metrics: {level: none}}\n  pipelines:\n" + pipelines);
  ASSERT_TRUE(WaitHealthy(health)) << collector.Log();

  auto batch = [](std::unique_ptr<sdk::trace::SpanExporter> exporter) {
    sdk::trace::BatchSpanProcessorOptions o;
    o.schedule_delay = 60s;  // only ForceFlush exports: one request each
    return std::make_shared<sdk::trace::BatchSpanProcessor>(std::move(exporter), o);
  };
  auto options = [](std::string endpoint, Protocol protocol) {
    OtlpExporterOptions o;
    o.endpoint = std::move(endpoint);
    o.protocol = protocol;
    o.timeout = 5s;
    o.retry.max_attempts = 1;  // a failed export shows as a failure, not as a delay
    return o;
  };
  std::vector<std::shared_ptr<sdk::trace::BatchSpanProcessor>> processors;
  processors.push_back(batch(exporters::otlp::CreateOtlpHttpSpanExporter(
      options(http_sink.Url("/ref/v1/traces"), Protocol::kHttpProtobuf))));
  for (auto& p : paths) {
    const std::string base = "http://127.0.0.1:" + Port(p.port);
    processors.push_back(batch(p.protocol == Protocol::kGrpc
                                   ? exporters::otlp::CreateOtlpGrpcSpanExporter(options(base, p.protocol))
                                   : exporters::otlp::CreateOtlpHttpSpanExporter(
                                         options(base + "/v1/traces", p.protocol))));
  }
  sdk::trace::TracerProviderOptions provider_options;
  provider_options.resource = std::make_shared<const sdk::Resource>(
      sdk::OwnedAttributes{{"service.name", std::string("collector-sdk-test")},
                           {"res.int", int64_t{-1234567890123}},
                           {"res.double", 0.1},
                           {"res.strings", std::vector<std::string>{"a", "b,c", ""}}},
      "https://opentelemetry.io/schemas/1.26.0");
  provider_options.limits.attribute_count = 20;
  provider_options.limits.event_count = 3;
  provider_options.limits.event_attribute_count = 5;
  provider_options.limits.link_attribute_count = 1;
  for (auto& p : processors) provider_options.processors.push_back(p);
  sdk::trace::TracerProvider provider(std::move(provider_options));
  const size_t ended = RecordSpans(provider);
  ASSERT_TRUE(provider.ForceFlush(10s));
  for (size_t i = 0; i < processors.size(); ++i) {
    auto stats = processors[i]->GetStats();
    EXPECT_EQ(stats.exported, ended) << "exporter " << i << "\n" << collector.Log();
    EXPECT_EQ(stats.export_failed, 0u) << "exporter " << i;
  }
  EXPECT_TRUE(provider.Shutdown(10s));

  Items reference, unused;
  std::string error;
  ASSERT_TRUE(TakeHttp(http_sink, "/ref", reference, unused, unused, error)) << error;
  ASSERT_EQ(reference.size(), ended);

  for (auto& p : paths) {
    SCOPED_TRACE(std::string("SDK exporter: ") + p.name);
    Items via_grpc, via_http;
    for (auto end = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < end;) {
      via_grpc.clear(), via_http.clear();
      p.grpc_sink->Take(via_grpc, unused, unused);
      ASSERT_TRUE(TakeHttp(http_sink, std::string("/") + p.name, via_http, unused, unused, error)) << error;
      if (via_grpc.size() >= ended && via_http.size() >= ended) break;
      std::this_thread::sleep_for(20ms);
    }
    ExpectSame(reference, via_grpc, "spans through the otlp exporter");
    ExpectSame(reference, via_http, "spans through the otlphttp exporter");
  }
  EXPECT_TRUE(unused.empty());
  EXPECT_EQ(collector.Terminate(10s), 0) << collector.Log();
}

}  // namespace
}  // namespace adot::collector
