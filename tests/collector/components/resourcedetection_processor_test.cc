// resourcedetection processor: config, override semantics, detection once at Start, and a
// YAML-built pipeline. Every detector runs against injected options: a fake file-system root, a
// fake environment, and a loopback HTTP server as IMDS (detector_fixture.h guards that nothing
// reaches a non-loopback address).
#include <gtest/gtest.h>

#include <stdlib.h>

#include <atomic>
#include <cstdlib>
#include <map>

#include "collector/components/component_test_util.h"
#include "collector/processors/resourcedetection/resourcedetection_processor.h"
#include "sdk/resource/detector_fixture.h"

namespace adot::collector {
namespace {

using namespace adot::collector::testing;
using adot::test::RecordedRequest;
using adot::test::TestResponse;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;

const char kIdentityDocument[] =
    R"({"accountId":"123456789012","availabilityZone":"mock-west-2a",)"
    R"("imageId":"ami-0957cee1854021123","instanceId":"i-1234ab56cd7e89f01",)"
    R"("instanceType":"t2.micro-mock","region":"mock-west-2","version":"2017-09-30"})";
const char kHostname[] = "ip-172-12-34-567.mock-west-2.compute.internal";

const AnyValue* Get(const google::protobuf::RepeatedPtrField<KeyValue>& attrs, const std::string& key) {
  for (const auto& kv : attrs)
    if (kv.key() == key) return &kv.value();
  return nullptr;
}

std::string Str(const google::protobuf::RepeatedPtrField<KeyValue>& attrs, const std::string& key) {
  auto* v = Get(attrs, key);
  return v ? v->string_value() : "<absent>";
}

void AddStringAttr(opentelemetry::proto::resource::v1::Resource* r, const std::string& key, const std::string& value) {
  auto* kv = r->add_attributes();
  kv->set_key(key);
  kv->mutable_value()->set_string_value(value);
}

PData MakeMetrics() {
  MetricsRequest req;
  auto* rm = req.add_resource_metrics();
  AddStringAttr(rm->mutable_resource(), "service.name", "m");
  rm->add_scope_metrics()->add_metrics()->set_name("x");
  PData p;
  EXPECT_TRUE(PData::FromProtoBytes(Signal::kMetrics, req.SerializeAsString(), p).ok());
  return p;
}

PData MakeLogs() {
  LogsRequest req;
  auto* rl = req.add_resource_logs();
  AddStringAttr(rl->mutable_resource(), "service.name", "l");
  rl->add_scope_logs()->add_log_records()->mutable_body()->set_string_value("hello");
  PData p;
  EXPECT_TRUE(PData::FromProtoBytes(Signal::kLogs, req.SerializeAsString(), p).ok());
  return p;
}

class ResourceDetectionTest : public sdk::resource::testing::DetectorTest {
 protected:
  void OnEc2() { WriteFile("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n"); }

  // A fake IMDSv2 on the loopback server; counts the requests it answers.
  void ServeImds() {
    server_.SetHandler([this](const RecordedRequest& r) {
      ++imds_requests_;
      if (r.target == "/latest/api/token") return TestResponse::Status(r.method == "PUT" ? 200 : 400, "TOKEN-abc");
      if (r.Header("X-aws-ec2-metadata-token") != "TOKEN-abc") return TestResponse::Status(401);
      if (r.target == "/latest/dynamic/instance-identity/document") return TestResponse::Status(200, kIdentityDocument);
      if (r.target == "/latest/meta-data/hostname") return TestResponse::Status(200, kHostname);
      return TestResponse::Status(404);
    });
  }

