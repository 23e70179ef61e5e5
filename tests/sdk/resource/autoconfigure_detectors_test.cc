// Autoconfigure() with OTEL_RESOURCE_DETECTORS: the AWS names, the ADOT default list, unknown
// names, and the precedence of OTEL_RESOURCE_ATTRIBUTES. The detector options are always injected
// (fake root, fake environment, loopback endpoints): no test reaches a real metadata service.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "adot/sdk/autoconfigure.h"
#include "adot/sdk/resource/detectors.h"
#include "sdk/autoconfigure/otel_env.h"
#include "sdk/resource/detector_fixture.h"

namespace adot::sdk::resource {
namespace {

using ::testing::HasSubstr;
using testing::StringAttr;

class AutoconfigureDetectorsTest : public testing::DetectorTest {
 protected:
  AutoconfigureDetectorsTest() {
    otel_env_.Set("OTEL_TRACES_EXPORTER", "none");
  }
  ~AutoconfigureDetectorsTest() override {
    // Back to options that still cannot leave the machine.
    DetectorOptions safe;
    safe.root = "/nonexistent-adot-test-root";
    safe.env = [](const char*) { return std::optional<std::string>(); };
    safe.http = testing::LoopbackOnlyHttp();
    safe.imds_endpoint = safe.kubernetes_endpoint = "http://127.0.0.1:9";
    SetAutoconfigureDetectorOptions(std::move(safe));
  }

  // Runs Autoconfigure() with the fixture's detector options; returns its stderr.
  std::string Configure(Autoconfigured& out) {
    auto options = Options();
    SetAutoconfigureDetectorOptions(options);
    AssertLoopback(GetAutoconfigureDetectorOptions());
    ::testing::internal::CaptureStderr();
    out = Autoconfigure();
    return ::testing::internal::GetCapturedStderr();
  }

  adot::testing::CleanOtelEnvironment otel_env_;
};

TEST_F(AutoconfigureDetectorsTest, AdotDefaultListHasTheAwsDetectors) {
  Autoconfigured a;
  EXPECT_EQ(Configure(a), "");
  EXPECT_EQ(a.settings().resource_detectors,
            (std::vector<std::string>{"env", "host", "os", "process", "aws_ec2", "aws_ecs",
                                      "aws_eks", "aws_lambda", "aws_elastic_beanstalk"}));
  const Resource& r = a.tracer_provider()->resource();
  EXPECT_EQ(r.Find("cloud.provider"), nullptr);  // off AWS: the cheap checks said no
  EXPECT_NE(r.Find("host.name"), nullptr);
  EXPECT_EQ(server_.RequestCount(), 0u);
}

TEST_F(AutoconfigureDetectorsTest, LambdaWithUnknownNames) {
  SetEnv("AWS_LAMBDA_FUNCTION_NAME", "fn");
  SetEnv("AWS_REGION", "eu-west-1");
  otel_env_.Set("OTEL_RESOURCE_DETECTORS", "aws_lambda, gcp_gce ,AWS_EC2,bogus");
  Autoconfigured a;
  std::string err = Configure(a);
  EXPECT_THAT(err, HasSubstr("unknown value \"gcp_gce\" in OTEL_RESOURCE_DETECTORS"));
  EXPECT_THAT(err, HasSubstr("unknown value \"bogus\" in OTEL_RESOURCE_DETECTORS"));
  EXPECT_EQ(a.settings().resource_detectors, (std::vector<std::string>{"aws_lambda", "aws_ec2"}));
  const Resource& r = a.tracer_provider()->resource();
  EXPECT_EQ(StringAttr(r, "cloud.platform"), "aws_lambda");
  EXPECT_EQ(StringAttr(r, "faas.name"), "fn");
  EXPECT_EQ(StringAttr(r, "cloud.region"), "eu-west-1");
  EXPECT_EQ(r.Find("process.pid"), nullptr);  // "process" not listed
  EXPECT_EQ(server_.RequestCount(), 0u);      // EC2 skipped under Lambda
}

TEST_F(AutoconfigureDetectorsTest, EnvironmentAttributesWinOverDetectors) {
  WriteFile("/var/elasticbeanstalk/xray/environment.conf",
            R"({"deployment_id":7,"version_label":"v9","environment_name":"prod"})");
  otel_env_.Set("OTEL_RESOURCE_DETECTORS", "aws_elastic_beanstalk");
  otel_env_.Set("OTEL_RESOURCE_ATTRIBUTES", "service.version=override");
  Autoconfigured a;
  EXPECT_EQ(Configure(a), "");
  const Resource& r = a.tracer_provider()->resource();
  EXPECT_EQ(StringAttr(r, "service.namespace"), "prod");
  EXPECT_EQ(StringAttr(r, "service.instance.id"), "7");
  EXPECT_EQ(StringAttr(r, "service.version"), "override");
}

TEST_F(AutoconfigureDetectorsTest, Ec2ThroughAutoconfigure) {
  WriteFile("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n");
  server_.SetHandler([](const test::RecordedRequest& r) {
    if (r.target == "/latest/api/token") return test::TestResponse::Status(200, "T");
    if (r.target == "/latest/dynamic/instance-identity/document")
      return test::TestResponse::Status(200, R"({"instanceId":"i-1","region":"r-1"})");
    return test::TestResponse::Status(404);
  });
  otel_env_.Set("OTEL_RESOURCE_DETECTORS", "aws_ec2,container");
  Autoconfigured a;
  std::string err = Configure(a);
  EXPECT_THAT(err, HasSubstr("no host.name"));  // the hostname 404: one line
  const Resource& r = a.tracer_provider()->resource();
  EXPECT_EQ(StringAttr(r, "host.id"), "i-1");
  EXPECT_EQ(StringAttr(r, "cloud.region"), "r-1");
}

TEST_F(AutoconfigureDetectorsTest, NoneDetectsNothing) {
  WriteFile("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n");
  otel_env_.Set("OTEL_RESOURCE_DETECTORS", "none");
  Autoconfigured a;
  EXPECT_EQ(Configure(a), "");
  EXPECT_EQ(a.tracer_provider()->resource().Find("host.name"), nullptr);
  EXPECT_EQ(server_.RequestCount(), 0u);
}

}  // namespace
}  // namespace adot::sdk::resource
