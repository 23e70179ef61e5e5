#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>

#include <mutex>
#include <vector>

#include "adot/api/metrics.h"
#include "adot/sdk/autoconfigure.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.grpc.pb.h"
#include "sdk/autoconfigure/otel_env.h"

namespace adot::sdk {
namespace {

namespace metrics_pb = opentelemetry::proto::collector::metrics::v1;

TEST(AutoconfigureGrpcTest, GrpcProtocolCreatesTheGrpcExporterWhenLinked) {
  testing::UseOfflineResourceDetectors();
  testing::CleanOtelEnvironment env;
  env.Set("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
  ::testing::internal::CaptureStderr();
  Autoconfigured a = Autoconfigure();
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err.find("autoconfigure_grpc"), std::string::npos) << err;
  EXPECT_EQ(a.settings().otlp_traces.protocol, exporters::otlp::Protocol::kGrpc);
  EXPECT_EQ(a.settings().otlp_traces.endpoint, "http://localhost:4317");
  EXPECT_EQ(a.settings().otlp_metrics.protocol, exporters::otlp::Protocol::kGrpc);
  EXPECT_EQ(a.settings().otlp_metrics.endpoint, "http://localhost:4317");
  EXPECT_EQ(a.settings().metrics_exporters, std::vector<std::string>{"otlp"});
  ::testing::internal::CaptureStderr();
  EXPECT_TRUE(a.Shutdown(std::chrono::milliseconds(3000)));
  ::testing::internal::GetCapturedStderr();
}

// Records what MetricsService/Export receives.
class MetricsSink final : public metrics_pb::MetricsService::Service {
 public:
  grpc::Status Export(grpc::ServerContext*, const metrics_pb::ExportMetricsServiceRequest* request,
                      metrics_pb::ExportMetricsServiceResponse*) override {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(*request);
    return grpc::Status::OK;
  }
  std::vector<metrics_pb::ExportMetricsServiceRequest> requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  std::mutex mutex_;
  std::vector<metrics_pb::ExportMetricsServiceRequest> requests_;
};

TEST(AutoconfigureGrpcTest, MetricsReachAGrpcServerWithThePerSignalProtocol) {
  MetricsSink sink;
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&sink);
  auto server = builder.BuildAndStart();
  ASSERT_TRUE(server && port > 0);

  testing::UseOfflineResourceDetectors();
  testing::CleanOtelEnvironment env;
  env.Set("OTEL_TRACES_EXPORTER", "none");
  env.Set("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "grpc");
  const std::string endpoint = "http://127.0.0.1:" + std::to_string(port);
  env.Set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", endpoint.c_str());
  env.Set("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta");
  ::testing::internal::CaptureStderr();
  Autoconfigured a = Autoconfigure();
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(err, "");
  api::metrics::GetMeterProvider()->GetMeter("grpc.test")->CreateDoubleHistogram("grpc.latency")->Record(
      2.5, {{"k", "v"}});
  ASSERT_TRUE(a.ForceFlush(std::chrono::milliseconds(10000)));
  auto requests = sink.requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& metric = requests[0].resource_metrics(0).scope_metrics(0).metrics(0);
  EXPECT_EQ(metric.name(), "grpc.latency");
  EXPECT_EQ(metric.histogram().aggregation_temporality(),
            opentelemetry::proto::metrics::v1::AGGREGATION_TEMPORALITY_DELTA);
  EXPECT_EQ(metric.histogram().data_points(0).count(), 1u);
  EXPECT_DOUBLE_EQ(metric.histogram().data_points(0).sum(), 2.5);
  EXPECT_TRUE(a.Shutdown(std::chrono::milliseconds(3000)));
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
}

}  // namespace
}  // namespace adot::sdk
