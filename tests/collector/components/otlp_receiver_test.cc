#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "common/gzip.h"
#include "common/http_client.h"
#include "component_test_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.grpc.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using google::protobuf::util::MessageDifferencer;

class OtlpReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    http_port_ = FreePort();
    grpc_port_ = FreePort();
    registry_ = RegistryWithSink(&sink_);
    std::string yaml = R"(
receivers:
  otlp:
    protocols:
      http: {endpoint: "127.0.0.1:)" + std::to_string(http_port_) + R"(", max_request_body_size: 100000}
      grpc: {endpoint: "127.0.0.1:)" + std::to_string(grpc_port_) + R"("}
exporters: {testexp: }
service:
  pipelines:
    traces: {receivers: [otlp], exporters: [testexp]}
    logs: {receivers: [otlp], exporters: [testexp]}
)";
    service_ = StartService(yaml, registry_);
    ASSERT_NE(service_, nullptr);
    ASSERT_EQ(sink_.exporters.size(), 2u);
    traces_ = sink_.exporters[0];
  }
  void TearDown() override {
    if (service_) service_->Shutdown(Clock::now() + 2s);
  }

  common::HttpResponse Post(const std::string& path, const std::string& body,
                            const std::string& content_type = "application/x-protobuf",
                            bool gzip = false, const std::string& method = "POST") {
    common::HttpClient client;
    common::HttpRequest req;
    req.method = method;
    req.url = "http://127.0.0.1:" + std::to_string(http_port_) + path;
    req.body = body;
    req.gzip = gzip;
    req.headers.emplace_back("Content-Type", content_type);
    common::HttpResponse resp;
    client.Send(req, resp);
    return resp;
  }

  TestSink sink_;
  Registry registry_;
  std::unique_ptr<Service> service_;
  std::shared_ptr<RecordingConsumer> traces_;
  uint16_t http_port_ = 0, grpc_port_ = 0;
};

TEST_F(OtlpReceiverTest, HttpProtobufIsPassedThroughUnchanged) {
  std::string bytes = MakeTracesRequest(2, 3).SerializeAsString();
  auto resp = Post("/v1/traces", bytes);
  ASSERT_EQ(resp.status, 200) << resp.error_message << resp.body;
  EXPECT_EQ(resp.Header("content-type"), "application/x-protobuf");
  auto got = traces_->received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].ItemCount(), 6u);
  std::string scratch;
  EXPECT_EQ(got[0].ProtoBytes(scratch), bytes);
  EXPECT_TRUE(scratch.empty());
}

TEST_F(OtlpReceiverTest, HttpJsonAndGzip) {
  TracesRequest req = MakeTracesRequest(1, 2);
  auto resp = Post("/v1/traces", "{}", "application/json");
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "{}");
  PData p;
  PData::FromProtoBytes(Signal::kTraces, req.SerializeAsString(), p);
  resp = Post("/v1/traces", p.Json(), "application/json; charset=utf-8", true);
  ASSERT_EQ(resp.status, 200) << resp.body;
  resp = Post("/v1/traces", req.SerializeAsString(), "application/x-protobuf", true);
  ASSERT_EQ(resp.status, 200) << resp.body;
  auto got = traces_->received();
  // The empty JSON request carries no items and is not forwarded.
  ASSERT_GE(got.size(), 2u);
  for (size_t i = got.size() - 2; i < got.size(); ++i)
    EXPECT_TRUE(MessageDifferencer::Equals(*got[i].Traces(), req)) << i;
}

TEST_F(OtlpReceiverTest, MalformedInputIs400WithAStatus) {
  auto resp = Post("/v1/traces", "\x0a\xff\xff\xff\x0fnot protobuf");
  ASSERT_EQ(resp.status, 400);
  google::rpc::Status st;
  ASSERT_TRUE(st.ParseFromString(resp.body));
  EXPECT_EQ(st.code(), 3);  // INVALID_ARGUMENT
  EXPECT_FALSE(st.message().empty());
  resp = Post("/v1/traces", "{\"resourceSpans\": [", "application/json");
  ASSERT_EQ(resp.status, 400);
  EXPECT_NE(resp.body.find("\"code\":3"), std::string::npos) << resp.body;
  {
    common::HttpClient client;
    common::HttpRequest req;
    req.url = "http://127.0.0.1:" + std::to_string(http_port_) + "/v1/traces";
    req.body = "not gzip";
    req.headers = {{"Content-Type", "application/x-protobuf"}, {"Content-Encoding", "gzip"}};
    client.Send(req, resp);
    EXPECT_EQ(resp.status, 400);
  }
  EXPECT_TRUE(traces_->received().empty());
  // Still serving.
  EXPECT_EQ(Post("/v1/traces", MakeTracesRequest(1, 1).SerializeAsString()).status, 200);
}

