// Autoconfigure()'s metrics pipeline: OTEL_METRICS_EXPORTER, the OTLP metrics options, the
// periodic readers' interval and timeout, temporality, exemplar filter, the global meter provider.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "adot/api/metrics.h"
#include "adot/sdk/autoconfigure.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "sdk/autoconfigure/otel_env.h"
#include "support/http_test_server.h"

namespace adot::sdk {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
namespace pb = opentelemetry::proto;
using pb::collector::metrics::v1::ExportMetricsServiceRequest;

class AutoconfigureMetricsTest : public ::testing::Test {
 protected:
  AutoconfigureMetricsTest() { testing::UseOfflineResourceDetectors(); }
  testing::CleanOtelEnvironment env_;

  std::string Configure(Autoconfigured& out) {
    ::testing::internal::CaptureStderr();
    out = Autoconfigure();
    return ::testing::internal::GetCapturedStderr();
  }

  // Adds to a counter through the global meter provider.
  static void Count(int64_t n, const char* name = "autoconf.requests") {
    api::metrics::GetMeterProvider()->GetMeter("autoconf.test")->CreateInt64Counter(name)->Add(
        n, {{"route", "/a"}});
  }

  static bool SdkProviderInstalled() {
    return dynamic_cast<metrics::MeterProvider*>(api::metrics::GetMeterProvider().get()) != nullptr;
  }

  // The metrics requests the server got, decoded with libprotobuf.
  static std::vector<ExportMetricsServiceRequest> Decode(const test::HttpTestServer& server) {
    std::vector<ExportMetricsServiceRequest> out;
    for (const auto& r : server.Requests()) {
      EXPECT_EQ(r.target, "/v1/metrics");
      ExportMetricsServiceRequest request;
      EXPECT_TRUE(request.ParseFromString(r.body));
      out.push_back(std::move(request));
    }
    return out;
  }

