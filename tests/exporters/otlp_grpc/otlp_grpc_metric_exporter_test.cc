// The OTLP/gRPC metric exporter against a real grpc++ server on loopback implementing
// MetricsService with the libprotobuf/grpc++ generated code: the exporter's hand-encoded request
// must decode, data point for data point, to the reference mapping of what the SDK collected.
// The transport (retries, RetryInfo, TLS, shutdown) is shared with the span exporter and tested
// at length in otlp_grpc_exporter_test.cc; here it is checked for the metrics service.
#include <gmock/gmock.h>
#include <google/protobuf/any.pb.h>
#include <google/protobuf/duration.pb.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "adot/exporters/otlp/otlp_grpc_exporter.h"
#include "exporters/otlp_encoder/otlp_metrics_reference.h"
#include "google/rpc/status.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "support/metrics_sample.h"

namespace adot::exporters::otlp {
namespace {

using sdk::ExportResult;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using test::SampleMetrics;
using ::testing::HasSubstr;
using namespace sdk::metrics;
using namespace metrics_reference;
namespace metrics_service = pb::collector::metrics::v1;

struct Received {
  ExportMetricsServiceRequest request;
  std::multimap<std::string, std::string> metadata;
  std::string encoding;
  steady_clock::time_point at;
};

class FakeMetricsService final : public metrics_service::MetricsService::Service {
 public:
  void PushReply(grpc::Status status, metrics_service::ExportMetricsServiceResponse response = {}) {
    std::lock_guard<std::mutex> lock(mutex_);
    replies_.emplace_back(std::move(status), std::move(response));
  }
  void set_hang(bool hang) { hang_ = hang; }

