// The real adot-collector on the X-Ray paths:
// - segments from the official AWS X-Ray SDK for Node.js (aws-xray-sdk-core, tests/interop/xray-js)
//   over UDP → awsxray receiver → otlp exporter → a gRPC sink here: every segment and subsegment
//   arrives as a span with its ids, name and parent;
// - OTLP in → awsxray exporter → a fake X-Ray on loopback that checks every PutTraceSegments call's
//   SigV4 signature with independent verifiers (OpenSSL-only, the aws4 npm package) and the body's
//   shape, throttles, and reports segments unprocessed: everything arrives in the end.
// The X-Ray SDK test is skipped without node or the npm packages (scripts/install-deps.sh).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "aws/xray_segment.h"
#include "collector/aws_test_util.h"
#include "collector/test_util.h"
#include "collector_process.h"
#include "common/json_reader.h"
#include "otlp_sinks.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using adot::test::HttpTestServer;
using adot::test::RecordedRequest;
using adot::test::TestResponse;
using testing::CollectorProcess;
using testing::FreePort;

std::string Port(uint16_t p) { return std::to_string(p); }

bool XrayJsAvailable() {
  struct stat st{};
  return std::string(ADOT_NODE_EXECUTABLE).size() > 0 &&
         ::stat(ADOT_XRAY_JS_DIR "/node_modules/aws-xray-sdk-core", &st) == 0;
}

// "1-5f187253-6a106696d56b1f4ef9eba2ed" → the 16 bytes' hex.
std::string TraceIdHex(const std::string& xray) { return xray.substr(2, 8) + xray.substr(11); }

const opentelemetry::proto::trace::v1::Span* FindSpan(const testing::Items& spans, const std::string& id) {
  auto it = spans.find("span " + id);
  if (it == spans.end() || it->second.empty()) return nullptr;
  return static_cast<const opentelemetry::proto::trace::v1::Span*>(it->second.front().item.get());
}

// Runs tests/interop/xray-js/emit.js against the UDP port; sent: what it says it sent (2 segments
// with 2 subsegments each).
void EmitWithXraySdk(uint16_t udp, common::JsonValue& sent) {
  char out[] = "/tmp/adot-xray-js-XXXXXX";
  int fd = mkstemp(out);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::string cmd = std::string(ADOT_NODE_EXECUTABLE) + " " ADOT_XRAY_JS_DIR "/emit.js 127.0.0.1:" + Port(udp) + " " + out;
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::stringstream text;
  text << std::ifstream(out).rdbuf();
  ::unlink(out);
  std::string error;
  ASSERT_TRUE(common::ParseJson(text.str(), sent, &error)) << error << text.str();
  ASSERT_TRUE(sent.is_array());
  ASSERT_EQ(sent.array().size(), 2u);
}

