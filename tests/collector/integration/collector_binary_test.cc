// Runs the real adot-collector binary on 127.0.0.1: OTLP/HTTP in -> batch -> otlphttp out to a
// loopback test server, decoded with libprotobuf; bad input; health check; SIGTERM drain.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <thread>

#include "collector/core/pdata.h"
#include "collector/test_util.h"
#include "collector_process.h"
#include "common/http_client.h"
#include "google/protobuf/util/message_differencer.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "support/http_test_server.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using adot::test::HttpTestServer;
using testing::CollectorProcess;
using testing::FreePort;
using testing::Send;
using testing::WaitHealthy;
using testing::MakeTracesRequest;
using Span = opentelemetry::proto::trace::v1::Span;

uint16_t g_metrics_port = 0;

std::string Config(uint16_t http, uint16_t grpc, uint16_t health, const std::string& backend,
                   const std::string& batch_timeout) {
  g_metrics_port = FreePort();
  return R"(
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:)" + std::to_string(http) + R"(", max_request_body_size: 65536}
      grpc: {endpoint: "127.0.0.1:)" + std::to_string(grpc) + R"("}
processors:
  batch: {timeout: )" + batch_timeout + R"(, send_batch_size: 100}
exporters:
  otlphttp:
    endpoint: ${env:ADOT_IT_BACKEND})" + R"(
    retry_on_failure: {initial_interval: 100ms}
  debug: {}
extensions:
  health_check: {endpoint: "127.0.0.1:)" + std::to_string(health) + R"("}
service:
  extensions: [health_check]
  telemetry: {logs: {level: debug}, metrics: {address: "127.0.0.1:)" + std::to_string(g_metrics_port) + R"("}}
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [otlphttp, debug]}
)";
}

std::map<std::string, Span> SpansById(const std::vector<adot::test::RecordedRequest>& requests) {
  std::map<std::string, Span> out;
  for (const auto& r : requests) {
    TracesRequest t;
    EXPECT_TRUE(t.ParseFromString(r.body));
    for (const auto& rs : t.resource_spans())
      for (const auto& ss : rs.scope_spans())
        for (const auto& s : ss.spans()) out[s.span_id()] = s;
  }
  return out;
}

TEST(CollectorBinaryTest, OtlpHttpInOtlpHttpOutEverySpanEqual) {
  HttpTestServer backend;
  setenv("ADOT_IT_BACKEND", backend.Url("").c_str(), 1);
  uint16_t http = FreePort(), grpc = FreePort(), health = FreePort();
  CollectorProcess collector(Config(http, grpc, health, backend.Url(""), "100ms"));
  ASSERT_TRUE(WaitHealthy(health)) << collector.Log();
  std::string url = "http://127.0.0.1:" + std::to_string(http) + "/v1/traces";

  std::map<std::string, Span> sent;
  for (int i = 0; i < 5; ++i) {
    TracesRequest req = MakeTracesRequest(2, 10, "req" + std::to_string(i));
    // distinct span ids across requests
    for (auto& rs : *req.mutable_resource_spans())
      for (auto& ss : *rs.mutable_scope_spans())
        for (auto& s : *ss.mutable_spans()) {
          s.mutable_span_id()->at(7) = static_cast<char>(i);
          sent[s.span_id()] = s;
        }
    auto resp = Send("POST", url, req.SerializeAsString());
    ASSERT_EQ(resp.status, 200) << resp.error_message << collector.Log();
  }
  // Bad input is answered and does not disturb the collector.
  EXPECT_EQ(Send("POST", url, "\x0a\xff\xff\xff\x0fgarbage").status, 400);
  EXPECT_EQ(Send("POST", url, std::string(100000, 'x')).status, 413);
  EXPECT_EQ(Send("POST", url, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"eee19b7ec3c1b174\",\"name\":\"json\"}]}]}]}",
                 "application/json").status, 200);

  auto deadline = std::chrono::steady_clock::now() + 10s;
  std::map<std::string, Span> received;
  while (std::chrono::steady_clock::now() < deadline) {
    received = SpansById(backend.Requests());
    if (received.size() >= sent.size() + 1) break;
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(received.size(), sent.size() + 1) << collector.Log();
  for (const auto& [id, span] : sent) {
    ASSERT_TRUE(received.count(id));
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(received[id], span)) << span.name();
  }
  std::string json_span_id("\xee\xe1\x9b\x7e\xc3\xc1\xb1\x74", 8);
  ASSERT_TRUE(received.count(json_span_id));
  EXPECT_EQ(received[json_span_id].name(), "json");
  for (const auto& r : backend.Requests()) {
    EXPECT_EQ(r.target, "/v1/traces");
    EXPECT_EQ(r.Header("content-encoding"), "gzip");
  }
  // Self-telemetry with the Go collector's names.
  auto metrics = Send("GET", "http://127.0.0.1:" + std::to_string(g_metrics_port) + "/metrics", "").body;
  EXPECT_NE(metrics.find("otelcol_receiver_accepted_spans_total{receiver=\"otlp\"} 101"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("otelcol_receiver_refused_spans_total{receiver=\"otlp\"} 0"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("otelcol_exporter_sent_spans_total{exporter=\"otlphttp\"} 101"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("otelcol_exporter_queue_capacity{exporter=\"otlphttp\",data_type=\"traces\"} 1000"),
            std::string::npos) << metrics;
  EXPECT_NE(metrics.find("otelcol_processor_incoming_items_total{otel_signal=\"traces\",processor=\"batch\"} 101"),
            std::string::npos) << metrics;
  EXPECT_NE(metrics.find("otelcol_processor_outgoing_items_total{otel_signal=\"traces\",processor=\"batch\"} 101"),
            std::string::npos) << metrics;
  EXPECT_NE(metrics.find("otelcol_process_cpu_seconds_total "), std::string::npos) << metrics;
  EXPECT_EQ(collector.Terminate(10s), 0) << collector.Log();
}

TEST(CollectorBinaryTest, OtlpGrpcInOtlpHttpOut) {
  HttpTestServer backend;
  setenv("ADOT_IT_BACKEND", backend.Url("").c_str(), 1);
  uint16_t http = FreePort(), grpc = FreePort(), health = FreePort();
  CollectorProcess collector(Config(http, grpc, health, backend.Url(""), "50ms"));
  ASSERT_TRUE(WaitHealthy(health)) << collector.Log();
  auto stub = opentelemetry::proto::collector::trace::v1::TraceService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc), grpc::InsecureChannelCredentials()));
  TracesRequest req = MakeTracesRequest(3, 4, "grpc");
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse resp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 5s);
  grpc::Status st = stub->Export(&ctx, req, &resp);
  ASSERT_TRUE(st.ok()) << st.error_message() << collector.Log();
  ASSERT_TRUE(backend.WaitForRequests(1, 5s)) << collector.Log();
  auto requests = backend.Requests();
  TracesRequest got;
  ASSERT_TRUE(got.ParseFromString(requests[0].body));
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(got, req));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(collector.Terminate(10s), 0) << collector.Log();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s) << collector.Log();
}

