#include <gtest/gtest.h>

#include "adot/sdk/autoconfigure.h"
#include "sdk/autoconfigure/otel_env.h"

namespace adot::sdk {
namespace {

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
  EXPECT_TRUE(a.Shutdown(std::chrono::milliseconds(1000)));
}

}  // namespace
}  // namespace adot::sdk
