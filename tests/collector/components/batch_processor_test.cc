#include "collector/processors/batch/batch_processor.h"

#include <gtest/gtest.h>

#include <thread>

#include "collector/test_util.h"
#include "google/protobuf/util/message_differencer.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using namespace testing;

using opentelemetry::proto::metrics::v1::AggregationTemporality;

std::shared_ptr<Processor> MakeBatch(const std::string& yaml, std::shared_ptr<Consumer> next) {
  Factory f = BatchProcessorFactory();
  ConfigErrors errors;
  ConfigReader r(YAML::Load(yaml), "processors.batch", &errors);
  auto cfg = f.parse(r);
  EXPECT_TRUE(errors.empty()) << errors.Joined();
  return f.create_processor(*cfg, CreateSettings{"batch", Signal::kTraces, "traces"}, next);
}

TEST(BatchProcessorTest, SendsWhenSizeIsReachedByJoiningBytes) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto b = MakeBatch("{send_batch_size: 10, timeout: 10s}", sink);
  ASSERT_TRUE(b->Start().ok());
  std::vector<TracesRequest> sent;
  for (int i = 0; i < 3; ++i) {
    sent.push_back(MakeTracesRequest(1, 4, "b" + std::to_string(i)));
    PData p;
    ASSERT_TRUE(PData::FromProtoBytes(Signal::kTraces, sent.back().SerializeAsString(), p).ok());
    ASSERT_TRUE(b->Consume(p).ok());
    if (i < 2) {
      EXPECT_TRUE(sink->received().empty());
    }
  }
  auto got = sink->received();
  ASSERT_EQ(got.size(), 1u);  // 12 >= 10: a trigger, not a cap
  EXPECT_EQ(got[0].ItemCount(), 12u);
  EXPECT_TRUE(got[0].has_bytes());  // joined on the wire, never decoded
  TracesRequest expected;
  for (auto& r : sent) expected.MergeFrom(r);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*got[0].Traces(), expected));
  b->Shutdown(Clock::now() + 1s);
}

TEST(BatchProcessorTest, SendsAfterTimeout) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto b = MakeBatch("{send_batch_size: 1000, timeout: 50ms}", sink);
  ASSERT_TRUE(b->Start().ok());
  ASSERT_TRUE(b->Consume(MakeTraces(1, 2)).ok());
  ASSERT_TRUE(b->Consume(MakeTraces(1, 3)).ok());
  for (int i = 0; i < 200 && sink->received().empty(); ++i) std::this_thread::sleep_for(5ms);
  auto got = sink->received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].ItemCount(), 5u);
  b->Shutdown(Clock::now() + 1s);
}

TEST(BatchProcessorTest, ShutdownFlushesWhatIsPending) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto b = MakeBatch("{send_batch_size: 1000, timeout: 1h}", sink);
  ASSERT_TRUE(b->Start().ok());
  ASSERT_TRUE(b->Consume(MakeTraces(2, 2)).ok());
  EXPECT_TRUE(sink->received().empty());
  b->Shutdown(Clock::now() + 1s);
  auto got = sink->received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].ItemCount(), 4u);
}

TEST(BatchProcessorTest, MergesDecodedBatches) {
  std::vector<PData> batches;
  batches.push_back(MakeTraces(1, 1, "a"));
  PData mutated = MakeTraces(1, 2, "b");
  mutated.MutableTraces()->mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans()->set_name("extra");
  mutated.MarkModified();
  batches.push_back(mutated);
  PData merged = MergeBatches(Signal::kTraces, batches);
  EXPECT_EQ(merged.ItemCount(), 4u);
  EXPECT_EQ(merged.Traces()->resource_spans_size(), 2);
}