TEST(CollectorXrayTest, XraySdkSegmentsBecomeSpansThroughTheReceiver) {
  if (!XrayJsAvailable()) GTEST_SKIP() << "node or tests/interop/xray-js/node_modules missing";
  testing::GrpcSink sink;
  uint16_t udp = testing::FreeUdpAndTcpPort(), proxy = FreePort(), health = FreePort();
  CollectorProcess collector(
      "receivers:\n  awsxray: {endpoint: '127.0.0.1:" + Port(udp) + "', proxy_server: {endpoint: '127.0.0.1:" +
      Port(proxy) + "'}}\n"
      "exporters:\n  otlp: {endpoint: '127.0.0.1:" + std::to_string(sink.port()) + "', tls: {insecure: true}}\n"
      "extensions:\n  health_check: {endpoint: '127.0.0.1:" + Port(health) + "'}\n"
      "service:\n  extensions: [health_check]\n  telemetry: {metrics: {level: none}}\n"
      "  pipelines: {traces: {receivers: [awsxray], exporters: [otlp]}}\n");
  ASSERT_TRUE(testing::WaitHealthy(health)) << collector.Log();

  common::JsonValue sent;
  ASSERT_NO_FATAL_FAILURE(EmitWithXraySdk(udp, sent));

  // 2 segments with 2 subsegments each.
  testing::Items spans, points, logs;
  for (int i = 0; i < 500 && spans.size() < 6; ++i) {
    std::this_thread::sleep_for(10ms);
    spans.clear();
    sink.Take(spans, points, logs);
  }
  ASSERT_EQ(spans.size(), 6u) << collector.Log();
  for (const auto& segment : sent.array()) {
    std::string trace_id = TraceIdHex(segment.Find("trace_id")->text());
    const auto* root = FindSpan(spans, segment.Find("id")->text());
    ASSERT_NE(root, nullptr) << segment.Find("name")->text();
    EXPECT_EQ(root->name(), segment.Find("name")->text());
    EXPECT_EQ(testing::Hex(root->trace_id()), trace_id);
    EXPECT_TRUE(root->parent_span_id().empty());
    EXPECT_EQ(root->kind(), opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
    EXPECT_GE(root->end_time_unix_nano(), root->start_time_unix_nano());  // the SDK's clock has ms steps
    EXPECT_GT(root->end_time_unix_nano(), 0u);
    for (const auto& [key, value] : segment.Find("annotations")->members()) {
      bool found = false;
      for (const auto& a : root->attributes()) found |= a.key() == key && a.value().string_value() == value.text();
      EXPECT_TRUE(found) << "annotation " << key << " on " << root->ShortDebugString();
    }
    for (const auto& child : segment.Find("children")->array()) {
      const auto* span = FindSpan(spans, child.Find("id")->text());
      ASSERT_NE(span, nullptr) << child.Find("name")->text();
      EXPECT_EQ(span->name(), child.Find("name")->text());
      EXPECT_EQ(testing::Hex(span->trace_id()), trace_id);
      EXPECT_EQ(testing::Hex(span->parent_span_id()), child.Find("parent_id")->text());
      if (child.Find("error")) {
        EXPECT_EQ(span->status().code(), opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR) << span->ShortDebugString();
      }
      if (child.Find("sql")) {
        bool has_statement = false;
        for (const auto& a : span->attributes())
          has_statement |= a.value().string_value() == "SELECT * FROM orders WHERE id = ?";
        EXPECT_TRUE(has_statement) << span->ShortDebugString();
      }
    }
  }
  EXPECT_EQ(collector.Terminate(10s), 0);
}

// A fake X-Ray: every call verified; with `throttle`, the first is throttled and the second leaves
// 2 segments unprocessed; the segments accepted are kept by id.
class FakeXray {
 public:
  FakeXray(aws::Credentials credentials, bool throttle) : credentials_(std::move(credentials)), throttle_(throttle) {
    server_.SetHandler([this](const RecordedRequest& r) { return Handle(r); });
  }
  std::string Url() const { return server_.Url(""); }
  std::set<std::string> Accepted() {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }
  std::map<std::string, aws::xray::Segment> Segments() {
    std::lock_guard<std::mutex> lock(mu_);
    return segments_;
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  TestResponse Handle(const RecordedRequest& r) {
    EXPECT_EQ(r.target, "/TraceSegments");
    testing::ExpectSigned(r, credentials_, "us-west-2", "xray");
    common::JsonValue body;
    EXPECT_TRUE(common::ParseJson(r.body, body));
    const common::JsonValue* docs = body.Find("TraceSegmentDocuments");
    std::vector<aws::xray::Segment> segments;
    if (docs && docs->is_array()) {
      EXPECT_LE(docs->array().size(), 50u);
      for (const auto& d : docs->array()) {
        segments.emplace_back();
        std::string error;
        EXPECT_TRUE(aws::xray::ParseSegment(d.text(), segments.back(), error)) << error;
      }
    }
    std::lock_guard<std::mutex> lock(mu_);
    int call = ++calls_;
    if (!throttle_) {
      for (auto& segment : segments) {
        accepted_.insert(segment.id);
        segments_[segment.id] = std::move(segment);
      }
      return TestResponse::Status(200, "{\"UnprocessedTraceSegments\":[]}");
    }
    std::vector<std::string> ids;
    for (const auto& segment : segments) ids.push_back(segment.id);
    if (call == 1) return TestResponse::Status(429, "{\"__type\":\"ThrottledException\",\"message\":\"Rate exceeded\"}");
    std::string unprocessed;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (call == 2 && i < 2) {
        unprocessed += std::string(unprocessed.empty() ? "" : ",") + "{\"Id\":\"" + ids[i] +
                       "\",\"ErrorCode\":\"ThrottledException\",\"Message\":\"Rate exceeded\"}";
        continue;
      }
      accepted_.insert(ids[i]);
    }
    return TestResponse::Status(200, "{\"UnprocessedTraceSegments\":[" + unprocessed + "]}");
  }

  aws::Credentials credentials_;
  bool throttle_;
  HttpTestServer server_;
  std::mutex mu_;
  std::set<std::string> accepted_;
  std::map<std::string, aws::xray::Segment> segments_;
  int calls_ = 0;
};

TEST(CollectorXrayTest, ExporterDeliversEverySegmentSignedThroughThrottling) {
  const aws::Credentials credentials{"AKIDXRAYBINARY", "binary/secret", "binary-session", {}};
  testing::ScopedEnv env({{"AWS_ACCESS_KEY_ID", credentials.access_key_id},
                          {"AWS_SECRET_ACCESS_KEY", credentials.secret_access_key},
                          {"AWS_SESSION_TOKEN", credentials.session_token},
                          {"AWS_REGION", "us-west-2"},
                          {"AWS_EC2_METADATA_DISABLED", "true"},
                          {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"},
                          {"AWS_CONFIG_FILE", "/nonexistent/config"}});
  FakeXray xray(credentials, /*throttle=*/true);
  uint16_t http = FreePort(), health = FreePort();
  CollectorProcess collector(
      "receivers: {otlp: {protocols: {http: {endpoint: '127.0.0.1:" + Port(http) + "'}}}}\n"
      "exporters:\n  awsxray: {endpoint: '" + xray.Url() + "', max_retries: 5}\n"
      "extensions:\n  health_check: {endpoint: '127.0.0.1:" + Port(health) + "'}\n"
      "service:\n  extensions: [health_check]\n  telemetry: {metrics: {level: none}}\n"
      "  pipelines: {traces: {receivers: [otlp], exporters: [awsxray]}}\n");
  ASSERT_TRUE(testing::WaitHealthy(health)) << collector.Log();
  const std::string url = "http://127.0.0.1:" + Port(http) + "/v1/traces";
  std::set<std::string> expected;
  for (int i = 0; i < 3; ++i) {
    auto req = testing::MakeTracesRequest(1, 40, "s" + std::to_string(i));
    for (auto& span : *req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans()) {
      span.mutable_span_id()->back() = static_cast<char>(i);  // distinct across requests
      expected.insert(testing::Hex(span.span_id()));
    }
    auto resp = testing::Send("POST", url, req.SerializeAsString());
    ASSERT_EQ(resp.status, 200) << resp.error_message << collector.Log();
  }
  for (int i = 0; i < 1000 && xray.Accepted().size() < expected.size(); ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(xray.Accepted(), expected) << collector.Log();
  EXPECT_GE(xray.calls(), 5);
  EXPECT_EQ(collector.Terminate(10s), 0);
  EXPECT_EQ(collector.Log().find("binary/secret"), std::string::npos);
}

// X-Ray SDK → awsxray receiver → awsxray exporter → X-Ray: each segment and subsegment reaches X-Ray
// with its own ids, trace and parent.
TEST(CollectorXrayTest, XraySdkSegmentsReachXrayWithTheirIds) {
  if (!XrayJsAvailable()) GTEST_SKIP() << "node or tests/interop/xray-js/node_modules missing";
  const aws::Credentials credentials{"AKIDROUNDTRIP", "roundtrip/secret", "", {}};
  testing::ScopedEnv env({{"AWS_ACCESS_KEY_ID", credentials.access_key_id},
                          {"AWS_SECRET_ACCESS_KEY", credentials.secret_access_key},
                          {"AWS_REGION", "us-west-2"},
                          {"AWS_EC2_METADATA_DISABLED", "true"},
                          {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials"},
                          {"AWS_CONFIG_FILE", "/nonexistent/config"}});
  FakeXray xray(credentials, /*throttle=*/false);
  uint16_t udp = testing::FreeUdpAndTcpPort(), proxy = FreePort(), health = FreePort();
  CollectorProcess collector(
      "receivers:\n  awsxray: {endpoint: '127.0.0.1:" + Port(udp) + "', proxy_server: {endpoint: '127.0.0.1:" +
      Port(proxy) + "'}}\n"
      "exporters:\n  awsxray: {endpoint: '" + xray.Url() + "'}\n"
      "extensions:\n  health_check: {endpoint: '127.0.0.1:" + Port(health) + "'}\n"
      "service:\n  extensions: [health_check]\n  telemetry: {metrics: {level: none}}\n"
      "  pipelines: {traces: {receivers: [awsxray], exporters: [awsxray]}}\n");
  ASSERT_TRUE(testing::WaitHealthy(health)) << collector.Log();
  common::JsonValue sent;
  ASSERT_NO_FATAL_FAILURE(EmitWithXraySdk(udp, sent));
  for (int i = 0; i < 500 && xray.Accepted().size() < 6; ++i) std::this_thread::sleep_for(10ms);
  auto segments = xray.Segments();
  ASSERT_EQ(segments.size(), 6u) << collector.Log();
  for (const auto& segment : sent.array()) {
    const std::string& trace_id = segment.Find("trace_id")->text();
    const auto& root = segments[segment.Find("id")->text()];
    EXPECT_EQ(root.trace_id, trace_id);
    EXPECT_EQ(root.name, segment.Find("name")->text());
    EXPECT_FALSE(root.IsSubsegment());
    for (const auto& child : segment.Find("children")->array()) {
      const auto& sub = segments[child.Find("id")->text()];
      EXPECT_EQ(sub.trace_id, trace_id);
      EXPECT_EQ(sub.parent_id, child.Find("parent_id")->text());
      EXPECT_EQ(sub.name, child.Find("name")->text());
    }
  }
  EXPECT_EQ(collector.Terminate(10s), 0);
}

}  // namespace
}  // namespace adot::collector
