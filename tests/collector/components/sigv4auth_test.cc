// sigv4auth: config and references, and the otlphttp exporter signing real requests to loopback
// servers, each signature recomputed here from the request as received (an independent SigV4
// implementation on OpenSSL, and adot_aws's signer), with credentials from the environment or
// from STS AssumeRole on a fake STS.
#include "collector/extensions/sigv4auth/sigv4auth_extension.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <thread>

#include "adot/aws/sigv4.h"
#include "collector/aws/request_signer.h"
#include "collector/core/exporter_helper.h"
#include "collector/exporters/otlphttp/otlphttp_exporter.h"
#include "component_test_util.h"
#include "collector/aws_test_util.h"
#include "support/http_test_server.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using namespace testing;
using adot::test::HttpTestServer;
using adot::test::RecordedRequest;
using adot::test::TestResponse;

// ---- set-up ---------------------------------------------------------------------------------------

// A started sigv4auth extension, listed in the returned directory.
std::shared_ptr<ExtensionDirectory> StartSigv4(const std::string& yaml, aws::ProviderOptions options,
                                               std::shared_ptr<Extension>* extension = nullptr) {
  Factory f = Sigv4AuthExtensionFactory(std::move(options));
  ConfigErrors errors;
  ConfigReader r(YAML::Load(yaml), "extensions.sigv4auth", &errors);
  auto cfg = f.parse(r);
  EXPECT_TRUE(errors.empty()) << errors.Joined();
  CreateSettings settings;
  settings.id = "sigv4auth";
  auto e = f.create_extension(*cfg, settings, std::make_shared<HostStatus>());
  EXPECT_TRUE(e->Start().ok());
  auto directory = std::make_shared<ExtensionDirectory>();
  directory->Add("sigv4auth", e);
  if (extension) *extension = e;
  return directory;
}

// An otlphttp exporter with auth: {authenticator: sigv4auth}.
std::shared_ptr<QueuedExporter> MakeExporter(const std::string& yaml, Signal signal,
                                             std::shared_ptr<const ExtensionDirectory> directory) {
  Factory f = OtlpHttpExporterFactory();
  ConfigErrors errors;
  YAML::Node node = YAML::Load(yaml);
  node["auth"]["authenticator"] = "sigv4auth";
  ConfigReader r(node, "exporters.otlphttp", &errors);
  auto cfg = f.parse(r);
  EXPECT_TRUE(errors.empty()) << errors.Joined();
  auto e = f.create_exporter(*cfg, CreateSettings{"otlphttp", signal, SignalName(signal), std::move(directory)});
  return std::static_pointer_cast<QueuedExporter>(e);
}

PData MakeLogs() {
  LogsRequest req;
  auto* record = req.add_resource_logs()->add_scope_logs()->add_log_records();
  record->mutable_body()->set_string_value("hello");
  PData p;
  PData::FromProtoBytes(Signal::kLogs, req.SerializeAsString(), p);
  return p;
}

PData MakeMetrics() {
  MetricsRequest req;
  auto* metric = req.add_resource_metrics()->add_scope_metrics()->add_metrics();
  metric->set_name("requests");
  metric->mutable_gauge()->add_data_points()->set_as_int(7);
  PData p;
  PData::FromProtoBytes(Signal::kMetrics, req.SerializeAsString(), p);
  return p;
}

// ---- config ---------------------------------------------------------------------------------------

TEST(Sigv4AuthConfigTest, InfersServiceAndRegionFromTheEndpointHost) {
  struct Case {
    const char* host;
    const char* service;
    const char* region;
  } cases[] = {
      {"xray.us-west-2.amazonaws.com", "xray", "us-west-2"},
      {"logs.eu-central-1.amazonaws.com", "logs", "eu-central-1"},
      {"monitoring.ap-southeast-2.amazonaws.com:443", "monitoring", "ap-southeast-2"},
      {"xray.cn-north-1.amazonaws.com.cn", "xray", "cn-north-1"},
      {"aps-workspaces.us-east-1.amazonaws.com", "aps", "us-east-1"},
      {"search-logs-abc123.us-west-2.es.amazonaws.com", "es", "us-west-2"},
      {"vpce-0123.xray.us-gov-west-1.amazonaws.com", "xray", "us-gov-west-1"},
  };
  for (const auto& c : cases) {
    std::string service, region;
    EXPECT_TRUE(InferServiceAndRegion(c.host, service, region)) << c.host;
    EXPECT_EQ(service, c.service) << c.host;
    EXPECT_EQ(region, c.region) << c.host;
  }
  for (const char* host : {"127.0.0.1:4318", "[::1]:4318", "collector.example.com", "amazonaws.com",
                           "us-west-2.amazonaws.com", "xray.global.amazonaws.com"}) {
    std::string service, region;
    EXPECT_FALSE(InferServiceAndRegion(host, service, region)) << host;
  }
}