  void OnLambda() {
    SetEnv("AWS_LAMBDA_FUNCTION_NAME", "my-function");
    SetEnv("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
    SetEnv("AWS_REGION", "us-east-1");
  }

  // Options whose environment lookups are counted.
  sdk::resource::DetectorOptions CountingOptions() {
    auto o = Options();
    auto inner = o.env;
    o.env = [inner, n = &env_lookups_](const char* name) {
      ++*n;
      return inner(name);
    };
    return o;
  }

  std::shared_ptr<Processor> Make(const Factory& f, const std::string& yaml, std::shared_ptr<Consumer> next,
                                  const std::string& pipeline = "traces") {
    ConfigErrors errors;
    ConfigReader r(YAML::Load(yaml), "processors." + f.type, &errors);
    auto cfg = f.parse(r);
    EXPECT_TRUE(errors.empty()) << errors.Joined();
    return f.create_processor(*cfg, CreateSettings{f.type, Signal::kTraces, pipeline}, next);
  }

  static std::vector<std::string> Errors(const std::string& yaml) {
    ConfigErrors errors;
    Factory f = ResourceDetectionProcessorFactory();  // never started: production options unused
    ConfigReader r(YAML::Load(yaml), "processors.resourcedetection", &errors);
    f.parse(r);
    return errors.list();
  }

  std::atomic<int> imds_requests_{0};
  std::atomic<int> env_lookups_{0};
};

TEST_F(ResourceDetectionTest, ConfigErrors) {
  EXPECT_TRUE(Errors("{}").empty());
  EXPECT_TRUE(Errors("{detectors: [env, system, ec2, ecs, eks, lambda, elastic_beanstalk], override: false, "
                     "timeout: 500ms}")
                  .empty());
  EXPECT_EQ(Errors("{detectors: [env, gcp]}"),
            std::vector<std::string>{"processors.resourcedetection.detectors[1]: unknown detector \"gcp\"; "
                                     "supported: env, system, ec2, ecs, eks, lambda, elastic_beanstalk"});
  EXPECT_EQ(Errors("{detectors: [ec2, ec2]}"),
            std::vector<std::string>{"processors.resourcedetection.detectors[1]: detector \"ec2\" is listed twice"});
  auto e = Errors("{detectors: [env], bogus: 1}");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0].find("processors.resourcedetection.bogus"), std::string::npos) << e[0];
  EXPECT_EQ(Errors("{timeout: soon}"),
            std::vector<std::string>{
                "processors.resourcedetection.timeout: must be a duration such as 5s or 200ms, got \"soon\""});
  EXPECT_EQ(Errors("{timeout: 0s}"),
            std::vector<std::string>{"processors.resourcedetection.timeout: must be positive"});
  EXPECT_TRUE(Errors("{detectors: [ec2], ec2: {resource_attributes: {host.name: {enabled: false}}}}").empty());
  EXPECT_EQ(Errors("{detectors: [ec2], ec2: {tags: [a], resource_attributes: {host.name: {enabled: no, x: 1}}}}"),
            (std::vector<std::string>{
                "processors.resourcedetection.ec2.tags: is not supported yet (supported: resource_attributes)",
                "processors.resourcedetection.ec2.resource_attributes.host.name.enabled: must be true or false, got \"no\"",
                "processors.resourcedetection.ec2.resource_attributes.host.name.x: unknown key"}));
  EXPECT_EQ(Errors("{attributes: [a]}"),
            std::vector<std::string>{"processors.resourcedetection.attributes: is not supported yet (supported keys: "
                                     "detectors, override, timeout and per-detector resource_attributes)"});
  EXPECT_EQ(Errors("{override: maybe}").size(), 1u);
  EXPECT_TRUE(ResourceDetectionProcessorFactory().create_processor != nullptr);
}

TEST_F(ResourceDetectionTest, OverrideTrueReplacesExistingAttributes) {
  OnLambda();
  auto sink = std::make_shared<RecordingConsumer>();
  auto p = Make(ResourceDetectionProcessorFactory(Options()), "{detectors: [lambda]}", sink);
  ASSERT_TRUE(p->Start().ok());
  EXPECT_TRUE(p->MutatesData());
  PData in = MakeTraces(2, 1);
  AddStringAttr(in.MutableTraces()->mutable_resource_spans(0)->mutable_resource(), "cloud.region", "eu-west-1");
  in.MarkModified();
  ASSERT_TRUE(p->Consume(in).ok());
  const auto& got = sink->received();
  ASSERT_EQ(got.size(), 1u);
  for (int i = 0; i < 2; ++i) {
    const auto& attrs = got[0].Traces()->resource_spans(i).resource().attributes();
    EXPECT_EQ(Str(attrs, "cloud.region"), "us-east-1");
    EXPECT_EQ(Str(attrs, "cloud.provider"), "aws");
    EXPECT_EQ(Str(attrs, "faas.name"), "my-function");
    EXPECT_EQ(Str(attrs, "service.name"), "svc-" + std::to_string(i));  // not detected: kept
  }
}

TEST_F(ResourceDetectionTest, OverrideFalseOnlyFillsMissingAttributes) {
  OnLambda();
  auto sink = std::make_shared<RecordingConsumer>();
  auto p = Make(ResourceDetectionProcessorFactory(Options()), "{detectors: [lambda], override: false}", sink);
  ASSERT_TRUE(p->Start().ok());
  PData in = MakeTraces(1, 1);
  AddStringAttr(in.MutableTraces()->mutable_resource_spans(0)->mutable_resource(), "cloud.region", "eu-west-1");
  in.MarkModified();
  ASSERT_TRUE(p->Consume(in).ok());
  const auto& attrs = sink->received()[0].Traces()->resource_spans(0).resource().attributes();
  EXPECT_EQ(Str(attrs, "cloud.region"), "eu-west-1");
  EXPECT_EQ(Str(attrs, "faas.name"), "my-function");
  int regions = 0;
  for (const auto& kv : attrs) regions += kv.key() == "cloud.region";
  EXPECT_EQ(regions, 1);
}

TEST_F(ResourceDetectionTest, ReadOnlyInputIsCopiedNotChanged) {
  OnLambda();
  auto sink = std::make_shared<RecordingConsumer>();
  auto p = Make(ResourceDetectionProcessorFactory(Options()), "{detectors: [lambda]}", sink);
  ASSERT_TRUE(p->Start().ok());
  PData original = MakeTraces(1, 1);
  ASSERT_TRUE(p->Consume(original.Share()).ok());
  EXPECT_EQ(Get(original.Traces()->resource_spans(0).resource().attributes(), "faas.name"), nullptr);
  EXPECT_EQ(Str(sink->received()[0].Traces()->resource_spans(0).resource().attributes(), "faas.name"), "my-function");
}

TEST_F(ResourceDetectionTest, DetectsOnceAtStartNeverPerBatch) {
  OnEc2();
  ServeImds();
  auto sink = std::make_shared<RecordingConsumer>();
  Factory f = ResourceDetectionProcessorFactory(CountingOptions());
  auto p = Make(f, "{detectors: [ec2, lambda], timeout: 3s}", sink);
  EXPECT_EQ(imds_requests_.load(), 0);  // nothing before Start
  EXPECT_EQ(env_lookups_.load(), 0);
  ASSERT_TRUE(p->Start().ok());
  const int requests = imds_requests_.load();
  const int lookups = env_lookups_.load();
  EXPECT_EQ(requests, 3);  // token, identity document, hostname
  EXPECT_GT(lookups, 0);
  // A second pipeline using the same processor id shares the detection.
  auto p2 = Make(f, "{detectors: [ec2, lambda], timeout: 3s}", sink, "metrics");
  ASSERT_TRUE(p2->Start().ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(p->Consume(MakeTraces(1, 2)).ok());
    ASSERT_TRUE(p2->Consume(MakeMetrics()).ok());
    ASSERT_TRUE(p->Consume(MakeLogs()).ok());
  }
  EXPECT_EQ(imds_requests_.load(), requests);
  EXPECT_EQ(env_lookups_.load(), lookups);
  const auto& got = sink->received();
  ASSERT_EQ(got.size(), 9u);
  const auto& t = got[0].Traces()->resource_spans(0).resource().attributes();
  EXPECT_EQ(Str(t, "cloud.platform"), "aws_ec2");
  EXPECT_EQ(Str(t, "host.id"), "i-1234ab56cd7e89f01");
  EXPECT_EQ(Str(t, "host.name"), kHostname);
  EXPECT_EQ(Str(got[1].Metrics()->resource_metrics(0).resource().attributes(), "host.id"), "i-1234ab56cd7e89f01");
  EXPECT_EQ(Str(got[2].Logs()->resource_logs(0).resource().attributes(), "cloud.region"), "mock-west-2");
  EXPECT_EQ(Str(got[2].Logs()->resource_logs(0).resource().attributes(), "service.name"), "l");
}

TEST_F(ResourceDetectionTest, PerDetectorAttributeDisabled) {
  OnEc2();
  ServeImds();
  auto sink = std::make_shared<RecordingConsumer>();
  auto p = Make(ResourceDetectionProcessorFactory(Options()), R"(
detectors: [ec2]
ec2:
  resource_attributes:
    host.name: {enabled: false}
    host.id: {enabled: true}
lambda:
  resource_attributes:
    host.id: {enabled: false}   # another detector's switch: no effect on ec2
)",
                sink);
  ASSERT_TRUE(p->Start().ok());
  ASSERT_TRUE(p->Consume(MakeTraces(1, 1)).ok());
  const auto& attrs = sink->received()[0].Traces()->resource_spans(0).resource().attributes();
  EXPECT_EQ(Get(attrs, "host.name"), nullptr);
  EXPECT_EQ(Str(attrs, "host.id"), "i-1234ab56cd7e89f01");
  EXPECT_EQ(Str(attrs, "cloud.account.id"), "123456789012");
}

