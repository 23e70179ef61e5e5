// awsemf exporter: config; PutLogEvents to a fake CloudWatch Logs on loopback that checks every
// request's SigV4 signature with independent verifiers, the JSON 1.1 protocol headers and the
// limits of each call (≤ 10,000 events, ≤ 1 MiB, chronological order); a missing log group and
// stream created; throttling retried without sending an accepted event twice and without running
// the cumulative-to-delta conversion twice; output_destination stdout.
#include "collector/exporters/awsemf/awsemf_exporter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <mutex>

#include "collector/aws_test_util.h"
#include "collector/core/exporter_helper.h"
#include "collector/test_util.h"
#include "common/json_reader.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using namespace ::testing;
using namespace adot::collector::testing;
using adot::test::HttpTestServer;
using adot::test::RecordedRequest;
using adot::test::TestResponse;
namespace mpb = opentelemetry::proto::metrics::v1;

const aws::Credentials kCredentials{"AKIDEMFTEST", "emf-test-secret", "", {}};

aws::ProviderOptions TestProviderOptions(const adot::test::ClosedPort& imds) {
  return LoopbackProviderOptions(imds, {{"AWS_ACCESS_KEY_ID", kCredentials.access_key_id},
                                        {"AWS_SECRET_ACCESS_KEY", kCredentials.secret_access_key},
                                        {"AWS_REGION", "eu-central-1"}});
}

std::shared_ptr<QueuedExporter> MakeEmfExporter(const std::string& yaml, aws::ProviderOptions options) {
  Factory f = AwsEmfExporterFactory(std::move(options));
  ConfigErrors errors;
  ConfigReader r(YAML::Load(yaml), "exporters.awsemf", &errors);
  auto cfg = f.parse(r);
  EXPECT_TRUE(errors.empty()) << errors.Joined();
  if (!errors.empty()) return nullptr;
  return std::static_pointer_cast<QueuedExporter>(
      f.create_exporter(*cfg, CreateSettings{"awsemf", Signal::kMetrics, "metrics", nullptr}));
}

