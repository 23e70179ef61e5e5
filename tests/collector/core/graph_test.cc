#include "collector/core/graph.h"

#include <gtest/gtest.h>

#include "collector/core/service.h"
#include "collector/test_util.h"

namespace adot::collector {
namespace {

using testing::MakeTraces;
using testing::RecordingConsumer;

// Test components that record what happens to them.
struct Recorder {
  std::vector<std::string> log;
  std::map<std::string, std::shared_ptr<RecordingConsumer>> exporters;
  std::map<std::string, std::shared_ptr<Receiver>> receivers;
};

struct EmptyConfig : ComponentConfig {
  bool mutates = false;
};

class TestReceiver : public Receiver {
 public:
  TestReceiver(std::string name, std::vector<std::string>* log) : name_(std::move(name)), log_(log) {}
  void SetConsumer(Signal s, std::shared_ptr<Consumer> c) override { next[static_cast<int>(s)] = c; }
  Status Start() override {
    log_->push_back("start " + name_);
    return Status::Ok();
  }
  void Shutdown(Deadline) override { log_->push_back("stop " + name_); }
  std::shared_ptr<Consumer> next[3];

 private:
  std::string name_;
  std::vector<std::string>* log_;
};

class TestProcessor : public Processor {
 public:
  TestProcessor(std::string name, bool mutates, std::shared_ptr<Consumer> next, std::vector<std::string>* log)
      : name_(std::move(name)), mutates_(mutates), next_(std::move(next)), log_(log) {}
  Status Consume(PData d) override {
    if (mutates_) {
      auto* t = d.MutableTraces();
      if (!t) return Status::Permanent("read-only data given to a mutating processor");
      t->mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name(name_);
    }
    return next_->Consume(std::move(d));
  }
  bool MutatesData() const override { return mutates_; }
  Status Start() override {
    log_->push_back("start " + name_);
    return Status::Ok();
  }
  void Shutdown(Deadline) override { log_->push_back("stop " + name_); }

 private:
  std::string name_;
  bool mutates_;
  std::shared_ptr<Consumer> next_;
  std::vector<std::string>* log_;
};

Registry TestRegistry(Recorder* rec) {
  Registry r;
  auto parse = [](ConfigReader& reader) {
    auto c = std::make_unique<EmptyConfig>();
    c->mutates = reader.Bool("mutates", false);
    reader.Finish();
    return c;
  };
  std::vector<Signal> all = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  Factory recv;
  recv.kind = Kind::kReceiver;
  recv.type = "testrecv";
  recv.signals = all;
  recv.parse = parse;
  recv.create_receiver = [rec](const ComponentConfig&, const CreateSettings& s) {
    auto r = std::make_shared<TestReceiver>(s.id, &rec->log);
    rec->receivers[s.id] = r;
    return r;
  };
  r.Add(recv);
  Factory proc;
  proc.kind = Kind::kProcessor;
  proc.type = "testproc";
  proc.signals = all;
  proc.parse = parse;
  proc.create_processor = [rec](const ComponentConfig& c, const CreateSettings& s, std::shared_ptr<Consumer> next) {
    return std::make_shared<TestProcessor>(s.id + "[" + s.pipeline + "]",
                                           static_cast<const EmptyConfig&>(c).mutates, next, &rec->log);
  };
  r.Add(proc);
  Factory exp;
  exp.kind = Kind::kExporter;
  exp.type = "testexp";
  exp.signals = all;
  exp.parse = parse;
  exp.create_exporter = [rec](const ComponentConfig& c, const CreateSettings& s) {
    std::string name = s.id + "[" + SignalName(s.signal) + "]";
    auto e = std::make_shared<RecordingConsumer>(static_cast<const EmptyConfig&>(c).mutates, &rec->log, name);
    rec->exporters[name] = e;
    return e;
  };
  r.Add(exp);
  return r;
}

std::unique_ptr<Service> Build(const char* yaml, Recorder& rec, Registry& reg) {
  ConfigErrors errors;
  auto s = Service::Create(YAML::Load(yaml), reg, errors);
  EXPECT_TRUE(errors.empty()) << errors.Joined();
  return s;
}

const char* kTwoPipelines = R"(
receivers: {testrecv/a: , testrecv/b: }
processors: {testproc/1: , testproc/2: }
exporters: {testexp/x: , testexp/y: }
service:
  pipelines:
    traces:   {receivers: [testrecv/a], processors: [testproc/1, testproc/2], exporters: [testexp/x]}
    traces/2: {receivers: [testrecv/a, testrecv/b], processors: [testproc/1], exporters: [testexp/x, testexp/y]}
)";

TEST(GraphTest, StartsExportersFirstAndReceiversLastStopsInReverse) {
  Recorder rec;
  Registry reg = TestRegistry(&rec);
  auto s = Build(kTwoPipelines, rec, reg);
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->Start().ok());
  s->Shutdown(Clock::now() + std::chrono::seconds(1));
  std::vector<std::string> expected = {
      "start testexp/x[traces]", "start testexp/y[traces]",
      // each pipeline's processors from last to first
      "start testproc/2[traces]", "start testproc/1[traces]", "start testproc/1[traces/2]",
      "start testrecv/a", "start testrecv/b",
      "stop testrecv/b", "stop testrecv/a",
      "stop testproc/1[traces/2]", "stop testproc/1[traces]", "stop testproc/2[traces]",
      "stop testexp/y[traces]", "stop testexp/x[traces]"};
  EXPECT_EQ(rec.log, expected);
  // One exporter instance per (signal, id), shared by both pipelines.
  EXPECT_EQ(rec.exporters.size(), 2u);
}