// A batch a processor changed waits as its encoding and is joined by concatenation: what goes out
// has bytes (no re-encoding in the exporter) and holds every span.
TEST(BatchProcessorTest, ChangedBatchesWaitEncodedAndJoinOnTheWire) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto b = MakeBatch("{send_batch_size: 4, timeout: 1h}", sink);
  ASSERT_TRUE(b->Start().ok());
  PData mutated = MakeTraces(1, 2, "b");
  mutated.MutableTraces()->mutable_resource_spans(0)->mutable_scope_spans(0)->add_spans()->set_name("extra");
  mutated.MarkModified();
  ASSERT_FALSE(mutated.has_bytes());
  ASSERT_TRUE(b->Consume(std::move(mutated)).ok());
  ASSERT_TRUE(b->Consume(MakeTraces(1, 1, "a")).ok());
  auto got = sink->received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].has_bytes());
  EXPECT_EQ(got[0].ItemCount(), 4u);
  std::vector<std::string> names;
  for (const auto& rs : got[0].Traces()->resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& span : ss.spans()) names.push_back(span.name());
  EXPECT_EQ(names, (std::vector<std::string>{"b-0-0", "b-0-1", "extra", "a-0-0"}));
  b->Shutdown(Clock::now() + 1s);
}

TEST(BatchProcessorTest, ZeroTimeoutSendsAtOnce) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto b = MakeBatch("{timeout: 0}", sink);
  ASSERT_TRUE(b->Start().ok());
  ASSERT_TRUE(b->Consume(MakeTraces(1, 1)).ok());
  EXPECT_EQ(sink->received().size(), 1u);
  b->Shutdown(Clock::now() + 1s);
}

// ---- send_batch_max_size: splitting ----

std::vector<std::string> SpanNames(const PData& p) {
  std::vector<std::string> out;
  for (const auto& rs : p.Traces()->resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& s : ss.spans()) out.push_back(s.name());
  return out;
}

std::vector<uint64_t> Sizes(const std::vector<PData>& pieces) {
  std::vector<uint64_t> out;
  for (const auto& p : pieces) out.push_back(p.ItemCount());
  return out;
}

// 3 resources x 2 scopes x 5 spans; every span's name says where it belongs.
TracesRequest ThreeResourcesTwoScopes() {
  TracesRequest req;
  for (int r = 0; r < 3; ++r) {
    auto* rs = req.add_resource_spans();
    auto* a = rs->mutable_resource()->add_attributes();
    a->set_key("service.name");
    a->mutable_value()->set_string_value("svc-" + std::to_string(r));
    rs->set_schema_url("https://schema/" + std::to_string(r));
    for (int s = 0; s < 2; ++s) {
      auto* ss = rs->add_scope_spans();
      ss->mutable_scope()->set_name("scope-" + std::to_string(s));
      ss->mutable_scope()->set_version("1." + std::to_string(s));
      for (int i = 0; i < 5; ++i)
        ss->add_spans()->set_name("svc-" + std::to_string(r) + "/scope-" + std::to_string(s) + "/" + std::to_string(i));
    }
  }
  return req;
}