std::vector<std::string> ConfigErrorsOf(const std::string& yaml) {
  Factory f = AwsEmfExporterFactory();
  ConfigErrors errors;
  ConfigReader r(YAML::Load(yaml), "exporters.awsemf", &errors);
  f.parse(r);
  return errors.list();
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// `series` gauges named "load" (label "host" = h<i>), or one monotonic cumulative sum "requests".
PData Gauges(int series, int64_t time_ns) {
  MetricsRequest req;
  auto* rm = req.add_resource_metrics();
  auto* attr = rm->mutable_resource()->add_attributes();
  attr->set_key("service.name");
  attr->mutable_value()->set_string_value("checkout");
  auto* sm = rm->add_scope_metrics();
  sm->mutable_scope()->set_name("emf-test");
  auto* m = sm->add_metrics();
  m->set_name("load");
  m->set_unit("1");
  for (int i = 0; i < series; ++i) {
    auto* p = m->mutable_gauge()->add_data_points();
    p->set_time_unix_nano(time_ns + i);  // distinct times: one event each
    p->set_as_double(i * 0.5);
    auto* a = p->add_attributes();
    a->set_key("host");
    a->mutable_value()->set_string_value("h" + std::to_string(i) + std::string(150, 'x'));
  }
  PData out;
  PData::FromProtoBytes(Signal::kMetrics, req.SerializeAsString(), out);
  return out;
}

PData CumulativeSum(double value, int64_t start_ns, int64_t time_ns) {
  MetricsRequest req;
  auto* sm = req.add_resource_metrics()->add_scope_metrics();
  auto* m = sm->add_metrics();
  m->set_name("requests");
  auto* sum = m->mutable_sum();
  sum->set_is_monotonic(true);
  sum->set_aggregation_temporality(mpb::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* p = sum->add_data_points();
  p->set_start_time_unix_nano(start_ns);
  p->set_time_unix_nano(time_ns);
  p->set_as_double(value);
  PData out;
  PData::FromProtoBytes(Signal::kMetrics, req.SerializeAsString(), out);
  return out;
}

// A fake CloudWatch Logs: checks every call; keeps the log groups and streams that exist and the
// events accepted per stream; answers a scripted error first where one is set.
class FakeLogs {
 public:
  FakeLogs() {
    server_.SetHandler([this](const RecordedRequest& r) { return Handle(r); });
  }
  std::string Endpoint() const { return server_.Url(""); }
  void AddStream(const std::string& group, const std::string& stream) {
    std::lock_guard<std::mutex> lock(mu_);
    groups_.insert(group);
    streams_.insert(group + "|" + stream);
  }
  void ThrottleNext(int n) {
    std::lock_guard<std::mutex> lock(mu_);
    throttle_ = n;
  }
  std::vector<std::string> Actions() {
    std::lock_guard<std::mutex> lock(mu_);
    return actions_;
  }
  std::vector<common::JsonValue> Events(const std::string& group, const std::string& stream) {
    std::lock_guard<std::mutex> lock(mu_);
    return events_[group + "|" + stream];
  }
  std::vector<size_t> PutSizes() {
    std::lock_guard<std::mutex> lock(mu_);
    return put_sizes_;
  }
  size_t EventCount() {
    std::lock_guard<std::mutex> lock(mu_);
    size_t n = 0;
    for (const auto& [k, v] : events_) n += v.size();
    return n;
  }
  std::string LastCreateGroupBody() {
    std::lock_guard<std::mutex> lock(mu_);
    return create_group_body_;
  }

 private:
  static TestResponse Error(int status, const std::string& type) {
    return TestResponse::Status(status, "{\"__type\":\"com.amazonaws.logs#" + type + "\",\"message\":\"" + type + "\"}")
        .WithHeader("Content-Type", "application/x-amz-json-1.1");
  }

  TestResponse Handle(const RecordedRequest& r) {
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/");
    EXPECT_EQ(r.Header("content-type"), "application/x-amz-json-1.1");
    ExpectSigned(r, kCredentials, "eu-central-1", "logs");
    std::string target(r.Header("x-amz-target"));
    EXPECT_EQ(target.rfind("Logs_20140328.", 0), 0u) << target;
    std::string action = target.substr(target.find('.') + 1);
    common::JsonValue body;
    EXPECT_TRUE(common::ParseJson(r.body, body)) << r.body;
    std::string group = body.Find("logGroupName") ? body.Find("logGroupName")->text() : "";
    std::string stream = body.Find("logStreamName") ? body.Find("logStreamName")->text() : "";
    std::lock_guard<std::mutex> lock(mu_);
    actions_.push_back(action);
    if (action == "CreateLogGroup") {
      create_group_body_ = r.body;
      if (!groups_.insert(group).second) return Error(400, "ResourceAlreadyExistsException");
      return TestResponse::Status(200, "{}");
    }
    if (action == "PutRetentionPolicy") return TestResponse::Status(200, "{}");
    if (action == "CreateLogStream") {
      if (!groups_.count(group)) return Error(400, "ResourceNotFoundException");
      if (!streams_.insert(group + "|" + stream).second) return Error(400, "ResourceAlreadyExistsException");
      return TestResponse::Status(200, "{}");
    }
    EXPECT_EQ(action, "PutLogEvents");
    EXPECT_EQ(r.Header("x-amzn-logs-format"), "json/emf");
    if (!streams_.count(group + "|" + stream)) return Error(400, "ResourceNotFoundException");
    if (throttle_ > 0) {
      --throttle_;
      return Error(400, "ThrottlingException");
    }
    const auto& events = body.Find("logEvents")->array();
    // The limits of one call.
    EXPECT_LE(events.size(), 10000u);
    size_t bytes = 0;
    int64_t previous = 0, first = 0;
    for (size_t i = 0; i < events.size(); ++i) {
      int64_t t = 0;
      EXPECT_TRUE(events[i].Find("timestamp")->GetInt64(t));
      EXPECT_GE(t, previous) << "events out of order";
      if (i == 0) first = t;
      EXPECT_LT(t - first, 24 * 3600 * 1000);
      previous = t;
      const std::string& message = events[i].Find("message")->text();
      bytes += message.size() + 26;
      common::JsonValue emf;
      EXPECT_TRUE(common::ParseJson(message, emf)) << message;
      events_[group + "|" + stream].push_back(std::move(emf));
    }
    EXPECT_LE(bytes, 1048576u);
    put_sizes_.push_back(events.size());
    return TestResponse::Status(200, "{\"nextSequenceToken\":\"1\"}");
  }

  HttpTestServer server_;
  std::mutex mu_;
  std::set<std::string> groups_, streams_;
  std::map<std::string, std::vector<common::JsonValue>> events_;
  std::vector<std::string> actions_;
  std::vector<size_t> put_sizes_;
  std::string create_group_body_;
  int throttle_ = 0;
};

bool WaitUntil(const std::function<bool()>& done) {
  for (int i = 0; i < 1000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

// ---- config ---------------------------------------------------------------------------------------

TEST(AwsEmfExporterConfigTest, AcceptsTheGoExportersKeys) {
  EXPECT_THAT(ConfigErrorsOf(R"(
namespace: ECS/AWSOTel/Application
log_group_name: '/aws/ecs/application/metrics'
log_stream_name: '{TaskId}'
dimension_rollup_option: NoDimensionRollup
metric_declarations:
  - dimensions: [[service.name, route], [service.name]]
    metric_name_selectors: ['^latency$', 'requests_.*']
    label_matchers: [{label_names: [route], separator: ';', regex: '^/api'}]
metric_descriptors: [{metric_name: latency, unit: Milliseconds, overwrite: true}]
output_destination: cloudwatch
version: '1'
retain_initial_value_of_delta_metric: false
detailed_metrics: true
resource_to_telemetry_conversion: {enabled: true}
log_retention: 30
tags: {team: payments}
region: us-west-2
endpoint: 'https://logs.us-west-2.amazonaws.com'
role_arn: 'arn:aws:iam::123456789012:role/emf'
proxy_address: 'http://127.0.0.1:3128'
no_verify_ssl: false
local_mode: true
num_workers: 2
request_timeout_seconds: 10
max_retries: 3
sending_queue: {queue_size: 50}
)"),
              IsEmpty());
}

TEST(AwsEmfExporterConfigTest, RejectsBadValuesWithTheirKeys) {
  auto errors = ConfigErrorsOf(
      "dimension_rollup_option: Everything\noutput_destination: s3\nlog_retention: 2\nregion: Mars\n"
      "metric_declarations: [{dimensions: [[a]]}]\nmetric_descriptors: [{unit: Seconds}]\n");
  auto has = [&](const std::string& needle) {
    return std::any_of(errors.begin(), errors.end(), [&](const std::string& e) { return e.find(needle) != std::string::npos; });
  };
  EXPECT_TRUE(has("exporters.awsemf.dimension_rollup_option: must be")) << PrintToString(errors);
  EXPECT_TRUE(has("exporters.awsemf.output_destination: must be cloudwatch or stdout"));
  EXPECT_TRUE(has("exporters.awsemf.log_retention: must be 0"));
  EXPECT_TRUE(has("exporters.awsemf.region: must be an AWS region"));
  EXPECT_TRUE(has("exporters.awsemf.metric_declarations[0].metric_name_selectors"));
  EXPECT_TRUE(has("exporters.awsemf.metric_descriptors[0].metric_name"));
  auto regex = ConfigErrorsOf("metric_declarations: [{metric_name_selectors: ['([unclosed']}]\n");
  EXPECT_FALSE(regex.empty());
}

// ---- PutLogEvents -----------------------------------------------------------------------------------

TEST(AwsEmfExporterTest, SendsSignedCallsWithinCloudWatchLogsLimits) {
  adot::test::ClosedPort imds;
  FakeLogs logs;
  logs.AddStream("/metrics/checkout", "s1");
  auto e = MakeEmfExporter("endpoint: '" + logs.Endpoint() + "'\nlog_stream_name: s1\nnum_workers: 1\n",
                           TestProviderOptions(imds));
  ASSERT_TRUE(e->Start().ok());
  // 12,000 events of ~250 bytes: more than one call by count and by size.
  ASSERT_TRUE(e->Consume(Gauges(12000, NowNs() - 60'000'000'000LL)).ok());
  ASSERT_TRUE(WaitUntil([&] { return logs.EventCount() >= 12000; })) << logs.EventCount();
  e->Shutdown(Clock::now() + 5s);
  EXPECT_GE(logs.PutSizes().size(), 3u);
  auto events = logs.Events("/metrics/checkout", "s1");
  ASSERT_EQ(events.size(), 12000u);
  // An EMF document: the metric at the root, its directive in _aws.
  const auto& emf = events[0];
  ASSERT_NE(emf.Find("_aws"), nullptr);
  const auto* directive = emf.Find("_aws")->Find("CloudWatchMetrics");
  ASSERT_NE(directive, nullptr);
  EXPECT_EQ(directive->array()[0].Find("Namespace")->text(), "checkout");
  EXPECT_EQ(directive->array()[0].Find("Metrics")->array()[0].Find("Name")->text(), "load");
  EXPECT_NE(emf.Find("load"), nullptr);
  EXPECT_EQ(emf.Find("OTelLib")->text(), "emf-test");
}

TEST(AwsEmfExporterTest, CreatesAMissingLogGroupAndStream) {
  adot::test::ClosedPort imds;
  FakeLogs logs;
  auto e = MakeEmfExporter("endpoint: '" + logs.Endpoint() +
                               "'\nlog_group_name: /app/metrics\nlog_stream_name: web\nlog_retention: 7\n"
                               "tags: {team: payments}\nnum_workers: 1\n",
                           TestProviderOptions(imds));
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(Gauges(3, NowNs())).ok());
  ASSERT_TRUE(WaitUntil([&] { return logs.EventCount() >= 3; }));
  e->Shutdown(Clock::now() + 5s);
  EXPECT_THAT(logs.Actions(), ElementsAre("PutLogEvents", "CreateLogStream", "CreateLogGroup", "PutRetentionPolicy",
                                          "CreateLogStream", "PutLogEvents"));
  EXPECT_NE(logs.LastCreateGroupBody().find("\"tags\":{\"team\":\"payments\"}"), std::string::npos);
  EXPECT_EQ(logs.Events("/app/metrics", "web").size(), 3u);
}

TEST(AwsEmfExporterTest, ThrottlingIsRetriedWithoutDuplicatesOrASecondDelta) {
  adot::test::ClosedPort imds;
  FakeLogs logs;
  logs.AddStream("/metrics/default", "s");
  auto e = MakeEmfExporter("endpoint: '" + logs.Endpoint() +
                               "'\nlog_stream_name: s\nnum_workers: 1\nmax_retries: 0\n"
                               "retry_on_failure: {initial_interval: 50ms, max_interval: 100ms}\n",
                           TestProviderOptions(imds));
  ASSERT_TRUE(e->Start().ok());
  const int64_t start = NowNs() - 120'000'000'000LL;
  // The first cumulative point is the baseline (no event); the second is throttled twice, and the
  // queue's retries must still send the delta 10, not a second conversion's 0.
  ASSERT_TRUE(e->Consume(CumulativeSum(5, start, start + 60'000'000'000LL)).ok());
  std::this_thread::sleep_for(100ms);
  logs.ThrottleNext(2);
  ASSERT_TRUE(e->Consume(CumulativeSum(15, start, start + 90'000'000'000LL)).ok());
  ASSERT_TRUE(WaitUntil([&] { return logs.EventCount() >= 1; }));
  std::this_thread::sleep_for(200ms);
  e->Shutdown(Clock::now() + 5s);
  auto events = logs.Events("/metrics/default", "s");
  ASSERT_EQ(events.size(), 1u);
  double delta = 0;
  ASSERT_TRUE(events[0].Find("requests")->GetDouble(delta));
  EXPECT_EQ(delta, 10);
  EXPECT_EQ(e->counters().send_failed_items.load(), 0u);
}

TEST(AwsEmfExporterTest, ClientErrorsAreNotRetried) {
  adot::test::ClosedPort imds;
  HttpTestServer logs;
  logs.SetDefaultResponse(TestResponse::Status(400, "{\"__type\":\"InvalidParameterException\",\"message\":\"bad\"}"));
  auto e = MakeEmfExporter("endpoint: '" + logs.Url("") + "'\nnum_workers: 1\n", TestProviderOptions(imds));
  ASSERT_TRUE(e->Start().ok());
  ASSERT_TRUE(e->Consume(Gauges(2, NowNs())).ok());
  ASSERT_TRUE(logs.WaitForRequests(1, 5s));
  std::this_thread::sleep_for(200ms);
  e->Shutdown(Clock::now() + 5s);
  EXPECT_EQ(logs.RequestCount(), 1u);
  EXPECT_EQ(e->counters().send_failed_items.load(), 2u);
}

// ---- stdout -----------------------------------------------------------------------------------------

TEST(AwsEmfExporterTest, StdoutDestinationPrintsOneDocumentPerLine) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  std::fflush(stdout);
  int saved = ::dup(STDOUT_FILENO);
  ::dup2(pipe_fds[1], STDOUT_FILENO);
  {
    adot::test::ClosedPort imds;
    auto e = MakeEmfExporter("output_destination: stdout\nnamespace: App\n", LoopbackProviderOptions(imds, {}));
    ASSERT_TRUE(e->Start().ok());  // no region or credentials needed
    ASSERT_TRUE(e->Consume(Gauges(2, NowNs())).ok());
    e->Shutdown(Clock::now() + 5s);
  }
  std::fflush(stdout);
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  ::close(pipe_fds[1]);
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = ::read(pipe_fds[0], buffer, sizeof buffer)) > 0;) out.append(buffer, n);
  ::close(pipe_fds[0]);
  std::vector<std::string> lines;
  for (size_t at = 0, nl; (nl = out.find('\n', at)) != std::string::npos; at = nl + 1) lines.push_back(out.substr(at, nl - at));
  ASSERT_EQ(lines.size(), 2u) << out;
  for (const auto& line : lines) {
    common::JsonValue emf;
    ASSERT_TRUE(common::ParseJson(line, emf)) << line;
    EXPECT_EQ(emf.Find("_aws")->Find("CloudWatchMetrics")->array()[0].Find("Namespace")->text(), "App");
  }
}

}  // namespace
}  // namespace adot::collector