TEST(GraphTest, SharedReceiverFansOutToEveryPipelineAndExportersFanIn) {
  Recorder rec;
  Registry reg = TestRegistry(&rec);
  auto s = Build(kTwoPipelines, rec, reg);
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->Start().ok());
  auto* a = static_cast<TestReceiver*>(rec.receivers["testrecv/a"].get());
  ASSERT_TRUE(a->next[0]->Consume(MakeTraces(1, 2)).ok());
  // testexp/x gets the batch from both pipelines; testexp/y from pipeline traces/2 only.
  EXPECT_EQ(rec.exporters["testexp/x[traces]"]->received().size(), 2u);
  EXPECT_EQ(rec.exporters["testexp/y[traces]"]->received().size(), 1u);
  s->Shutdown(Clock::now() + std::chrono::seconds(1));
}

TEST(FanoutTest, ReadOnlyConsumersShareOneBatch) {
  auto a = std::make_shared<RecordingConsumer>(false), b = std::make_shared<RecordingConsumer>(false);
  FanoutConsumer f({a, b});
  PData p = MakeTraces(1, 1);
  ASSERT_TRUE(f.Consume(p).ok());
  auto ra = a->received(), rb = b->received();
  ASSERT_EQ(ra.size(), 1u);
  EXPECT_TRUE(ra[0].read_only());
  EXPECT_EQ(ra[0].Message(), rb[0].Message());  // the same batch, not a copy
}

TEST(FanoutTest, MutatingConsumersGetCopiesExceptTheLastWhenNoReader) {
  auto m1 = std::make_shared<RecordingConsumer>(true), m2 = std::make_shared<RecordingConsumer>(true);
  FanoutConsumer f({m1, m2});
  PData p = MakeTraces(1, 1);
  const void* original = p.Message();
  ASSERT_TRUE(f.Consume(std::move(p)).ok());
  auto r1 = m1->received(), r2 = m2->received();
  EXPECT_NE(r1[0].Message(), original);  // a copy
  EXPECT_EQ(r2[0].Message(), original);  // the original, handed over
  EXPECT_FALSE(r1[0].read_only());
  EXPECT_FALSE(r2[0].read_only());
}

TEST(FanoutTest, MixedConsumers) {
  auto m = std::make_shared<RecordingConsumer>(true);
  auto r = std::make_shared<RecordingConsumer>(false);
  FanoutConsumer f({r, m});
  PData p = MakeTraces(1, 1);
  const void* original = p.Message();
  ASSERT_TRUE(f.Consume(std::move(p)).ok());
  EXPECT_NE(m->received()[0].Message(), original);
  EXPECT_EQ(r->received()[0].Message(), original);
}

TEST(FanoutTest, CombinesErrorsRetryableFirst) {
  auto a = std::make_shared<RecordingConsumer>(false), b = std::make_shared<RecordingConsumer>(false);
  a->set_result(Status::Permanent("bad"));
  b->set_result(Status::Retryable("later"));
  FanoutConsumer f({a, b});
  Status s = f.Consume(MakeTraces(1, 1));
  EXPECT_EQ(s.code(), StatusCode::kRetryable);
  EXPECT_EQ(b->received().size(), 1u);  // every branch still gets the data
}

TEST(GraphTest, MutatingProcessorInOnePipelineDoesNotAffectTheOther) {
  Recorder rec;
  Registry reg = TestRegistry(&rec);
  auto s = Build(R"(
receivers: {testrecv: }
processors: {testproc: {mutates: true}}
exporters: {testexp/x: , testexp/y: }
service:
  pipelines:
    traces/mutating: {receivers: [testrecv], processors: [testproc], exporters: [testexp/x]}
    traces/plain:    {receivers: [testrecv], exporters: [testexp/y]}
)",
                 rec, reg);
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->Start().ok());
  auto* r = static_cast<TestReceiver*>(rec.receivers["testrecv"].get());
  ASSERT_TRUE(r->next[0]->Consume(MakeTraces(1, 1)).ok());
  auto x = rec.exporters["testexp/x[traces]"]->received();
  auto y = rec.exporters["testexp/y[traces]"]->received();
  ASSERT_EQ(x.size(), 1u);
  ASSERT_EQ(y.size(), 1u);
  EXPECT_EQ(x[0].Traces()->resource_spans(0).scope_spans(0).spans(0).name(), "testproc[traces/mutating]");
  EXPECT_EQ(y[0].Traces()->resource_spans(0).scope_spans(0).spans(0).name(), "span-0-0");
  EXPECT_TRUE(y[0].has_bytes());  // untouched branch: still the received bytes
  s->Shutdown(Clock::now() + std::chrono::seconds(1));
}

TEST(GraphTest, SignalNotSupportedIsAnError) {
  Recorder rec;
  Registry reg = TestRegistry(&rec);
  Factory only_traces;
  only_traces.kind = Kind::kExporter;
  only_traces.type = "tracesonly";
  only_traces.signals = {Signal::kTraces};
  only_traces.parse = [](ConfigReader& r) {
    r.Finish();
    return std::make_unique<EmptyConfig>();
  };
  reg.Add(only_traces);
  ConfigErrors errors;
  auto s = Service::Create(YAML::Load(R"(
receivers: {testrecv: }
exporters: {tracesonly: }
service: {pipelines: {logs: {receivers: [testrecv], exporters: [tracesonly]}}}
)"),
                           reg, errors);
  EXPECT_EQ(s, nullptr);
  ASSERT_EQ(errors.list().size(), 1u);
  EXPECT_EQ(errors.list()[0], "service.pipelines.logs.exporters[0]: exporter \"tracesonly\" does not support logs");
}

}  // namespace
}  // namespace adot::collector