const char* const kValidConfig = R"(
receivers: {otlp: {protocols: {http: {endpoint: 'localhost:4318'}}}}
extensions:
  sigv4auth:
    region: us-west-2
    service: xray
    assume_role: {arn: 'arn:aws:iam::123456789012:role/r', sts_region: us-east-1, session_name: adot}
  sigv4auth/logs: {}
exporters:
  otlphttp:
    traces_endpoint: https://xray.us-west-2.amazonaws.com/v1/traces
    auth: {authenticator: sigv4auth}
  otlphttp/logs:
    logs_endpoint: https://logs.us-west-2.amazonaws.com/v1/logs
    headers: {x-aws-log-group: my-group, x-aws-log-stream: my-stream}
    auth: {authenticator: sigv4auth/logs}
  otlphttp/metrics:
    metrics_endpoint: https://monitoring.us-west-2.amazonaws.com/v1/metrics
    auth: {authenticator: sigv4auth/logs}
service:
  extensions: [sigv4auth, sigv4auth/logs]
  pipelines:
    traces: {receivers: [otlp], exporters: [otlphttp]}
    logs: {receivers: [otlp], exporters: [otlphttp/logs]}
    metrics: {receivers: [otlp], exporters: [otlphttp/metrics]}
)";

TEST(Sigv4AuthConfigTest, IssueConfigsValidate) {
  ConfigErrors errors;
  Registry r = BuiltinComponents();
  EXPECT_NE(Service::Create(YAML::Load(kValidConfig), r, errors), nullptr) << errors.Joined();
}

struct ErrorCase {
  const char* name;
  std::string yaml;
  std::vector<std::string> errors;
};

std::string WithSigv4(const std::string& extension, const std::string& auth = "{authenticator: sigv4auth}",
                      const std::string& service_extensions = "[sigv4auth]") {
  return "receivers: {otlp: {protocols: {http: }}}\nextensions: {sigv4auth: " + extension +
         ", health_check: {}}\nexporters: {otlphttp: {endpoint: 'https://xray.us-west-2.amazonaws.com', auth: " + auth +
         "}}\nservice: {extensions: " + service_extensions +
         ", pipelines: {traces: {receivers: [otlp], exporters: [otlphttp]}}}";
}

class Sigv4AuthErrorTable : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(Sigv4AuthErrorTable, ReportsEveryErrorWithItsPath) {
  const ErrorCase& c = GetParam();
  ConfigErrors errors;
  Registry r = BuiltinComponents();
  EXPECT_EQ(Service::Create(YAML::Load(c.yaml), r, errors), nullptr);
  EXPECT_EQ(errors.list(), c.errors) << errors.Joined();
}