TEST(BatchSplitTest, TracesSplitExactlyKeepingResourceAndScope) {
  TracesRequest req = ThreeResourcesTwoScopes();
  PData in;
  ASSERT_TRUE(PData::FromProtoBytes(Signal::kTraces, req.SerializeAsString(), in).ok());
  std::vector<PData> pieces = SplitBatch(in, 7);
  EXPECT_EQ(Sizes(pieces), (std::vector<uint64_t>{7, 7, 7, 7, 2}));
  std::vector<std::string> all;
  for (const auto& p : pieces) {
    EXPECT_FALSE(p.has_bytes());
    for (const auto& rs : p.Traces()->resource_spans()) {
      const std::string svc = rs.resource().attributes(0).value().string_value();
      EXPECT_EQ(rs.schema_url(), "https://schema/" + svc.substr(4));
      for (const auto& ss : rs.scope_spans()) {
        EXPECT_EQ(ss.scope().version(), "1." + ss.scope().name().substr(6));
        for (const auto& s : ss.spans()) {
          // Every span sits under its own resource and scope.
          EXPECT_EQ(s.name().rfind(svc + "/" + ss.scope().name() + "/", 0), 0u) << s.name();
          all.push_back(s.name());
        }
      }
    }
  }
  // Order kept, nothing lost or repeated.
  std::vector<std::string> expected;
  for (const auto& rs : req.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& s : ss.spans()) expected.push_back(s.name());
  EXPECT_EQ(all, expected);
  // Piece 0 (spans 0..6): resource 0 with scope 0 (5 spans) and scope 1 (2 spans).
  const auto& t0 = *pieces[0].Traces();
  ASSERT_EQ(t0.resource_spans_size(), 1);
  ASSERT_EQ(t0.resource_spans(0).scope_spans_size(), 2);
  EXPECT_EQ(t0.resource_spans(0).scope_spans(1).spans_size(), 2);
  // Piece 1 (spans 7..13): resource 0 scope 1 (3 spans) and resource 1 scope 0 (4 spans).
  const auto& t1 = *pieces[1].Traces();
  ASSERT_EQ(t1.resource_spans_size(), 2);
  ASSERT_EQ(t1.resource_spans(0).scope_spans_size(), 1);
  EXPECT_EQ(t1.resource_spans(0).scope_spans(0).scope().name(), "scope-1");
  EXPECT_EQ(t1.resource_spans(0).scope_spans(0).spans_size(), 3);
  ASSERT_EQ(t1.resource_spans(1).scope_spans_size(), 1);
  EXPECT_EQ(t1.resource_spans(1).scope_spans(0).spans_size(), 4);
}

TEST(BatchSplitTest, NoSplitNeededKeepsTheBatch) {
  PData in = MakeTraces(2, 3);
  std::vector<PData> pieces = SplitBatch(in, 6);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_TRUE(pieces[0].has_bytes());
  EXPECT_EQ(SplitBatch(in, 0).size(), 1u);
}

TEST(BatchSplitTest, MetricsSplitByDataPointsAcrossMetrics) {
  MetricsRequest req;
  auto* rm = req.add_resource_metrics();
  auto* a = rm->mutable_resource()->add_attributes();
  a->set_key("service.name");
  a->mutable_value()->set_string_value("svc");
  auto* sm = rm->add_scope_metrics();
  sm->mutable_scope()->set_name("meter");
  auto* gauge = sm->add_metrics();
  gauge->set_name("g");
  gauge->set_unit("1");
  for (int i = 0; i < 4; ++i) gauge->mutable_gauge()->add_data_points()->set_as_int(i);
  auto* empty = sm->add_metrics();  // no data points: counts 0, travels with its neighbours
  empty->set_name("empty");
  empty->mutable_gauge();
  auto* sum = sm->add_metrics();
  sum->set_name("s");
  sum->set_description("a sum");
  sum->mutable_sum()->set_is_monotonic(true);
  sum->mutable_sum()->set_aggregation_temporality(AggregationTemporality::AGGREGATION_TEMPORALITY_CUMULATIVE);
  for (int i = 0; i < 5; ++i) sum->mutable_sum()->add_data_points()->set_as_int(10 + i);
  auto* hist = sm->add_metrics();
  hist->set_name("h");
  hist->mutable_histogram()->set_aggregation_temporality(AggregationTemporality::AGGREGATION_TEMPORALITY_DELTA);
  for (int i = 0; i < 3; ++i) hist->mutable_histogram()->add_data_points()->set_count(100 + i);
  PData in;
  ASSERT_TRUE(PData::FromProtoBytes(Signal::kMetrics, req.SerializeAsString(), in).ok());
  ASSERT_EQ(in.ItemCount(), 12u);

  std::vector<PData> pieces = SplitBatch(in, 5);
  ASSERT_EQ(Sizes(pieces), (std::vector<uint64_t>{5, 5, 2}));
  // Piece 0: g (4 points), empty, s (1 point).
  const auto& s0 = pieces[0].Metrics()->resource_metrics(0).scope_metrics(0);
  ASSERT_EQ(s0.metrics_size(), 3);
  EXPECT_EQ(s0.metrics(0).gauge().data_points_size(), 4);
  EXPECT_EQ(s0.metrics(1).name(), "empty");
  EXPECT_EQ(s0.metrics(2).name(), "s");
  EXPECT_EQ(s0.metrics(2).sum().data_points_size(), 1);
  // Piece 1: s (4 points, same settings), h (1 point).
  const auto& r1 = pieces[1].Metrics()->resource_metrics(0);
  EXPECT_EQ(r1.resource().attributes(0).value().string_value(), "svc");
  EXPECT_EQ(r1.scope_metrics(0).scope().name(), "meter");
  const auto& s1 = r1.scope_metrics(0);
  ASSERT_EQ(s1.metrics_size(), 2);
  EXPECT_EQ(s1.metrics(0).name(), "s");
  EXPECT_EQ(s1.metrics(0).description(), "a sum");
  EXPECT_TRUE(s1.metrics(0).sum().is_monotonic());
  EXPECT_EQ(s1.metrics(0).sum().aggregation_temporality(), AggregationTemporality::AGGREGATION_TEMPORALITY_CUMULATIVE);
  EXPECT_EQ(s1.metrics(0).sum().data_points(0).as_int(), 11);
  EXPECT_EQ(s1.metrics(0).sum().data_points(3).as_int(), 14);
  EXPECT_EQ(s1.metrics(1).histogram().data_points(0).count(), 100u);
  // Piece 2: h (2 points), temporality kept.
  const auto& m2 = pieces[2].Metrics()->resource_metrics(0).scope_metrics(0).metrics(0);
  EXPECT_EQ(m2.name(), "h");
  EXPECT_EQ(m2.histogram().aggregation_temporality(), AggregationTemporality::AGGREGATION_TEMPORALITY_DELTA);
  EXPECT_EQ(m2.histogram().data_points(1).count(), 102u);
}