  grpc::Status Export(grpc::ServerContext* context, const ExportMetricsServiceRequest* request,
                      metrics_service::ExportMetricsServiceResponse* response) override {
    Received received{*request, {}, {}, steady_clock::now()};
    for (const auto& [key, value] : context->client_metadata()) {
      received.metadata.emplace(std::string(key.data(), key.size()),
                                std::string(value.data(), value.size()));
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      received_.push_back(std::move(received));
    }
    cv_.notify_all();
    if (hang_) {
      while (!context->IsCancelled()) std::this_thread::sleep_for(milliseconds(5));
      return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (replies_.empty()) return grpc::Status::OK;
    auto [status, reply] = std::move(replies_.front());
    replies_.erase(replies_.begin());
    *response = std::move(reply);
    return status;
  }

  std::vector<Received> received() {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }
  bool WaitForCount(size_t n, milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return received_.size() >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::pair<grpc::Status, metrics_service::ExportMetricsServiceResponse>> replies_;
  std::vector<Received> received_;
  std::atomic<bool> hang_{false};
};

class TestCollector {
 public:
  TestCollector() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~TestCollector() {
    service_.set_hang(false);
    server_->Shutdown(std::chrono::system_clock::now() + milliseconds(500));
  }
  bool ok() const { return server_ != nullptr && port_ > 0; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  FakeMetricsService& service() { return service_; }

 private:
  FakeMetricsService service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

OtlpExporterOptions FastOptions(const std::string& endpoint) {
  OtlpExporterOptions options = OtlpExporterOptions::Defaults(Signal::kMetrics, Protocol::kGrpc);
  options.endpoint = endpoint;
  options.timeout = milliseconds(5000);
  options.retry.max_attempts = 5;
  options.retry.initial_backoff = milliseconds(20);
  options.retry.max_backoff = milliseconds(50);
  return options;
}

// google.rpc.Status carrying a google.rpc.RetryInfo{retry_delay} detail.
std::string StatusDetailsWithRetryInfo(grpc::StatusCode code, milliseconds delay) {
  google::protobuf::Duration duration;
  duration.set_seconds(delay.count() / 1000);
  duration.set_nanos(static_cast<int32_t>(delay.count() % 1000) * 1'000'000);
  std::string duration_bytes = duration.SerializeAsString();
  std::string retry_info =
      std::string(1, '\x0a') + static_cast<char>(duration_bytes.size()) + duration_bytes;
  google::rpc::Status status;
  status.set_code(static_cast<int>(code));
  google::protobuf::Any* any = status.add_details();
  any->set_type_url("type.googleapis.com/google.rpc.RetryInfo");
  any->set_value(retry_info);
  return status.SerializeAsString();
}

void ExpectSameAsReference(const ExportMetricsServiceRequest& received, const ResourceMetrics& metrics) {
  std::string diff;
  EXPECT_TRUE(ProtoEquals(received, ToProto(metrics), &diff)) << diff;
  ASSERT_EQ(received.resource_metrics_size(), 1);
  EXPECT_EQ(received.resource_metrics(0).scope_metrics(0).metrics_size(), 8);
}

TEST(OtlpGrpcMetricExporterTest, EveryDataPointArrivesThroughMetricsService) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  auto options = FastOptions(collector.endpoint());
  options.headers = {{"X-Api-Key", "key-123"}};
  auto exporter = CreateOtlpGrpcMetricExporter(options);
  SampleMetrics sample;
  const ResourceMetrics metrics = sample.Collect();
  EXPECT_EQ(exporter->Export(metrics), ExportResult::kSuccess);
  auto received = collector.service().received();
  ASSERT_EQ(received.size(), 1u);
  ExpectSameAsReference(received[0].request, metrics);
  auto key = received[0].metadata.find("x-api-key");
  ASSERT_NE(key, received[0].metadata.end());
  EXPECT_EQ(key->second, "key-123");
  auto agent = received[0].metadata.find("user-agent");
  ASSERT_NE(agent, received[0].metadata.end());
  EXPECT_THAT(agent->second, HasSubstr("OTel-OTLP-Exporter-Cpp/"));
  EXPECT_TRUE(exporter->Shutdown(milliseconds(1000)));
}

TEST(OtlpGrpcMetricExporterTest, GzipRequestDecodesToTheSameDataPoints) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  auto options = FastOptions(collector.endpoint());
  options.gzip = true;
  auto exporter = CreateOtlpGrpcMetricExporter(options);
  SampleMetrics sample(TemporalityPreference::kDelta);
  const ResourceMetrics metrics = sample.Collect();
  EXPECT_EQ(exporter->Export(metrics), ExportResult::kSuccess);
  auto received = collector.service().received();
  ASSERT_EQ(received.size(), 1u);
  ExpectSameAsReference(received[0].request, metrics);
}

TEST(OtlpGrpcMetricExporterTest, TemporalityFollowsThePreference) {
  auto options = FastOptions("http://127.0.0.1:9");
  options.temporality_preference = TemporalityPreference::kDelta;
  auto delta = CreateOtlpGrpcMetricExporter(options);
  EXPECT_EQ(delta->GetTemporality(InstrumentKind::kHistogram), AggregationTemporality::kDelta);
  EXPECT_EQ(delta->GetTemporality(InstrumentKind::kUpDownCounter), AggregationTemporality::kCumulative);
  options.temporality_preference = TemporalityPreference::kCumulative;
  EXPECT_EQ(CreateOtlpGrpcMetricExporter(options)->GetTemporality(InstrumentKind::kHistogram),
            AggregationTemporality::kCumulative);
}

TEST(OtlpGrpcMetricExporterTest, UnavailableIsRetriedAndDeliveredOnce) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  collector.service().PushReply(grpc::Status(grpc::StatusCode::UNAVAILABLE, "restarting"));
  auto exporter = CreateOtlpGrpcMetricExporter(FastOptions(collector.endpoint()));
  SampleMetrics sample;
  const ResourceMetrics metrics = sample.Collect();
  EXPECT_EQ(exporter->Export(metrics), ExportResult::kSuccess);
  auto received = collector.service().received();
  ASSERT_EQ(received.size(), 2u);
  ExpectSameAsReference(received[1].request, metrics);
}

TEST(OtlpGrpcMetricExporterTest, ResourceExhaustedWithRetryInfoWaitsTheGivenDelay) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  const milliseconds delay(300);
  collector.service().PushReply(
      grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow down",
                   StatusDetailsWithRetryInfo(grpc::StatusCode::RESOURCE_EXHAUSTED, delay)));
  auto exporter = CreateOtlpGrpcMetricExporter(FastOptions(collector.endpoint()));
  SampleMetrics sample;
  EXPECT_EQ(exporter->Export(sample.Collect()), ExportResult::kSuccess);
  auto received = collector.service().received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_GE(received[1].at - received[0].at, delay);
}

TEST(OtlpGrpcMetricExporterTest, PermanentErrorIsNotRetried) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  collector.service().PushReply(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad metric"));
  auto exporter = CreateOtlpGrpcMetricExporter(FastOptions(collector.endpoint()));
  SampleMetrics sample;
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(exporter->Export(sample.Collect()), ExportResult::kFailure);
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(collector.service().received().size(), 1u);
  EXPECT_THAT(log, HasSubstr("OTLP/gRPC metric exporter"));
  EXPECT_THAT(log, HasSubstr("INVALID_ARGUMENT: bad metric"));
  EXPECT_THAT(log, HasSubstr("metrics dropped"));
}

TEST(OtlpGrpcMetricExporterTest, PartialSuccessIsSuccessAndLogged) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  metrics_service::ExportMetricsServiceResponse response;
  response.mutable_partial_success()->set_rejected_data_points(2);
  response.mutable_partial_success()->set_error_message("series limit");
  collector.service().PushReply(grpc::Status::OK, response);
  auto exporter = CreateOtlpGrpcMetricExporter(FastOptions(collector.endpoint()));
  SampleMetrics sample;
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(exporter->Export(sample.Collect()), ExportResult::kSuccess);
  std::string log = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(collector.service().received().size(), 1u);
  EXPECT_THAT(log, HasSubstr("rejected some data points: series limit"));
}