TEST(CollectorBinaryTest, SigtermDrainsTheBatchAndExitsCleanly) {
  HttpTestServer backend;
  setenv("ADOT_IT_BACKEND", backend.Url("").c_str(), 1);
  uint16_t http = FreePort(), grpc = FreePort(), health = FreePort();
  CollectorProcess collector(Config(http, grpc, health, backend.Url(""), "1h"));
  ASSERT_TRUE(WaitHealthy(health)) << collector.Log();
  std::string url = "http://127.0.0.1:" + std::to_string(http) + "/v1/traces";
  ASSERT_EQ(Send("POST", url, MakeTracesRequest(1, 7).SerializeAsString()).status, 200);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(backend.RequestCount(), 0u);  // held by the batch processor (timeout 1h)
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(collector.Terminate(10s), 0) << collector.Log();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  EXPECT_EQ(SpansById(backend.Requests()).size(), 7u) << collector.Log();
}

TEST(CollectorBinaryTest, SigtermWithAStalledBackendExitsByTheDeadline) {
  HttpTestServer backend;
  backend.SetStall(true);
  setenv("ADOT_IT_BACKEND", backend.Url("").c_str(), 1);
  uint16_t http = FreePort(), grpc = FreePort(), health = FreePort();
  CollectorProcess collector(Config(http, grpc, health, backend.Url(""), "0s"), {"--shutdown-timeout", "1s"});
  ASSERT_TRUE(WaitHealthy(health)) << collector.Log();
  std::string url = "http://127.0.0.1:" + std::to_string(http) + "/v1/traces";
  ASSERT_EQ(Send("POST", url, MakeTracesRequest(1, 3).SerializeAsString()).status, 200);
  ASSERT_TRUE(backend.WaitForRequests(1, 5s));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(collector.Terminate(10s), 0) << collector.Log();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  // The stuck batch is counted as dropped.
  EXPECT_NE(collector.Log().find("dropping"), std::string::npos) << collector.Log();
  backend.SetStall(false);
}

TEST(CollectorBinaryTest, ValidateReportsEveryErrorAndComponentsLists) {
  char path[] = "/tmp/adot-collector-bad-XXXXXX";
  int fd = mkstemp(path);
  close(fd);
  std::ofstream(path) << "receivers: {otlp: {protocols: {http: {foo: 1}}}}\n"
                         "exporters: {otlphttp/app: {endpoint: ''}}\n"
                         "service: {pipelines: {traces: {receivers: [otlp], exporters: [otlphttp/app]}}}\n";
  std::string cmd = std::string(ADOT_COLLECTOR_BINARY) + " validate --config " + path + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[512];
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  int status = pclose(p);
  std::remove(path);
  EXPECT_NE(WEXITSTATUS(status), 0);
  EXPECT_NE(out.find("error: receivers.otlp.protocols.http.foo: unknown key"), std::string::npos) << out;
  EXPECT_NE(out.find("error: exporters.otlphttp/app.endpoint: must not be empty"), std::string::npos) << out;

  p = popen((std::string(ADOT_COLLECTOR_BINARY) + " components").c_str(), "r");
  out.clear();
  while (size_t n = fread(buf, 1, sizeof buf, p)) out.append(buf, n);
  EXPECT_EQ(WEXITSTATUS(pclose(p)), 0);
  for (const char* name : {"otlp", "batch", "otlphttp", "debug", "health_check"})
    EXPECT_NE(out.find(std::string("- name: ") + name), std::string::npos) << out;
}

}  // namespace
}  // namespace adot::collector
