// The real adot-collector with sigv4auth: credentials from a fake container-credentials endpoint
// on loopback (AWS_CONTAINER_CREDENTIALS_FULL_URI, fetched with the collector's own HTTP client),
// OTLP/HTTP in, otlphttp out to a loopback backend that gets every request signed; the signature
// is recomputed from the request as received (collector/sigv4_verifier.h).
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "collector/sigv4_verifier.h"
#include "collector/test_util.h"
#include "collector_process.h"
#include "support/http_test_server.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using adot::test::HttpTestServer;
using adot::test::RecordedRequest;
using adot::test::TestResponse;
using testing::CollectorProcess;
using testing::FreePort;
using testing::MakeTracesRequest;

// The AWS_* variables the child collector sees, restored at the end of the test.
class AwsEnvironment {
 public:
  explicit AwsEnvironment(const std::string& container_uri) {
    for (const char* name : kCleared) unsetenv(name);
    Set("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials");
    Set("AWS_CONFIG_FILE", "/nonexistent/config");
    Set("AWS_EC2_METADATA_DISABLED", "true");
    Set("AWS_CONTAINER_CREDENTIALS_FULL_URI", container_uri);
    Set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-auth-token");
  }
  ~AwsEnvironment() {
    for (const auto& name : set_) unsetenv(name.c_str());
  }

 private:
  static constexpr const char* kCleared[] = {"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY",
                                             "AWS_SECRET_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                                             "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
                                             "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"};
  void Set(const std::string& name, const std::string& value) {
    setenv(name.c_str(), value.c_str(), 1);
    set_.push_back(name);
  }
  std::vector<std::string> set_;
};

TEST(CollectorSigv4Test, ExportsSignedWithContainerCredentials) {
  HttpTestServer credentials;
  credentials.SetDefaultResponse(TestResponse::Status(
      200, R"({"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"container/secret","Token":"container-session-token",)"
           R"("Expiration":"2099-01-01T00:00:00Z"})"));
  HttpTestServer backend;
  AwsEnvironment env(credentials.Url("/v2/credentials"));
  uint16_t http = FreePort(), health = FreePort();
  CollectorProcess collector("receivers: {otlp: {protocols: {http: {endpoint: '127.0.0.1:" + std::to_string(http) +
                             "'}}}}\n"
                             "extensions:\n"
                             "  health_check: {endpoint: '127.0.0.1:" + std::to_string(health) + "'}\n"
                             "  sigv4auth: {region: us-west-2, service: xray}\n"
                             "exporters:\n"
                             "  otlphttp: {traces_endpoint: '" + backend.Url("/v1/traces") +
                             "', auth: {authenticator: sigv4auth}}\n"
                             "service:\n"
                             "  extensions: [health_check, sigv4auth]\n"
                             "  telemetry: {metrics: {level: none}}\n"
                             "  pipelines: {traces: {receivers: [otlp], exporters: [otlphttp]}}\n");
  ASSERT_TRUE(testing::WaitHealthy(health)) << collector.Log();
  const std::string url = "http://127.0.0.1:" + std::to_string(http) + "/v1/traces";
  for (int i = 0; i < 3; ++i) {
    auto resp = testing::Send("POST", url, MakeTracesRequest(1, 4, "s" + std::to_string(i)).SerializeAsString());
    ASSERT_EQ(resp.status, 200) << resp.error_message << collector.Log();
  }
  ASSERT_TRUE(backend.WaitForRequests(3, 10s)) << collector.Log();

  // The container endpoint: asked once (the credentials are cached), with its authorization token.
  ASSERT_EQ(credentials.RequestCount(), 1u);
  EXPECT_EQ(credentials.Requests()[0].method, "GET");
  EXPECT_EQ(credentials.Requests()[0].target, "/v2/credentials");
  EXPECT_EQ(credentials.Requests()[0].Header("authorization"), "container-auth-token");

  for (const RecordedRequest& req : backend.Requests()) {
    testing::Authorization a;
    ASSERT_TRUE(testing::ParseAuthorization(req.Header("authorization"), a)) << req.Header("authorization");
    EXPECT_EQ(a.access_key_id, "ASIACONTAINER");
    EXPECT_EQ(a.region, "us-west-2");
    EXPECT_EQ(a.service, "xray");
    EXPECT_EQ(req.Header("x-amz-security-token"), "container-session-token");
    EXPECT_EQ(req.Header("content-encoding"), "gzip");
    EXPECT_EQ(testing::ExpectedSignature(req, a, "container/secret"), a.signature);
  }
  EXPECT_EQ(collector.Terminate(10s), 0);
  std::string log = collector.Log();
  EXPECT_EQ(log.find("container/secret"), std::string::npos);
  EXPECT_EQ(log.find("container-session-token"), std::string::npos);
  EXPECT_EQ(log.find("container-auth-token"), std::string::npos);
}

}  // namespace
}  // namespace adot::collector