TEST_F(OtlpReceiverTest, TooLargeIs413EvenWhenCompressed) {
  std::string big(200000, 'a');
  EXPECT_EQ(Post("/v1/traces", big).status, 413);
  // A small gzip body that inflates past the limit.
  EXPECT_EQ(Post("/v1/traces", big, "application/x-protobuf", true).status, 413);
  EXPECT_EQ(Post("/v1/traces", MakeTracesRequest(1, 1).SerializeAsString()).status, 200);
}

TEST_F(OtlpReceiverTest, WrongPathMethodOrTypeAndUnwiredSignal) {
  EXPECT_EQ(Post("/v1/nope", "").status, 404);
  EXPECT_EQ(Post("/v1/traces", "", "application/x-protobuf", false, "GET").status, 405);
  EXPECT_EQ(Post("/v1/traces", "x", "text/plain").status, 415);
  // metrics have no pipeline in this config.
  EXPECT_EQ(Post("/v1/metrics", "").status, 404);
}

TEST_F(OtlpReceiverTest, BackPressureIs503Or429WithRetryAfter) {
  traces_->set_result(Status::Retryable("queue full", 2s));
  auto resp = Post("/v1/traces", MakeTracesRequest(1, 1).SerializeAsString());
  EXPECT_EQ(resp.status, 503);
  EXPECT_EQ(resp.Header("retry-after"), "2");
  traces_->set_result(Status::Exhausted("memory"));
  resp = Post("/v1/traces", MakeTracesRequest(1, 1).SerializeAsString());
  EXPECT_EQ(resp.status, 429);
  EXPECT_EQ(resp.Header("retry-after"), "1");
  traces_->set_result(Status::Permanent("broken"));
  EXPECT_EQ(Post("/v1/traces", MakeTracesRequest(1, 1).SerializeAsString()).status, 500);
}

TEST_F(OtlpReceiverTest, Grpc) {
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port_), grpc::InsecureChannelCredentials());
  auto stub = opentelemetry::proto::collector::trace::v1::TraceService::NewStub(channel);
  TracesRequest req = MakeTracesRequest(2, 2);
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse resp;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 5s);
    grpc::Status st = stub->Export(&ctx, req, &resp);
    ASSERT_TRUE(st.ok()) << st.error_message();
  }
  auto got = traces_->received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(MessageDifferencer::Equals(*got[0].Traces(), req));
  traces_->set_result(Status::Retryable("later"));
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 5s);
    EXPECT_EQ(stub->Export(&ctx, req, &resp).error_code(), grpc::StatusCode::UNAVAILABLE);
  }
  traces_->set_result(Status::Exhausted("memory"));
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + 5s);
    EXPECT_EQ(stub->Export(&ctx, req, &resp).error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  }
  {
    // No metrics pipeline: UNIMPLEMENTED.
    auto metrics = opentelemetry::proto::collector::metrics::v1::MetricsService::NewStub(channel);
    MetricsRequest mreq;
    opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceResponse mresp;
    grpc::ClientContext mctx;
    mctx.set_deadline(std::chrono::system_clock::now() + 5s);
    EXPECT_EQ(metrics->Export(&mctx, mreq, &mresp).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  }
  auto logs = opentelemetry::proto::collector::logs::v1::LogsService::NewStub(channel);
  LogsRequest lreq;
  lreq.add_resource_logs()->add_scope_logs()->add_log_records()->mutable_body()->set_string_value("hi");
  opentelemetry::proto::collector::logs::v1::ExportLogsServiceResponse lresp;
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + 5s);
  ASSERT_TRUE(logs->Export(&ctx, lreq, &lresp).ok());
  EXPECT_EQ(sink_.exporters[1]->received().size(), 1u);
}

TEST_F(OtlpReceiverTest, ShutdownStopsListening) {
  service_->Shutdown(Clock::now() + 2s);
  service_.reset();
  auto resp = Post("/v1/traces", "");
  EXPECT_EQ(resp.error, common::HttpError::kConnection);
}

}  // namespace
}  // namespace adot::collector