TEST_F(ResourceDetectionTest, NothingDetectedPassesDataThrough) {
  ServeImds();  // not on EC2 (no DMI file in the fake root): IMDS is never called
  auto sink = std::make_shared<RecordingConsumer>();
  auto p = Make(ResourceDetectionProcessorFactory(Options()), "{detectors: [ec2, ecs, eks, lambda, elastic_beanstalk]}",
                sink);
  ASSERT_TRUE(p->Start().ok());
  ASSERT_TRUE(p->Consume(MakeTraces(1, 1)).ok());
  EXPECT_EQ(imds_requests_.load(), 0);
  EXPECT_EQ(sink->received()[0].Traces()->resource_spans(0).resource().attributes_size(), 1);
}

// "env" reads the process environment (Resource::FromEnvironment()), so this test sets and restores
// OTEL_RESOURCE_ATTRIBUTES; the first listed detector wins on a shared key.
TEST_F(ResourceDetectionTest, EnvDetectorAndFirstListedWins) {
  OnLambda();
  const char* old = std::getenv("OTEL_RESOURCE_ATTRIBUTES");
  const std::string saved = old ? old : "";
  setenv("OTEL_RESOURCE_ATTRIBUTES", "cloud.region=from-env,team=blue", 1);
  auto run = [&](const std::string& yaml) {
    auto sink = std::make_shared<RecordingConsumer>();
    auto p = Make(ResourceDetectionProcessorFactory(Options()), yaml, sink);
    EXPECT_TRUE(p->Start().ok());
    EXPECT_TRUE(p->Consume(MakeTraces(1, 1)).ok());
    return sink->received()[0].Traces()->resource_spans(0).resource().attributes();
  };
  auto a = run("{detectors: [env, lambda]}");
  auto b = run("{detectors: [lambda, env]}");
  if (old) setenv("OTEL_RESOURCE_ATTRIBUTES", saved.c_str(), 1); else unsetenv("OTEL_RESOURCE_ATTRIBUTES");
  EXPECT_EQ(Str(a, "cloud.region"), "from-env");
  EXPECT_EQ(Str(a, "team"), "blue");
  EXPECT_EQ(Str(a, "faas.name"), "my-function");
  EXPECT_EQ(Str(b, "cloud.region"), "us-east-1");
  EXPECT_EQ(Str(b, "team"), "blue");
}

