// The OTLP/HTTP metric exporter against a real loopback server: what arrives is decoded with
// libprotobuf (classes generated from proto/) and must equal, data point for data point, the
// reference mapping of what the SDK collected.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "adot/exporters/otlp/otlp_http_exporter.h"
#include "adot/sdk/version.h"
#include "exporters/otlp_encoder/otlp_metrics_reference.h"
#include "support/http_test_server.h"
#include "support/metrics_sample.h"

namespace adot::exporters::otlp {
namespace {

using sdk::ExportResult;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using test::ClosedPort;
using test::HttpTestServer;
using test::SampleMetrics;
using test::TestResponse;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace sdk::metrics;
using namespace metrics_reference;

// Loopback traffic must never go through a proxy configured in the environment.
const bool kNoProxies = [] {
  for (const char* name :
       {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
    unsetenv(name);
  return true;
}();

// A fast-retrying configuration pointed at url.
OtlpExporterOptions Options(std::string url) {
  OtlpExporterOptions options = OtlpExporterOptions::Defaults(Signal::kMetrics);
  options.endpoint = std::move(url);
  options.timeout = seconds(10);
  options.retry.max_attempts = 5;
  options.retry.initial_backoff = milliseconds(10);
  options.retry.max_backoff = milliseconds(50);
  return options;
}

size_t PointCount(const ExportMetricsServiceRequest& request) {
  size_t n = 0;
  for (const auto& rm : request.resource_metrics())
    for (const auto& sm : rm.scope_metrics())
      for (const auto& m : sm.metrics())
        n += m.sum().data_points_size() + m.gauge().data_points_size() +
             m.histogram().data_points_size() + m.exponential_histogram().data_points_size();
  return n;
}

// The body equals the reference mapping of metrics, field for field.
void ExpectBodyIs(const std::string& body, const ResourceMetrics& metrics, bool json) {
  ExportMetricsServiceRequest decoded = json ? DecodeJson(body) : DecodeProto(body);
  std::string diff;
  EXPECT_TRUE(ProtoEquals(decoded, ToProto(metrics), &diff)) << diff;
  // The sample has 8 instruments and 13 series: make sure the comparison saw them.
  EXPECT_EQ(PointCount(decoded), 13u);
}

class OtlpHttpMetricExporterTest : public ::testing::Test {
 protected:
  // Runs Export and returns what it wrote to stderr.
  ExportResult Export(MetricExporter& exporter, const ResourceMetrics& metrics,
                      std::string* warnings = nullptr) {
    ::testing::internal::CaptureStderr();
    ExportResult result = exporter.Export(metrics);
    std::string err = ::testing::internal::GetCapturedStderr();
    if (warnings != nullptr) *warnings = err;
    return result;
  }

  HttpTestServer server_;
  SampleMetrics sample_;
};

TEST_F(OtlpHttpMetricExporterTest, DefaultsPointAtV1Metrics) {
  EXPECT_EQ(OtlpExporterOptions::Defaults(Signal::kMetrics).endpoint,
            "http://localhost:4318/v1/metrics");
  EXPECT_EQ(OtlpExporterOptions::Defaults(Signal::kMetrics, Protocol::kGrpc).endpoint,
            "http://localhost:4317");
}

TEST_F(OtlpHttpMetricExporterTest, SendsProtobufThatDecodesToEveryDataPoint) {
  OtlpExporterOptions options = Options(server_.Url("/v1/metrics"));
  options.headers = {{"x-api-key", "key-123"}, {"x-tenant", "blue"}};
  auto exporter = CreateOtlpHttpMetricExporter(options);
  const ResourceMetrics metrics = sample_.Collect();
  EXPECT_EQ(Export(*exporter, metrics), ExportResult::kSuccess);

  ASSERT_EQ(server_.RequestCount(), 1u);
  const auto r = server_.Requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/v1/metrics");
  EXPECT_EQ(r.Header("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(r.Header("User-Agent"),
            std::string("adot-cpp/") + sdk::kVersion + " OTel-OTLP-Exporter-Cpp/" + sdk::kVersion);
  EXPECT_EQ(r.Header("x-api-key"), "key-123");
  EXPECT_EQ(r.Header("x-tenant"), "blue");
  EXPECT_FALSE(r.HasHeader("Content-Encoding"));
  ExpectBodyIs(r.body, metrics, /*json=*/false);
}

TEST_F(OtlpHttpMetricExporterTest, SendsJsonThatDecodesToEveryDataPoint) {
  OtlpExporterOptions options = Options(server_.Url("/v1/metrics"));
  options.protocol = Protocol::kHttpJson;
  server_.SetDefaultResponse(
      TestResponse::Status(200, "{}").WithHeader("Content-Type", "application/json"));
  auto exporter = CreateOtlpHttpMetricExporter(options);
  const ResourceMetrics metrics = sample_.Collect();
  EXPECT_EQ(Export(*exporter, metrics), ExportResult::kSuccess);
  const auto r = server_.Requests().at(0);
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  ExpectBodyIs(r.body, metrics, /*json=*/true);
}

TEST_F(OtlpHttpMetricExporterTest, GzipBodyDecompressesToEveryDataPoint) {
  OtlpExporterOptions options = Options(server_.Url("/v1/metrics"));
  options.gzip = true;
  auto exporter = CreateOtlpHttpMetricExporter(options);
  const ResourceMetrics metrics = sample_.Collect();
  EXPECT_EQ(Export(*exporter, metrics), ExportResult::kSuccess);
  const auto r = server_.Requests().at(0);
  EXPECT_EQ(r.Header("Content-Encoding"), "gzip");
  EXPECT_FALSE(r.gzip_error);
  EXPECT_LT(r.raw_body.size(), r.body.size());
  ExpectBodyIs(r.body, metrics, /*json=*/false);
}

TEST_F(OtlpHttpMetricExporterTest, DeltaPreferenceGivesDeltaPointsOnTheWire) {
  OtlpExporterOptions options = Options(server_.Url("/v1/metrics"));
  options.temporality_preference = TemporalityPreference::kDelta;
  auto exporter = CreateOtlpHttpMetricExporter(options);
  // The reader takes its temporality from the exporter, as PeriodicExportingMetricReader does.
  SampleMetrics delta(TemporalityPreference::kDelta);
  EXPECT_EQ(exporter->GetTemporality(InstrumentKind::kCounter), AggregationTemporality::kDelta);
  const ResourceMetrics metrics = delta.Collect();
  EXPECT_EQ(Export(*exporter, metrics), ExportResult::kSuccess);
  ExportMetricsServiceRequest decoded = DecodeProto(server_.Requests().at(0).body);
  int sums = 0;
  for (const auto& m : decoded.resource_metrics(0).scope_metrics(0).metrics()) {
    if (m.name() == "http.server.requests") {
      EXPECT_EQ(m.sum().aggregation_temporality(), pb::metrics::v1::AGGREGATION_TEMPORALITY_DELTA);
      ++sums;
    }
    if (m.name() == "http.server.active") {  // UpDownCounters stay cumulative
      EXPECT_EQ(m.sum().aggregation_temporality(),
                pb::metrics::v1::AGGREGATION_TEMPORALITY_CUMULATIVE);
      ++sums;
    }
  }
  EXPECT_EQ(sums, 2);
  std::string diff;
  EXPECT_TRUE(ProtoEquals(decoded, ToProto(metrics), &diff)) << diff;
}

TEST_F(OtlpHttpMetricExporterTest, TemporalityFromOptionThenEnvironmentThenCumulative) {
  unsetenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE");
  EXPECT_EQ(CreateOtlpHttpMetricExporter(Options(server_.Url("/v1/metrics")))
                ->GetTemporality(InstrumentKind::kCounter),
            AggregationTemporality::kCumulative);

  setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "LowMemory", 1);
  auto from_env = CreateOtlpHttpMetricExporter(Options(server_.Url("/v1/metrics")));
  EXPECT_EQ(from_env->GetTemporality(InstrumentKind::kCounter), AggregationTemporality::kDelta);
  EXPECT_EQ(from_env->GetTemporality(InstrumentKind::kObservableCounter),
            AggregationTemporality::kCumulative);
  EXPECT_EQ(ResolvedTemporalityPreference(OtlpExporterOptions::FromEnvironment(Signal::kMetrics)),
            TemporalityPreference::kLowMemory);

  OtlpExporterOptions options = Options(server_.Url("/v1/metrics"));
  options.temporality_preference = TemporalityPreference::kCumulative;  // the option wins
  EXPECT_EQ(CreateOtlpHttpMetricExporter(options)->GetTemporality(InstrumentKind::kCounter),
            AggregationTemporality::kCumulative);

  setenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "sometimes", 1);
  ::testing::internal::CaptureStderr();
  auto invalid = CreateOtlpHttpMetricExporter(Options(server_.Url("/v1/metrics")));
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(invalid->GetTemporality(InstrumentKind::kCounter), AggregationTemporality::kCumulative);
  EXPECT_THAT(err, HasSubstr("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"));
  EXPECT_THAT(err, HasSubstr("sometimes"));
  unsetenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE");
}

TEST_F(OtlpHttpMetricExporterTest, NothingCollectedSendsNothing) {
  auto exporter = CreateOtlpHttpMetricExporter(Options(server_.Url("/v1/metrics")));
  EXPECT_EQ(Export(*exporter, ResourceMetrics{}), ExportResult::kSuccess);
  ResourceMetrics no_points;
  no_points.scope_metrics.emplace_back();
  MetricData empty;
  empty.name = "empty";
  no_points.scope_metrics[0].metrics.push_back(empty);
  EXPECT_EQ(Export(*exporter, no_points), ExportResult::kSuccess);
  EXPECT_EQ(server_.RequestCount(), 0u);
}

TEST_F(OtlpHttpMetricExporterTest, RetriesOn503ThenSucceeds) {
  server_.Enqueue(TestResponse::Status(503));
  server_.Enqueue(TestResponse::Status(502));
  auto exporter = CreateOtlpHttpMetricExporter(Options(server_.Url("/v1/metrics")));
  const ResourceMetrics metrics = sample_.Collect();
  EXPECT_EQ(Export(*exporter, metrics), ExportResult::kSuccess);
  const auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].body, requests[2].body);
  ExpectBodyIs(requests[2].body, metrics, false);
}

TEST_F(OtlpHttpMetricExporterTest, HonoursRetryAfterOn429) {
  server_.Enqueue(TestResponse::Status(429).WithHeader("Retry-After", "1"));
  auto exporter = CreateOtlpHttpMetricExporter(Options(server_.Url("/v1/metrics")));
  EXPECT_EQ(Export(*exporter, sample_.Collect()), ExportResult::kSuccess);
  const auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  // Without Retry-After the backoff would be at most 75 ms.
  EXPECT_GE(requests[1].received - requests[0].received, seconds(1));
}

TEST_F(OtlpHttpMetricExporterTest, HonoursRetryAfterOn503) {
  server_.Enqueue(TestResponse::Status(503).WithHeader("Retry-After", "1"));
  auto exporter = CreateOtlpHttpMetricExporter(Options(server_.Url("/v1/metrics")));
  EXPECT_EQ(Export(*exporter, sample_.Collect()), ExportResult::kSuccess);
  const auto requests = server_.Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_GE(requests[1].received - requests[0].received, seconds(1));
}

TEST_F(OtlpHttpMetricExporterTest, PermanentErrorIsNotRetriedAndSaysMetricsWereDropped) {
  // google.rpc.Status{code=3, message="bad metric"}.
  std::string status = std::string("\x08\x03\x12\x0a", 4) + "bad metric";
  server_.SetDefaultResponse(
      TestResponse::Status(400, status).WithHeader("Content-Type", "application/x-protobuf"));
  OtlpExporterOptions options = Options(server_.Url("/v1/metrics"));
  options.headers = {{"Authorization", "Bearer super-secret-token"}};
  auto exporter = CreateOtlpHttpMetricExporter(options);
  std::string warnings;
  EXPECT_EQ(Export(*exporter, sample_.Collect(), &warnings), ExportResult::kFailure);
  EXPECT_EQ(server_.RequestCount(), 1u);
  EXPECT_THAT(warnings, HasSubstr("OTLP/HTTP metric exporter"));
  EXPECT_THAT(warnings, HasSubstr("400: bad metric"));
  EXPECT_THAT(warnings, HasSubstr("metrics dropped"));
  EXPECT_THAT(warnings, Not(HasSubstr("super-secret-token")));
}

TEST_F(OtlpHttpMetricExporterTest, GivesUpAfterMaxAttempts) {
  server_.SetDefaultResponse(TestResponse::Status(503));
  OtlpExporterOptions options = Options(server_.Url("/v1/metrics"));
  options.retry.max_attempts = 3;
  auto exporter = CreateOtlpHttpMetricExporter(options);
  std::string warnings;
  EXPECT_EQ(Export(*exporter, sample_.Collect(), &warnings), ExportResult::kFailure);
  EXPECT_EQ(server_.RequestCount(), 3u);
  EXPECT_THAT(warnings, HasSubstr("3 attempts"));
}

TEST_F(OtlpHttpMetricExporterTest, PerAttemptTimeoutThenRetry) {
  server_.Enqueue(TestResponse::Status(200).WithDelay(seconds(5)));
  OtlpExporterOptions options = Options(server_.Url("/v1/metrics"));
  options.timeout = milliseconds(300);
  auto exporter = CreateOtlpHttpMetricExporter(options);
  auto start = steady_clock::now();
  EXPECT_EQ(Export(*exporter, sample_.Collect()), ExportResult::kSuccess);
  EXPECT_LT(steady_clock::now() - start, seconds(3));
  EXPECT_EQ(server_.RequestCount(), 2u);
}

TEST_F(OtlpHttpMetricExporterTest, StalledServerTimesOutWithinTheExportBudget) {
  server_.SetStall(true);
  OtlpExporterOptions options = Options(server_.Url("/v1/metrics"));
  options.timeout = milliseconds(200);
  options.retry.max_attempts = 2;
  auto exporter = CreateOtlpHttpMetricExporter(options);
  auto start = steady_clock::now();
  EXPECT_EQ(Export(*exporter, sample_.Collect()), ExportResult::kFailure);
  EXPECT_LT(steady_clock::now() - start, seconds(3));
}

TEST_F(OtlpHttpMetricExporterTest, PartialSuccessCountsDataPoints) {
  // ExportMetricsServiceResponse{partial_success{rejected_data_points=3, error_message}}.
  pb::collector::metrics::v1::ExportMetricsServiceResponse response;
  response.mutable_partial_success()->set_rejected_data_points(3);
  response.mutable_partial_success()->set_error_message("too many series");
  server_.SetDefaultResponse(TestResponse::Status(200, response.SerializeAsString())
                                 .WithHeader("Content-Type", "application/x-protobuf"));
  auto exporter = CreateOtlpHttpMetricExporter(Options(server_.Url("/v1/metrics")));
  std::string warnings;
  EXPECT_EQ(Export(*exporter, sample_.Collect(), &warnings), ExportResult::kSuccess);
  EXPECT_EQ(server_.RequestCount(), 1u);  // never retried
  EXPECT_THAT(warnings, HasSubstr("3 data points rejected"));
  EXPECT_THAT(warnings, HasSubstr("too many series"));
}

TEST_F(OtlpHttpMetricExporterTest, UnreachableEndpointFailsWithoutHanging) {
  ClosedPort closed;
  OtlpExporterOptions options = Options(closed.Url("/v1/metrics"));
  options.retry.max_attempts = 3;
  auto exporter = CreateOtlpHttpMetricExporter(options);
  std::string warnings;
  auto start = steady_clock::now();
  EXPECT_EQ(Export(*exporter, sample_.Collect(), &warnings), ExportResult::kFailure);
  EXPECT_LT(steady_clock::now() - start, seconds(5));
  EXPECT_THAT(warnings, HasSubstr("connect"));
}

TEST_F(OtlpHttpMetricExporterTest, ShutdownInterruptsARetryWaitAndLaterExportsFail) {
  server_.SetDefaultResponse(TestResponse::Status(503).WithHeader("Retry-After", "30"));
  OtlpExporterOptions options = Options(server_.Url("/v1/metrics"));
  options.timeout = seconds(60);
  auto exporter = CreateOtlpHttpMetricExporter(options);
  const ResourceMetrics metrics = sample_.Collect();
  auto exported = std::async(std::launch::async, [&] { return exporter->Export(metrics); });
  ASSERT_TRUE(server_.WaitForRequests(1, seconds(10)));
  std::this_thread::sleep_for(milliseconds(100));
  auto start = steady_clock::now();
  EXPECT_TRUE(exporter->Shutdown(milliseconds(2000)));
  EXPECT_LT(steady_clock::now() - start, milliseconds(2000));
  ASSERT_EQ(exported.wait_for(seconds(1)), std::future_status::ready);
  EXPECT_EQ(exported.get(), ExportResult::kFailure);
  EXPECT_EQ(exporter->Export(metrics), ExportResult::kFailure);
  EXPECT_EQ(server_.RequestCount(), 1u);
}

// The exporter behind the SDK's own periodic reader: ForceFlush delivers what was recorded.
TEST_F(OtlpHttpMetricExporterTest, PeriodicReaderDeliversThroughTheExporter) {
  auto reader = std::make_shared<PeriodicExportingMetricReader>(
      CreateOtlpHttpMetricExporter(Options(server_.Url("/v1/metrics"))),
      PeriodicExportingMetricReaderOptions{.export_interval = std::chrono::hours(1)});
  MeterProviderOptions provider_options;
  provider_options.readers.push_back(reader);
  MeterProvider provider(std::move(provider_options));
  provider.GetMeter("periodic")->CreateInt64Counter("periodic.count")->Add(41, {{"k", "v"}});
  ASSERT_TRUE(provider.ForceFlush(seconds(10)));
  ASSERT_GE(server_.RequestCount(), 1u);
  ExportMetricsServiceRequest decoded = DecodeProto(server_.Requests().back().body);
  const auto& metric = decoded.resource_metrics(0).scope_metrics(0).metrics(0);
  EXPECT_EQ(metric.name(), "periodic.count");
  EXPECT_EQ(metric.sum().data_points(0).as_int(), 41);
  EXPECT_TRUE(provider.Shutdown(seconds(5)));
}

}  // namespace
}  // namespace adot::exporters::otlp