TEST(BatchSplitTest, LogsSplitExactly) {
  LogsRequest req;
  for (int r = 0; r < 2; ++r) {
    auto* rl = req.add_resource_logs();
    auto* a = rl->mutable_resource()->add_attributes();
    a->set_key("service.name");
    a->mutable_value()->set_string_value("svc-" + std::to_string(r));
    auto* sl = rl->add_scope_logs();
    sl->mutable_scope()->set_name("logger");
    for (int i = 0; i < 6; ++i) sl->add_log_records()->mutable_body()->set_string_value(std::to_string(r * 6 + i));
  }
  PData in;
  ASSERT_TRUE(PData::FromProtoBytes(Signal::kLogs, req.SerializeAsString(), in).ok());
  std::vector<PData> pieces = SplitBatch(in, 4);
  ASSERT_EQ(Sizes(pieces), (std::vector<uint64_t>{4, 4, 4}));
  int next = 0;
  for (const auto& p : pieces)
    for (const auto& rl : p.Logs()->resource_logs())
      for (const auto& sl : rl.scope_logs()) {
        EXPECT_EQ(sl.scope().name(), "logger");
        for (const auto& rec : sl.log_records()) {
          EXPECT_EQ(rec.body().string_value(), std::to_string(next));
          EXPECT_EQ(rl.resource().attributes(0).value().string_value(), "svc-" + std::to_string(next / 6));
          ++next;
        }
      }
  EXPECT_EQ(next, 12);
  // Piece 1 (records 4..7) straddles the two resources.
  EXPECT_EQ(pieces[1].Logs()->resource_logs_size(), 2);
}