// A receiver the test pushes into.
class PushReceiver : public Receiver {
 public:
  void SetConsumer(Signal signal, std::shared_ptr<Consumer> next) override { next_[signal] = std::move(next); }
  std::map<Signal, std::shared_ptr<Consumer>> next_;
};

TEST_F(ResourceDetectionTest, InPipelineBuiltFromYaml) {
  OnLambda();
  TestSink sink;
  Registry r = RegistryWithSink(&sink);
  r.Add(ResourceDetectionProcessorFactory(Options()));  // replaces the production-options factory
  auto recv = std::make_shared<PushReceiver>();
  Factory rf;
  rf.kind = Kind::kReceiver;
  rf.type = "push";
  rf.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  rf.parse = [](ConfigReader& reader) {
    reader.Finish();
    return std::make_unique<ComponentConfig>();
  };
  rf.create_receiver = [recv](const ComponentConfig&, const CreateSettings&) { return recv; };
  r.Add(rf);
  auto service = StartService(R"(
receivers: {push: {}}
processors:
  resourcedetection: {detectors: [lambda], override: false, timeout: 2s}
exporters: {testexp: {}}
service:
  pipelines:
    traces: {receivers: [push], processors: [resourcedetection], exporters: [testexp]}
    logs: {receivers: [push], processors: [resourcedetection], exporters: [testexp]}
)",
                              r);
  ASSERT_NE(service, nullptr);
  ASSERT_TRUE(recv->next_.count(Signal::kTraces));
  ASSERT_TRUE(recv->next_[Signal::kTraces]->Consume(MakeTraces(1, 1)).ok());
  ASSERT_TRUE(recv->next_[Signal::kLogs]->Consume(MakeLogs()).ok());
  size_t seen = 0;
  for (const auto& e : sink.exporters) {
    for (const auto& d : e->received()) {
      ++seen;
      const auto& attrs = d.signal() == Signal::kTraces ? d.Traces()->resource_spans(0).resource().attributes()
                                                        : d.Logs()->resource_logs(0).resource().attributes();
      EXPECT_EQ(Str(attrs, "faas.name"), "my-function");
    }
  }
  EXPECT_EQ(seen, 2u);
  service->Shutdown(Clock::now() + std::chrono::seconds(2));
}

}  // namespace
}  // namespace adot::collector
