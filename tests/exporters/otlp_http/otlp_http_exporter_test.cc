// The OTLP/HTTP span exporter against a real loopback server.
#include "adot/exporters/otlp/otlp_http_exporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "adot/sdk/version.h"
#include "exporters/otlp/otlp_trace_encoder.h"
#include "support/http_test_server.h"

namespace adot::exporters::otlp {
namespace {

using sdk::ExportResult;
using sdk::trace::SpanData;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using test::ClosedPort;
using test::HttpTestServer;
using test::TestResponse;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Loopback traffic must never go through a proxy configured in the environment.
const bool kNoProxies = [] {
  for (const char* name :
       {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
    unsetenv(name);
  return true;
}();

std::vector<std::unique_ptr<SpanData>> MakeSpans(size_t count) {
  auto info = std::make_shared<sdk::InstrumentationInfo>();
  info->scope.name = "exporter-test";
  info->scope.version = "1.0";
  info->resource = std::make_shared<sdk::Resource>(sdk::OwnedAttributes{
      {"service.name", std::string("checkout")}, {"host.name", std::string("h1")}});
  std::vector<std::unique_ptr<SpanData>> spans;
  for (size_t i = 0; i < count; ++i) {
    auto span = std::make_unique<SpanData>();
    span->trace_id = api::trace::TraceId::FromHex("5b8efff798038103d269b633813fc60c");
    span->span_id = api::trace::SpanId::FromHex("eee19b7ec3c1b17" + std::to_string(i % 10));
    span->flags = api::trace::TraceFlags(api::trace::TraceFlags::kSampled);
    span->name = "GET /items/" + std::to_string(i);
    span->kind = api::trace::SpanKind::kServer;
    span->start_time_unix_nano = 1700000000000000000ull + i;
    span->end_time_unix_nano = 1700000000500000000ull + i;
    span->attributes = {{"http.request.method", std::string("GET")},
                        {"http.response.status_code", int64_t{200}}};
    span->instrumentation = info;
    spans.push_back(std::move(span));
  }
  return spans;
}

// A fast-retrying configuration pointed at url.
OtlpExporterOptions Options(std::string url) {
  OtlpExporterOptions options;
  options.endpoint = std::move(url);
  options.timeout = seconds(10);
  options.retry.max_attempts = 5;
  options.retry.initial_backoff = milliseconds(10);
  options.retry.max_backoff = milliseconds(50);
  return options;
}

// ExportTraceServiceResponse{partial_success{rejected_spans, error_message}} in protobuf.
std::string PartialSuccessProto(int64_t rejected, const std::string& message) {
  std::string inner;
  inner += '\x08';
  inner += static_cast<char>(rejected);  // small values only
  inner += '\x12';
  inner += static_cast<char>(message.size());
  inner += message;
  return std::string(1, '\x0a') + static_cast<char>(inner.size()) + inner;
}

class OtlpHttpExporterTest : public ::testing::Test {
 protected:
  // Runs Export and returns what it wrote to stderr.
  ExportResult Export(sdk::trace::SpanExporter& exporter,
                      const std::vector<std::unique_ptr<SpanData>>& spans,
                      std::string* warnings = nullptr) {
    ::testing::internal::CaptureStderr();
    ExportResult result = exporter.Export(spans);
    std::string err = ::testing::internal::GetCapturedStderr();
    if (warnings != nullptr) *warnings = err;
    return result;
  }

  HttpTestServer server_;
};

TEST_F(OtlpHttpExporterTest, SendsProtobufWithContentTypeUserAgentAndHeaders) {
  OtlpExporterOptions options = Options(server_.Url("/v1/traces"));
  options.headers = {{"x-api-key", "key-123"}, {"x-tenant", "blue"}};
  auto exporter = CreateOtlpHttpSpanExporter(options);
  auto spans = MakeSpans(3);
  EXPECT_EQ(Export(*exporter, spans), ExportResult::kSuccess);

  ASSERT_EQ(server_.RequestCount(), 1u);
  const auto r = server_.Requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/v1/traces");
  EXPECT_EQ(r.Header("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(r.Header("User-Agent"),
            std::string("adot-cpp/") + sdk::kVersion + " OTel-OTLP-Exporter-Cpp/" + sdk::kVersion);
  EXPECT_EQ(r.Header("x-api-key"), "key-123");
  EXPECT_EQ(r.Header("x-tenant"), "blue");
  EXPECT_FALSE(r.HasHeader("Content-Encoding"));
  std::string expected;
  EncodeTraceRequestProto(spans, expected);
  EXPECT_EQ(r.body, expected);
}

TEST_F(OtlpHttpExporterTest, SendsJson) {
  OtlpExporterOptions options = Options(server_.Url("/v1/traces"));
  options.protocol = Protocol::kHttpJson;
  server_.SetDefaultResponse(
      TestResponse::Status(200, "{}").WithHeader("Content-Type", "application/json"));
  auto exporter = CreateOtlpHttpSpanExporter(options);
  auto spans = MakeSpans(2);
  EXPECT_EQ(Export(*exporter, spans), ExportResult::kSuccess);
  const auto r = server_.Requests().at(0);
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  std::string expected;
  EncodeTraceRequestJson(spans, expected);
  EXPECT_EQ(r.body, expected);
}

TEST_F(OtlpHttpExporterTest, GzipBodyDecompressesToTheEncoderOutput) {
  OtlpExporterOptions options = Options(server_.Url("/v1/traces"));
  options.gzip = true;
  auto exporter = CreateOtlpHttpSpanExporter(options);
  auto spans = MakeSpans(50);
  EXPECT_EQ(Export(*exporter, spans), ExportResult::kSuccess);
  const auto r = server_.Requests().at(0);
  EXPECT_EQ(r.Header("Content-Encoding"), "gzip");
  EXPECT_FALSE(r.gzip_error);
  std::string expected;
  EncodeTraceRequestProto(spans, expected);
  EXPECT_EQ(r.body, expected);
  EXPECT_LT(r.raw_body.size(), expected.size());
}

TEST_F(OtlpHttpExporterTest, ConfiguredUserAgentReplacesOursAndProtocolHeadersAreKept) {
  OtlpExporterOptions options = Options(server_.Url("/v1/traces"));
  options.headers = {{"User-Agent", "my-distro/2.0"}, {"Content-Type", "text/plain"}};
  auto exporter = CreateOtlpHttpSpanExporter(options);
  EXPECT_EQ(Export(*exporter, MakeSpans(1)), ExportResult::kSuccess);
  const auto r = server_.Requests().at(0);
  EXPECT_EQ(r.Header("User-Agent"), "my-distro/2.0");
  EXPECT_EQ(r.Header("Content-Type"), "application/x-protobuf");
}

TEST_F(OtlpHttpExporterTest, EmptyBatchSendsNothing) {
  auto exporter = CreateOtlpHttpSpanExporter(Options(server_.Url("/v1/traces")));
  std::vector<std::unique_ptr<SpanData>> none;
  EXPECT_EQ(Export(*exporter, none), ExportResult::kSuccess);
  EXPECT_EQ(server_.RequestCount(), 0u);
}

TEST_F(OtlpHttpExporterTest, ReusesOneConnectionAcrossExports) {
  auto exporter = CreateOtlpHttpSpanExporter(Options(server_.Url("/v1/traces")));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Export(*exporter, MakeSpans(2)), ExportResult::kSuccess);
  EXPECT_EQ(server_.RequestCount(), 3u);
  EXPECT_EQ(server_.ConnectionCount(), 1u);
}

TEST_F(OtlpHttpExporterTest, RetriesOn503ThenSucceeds) {
  server_.Enqueue(TestResponse::Status(503));
  server_.Enqueue(TestResponse::Status(502));
  auto exporter = CreateOtlpHttpSpanExporter(Options(server_.Url("/v1/traces")));
  EXPECT_EQ(Export(*exporter, MakeSpans(2)), ExportResult::kSuccess);
  const auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].body, requests[2].body);
}

TEST_F(OtlpHttpExporterTest, HonoursRetryAfter) {
  server_.Enqueue(TestResponse::Status(429).WithHeader("Retry-After", "1"));
  auto exporter = CreateOtlpHttpSpanExporter(Options(server_.Url("/v1/traces")));
  EXPECT_EQ(Export(*exporter, MakeSpans(1)), ExportResult::kSuccess);
  const auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  // Without Retry-After the backoff would be at most 75 ms.
  EXPECT_GE(requests[1].received - requests[0].received, seconds(1));
}

TEST_F(OtlpHttpExporterTest, DoesNotRetryOtherErrors) {
  for (int status : {400, 401, 404, 413, 500, 501}) {
    HttpTestServer server;
    server.SetDefaultResponse(TestResponse::Status(status));
    auto exporter = CreateOtlpHttpSpanExporter(Options(server.Url("/v1/traces")));
    EXPECT_EQ(Export(*exporter, MakeSpans(1)), ExportResult::kFailure) << status;
    EXPECT_EQ(server.RequestCount(), 1u) << status;
  }
}

TEST_F(OtlpHttpExporterTest, FailureWarningQuotesTheServerStatusButNoHeaderValues) {
  // google.rpc.Status{code=3, message="span name is required"}.
  std::string status = std::string("\x08\x03\x12\x15", 4) + "span name is required";
  server_.Enqueue(
      TestResponse::Status(400, status).WithHeader("Content-Type", "application/x-protobuf"));
  OtlpExporterOptions options = Options(server_.Url("/v1/traces"));
  options.headers = {{"Authorization", "Bearer super-secret-token"}};
  auto exporter = CreateOtlpHttpSpanExporter(options);
  std::string warnings;
  EXPECT_EQ(Export(*exporter, MakeSpans(1), &warnings), ExportResult::kFailure);
  EXPECT_THAT(warnings, HasSubstr("400"));
  EXPECT_THAT(warnings, HasSubstr("span name is required"));
  EXPECT_THAT(warnings, Not(HasSubstr("super-secret-token")));
}

TEST_F(OtlpHttpExporterTest, GivesUpAfterMaxAttempts) {
  server_.SetDefaultResponse(TestResponse::Status(503));
  OtlpExporterOptions options = Options(server_.Url("/v1/traces"));
  options.retry.max_attempts = 3;
  auto exporter = CreateOtlpHttpSpanExporter(options);
  std::string warnings;
  EXPECT_EQ(Export(*exporter, MakeSpans(1), &warnings), ExportResult::kFailure);
  EXPECT_EQ(server_.RequestCount(), 3u);
  EXPECT_THAT(warnings, HasSubstr("3 attempts"));
}

TEST_F(OtlpHttpExporterTest, RetryAfterBeyondTheExportTimeLimitFailsAtOnce) {
  server_.SetDefaultResponse(TestResponse::Status(503).WithHeader("Retry-After", "3600"));
  OtlpExporterOptions options = Options(server_.Url("/v1/traces"));
  options.timeout = seconds(2);
  auto exporter = CreateOtlpHttpSpanExporter(options);
  auto start = steady_clock::now();
  EXPECT_EQ(Export(*exporter, MakeSpans(1)), ExportResult::kFailure);
  EXPECT_LT(steady_clock::now() - start, seconds(5));
  EXPECT_EQ(server_.RequestCount(), 1u);
}

TEST_F(OtlpHttpExporterTest, PartialSuccessIsSuccessAndWarnedOncePerMessage) {
  server_.SetDefaultResponse(
      TestResponse::Status(200, PartialSuccessProto(2, "spans without names"))
          .WithHeader("Content-Type", "application/x-protobuf"));
  auto exporter = CreateOtlpHttpSpanExporter(Options(server_.Url("/v1/traces")));
  std::string warnings;
  EXPECT_EQ(Export(*exporter, MakeSpans(3), &warnings), ExportResult::kSuccess);
  EXPECT_EQ(server_.RequestCount(), 1u);  // never retried
  EXPECT_THAT(warnings, HasSubstr("2 spans rejected"));
  EXPECT_THAT(warnings, HasSubstr("spans without names"));
  EXPECT_EQ(Export(*exporter, MakeSpans(3), &warnings), ExportResult::kSuccess);
  EXPECT_EQ(warnings, "");  // the same message is not repeated
}

TEST_F(OtlpHttpExporterTest, PartialSuccessInJson) {
  server_.SetDefaultResponse(
      TestResponse::Status(
          200, R"({"partialSuccess":{"rejectedSpans":"1","errorMessage":"json rejection"}})")
          .WithHeader("Content-Type", "application/json"));
  OtlpExporterOptions options = Options(server_.Url("/v1/traces"));
  options.protocol = Protocol::kHttpJson;
  auto exporter = CreateOtlpHttpSpanExporter(options);
  std::string warnings;
  EXPECT_EQ(Export(*exporter, MakeSpans(1), &warnings), ExportResult::kSuccess);
  EXPECT_THAT(warnings, HasSubstr("1 spans rejected"));
  EXPECT_THAT(warnings, HasSubstr("json rejection"));
}

TEST_F(OtlpHttpExporterTest, OversizedResponseIsANonRetryableError) {
  TestResponse big = TestResponse::Status(200, std::string(5 * 1024 * 1024, 'x'));
  server_.SetDefaultResponse(big);
  auto exporter = CreateOtlpHttpSpanExporter(Options(server_.Url("/v1/traces")));
  std::string warnings;
  EXPECT_EQ(Export(*exporter, MakeSpans(1), &warnings), ExportResult::kFailure);
  EXPECT_EQ(server_.RequestCount(), 1u);
  EXPECT_THAT(warnings, HasSubstr("response"));
}

TEST_F(OtlpHttpExporterTest, UnreachableEndpointFailsWithoutHanging) {
  ClosedPort closed;
  OtlpExporterOptions options = Options(closed.Url("/v1/traces"));
  options.retry.max_attempts = 3;
  auto exporter = CreateOtlpHttpSpanExporter(options);
  std::string warnings;
  auto start = steady_clock::now();
  EXPECT_EQ(Export(*exporter, MakeSpans(1), &warnings), ExportResult::kFailure);
  EXPECT_LT(steady_clock::now() - start, seconds(5));
  EXPECT_THAT(warnings, HasSubstr("connect"));
}

TEST_F(OtlpHttpExporterTest, RetriesWhenTheServerClosesTheConnection) {
  server_.Enqueue(TestResponse::Close());
  auto exporter = CreateOtlpHttpSpanExporter(Options(server_.Url("/v1/traces")));
  EXPECT_EQ(Export(*exporter, MakeSpans(1)), ExportResult::kSuccess);
  EXPECT_EQ(server_.RequestCount(), 2u);
}

TEST_F(OtlpHttpExporterTest, PerAttemptTimeoutThenRetry) {
  server_.Enqueue(TestResponse::Status(200).WithDelay(seconds(5)));
  OtlpExporterOptions options = Options(server_.Url("/v1/traces"));
  options.timeout = milliseconds(300);
  auto exporter = CreateOtlpHttpSpanExporter(options);
  EXPECT_EQ(Export(*exporter, MakeSpans(1)), ExportResult::kSuccess);
  EXPECT_EQ(server_.RequestCount(), 2u);
}

TEST_F(OtlpHttpExporterTest, ShutdownInterruptsAStalledRequest) {
  server_.SetStall(true);
  OtlpExporterOptions options = Options(server_.Url("/v1/traces"));
  options.timeout = seconds(60);
  auto exporter = CreateOtlpHttpSpanExporter(options);
  auto spans = MakeSpans(1);
  auto exported = std::async(std::launch::async, [&] { return exporter->Export(spans); });
  ASSERT_TRUE(server_.WaitForRequests(1, seconds(10)));

  auto start = steady_clock::now();
  EXPECT_TRUE(exporter->Shutdown(milliseconds(2000)));
  EXPECT_LT(steady_clock::now() - start, milliseconds(2000));
  ASSERT_EQ(exported.wait_for(seconds(1)), std::future_status::ready);
  EXPECT_EQ(exported.get(), ExportResult::kFailure);

  // After shutdown nothing is sent.
  server_.SetStall(false);
  EXPECT_EQ(exporter->Export(spans), ExportResult::kFailure);
  EXPECT_EQ(server_.RequestCount(), 1u);
}

TEST_F(OtlpHttpExporterTest, ShutdownInterruptsARetryWait) {
  server_.SetDefaultResponse(TestResponse::Status(503).WithHeader("Retry-After", "30"));
  OtlpExporterOptions options = Options(server_.Url("/v1/traces"));
  options.timeout = seconds(60);
  auto exporter = CreateOtlpHttpSpanExporter(options);
  auto spans = MakeSpans(1);
  auto exported = std::async(std::launch::async, [&] { return exporter->Export(spans); });
  ASSERT_TRUE(server_.WaitForRequests(1, seconds(10)));
  // Give the exporter time to read the answer and start waiting.
  std::this_thread::sleep_for(milliseconds(100));

  auto start = steady_clock::now();
  EXPECT_TRUE(exporter->Shutdown(milliseconds(2000)));
  EXPECT_LT(steady_clock::now() - start, milliseconds(2000));
  ASSERT_EQ(exported.wait_for(seconds(1)), std::future_status::ready);
  EXPECT_EQ(exported.get(), ExportResult::kFailure);
  EXPECT_EQ(server_.RequestCount(), 1u);
}

TEST_F(OtlpHttpExporterTest, ShutdownWhileIdleAndTwice) {
  auto exporter = CreateOtlpHttpSpanExporter(Options(server_.Url("/v1/traces")));
  EXPECT_TRUE(exporter->ForceFlush(milliseconds(100)));
  EXPECT_TRUE(exporter->Shutdown(milliseconds(100)));
  EXPECT_TRUE(exporter->Shutdown(milliseconds(100)));
  EXPECT_EQ(exporter->Export(MakeSpans(1)), ExportResult::kFailure);
  EXPECT_EQ(server_.RequestCount(), 0u);
}

}  // namespace
}  // namespace adot::exporters::otlp
