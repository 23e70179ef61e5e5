#include "collector/processors/batch/batch_processor.h"

#include <gtest/gtest.h>

#include <thread>

#include "collector/test_util.h"
#include "google/protobuf/util/message_differencer.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using namespace testing;

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

TEST(BatchProcessorTest, ZeroTimeoutSendsAtOnce) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto b = MakeBatch("{timeout: 0}", sink);
  ASSERT_TRUE(b->Start().ok());
  ASSERT_TRUE(b->Consume(MakeTraces(1, 1)).ok());
  EXPECT_EQ(sink->received().size(), 1u);
  b->Shutdown(Clock::now() + 1s);
}

}  // namespace
}  // namespace adot::collector
