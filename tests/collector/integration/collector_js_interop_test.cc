// The official OpenTelemetry JS SDK and OTLP exporters (tests/interop/collector-js, npm) send spans,
// metrics and log records to the real adot-collector binary over grpc, http/protobuf and
// http/json; the collector forwards each signal through both the otlp (gRPC) and the otlphttp
// exporter to sinks in this process, which decode with libprotobuf (adot_otlp_proto). Every span,
// data point and log record must arrive at both sinks once, with every field equal to what the JS
// side reports it sent (emit.js builds that reference from the SDK's own records, in the proto3
// JSON mapping), together with its resource and scope.
//
// Skipped when node or tests/interop/collector-js/node_modules is missing
// (scripts/install-deps.sh runs `npm ci` there).
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>

#include "collector/core/pdata.h"
#include "collector/test_util.h"
#include "collector_process.h"
#include "otlp_sinks.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"
#include "support/http_test_server.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using adot::test::HttpTestServer;
using testing::CollectorProcess;
using testing::ExpectSame;
using testing::Flatten;
using testing::FreePort;
using testing::GrpcSink;
using testing::Items;
using testing::TakeHttp;
using testing::WaitHealthy;

std::string Port(uint16_t p) { return std::to_string(p); }

// ---- the JS side ----

bool IsDirectory(const std::string& path) {
  struct stat st{};
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

struct Emitted {
  Items spans, points, logs;
  size_t requests = 0;
};

// Runs emit.js; false with a message if it fails or prints something that does not parse.
bool RunEmitter(const std::string& protocol, const std::string& endpoint, int run, Emitted& out,
                std::string& error) {
  char err_path[] = "/tmp/adot-collector-js-XXXXXX";
  int fd = mkstemp(err_path);
  ::close(fd);
  std::string cmd = "cd '" ADOT_COLLECTOR_JS_DIR "' && timeout 45 '" ADOT_NODE_EXECUTABLE "' emit.js '" +
                    protocol + "' '" + endpoint + "' " + std::to_string(run) + " 2>" + err_path;
  FILE* p = popen(cmd.c_str(), "r");
  std::string text;
  char buf[65536];
  while (size_t n = fread(buf, 1, sizeof buf, p)) text.append(buf, n);
  int status = pclose(p);
  std::ifstream ef(err_path);
  std::string stderr_text((std::istreambuf_iterator<char>(ef)), {});
  std::remove(err_path);
  if (status != 0) {
    error = "emit.js " + protocol + " exited with " + std::to_string(WEXITSTATUS(status)) + ":\n" + stderr_text;
    return false;
  }
  std::istringstream lines(text);
  google::protobuf::util::JsonParseOptions strict;  // unknown fields are errors
  for (std::string line; std::getline(lines, line);) {
    size_t sp = line.find(' ');
    std::string signal = line.substr(0, sp), json = sp == std::string::npos ? "" : line.substr(sp + 1);
    google::protobuf::util::Status st;
    if (signal == "traces") {
      TracesRequest r;
      st = google::protobuf::util::JsonStringToMessage(json, &r, strict);
      Flatten(r, out.spans);
    } else if (signal == "metrics") {
      MetricsRequest r;
      st = google::protobuf::util::JsonStringToMessage(json, &r, strict);
      Flatten(r, out.points);
    } else if (signal == "logs") {
      LogsRequest r;
      st = google::protobuf::util::JsonStringToMessage(json, &r, strict);
      Flatten(r, out.logs);
    } else {
      error = "emit.js printed an unexpected line: " + line.substr(0, 200);
      return false;
    }
    if (!st.ok()) {
      error = "emit.js " + signal + " line does not parse: " + st.ToString();
      return false;
    }
    ++out.requests;
  }
  return true;
}

TEST(CollectorJsInteropTest, JsSdkTracesMetricsLogsOverEveryProtocolArriveEqualThroughOtlpAndOtlpHttp) {
  const std::string node = ADOT_NODE_EXECUTABLE;
  if (node.empty()) GTEST_SKIP() << "node was not found when configuring: the JS SDK peer cannot run";
  if (!IsDirectory(ADOT_COLLECTOR_JS_DIR "/node_modules/@opentelemetry/sdk-trace-base"))
    GTEST_SKIP() << ADOT_COLLECTOR_JS_DIR "/node_modules is missing: run scripts/install-deps.sh "
                    "(npm ci in tests/interop/collector-js)";

  GrpcSink grpc_sink;
  HttpTestServer http_sink;
  uint16_t http = FreePort(), grpc = FreePort(), health = FreePort();
  const std::string pipes = "{receivers: [otlp], processors: [batch], exporters: [otlp, otlphttp]}";
  CollectorProcess collector(R"(
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:)" + Port(http) + R"("}
      grpc: {endpoint: "127.0.0.1:)" + Port(grpc) + R"("}
processors:
  batch: {timeout: 20ms}
exporters:
  otlp:
    endpoint: "127.0.0.1:)" + Port(static_cast<uint16_t>(grpc_sink.port())) + R"("
    tls: {insecure: true}
    retry_on_failure: {initial_interval: 50ms}
  otlphttp:
    endpoint: ")" + http_sink.Url("") + R"("
    retry_on_failure: {initial_interval: 50ms}
extensions:
  health_check: {endpoint: "127.0.0.1:)" + Port(health) + R"("}
service:
  extensions: [health_check]
  telemetry: {metrics: {level: none}}
  pipelines:
    traces: )" + pipes + R"(
    metrics: )" + pipes + R"(
    logs: )" + pipes + R"(
)");
  ASSERT_TRUE(WaitHealthy(health)) << collector.Log();

  int run = 0;
  for (const std::string protocol : {"grpc", "http/protobuf", "http/json"}) {
    SCOPED_TRACE("JS exporters: " + protocol);
    ++run;
    grpc_sink.Clear();
    http_sink.ClearRequests();
    const std::string endpoint = "http://127.0.0.1:" + Port(protocol == "grpc" ? grpc : http);
    Emitted sent;
    std::string error;
    ASSERT_TRUE(RunEmitter(protocol, endpoint, run, sent, error)) << error << "\n" << collector.Log();
    // The reference covers what the test is about.
    EXPECT_EQ(sent.spans.size(), 6u);
    EXPECT_EQ(sent.points.size(), 8u);  // 2 + 1 + 1 + 2 + 2 (counter, double sum, up-down, gauge, histogram)
    EXPECT_EQ(sent.logs.size(), 5u);

    // Everything the collector accepted is already queued: wait for both sinks to have it all.
    Items g_spans, g_points, g_logs, h_spans, h_points, h_logs;
    for (auto end = std::chrono::steady_clock::now() + 10s; std::chrono::steady_clock::now() < end;) {
      g_spans.clear(), g_points.clear(), g_logs.clear(), h_spans.clear(), h_points.clear(), h_logs.clear();
      grpc_sink.Take(g_spans, g_points, g_logs);
      ASSERT_TRUE(TakeHttp(http_sink, "", h_spans, h_points, h_logs, error)) << error;
      if (g_spans.size() >= sent.spans.size() && g_points.size() >= sent.points.size() &&
          g_logs.size() >= sent.logs.size() && h_spans.size() >= sent.spans.size() &&
          h_points.size() >= sent.points.size() && h_logs.size() >= sent.logs.size())
        break;
      std::this_thread::sleep_for(20ms);
    }
    std::this_thread::sleep_for(100ms);  // anything extra (a duplicate) would show up now
    g_spans.clear(), g_points.clear(), g_logs.clear(), h_spans.clear(), h_points.clear(), h_logs.clear();
    grpc_sink.Take(g_spans, g_points, g_logs);
    ASSERT_TRUE(TakeHttp(http_sink, "", h_spans, h_points, h_logs, error)) << error;

    ExpectSame(sent.spans, g_spans, "spans through the otlp exporter");
    ExpectSame(sent.points, g_points, "data points through the otlp exporter");
    ExpectSame(sent.logs, g_logs, "log records through the otlp exporter");
    ExpectSame(sent.spans, h_spans, "spans through the otlphttp exporter");
    ExpectSame(sent.points, h_points, "data points through the otlphttp exporter");
    ExpectSame(sent.logs, h_logs, "log records through the otlphttp exporter");
    if (HasFailure()) break;  // one protocol's report is enough to read
  }
  EXPECT_EQ(collector.Terminate(10s), 0) << collector.Log();
}

}  // namespace
}  // namespace adot::collector
