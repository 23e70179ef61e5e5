#include "collector/exporters/otlp/otlp_exporter.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "collector/core/exporter_helper.h"
#include "collector/test_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.grpc.pb.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using namespace testing;
namespace tsvc = opentelemetry::proto::collector::trace::v1;

class FakeTraceService : public tsvc::TraceService::Service {
 public:
  grpc::Status Export(grpc::ServerContext* ctx, const TracesRequest* req, tsvc::ExportTraceServiceResponse*) override {
    std::lock_guard<std::mutex> lock(mu);
    requests.push_back(*req);
    auto it = ctx->client_metadata().find("x-api-key");
    if (it != ctx->client_metadata().end()) api_key = std::string(it->second.data(), it->second.size());
    if (!results.empty()) {
      grpc::Status s = results.front();
      results.erase(results.begin());
      return s;
    }
    return grpc::Status::OK;
  }
  std::mutex mu;
  std::vector<TracesRequest> requests;
  std::vector<grpc::Status> results;
  std::string api_key;
};

class OtlpExporterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    b.RegisterService(&service_);
    server_ = b.BuildAndStart();
    ASSERT_NE(port_, 0);
  }
  void TearDown() override { server_->Shutdown(std::chrono::system_clock::now() + 1s); }

  std::shared_ptr<QueuedExporter> Make(const std::string& extra) {
    Factory f = OtlpExporterFactory();
    ConfigErrors errors;
    std::string yaml = "{endpoint: '127.0.0.1:" + std::to_string(port_) + "', tls: {insecure: true}" + extra + "}";
    ConfigReader r(YAML::Load(yaml), "exporters.otlp", &errors);
    auto cfg = f.parse(r);
    EXPECT_TRUE(errors.empty()) << errors.Joined();
    return std::static_pointer_cast<QueuedExporter>(
        f.create_exporter(*cfg, CreateSettings{"otlp", Signal::kTraces, "traces"}));
  }

  bool WaitFor(const std::function<bool()>& f) {
    for (int i = 0; i < 1000 && !f(); ++i) std::this_thread::sleep_for(5ms);
    return f();
  }

  FakeTraceService service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(OtlpExporterTest, SendsEverySpanWithHeaders) {
  auto e = Make(", headers: {X-Api-Key: secret}");
  ASSERT_TRUE(e->Start().ok());
  TracesRequest sent = MakeTracesRequest(2, 3);
  PData p;
  ASSERT_TRUE(PData::FromProtoBytes(Signal::kTraces, sent.SerializeAsString(), p).ok());
  ASSERT_TRUE(e->Consume(p).ok());
  ASSERT_TRUE(WaitFor([&] { return e->counters().sent_items == 6; }));
  std::lock_guard<std::mutex> lock(service_.mu);
  ASSERT_EQ(service_.requests.size(), 1u);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(service_.requests[0], sent));
  EXPECT_EQ(service_.api_key, "secret");
  e->Shutdown(Clock::now() + 1s);
}

TEST_F(OtlpExporterTest, RetriesUnavailableDropsInvalidArgument) {
  service_.results = {grpc::Status(grpc::StatusCode::UNAVAILABLE, "busy"), grpc::Status::OK,
                      grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad")};
  auto e = Make(", retry_on_failure: {initial_interval: 10ms, max_interval: 20ms}, sending_queue: {num_consumers: 1}");
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 2)).ok());
  ASSERT_TRUE(WaitFor([&] { return e->counters().sent_items == 2; }));
  ASSERT_TRUE(e->Consume(MakeTraces(1, 4)).ok());
  ASSERT_TRUE(WaitFor([&] { return e->counters().send_failed_items == 4; }));
  std::lock_guard<std::mutex> lock(service_.mu);
  EXPECT_EQ(service_.requests.size(), 3u);
  e->Shutdown(Clock::now() + 1s);
}

TEST_F(OtlpExporterTest, UnreachableEndpointIsRetryable) {
  auto e = Make(", retry_on_failure: {enabled: false}, sending_queue: {enabled: false}, timeout: 500ms");
  server_->Shutdown(std::chrono::system_clock::now());
  ASSERT_TRUE(e->Start().ok());
  Status s = e->Consume(MakeTraces(1, 1));
  EXPECT_TRUE(s.retryable()) << s.message();
  e->Shutdown(Clock::now() + 1s);
}

}  // namespace
}  // namespace adot::collector