TEST(OtlpGrpcMetricExporterTest, NothingCollectedSendsNothing) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  auto exporter = CreateOtlpGrpcMetricExporter(FastOptions(collector.endpoint()));
  EXPECT_EQ(exporter->Export(ResourceMetrics{}), ExportResult::kSuccess);
  EXPECT_TRUE(collector.service().received().empty());
}

TEST(OtlpGrpcMetricExporterTest, ShutdownEndsAHangingExport) {
  TestCollector collector;
  ASSERT_TRUE(collector.ok());
  collector.service().set_hang(true);
  auto options = FastOptions(collector.endpoint());
  options.timeout = milliseconds(60000);
  auto exporter = CreateOtlpGrpcMetricExporter(options);
  SampleMetrics sample;
  const ResourceMetrics metrics = sample.Collect();
  auto exported = std::async(std::launch::async, [&] { return exporter->Export(metrics); });
  ASSERT_TRUE(collector.service().WaitForCount(1, milliseconds(10000)));
  auto start = steady_clock::now();
  EXPECT_TRUE(exporter->Shutdown(milliseconds(3000)));
  EXPECT_LT(steady_clock::now() - start, milliseconds(3000));
  ASSERT_EQ(exported.wait_for(std::chrono::seconds(1)), std::future_status::ready);
  EXPECT_EQ(exported.get(), ExportResult::kFailure);
  EXPECT_EQ(exporter->Export(metrics), ExportResult::kFailure);
}

TEST(OtlpGrpcMetricExporterTest, UnreachableEndpointFailsWithinBoundedTime) {
  auto options = FastOptions("http://127.0.0.1:1");
  options.timeout = milliseconds(500);
  options.retry.max_attempts = 2;
  auto exporter = CreateOtlpGrpcMetricExporter(options);
  SampleMetrics sample;
  auto start = steady_clock::now();
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(exporter->Export(sample.Collect()), ExportResult::kFailure);
  ::testing::internal::GetCapturedStderr();
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace adot::exporters::otlp
