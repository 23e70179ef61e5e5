#include "adot/sdk/autoconfigure.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "adot/api/trace.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "sdk/autoconfigure/otel_env.h"
#include "support/http_test_server.h"

namespace adot::sdk {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;

class AutoconfigureTest : public ::testing::Test {
 protected:
  AutoconfigureTest() { testing::UseOfflineResourceDetectors(); }
  testing::CleanOtelEnvironment env_;

  // Runs Autoconfigure() and returns what it wrote on stderr.
  std::string Configure(Autoconfigured& out, AutoconfigureOptions options = {}) {
    ::testing::internal::CaptureStderr();
    out = Autoconfigure(options);
    return ::testing::internal::GetCapturedStderr();
  }

  static std::string ResourceString(const Autoconfigured& a, const char* key) {
    auto* v = a.tracer_provider()->resource().Find(key);
    return v && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v) : "<absent>";
  }
};

TEST_F(AutoconfigureTest, AdotDefaults) {
  Autoconfigured a;
  std::string err = Configure(a);
  EXPECT_EQ(err, "");
  const auto& s = a.settings();
  EXPECT_FALSE(s.disabled);
  EXPECT_EQ(s.propagators, (std::vector<std::string>{"baggage", "xray", "tracecontext"}));
  EXPECT_EQ(s.traces_exporters, std::vector<std::string>{"otlp"});
  EXPECT_EQ(s.otlp_traces.protocol, exporters::otlp::Protocol::kHttpProtobuf);
  EXPECT_EQ(s.otlp_traces.endpoint, "http://localhost:4318/v1/traces");
  EXPECT_EQ(s.sampler.rfind("ParentBased{root:AlwaysOnSampler", 0), 0u);
  EXPECT_EQ(s.batch.max_queue_size, 2048u);
  EXPECT_EQ(s.metric_export_interval, 60000ms);
  EXPECT_EQ(s.resource_detectors,
            (std::vector<std::string>{"env", "host", "os", "process", "aws_ec2", "aws_ecs",
                                      "aws_eks", "aws_lambda", "aws_elastic_beanstalk"}));
  ASSERT_NE(a.tracer_provider(), nullptr);
  EXPECT_NE(a.tracer_provider()->resource().Find("process.pid"), nullptr);
  EXPECT_NE(a.tracer_provider()->resource().Find("host.name"), nullptr);

  // The installed provider records, with X-Ray trace ids (first 4 bytes = now in seconds).
  auto span = api::trace::GetTracerProvider()->GetTracer("t")->StartSpan("s");
  EXPECT_TRUE(span->IsRecording());
  const uint8_t* id = span->GetContext().trace_id().data();
  uint32_t seconds = uint32_t(id[0]) << 24 | uint32_t(id[1]) << 16 | uint32_t(id[2]) << 8 | id[3];
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(std::llabs(static_cast<long long>(seconds) - now), 2);
  span->End();

  // Nothing listens on localhost:4318 here, so the flush may fail; shutdown still ends in time.
  auto start = std::chrono::steady_clock::now();
  a.Shutdown(1000ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_FALSE(api::trace::GetTracerProvider()->GetTracer("t")->StartSpan("s")->IsRecording());
}

TEST_F(AutoconfigureTest, SdkDisabledInstallsNothing) {
  env_.Set("OTEL_SDK_DISABLED", "TRUE");
  Autoconfigured a;
  Configure(a);
  EXPECT_TRUE(a.settings().disabled);
  EXPECT_EQ(a.tracer_provider(), nullptr);
  EXPECT_FALSE(api::trace::GetTracerProvider()->GetTracer("t")->StartSpan("s")->IsRecording());
}

TEST_F(AutoconfigureTest, SdkDisabledInvalidValueWarnsAndEnables) {
  env_.Set("OTEL_SDK_DISABLED", "yes please");
  Autoconfigured a;
  std::string err = Configure(a);
  EXPECT_THAT(err, HasSubstr("OTEL_SDK_DISABLED"));
  EXPECT_THAT(err, HasSubstr("yes please"));
  EXPECT_FALSE(a.settings().disabled);
}

TEST_F(AutoconfigureTest, ServiceNameAndResourceAttributes) {
  env_.Set("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs,team=pets%20core");
  env_.Set("OTEL_SERVICE_NAME", "petsearch");
  AutoconfigureOptions options;
  options.default_resource_attributes = {{"service.name", std::string("default-name")},
                                         {"deployment.environment", std::string("dev")}};
  Autoconfigured a;
  Configure(a, options);
  EXPECT_EQ(ResourceString(a, "service.name"), "petsearch");
  EXPECT_EQ(ResourceString(a, "team"), "pets core");
  EXPECT_EQ(ResourceString(a, "deployment.environment"), "dev");
}

TEST_F(AutoconfigureTest, ResourceDetectorsSelectAndWarnOnUnknown) {
  env_.Set("OTEL_RESOURCE_DETECTORS", "host, NOPE");
  Autoconfigured a;
  std::string err = Configure(a);
  EXPECT_THAT(err, HasSubstr("\"nope\" in OTEL_RESOURCE_DETECTORS"));
  EXPECT_EQ(a.settings().resource_detectors, std::vector<std::string>{"host"});
  EXPECT_NE(a.tracer_provider()->resource().Find("host.name"), nullptr);
  EXPECT_EQ(a.tracer_provider()->resource().Find("process.pid"), nullptr);
}

TEST_F(AutoconfigureTest, SamplerFromEnvironment) {
  env_.Set("OTEL_TRACES_SAMPLER", "traceidratio");
  env_.Set("OTEL_TRACES_SAMPLER_ARG", "0.25");
  Autoconfigured a;
  Configure(a);
  EXPECT_EQ(a.settings().sampler, "TraceIdRatioBased{0.250000}");
}

TEST_F(AutoconfigureTest, InvalidSamplerWarnsAndUsesDefault) {
  env_.Set("OTEL_TRACES_SAMPLER", "sometimes");
  Autoconfigured a;
  std::string err = Configure(a);
  EXPECT_THAT(err, HasSubstr("\"sometimes\" for OTEL_TRACES_SAMPLER"));
  EXPECT_EQ(a.settings().sampler.rfind("ParentBased{root:AlwaysOnSampler", 0), 0u);
}

TEST_F(AutoconfigureTest, SpanLimitsAndBatchSettings) {
  env_.Set("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "2");
  env_.Set("OTEL_BSP_MAX_QUEUE_SIZE", "100");
  env_.Set("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "10");
  env_.Set("OTEL_BSP_SCHEDULE_DELAY", "250");
  env_.Set("OTEL_BSP_EXPORT_TIMEOUT", "bad");
  Autoconfigured a;
  std::string err = Configure(a);
  EXPECT_THAT(err, HasSubstr("\"bad\" for OTEL_BSP_EXPORT_TIMEOUT"));
  EXPECT_EQ(a.settings().span_limits.attribute_count, 2u);
  EXPECT_EQ(a.settings().batch.max_queue_size, 100u);
  EXPECT_EQ(a.settings().batch.max_export_batch_size, 10u);
  EXPECT_EQ(a.settings().batch.schedule_delay, 250ms);
  EXPECT_EQ(a.settings().batch.export_timeout, 30000ms);
}

TEST_F(AutoconfigureTest, MetricIntervalAndItsLegacyAlias) {
  {
    env_.Set("OTEL_IMR_EXPORT_INTERVAL", "15000");
    Autoconfigured a;
    Configure(a);
    EXPECT_EQ(a.settings().metric_export_interval, 15000ms);
  }
  {
    env_.Set("OTEL_METRIC_EXPORT_INTERVAL", "5000");  // the standard name wins
    env_.Set("OTEL_METRIC_EXPORT_TIMEOUT", "1000");
    Autoconfigured a;
    Configure(a);
    EXPECT_EQ(a.settings().metric_export_interval, 5000ms);
    EXPECT_EQ(a.settings().metric_export_timeout, 1000ms);
  }
}

TEST_F(AutoconfigureTest, ExporterListsAndInvalidNames) {
  env_.Set("OTEL_TRACES_EXPORTER", "console,none,zipkin2");
  env_.Set("OTEL_METRICS_EXPORTER", "prometheus");
  env_.Set("OTEL_LOGS_EXPORTER", "none");
  Autoconfigured a;
  std::string err = Configure(a);
  EXPECT_THAT(err, HasSubstr("\"zipkin2\" in OTEL_TRACES_EXPORTER"));
  EXPECT_THAT(err, HasSubstr("OTEL_TRACES_EXPORTER lists \"none\""));
  EXPECT_EQ(a.settings().traces_exporters, std::vector<std::string>{"console"});
  // No Prometheus exporter in adot-cpp: said so, and the default (otlp) applies.
  EXPECT_THAT(err, HasSubstr("no Prometheus exporter"));
  EXPECT_THAT(err, HasSubstr("OTEL_METRICS_EXPORTER=\"prometheus\" names nothing usable"));
  EXPECT_EQ(a.settings().metrics_exporters, std::vector<std::string>{"otlp"});
  EXPECT_EQ(a.settings().logs_exporters, std::vector<std::string>{"none"});
}

TEST_F(AutoconfigureTest, ConsoleExporterPrintsSpans) {
  env_.Set("OTEL_TRACES_EXPORTER", "console");
  Autoconfigured a;
  Configure(a);
  ::testing::internal::CaptureStdout();
  api::trace::GetTracerProvider()->GetTracer("t")->StartSpan("printed-span")->End();
  std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_THAT(out, HasSubstr("span \"printed-span\""));
}

TEST_F(AutoconfigureTest, NoneExportsNothingButStillRecords) {
  env_.Set("OTEL_TRACES_EXPORTER", "none");
  Autoconfigured a;
  Configure(a);
  EXPECT_TRUE(a.settings().traces_exporters == std::vector<std::string>{"none"});
  auto span = api::trace::GetTracerProvider()->GetTracer("t")->StartSpan("s");
  EXPECT_TRUE(span->IsRecording());
  span->End();
}

TEST_F(AutoconfigureTest, OtlpSettingsFromEnvironment) {
  env_.Set("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");
  env_.Set("OTEL_EXPORTER_OTLP_HEADERS", "x-api-key=secret%20value");
  env_.Set("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "2500");
  env_.Set("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip");
  env_.Set("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json");
  env_.Set("OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem");
  Autoconfigured a;
  Configure(a);
  const auto& o = a.settings().otlp_traces;
  EXPECT_EQ(o.endpoint, "http://collector:4318/v1/traces");
  EXPECT_EQ(o.protocol, exporters::otlp::Protocol::kHttpJson);
  ASSERT_EQ(o.headers.size(), 1u);
  EXPECT_EQ(o.headers[0].second, "secret value");
  EXPECT_EQ(o.timeout, 2500ms);
  EXPECT_TRUE(o.gzip);
  EXPECT_EQ(o.certificate_file, "/etc/ca.pem");
}

TEST_F(AutoconfigureTest, InvalidOtlpValuesWarnAndKeepDefaults) {
  env_.Set("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon");
  env_.Set("OTEL_EXPORTER_OTLP_TIMEOUT", "soon");
  Autoconfigured a;
  std::string err = Configure(a);
  EXPECT_THAT(err, HasSubstr("carrier-pigeon"));
  EXPECT_THAT(err, HasSubstr("OTEL_EXPORTER_OTLP_TIMEOUT"));
  EXPECT_EQ(a.settings().otlp_traces.protocol, exporters::otlp::Protocol::kHttpProtobuf);
  EXPECT_EQ(a.settings().otlp_traces.timeout, 10000ms);
}

TEST_F(AutoconfigureTest, SpansReachTheOtlpEndpoint) {
  test::HttpTestServer server;
  env_.Set("OTEL_EXPORTER_OTLP_ENDPOINT", server.Url("").c_str());
  env_.Set("OTEL_SERVICE_NAME", "autoconfigured");
  env_.Set("OTEL_BSP_SCHEDULE_DELAY", "50");
  Autoconfigured a;
  Configure(a);
  api::trace::GetTracerProvider()->GetTracer("t")->StartSpan("over-the-wire")->End();
  ASSERT_TRUE(a.ForceFlush(5000ms));
  ASSERT_TRUE(server.WaitForRequests(1, 5s));
  auto request = server.Requests().at(0);
  EXPECT_EQ(request.target, "/v1/traces");
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest decoded;
  ASSERT_TRUE(decoded.ParseFromString(request.body));
  const auto& rs = decoded.resource_spans(0);
  EXPECT_EQ(rs.scope_spans(0).spans(0).name(), "over-the-wire");
  bool has_service = false;
  for (const auto& kv : rs.resource().attributes()) {
    if (kv.key() == "service.name") has_service = kv.value().string_value() == "autoconfigured";
  }
  EXPECT_TRUE(has_service);
}

TEST_F(AutoconfigureTest, GrpcWithoutTheGrpcLibraryWarnsClearly) {
  env_.Set("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
  Autoconfigured a;
  std::string err = Configure(a);
  EXPECT_THAT(err, HasSubstr("link adot::autoconfigure_grpc"));
}

TEST_F(AutoconfigureTest, HandleShutdownRestoresNoopGlobals) {
  Autoconfigured a;
  Configure(a);
  EXPECT_TRUE(api::trace::GetTracerProvider()->GetTracer("t")->StartSpan("s")->IsRecording());
  {
    Autoconfigured moved = std::move(a);
    EXPECT_TRUE(api::trace::GetTracerProvider()->GetTracer("t")->StartSpan("s")->IsRecording());
  }
  EXPECT_FALSE(api::trace::GetTracerProvider()->GetTracer("t")->StartSpan("s")->IsRecording());
}

}  // namespace
}  // namespace adot::sdk