INSTANTIATE_TEST_SUITE_P(
    Errors, Sigv4AuthErrorTable,
    ::testing::Values(
        ErrorCase{"unknown_keys", WithSigv4("{region: us-west-2, servce: xray, assume_role: {arn: 'arn:aws:iam::1:role/r', external_id: x}}"),
                  {"extensions.sigv4auth.assume_role.external_id: unknown key", "extensions.sigv4auth.servce: unknown key"}},
        ErrorCase{"bad_region", WithSigv4("{region: 'US West'}"),
                  {"extensions.sigv4auth.region: must be an AWS region such as us-west-2, got \"US West\""}},
        ErrorCase{"bad_assume_role", WithSigv4("{assume_role: {arn: 'role/r', session_name: 'a b', sts_region: east}}"),
                  {"extensions.sigv4auth.assume_role.arn: must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got \"role/r\"",
                   "extensions.sigv4auth.assume_role.session_name: must be 2 to 64 characters of letters, digits and _+=,.@-",
                   "extensions.sigv4auth.assume_role.sts_region: must be an AWS region such as us-east-1, got \"east\""}},
        ErrorCase{"assume_role_without_arn", WithSigv4("{assume_role: {session_name: adot}}"),
                  {"extensions.sigv4auth.assume_role.arn: must be set when session_name or sts_region is"}},
        ErrorCase{"authenticator_not_configured", WithSigv4("{}", "{authenticator: sigv4auth/other}"),
                  {"exporters.otlphttp.auth.authenticator: references extension \"sigv4auth/other\" which is not configured"}},
        ErrorCase{"authenticator_not_in_service", WithSigv4("{}", "{authenticator: sigv4auth}", "[health_check]"),
                  {"exporters.otlphttp.auth.authenticator: extension \"sigv4auth\" is not listed in service.extensions"}},
        ErrorCase{"authenticator_of_another_kind", WithSigv4("{}", "{authenticator: health_check}", "[sigv4auth, health_check]"),
                  {"exporters.otlphttp.auth.authenticator: extension \"health_check\" is not an HTTP client authenticator"}},
        ErrorCase{"auth_without_authenticator", WithSigv4("{}", "{authenticatr: sigv4auth}"),
                  {"exporters.otlphttp.auth.authenticator: must name an extension", "exporters.otlphttp.auth.authenticatr: unknown key"}}),
    [](const ::testing::TestParamInfo<ErrorCase>& i) { return std::string(i.param.name); });

// ---- signing --------------------------------------------------------------------------------------

bool WaitFor(const std::function<bool()>& f) {
  for (int i = 0; i < 1000; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return f();
}

TEST(Sigv4AuthExporterTest, SignsEverySignalWithEnvironmentCredentials) {
  ScopedEnv env({{"AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT"},
                 {"AWS_SECRET_ACCESS_KEY", "environment/secret+key"},
                 {"AWS_SESSION_TOKEN", "environment-session-token"}});
  const aws::Credentials credentials{"AKIDENVIRONMENT", "environment/secret+key", "environment-session-token", {}};
  struct Case {
    Signal signal;
    const char* service;
    std::string exporter_keys;
    PData data;
  } cases[] = {
      {Signal::kTraces, "xray", "", MakeTraces(1, 3)},
      {Signal::kLogs, "logs", ", headers: {x-aws-log-group: my-group, x-aws-log-stream: my-stream}", MakeLogs()},
      {Signal::kMetrics, "monitoring", ", compression: none, encoding: json", MakeMetrics()},
  };
  for (auto& c : cases) {
    SCOPED_TRACE(SignalName(c.signal));
    HttpTestServer server;
    auto directory = StartSigv4(std::string("{region: eu-west-1, service: ") + c.service + "}", {});
    auto e = MakeExporter("{endpoint: '" + server.Url("") + "'" + c.exporter_keys + "}", c.signal, directory);
    ASSERT_TRUE(e->Start().ok());
    ASSERT_TRUE(e->Consume(c.data).ok());
    ASSERT_TRUE(server.WaitForRequests(1, 5s));
    RecordedRequest req = server.Requests()[0];
    EXPECT_EQ(req.target, std::string("/v1/") + SignalName(c.signal));
    ExpectSigned(req, credentials, "eu-west-1", c.service);
    Authorization a;
    ASSERT_TRUE(ParseAuthorization(req.Header("authorization"), a));
    std::vector<std::string> expected = {"content-type", "host", "x-amz-date", "x-amz-security-token"};
    if (c.signal != Signal::kMetrics) expected.insert(expected.begin(), "content-encoding");
    if (c.signal == Signal::kLogs) {
      expected.push_back("x-aws-log-group");
      expected.push_back("x-aws-log-stream");
      EXPECT_EQ(req.Header("x-aws-log-group"), "my-group");
    }
    EXPECT_EQ(a.signed_headers, expected);  // User-Agent is sent but not signed (as the AWS SDKs)
    RecordedRequest tampered = req;  // the verifier is not vacuous
    tampered.raw_body += "x";
    EXPECT_NE(ExpectedSignature(tampered, a, credentials.secret_access_key), a.signature);
    EXPECT_FALSE(req.Header("user-agent").empty());
    if (c.signal == Signal::kTraces) {
      EXPECT_EQ(req.Header("content-encoding"), "gzip");
    }
    EXPECT_FALSE(req.gzip_error);
    ASSERT_TRUE(WaitFor([&] { return e->counters().sent_items == c.data.ItemCount(); }));
    e->Shutdown(Clock::now() + 2s);
  }
}

// The other tests compare with aws4 too when it is installed; this one says when it is not.
TEST(Sigv4AuthExporterTest, Aws4NpmSignerAgrees) {
  if (!Aws4Available())
    GTEST_SKIP() << "node or " ADOT_SIGV4_JS_DIR "/node_modules is missing: run scripts/install-deps.sh";
  HttpTestServer server;
  aws::ProviderOptions options;
  options.env = EnvOf({{"AWS_ACCESS_KEY_ID", "AKIDJS"}, {"AWS_SECRET_ACCESS_KEY", "js/secret"}, {"AWS_SESSION_TOKEN", "js-token"}});
  auto directory = StartSigv4("{region: us-west-2, service: logs}", options);
  auto e = MakeExporter("{endpoint: '" + server.Url("") + "', headers: {x-aws-log-group: 'my group', x-aws-log-stream: s}}",
                        Signal::kLogs, directory);
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(MakeLogs()).ok());
  ASSERT_TRUE(server.WaitForRequests(1, 5s));
  RecordedRequest req = server.Requests()[0];
  EXPECT_EQ(Aws4Authorization(req, {"AKIDJS", "js/secret", "js-token", {}}, "us-west-2", "logs"), req.Header("authorization"));
  e->Shutdown(Clock::now() + 2s);
}