  static const pb::metrics::v1::Metric* Find(const ExportMetricsServiceRequest& request,
                                            const std::string& name) {
    for (const auto& rm : request.resource_metrics())
      for (const auto& sm : rm.scope_metrics())
        for (const auto& m : sm.metrics())
          if (m.name() == name) return &m;
    return nullptr;
  }
};

TEST_F(AutoconfigureMetricsTest, Defaults) {
  Autoconfigured a;
  EXPECT_EQ(Configure(a), "");
  const auto& s = a.settings();
  EXPECT_EQ(s.metrics_exporters, std::vector<std::string>{"otlp"});
  EXPECT_EQ(s.otlp_metrics.protocol, exporters::otlp::Protocol::kHttpProtobuf);
  EXPECT_EQ(s.otlp_metrics.endpoint, "http://localhost:4318/v1/metrics");
  EXPECT_EQ(s.metrics_temporality, metrics::TemporalityPreference::kCumulative);
  EXPECT_EQ(s.exemplar_filter, metrics::ExemplarFilter::kTraceBased);
  EXPECT_EQ(s.metric_export_interval, 60000ms);
  EXPECT_EQ(s.metric_export_timeout, 30000ms);
  ASSERT_NE(a.meter_provider(), nullptr);
  EXPECT_EQ(api::metrics::GetMeterProvider(), a.meter_provider());
  // The same resource as the tracer provider.
  EXPECT_EQ(&a.meter_provider()->resource(), &a.tracer_provider()->resource());
  EXPECT_NE(a.meter_provider()->resource().Find("process.pid"), nullptr);

  // Nothing listens on localhost:4318: the last export fails, and shutdown still ends in time.
  auto start = std::chrono::steady_clock::now();
  ::testing::internal::CaptureStderr();
  a.Shutdown(1000ms);
  ::testing::internal::GetCapturedStderr();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_FALSE(SdkProviderInstalled());
}

TEST_F(AutoconfigureMetricsTest, MetricsReachTheOtlpEndpointOnTheConfiguredInterval) {
  test::HttpTestServer server;
  env_.Set("OTEL_EXPORTER_OTLP_ENDPOINT", server.Url("").c_str());
  env_.Set("OTEL_SERVICE_NAME", "autoconfigured-metrics");
  env_.Set("OTEL_METRIC_EXPORT_INTERVAL", "100");
  Autoconfigured a;
  EXPECT_EQ(Configure(a), "");
  EXPECT_EQ(a.settings().metric_export_interval, 100ms);
  Count(5);
  // No ForceFlush: the periodic reader exports by itself within a few intervals.
  ASSERT_TRUE(server.WaitForRequests(1, 10s));
  auto requests = Decode(server);
  const auto* metric = Find(requests.at(0), "autoconf.requests");
  ASSERT_NE(metric, nullptr);
  EXPECT_EQ(metric->sum().data_points(0).as_int(), 5);
  EXPECT_EQ(metric->sum().aggregation_temporality(),
            pb::metrics::v1::AGGREGATION_TEMPORALITY_CUMULATIVE);
  bool has_service = false;
  for (const auto& kv : requests[0].resource_metrics(0).resource().attributes())
    if (kv.key() == "service.name") has_service = kv.value().string_value() == "autoconfigured-metrics";
  EXPECT_TRUE(has_service);
  EXPECT_EQ(server.Requests()[0].Header("Content-Type"), "application/x-protobuf");
  EXPECT_TRUE(a.Shutdown(5s));
}

TEST_F(AutoconfigureMetricsTest, PerSignalProtocolEndpointAndTemporality) {
  test::HttpTestServer server;
  env_.Set("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", server.Url("/custom/metrics").c_str());
  env_.Set("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "http/json");
  env_.Set("OTEL_EXPORTER_OTLP_METRICS_HEADERS", "x-tenant=blue");
  env_.Set("OTEL_EXPORTER_OTLP_METRICS_COMPRESSION", "gzip");
  env_.Set("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "delta");
  env_.Set("OTEL_TRACES_EXPORTER", "none");
  Autoconfigured a;
  EXPECT_EQ(Configure(a), "");
  const auto& s = a.settings();
  EXPECT_EQ(s.otlp_metrics.protocol, exporters::otlp::Protocol::kHttpJson);
  EXPECT_EQ(s.otlp_traces.protocol, exporters::otlp::Protocol::kHttpProtobuf);  // traces untouched
  EXPECT_EQ(s.metrics_temporality, metrics::TemporalityPreference::kDelta);
  Count(3);
  ASSERT_TRUE(a.ForceFlush(5s));
  ASSERT_GE(server.RequestCount(), 1u);
  const auto r = server.Requests()[0];
  EXPECT_EQ(r.target, "/custom/metrics");
  EXPECT_EQ(r.Header("Content-Type"), "application/json");
  EXPECT_EQ(r.Header("Content-Encoding"), "gzip");
  EXPECT_EQ(r.Header("x-tenant"), "blue");
  EXPECT_THAT(r.body, HasSubstr("\"aggregationTemporality\":1"));  // delta
  EXPECT_THAT(r.body, HasSubstr("\"asInt\":\"3\""));
}

TEST_F(AutoconfigureMetricsTest, ConsoleAndOtlpTogetherEachGetTheirReader) {
  test::HttpTestServer server;
  env_.Set("OTEL_EXPORTER_OTLP_ENDPOINT", server.Url("").c_str());
  env_.Set("OTEL_METRICS_EXPORTER", "console, otlp");
  Autoconfigured a;
  EXPECT_EQ(Configure(a), "");
  EXPECT_EQ(a.settings().metrics_exporters, (std::vector<std::string>{"console", "otlp"}));
  Count(2, "both.count");
  ::testing::internal::CaptureStdout();
  ASSERT_TRUE(a.ForceFlush(5s));
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(out, HasSubstr("metric \"both.count\" sum monotonic cumulative"));
  EXPECT_THAT(out, HasSubstr("value 2"));
  ASSERT_GE(server.RequestCount(), 1u);
  const auto requests = Decode(server);
  const auto* metric = Find(requests.at(0), "both.count");
  ASSERT_NE(metric, nullptr);
  EXPECT_EQ(metric->sum().data_points(0).as_int(), 2);
}

TEST_F(AutoconfigureMetricsTest, NoneExportsNothing) {
  test::HttpTestServer server;
  env_.Set("OTEL_EXPORTER_OTLP_ENDPOINT", server.Url("").c_str());
  env_.Set("OTEL_METRICS_EXPORTER", "none");
  env_.Set("OTEL_TRACES_EXPORTER", "none");
  env_.Set("OTEL_METRIC_EXPORT_INTERVAL", "50");
  Autoconfigured a;
  EXPECT_EQ(Configure(a), "");
  EXPECT_EQ(a.settings().metrics_exporters, std::vector<std::string>{"none"});
  ASSERT_NE(a.meter_provider(), nullptr);
  Count(1);
  EXPECT_TRUE(a.ForceFlush(2s));
  std::this_thread::sleep_for(200ms);
  EXPECT_TRUE(a.Shutdown(2s));
  EXPECT_EQ(server.RequestCount(), 0u);
}

TEST_F(AutoconfigureMetricsTest, InvalidValuesWarnClearlyAndKeepDefaults) {
  env_.Set("OTEL_METRICS_EXPORTER", "carrier-pigeon");
  env_.Set("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "smoke-signals");
  env_.Set("OTEL_METRIC_EXPORT_INTERVAL", "soon");
  env_.Set("OTEL_METRIC_EXPORT_TIMEOUT", "-5");
  env_.Set("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE", "sometimes");
  env_.Set("OTEL_METRICS_EXEMPLAR_FILTER", "maybe");
  Autoconfigured a;
  std::string err = Configure(a);
  EXPECT_THAT(err, HasSubstr("unknown value \"carrier-pigeon\" in OTEL_METRICS_EXPORTER"));
  EXPECT_THAT(err, HasSubstr("using the default \"otlp\""));
  EXPECT_THAT(err, HasSubstr("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"));
  EXPECT_THAT(err, HasSubstr("smoke-signals"));
  EXPECT_THAT(err, HasSubstr("OTEL_METRIC_EXPORT_INTERVAL"));
  EXPECT_THAT(err, HasSubstr("OTEL_METRIC_EXPORT_TIMEOUT"));
  EXPECT_THAT(err, HasSubstr("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"));
  EXPECT_THAT(err, HasSubstr("OTEL_METRICS_EXEMPLAR_FILTER"));
  const auto& s = a.settings();
  EXPECT_EQ(s.metrics_exporters, std::vector<std::string>{"otlp"});
  EXPECT_EQ(s.otlp_metrics.protocol, exporters::otlp::Protocol::kHttpProtobuf);
  EXPECT_EQ(s.metric_export_interval, 60000ms);
  EXPECT_EQ(s.metric_export_timeout, 30000ms);
  EXPECT_EQ(s.metrics_temporality, metrics::TemporalityPreference::kCumulative);
  EXPECT_EQ(s.exemplar_filter, metrics::ExemplarFilter::kTraceBased);
  ::testing::internal::CaptureStderr();
  a.Shutdown(1000ms);
  ::testing::internal::GetCapturedStderr();
}

TEST_F(AutoconfigureMetricsTest, ExemplarFilterFromTheEnvironment) {
  for (const char* filter : {"always_on", "always_off"}) {
    SCOPED_TRACE(filter);
    test::HttpTestServer server;
    env_.Set("OTEL_EXPORTER_OTLP_ENDPOINT", server.Url("").c_str());
    env_.Set("OTEL_METRICS_EXEMPLAR_FILTER", filter);
    Autoconfigured a;
    EXPECT_EQ(Configure(a), "");
    const bool on = std::string(filter) == "always_on";
    EXPECT_EQ(a.settings().exemplar_filter,
              on ? metrics::ExemplarFilter::kAlwaysOn : metrics::ExemplarFilter::kAlwaysOff);
    Count(4, "exemplar.count");  // no span is active: only always_on keeps an exemplar
    ASSERT_TRUE(a.ForceFlush(5s));
    ASSERT_GE(server.RequestCount(), 1u);
    const auto requests = Decode(server);
    const auto* metric = Find(requests.at(0), "exemplar.count");
    ASSERT_NE(metric, nullptr);
    EXPECT_EQ(metric->sum().data_points(0).exemplars_size(), on ? 1 : 0);
    EXPECT_TRUE(a.Shutdown(5s));
  }
}

TEST_F(AutoconfigureMetricsTest, GrpcWithoutTheGrpcLibraryWarnsAndExportsNothing) {
  env_.Set("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "grpc");
  Autoconfigured a;
  std::string err = Configure(a);
  EXPECT_THAT(err, HasSubstr("Metrics are not exported"));
  EXPECT_THAT(err, HasSubstr("link adot::autoconfigure_grpc"));
  EXPECT_TRUE(a.settings().metrics_exporters.empty());
  ASSERT_NE(a.meter_provider(), nullptr);
}

TEST_F(AutoconfigureMetricsTest, ShutdownRestoresTheNoopMeterProviderAndSdkDisabledInstallsNone) {
  {
    Autoconfigured a;
    Configure(a);
    EXPECT_TRUE(SdkProviderInstalled());
    ::testing::internal::CaptureStderr();
    Autoconfigured moved = std::move(a);
    EXPECT_TRUE(SdkProviderInstalled());
    moved.Shutdown(1000ms);
    ::testing::internal::GetCapturedStderr();
    EXPECT_FALSE(SdkProviderInstalled());
  }
  env_.Set("OTEL_SDK_DISABLED", "true");
  Autoconfigured disabled;
  Configure(disabled);
  EXPECT_EQ(disabled.meter_provider(), nullptr);
  EXPECT_FALSE(SdkProviderInstalled());
}

}  // namespace
}  // namespace adot::sdk