TEST(BatchProcessorTest, MaxSizeSplitsAndKeepsTheRemainderPending) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto b = MakeBatch("{send_batch_size: 10, send_batch_max_size: 10, timeout: 1h}", sink);
  ASSERT_TRUE(b->Start().ok());
  ASSERT_TRUE(b->Consume(MakeTraces(5, 5)).ok());  // 25 spans
  auto got = sink->received();
  ASSERT_EQ(Sizes(got), (std::vector<uint64_t>{10, 10}));  // 5 wait for more or for the timeout
  ASSERT_TRUE(b->Consume(MakeTraces(1, 3, "late")).ok());  // 8 pending: still below 10
  EXPECT_EQ(sink->received().size(), 2u);
  b->Shutdown(Clock::now() + 1s);
  got = sink->received();
  ASSERT_EQ(Sizes(got), (std::vector<uint64_t>{10, 10, 8}));
  std::vector<std::string> names;
  for (const auto& p : got)
    for (const auto& n : SpanNames(p)) names.push_back(n);
  ASSERT_EQ(names.size(), 28u);
  EXPECT_EQ(names[0], "span-0-0");
  EXPECT_EQ(names[24], "span-4-4");
  EXPECT_EQ(names[25], "late-0-0");  // order kept across the remainder
}

TEST(BatchProcessorTest, MaxSizeWithZeroTimeoutSendsEveryPieceAtOnce) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto b = MakeBatch("{timeout: 0, send_batch_size: 4, send_batch_max_size: 6}", sink);
  ASSERT_TRUE(b->Start().ok());
  ASSERT_TRUE(b->Consume(MakeTraces(2, 7)).ok());  // 14 spans
  EXPECT_EQ(Sizes(sink->received()), (std::vector<uint64_t>{6, 6, 2}));
  b->Shutdown(Clock::now() + 1s);
}

TEST(BatchProcessorTest, MaxSizeOnTimeoutSendsEverythingInPieces) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto b = MakeBatch("{timeout: 300ms, send_batch_size: 100, send_batch_max_size: 100}", sink);
  ASSERT_TRUE(b->Start().ok());
  ASSERT_TRUE(b->Consume(MakeTraces(3, 30)).ok());  // 90 < 100: waits for the timeout
  ASSERT_TRUE(b->Consume(MakeTraces(1, 30)).ok());  // 120 >= 100: 100 sent, 20 wait
  EXPECT_EQ(Sizes(sink->received()), (std::vector<uint64_t>{100}));
  for (int i = 0; i < 600 && sink->received().size() < 2; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_EQ(Sizes(sink->received()), (std::vector<uint64_t>{100, 20}));
  b->Shutdown(Clock::now() + 1s);
}

TEST(BatchProcessorTest, MaxSizeKeepsPassThroughWhenNoSplitIsNeeded) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto b = MakeBatch("{send_batch_size: 10, send_batch_max_size: 12, timeout: 1h}", sink);
  ASSERT_TRUE(b->Start().ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(b->Consume(MakeTraces(1, 4, "b" + std::to_string(i))).ok());
  auto got = sink->received();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].ItemCount(), 12u);
  EXPECT_TRUE(got[0].has_bytes());  // joined on the wire, never decoded
  b->Shutdown(Clock::now() + 1s);
}

TEST(BatchProcessorTest, MaxSizeConfigErrors) {
  Factory f = BatchProcessorFactory();
  ConfigErrors errors;
  ConfigReader r(YAML::Load("{send_batch_size: 100, send_batch_max_size: 50}"), "processors.batch/x", &errors);
  f.parse(r);
  ASSERT_EQ(errors.list().size(), 1u) << errors.Joined();
  EXPECT_EQ(errors.list()[0],
            "processors.batch/x.send_batch_max_size: must be 0 (no limit) or at least send_batch_size (100), got 50");
  ConfigErrors ok;
  ConfigReader r2(YAML::Load("{send_batch_size: 100, send_batch_max_size: 100}"), "processors.batch", &ok);
  f.parse(r2);
  EXPECT_TRUE(ok.empty()) << ok.Joined();
  ConfigErrors neg;
  ConfigReader r3(YAML::Load("{send_batch_max_size: -1}"), "processors.batch", &neg);
  f.parse(r3);
  ASSERT_EQ(neg.list().size(), 1u);
  EXPECT_EQ(neg.list()[0].rfind("processors.batch.send_batch_max_size: must not be negative", 0), 0u);
}

}  // namespace
}  // namespace adot::collector