TEST(Sigv4AuthExporterTest, MissingCredentialsAreARetryableErrorWithoutSecrets) {
  HttpTestServer server;
  aws::ProviderOptions options;
  // A secret without a key id: no credentials, and the secret must not show in the error.
  options.env = EnvOf({{"AWS_SECRET_ACCESS_KEY", "do-not-print-me"}, {"AWS_EC2_METADATA_DISABLED", "true"}});
  options.home = "/nonexistent";
  auto directory = StartSigv4("{region: us-west-2, service: xray}", options);
  auto e = MakeExporter("{endpoint: '" + server.Url("") + "', sending_queue: {enabled: false}, retry_on_failure: {enabled: false}}",
                        Signal::kTraces, directory);
  ASSERT_TRUE(e->Start().ok());
  Status st = e->Consume(MakeTraces(1, 2));
  EXPECT_TRUE(st.retryable()) << st.message();
  EXPECT_NE(st.message().find("sigv4auth: no AWS credentials found"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("do-not-print-me"), std::string::npos) << st.message();
  EXPECT_EQ(server.RequestCount(), 0u);
  e->Shutdown(Clock::now() + 2s);
}

TEST(Sigv4AuthExporterTest, EndpointWithoutServiceIsAPermanentError) {
  HttpTestServer server;
  aws::ProviderOptions options;
  options.env = EnvOf({{"AWS_ACCESS_KEY_ID", "AKID"}, {"AWS_SECRET_ACCESS_KEY", "secret"}});
  auto directory = StartSigv4("{region: us-west-2}", options);
  auto e = MakeExporter("{endpoint: '" + server.Url("") + "', sending_queue: {enabled: false}}", Signal::kTraces, directory);
  ASSERT_TRUE(e->Start().ok());
  Status st = e->Consume(MakeTraces(1, 1));
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(st.retryable());
  EXPECT_NE(st.message().find("sigv4auth: no service to sign for 127.0.0.1:"), std::string::npos) << st.message();
  EXPECT_EQ(server.RequestCount(), 0u);
  e->Shutdown(Clock::now() + 2s);
}

TEST(Sigv4AuthExporterTest, ExporterWithoutItsAuthenticatorDoesNotStart) {
  auto e = MakeExporter("{endpoint: 'http://127.0.0.1:1'}", Signal::kTraces, nullptr);
  Status st = e->Start();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("auth.authenticator"), std::string::npos) << st.message();
}

const char* const kAssumeRoleResponse = R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/adot</Arn><AssumedRoleId>AROA:adot</AssumedRoleId></AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAASSUMED</AccessKeyId>
      <SecretAccessKey>assumed/secret</SecretAccessKey>
      <SessionToken>assumed-token</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
</AssumeRoleResponse>)";

TEST(Sigv4AuthExporterTest, AssumeRoleThroughStsSignedWithTheBaseCredentials) {
  HttpTestServer sts;
  sts.SetDefaultResponse(TestResponse::Status(200, kAssumeRoleResponse).WithHeader("Content-Type", "text/xml"));
  HttpTestServer backend;
  aws::ProviderOptions options;
  options.env = EnvOf({{"AWS_ACCESS_KEY_ID", "AKIDBASE"}, {"AWS_SECRET_ACCESS_KEY", "base-secret"}});
  options.sts_endpoint = sts.Url("");
  auto directory = StartSigv4(
      "{region: us-west-2, service: xray, assume_role: {arn: 'arn:aws:iam::123456789012:role/r', sts_region: us-east-1, "
      "session_name: adot}}",
      options);
  auto e = MakeExporter("{endpoint: '" + backend.Url("") + "', sending_queue: {num_consumers: 1}}", Signal::kTraces, directory);
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 1)).ok());
  ASSERT_TRUE(e->Consume(MakeTraces(1, 2)).ok());
  ASSERT_TRUE(backend.WaitForRequests(2, 5s));
  ASSERT_TRUE(WaitFor([&] { return e->counters().sent_items == 3; }));

  // STS: called once (the assumed credentials are cached), signed with the base credentials.
  ASSERT_EQ(sts.RequestCount(), 1u);
  RecordedRequest sts_req = sts.Requests()[0];
  EXPECT_EQ(sts_req.method, "POST");
  EXPECT_EQ(sts_req.target, "/");
  EXPECT_EQ(sts_req.body,
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=adot");
  ExpectSigned(sts_req, aws::Credentials{"AKIDBASE", "base-secret", "", {}}, "us-east-1", "sts");

  // The backend: signed with the assumed role's credentials.
  const aws::Credentials assumed{"ASIAASSUMED", "assumed/secret", "assumed-token", {}};
  for (const auto& req : backend.Requests()) ExpectSigned(req, assumed, "us-west-2", "xray");
  e->Shutdown(Clock::now() + 2s);
}

TEST(Sigv4AuthExporterTest, StsErrorIsRetryableAndNamesTheRole) {
  HttpTestServer sts;
  sts.SetDefaultResponse(TestResponse::Status(
      403, "<ErrorResponse><Error><Code>AccessDenied</Code><Message>not allowed</Message></Error></ErrorResponse>"));
  HttpTestServer backend;
  aws::ProviderOptions options;
  options.env = EnvOf({{"AWS_ACCESS_KEY_ID", "AKIDBASE"}, {"AWS_SECRET_ACCESS_KEY", "base-secret"}});
  options.sts_endpoint = sts.Url("");
  auto directory = StartSigv4("{region: us-west-2, service: xray, assume_role: {arn: 'arn:aws:iam::123456789012:role/r'}}", options);
  auto e = MakeExporter("{endpoint: '" + backend.Url("") + "', sending_queue: {enabled: false}, retry_on_failure: {enabled: false}}",
                        Signal::kTraces, directory);
  ASSERT_TRUE(e->Start().ok());
  Status st = e->Consume(MakeTraces(1, 1));
  EXPECT_TRUE(st.retryable()) << st.message();
  EXPECT_NE(st.message().find("arn:aws:iam::123456789012:role/r"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("AccessDenied: not allowed"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("base-secret"), std::string::npos) << st.message();
  EXPECT_EQ(backend.RequestCount(), 0u);
  // The role session name defaults to adot-cpp-<ms>.
  ASSERT_EQ(sts.RequestCount(), 1u);
  EXPECT_NE(sts.Requests()[0].body.find("&RoleSessionName=adot-cpp-"), std::string::npos);
  e->Shutdown(Clock::now() + 2s);
}

}  // namespace
}  // namespace adot::collector
