#include "collector/processors/probabilistic_sampler/probabilistic_sampler.h"

#include <gtest/gtest.h>

#include "collector/test_util.h"

namespace adot::collector {
namespace {

using namespace testing;

std::shared_ptr<Processor> Make(const std::string& yaml, std::shared_ptr<Consumer> next) {
  Factory f = ProbabilisticSamplerProcessorFactory();
  ConfigErrors errors;
  ConfigReader r(YAML::Load(yaml), "processors.probabilistic_sampler", &errors);
  auto cfg = f.parse(r);
  EXPECT_TRUE(errors.empty()) << errors.Joined();
  return f.create_processor(*cfg, CreateSettings{"probabilistic_sampler", Signal::kTraces, "traces"}, next);
}

PData ManyTraces(int n) {
  PData p = PData::New(Signal::kTraces);
  auto* ss = p.MutableTraces()->add_resource_spans()->add_scope_spans();
  for (int i = 0; i < n; ++i) {
    std::string tid(16, '\0');
    for (int k = 0; k < 16; ++k) tid[k] = static_cast<char>((i * 2654435761u) >> (k % 4 * 8)) ^ static_cast<char>(k * 31 + i);
    auto* s = ss->add_spans();
    s->set_trace_id(tid);
    s->set_name(std::to_string(i));
  }
  p.MarkModified();
  return p;
}

TEST(ProbabilisticSamplerTest, KeepsAboutThePercentageConsistently) {
  auto a = std::make_shared<RecordingConsumer>(), b = std::make_shared<RecordingConsumer>();
  auto pa = Make("{sampling_percentage: 25, hash_seed: 22}", a);
  auto pb = Make("{sampling_percentage: 25, hash_seed: 22}", b);
  ASSERT_TRUE(pa->Consume(ManyTraces(4000)).ok());
  ASSERT_TRUE(pb->Consume(ManyTraces(4000)).ok());
  uint64_t kept = a->received()[0].ItemCount();
  EXPECT_GT(kept, 800u);
  EXPECT_LT(kept, 1200u);
  // Same seed, same decisions.
  EXPECT_EQ(a->received()[0].Traces()->SerializeAsString(), b->received()[0].Traces()->SerializeAsString());
}

TEST(ProbabilisticSamplerTest, ZeroDropsEverythingHundredKeepsEverything) {
  auto none = std::make_shared<RecordingConsumer>(), all = std::make_shared<RecordingConsumer>();
  ASSERT_TRUE(Make("{sampling_percentage: 0}", none)->Consume(ManyTraces(100)).ok());
  EXPECT_TRUE(none->received().empty());
  PData in = MakeTraces(1, 3);
  ASSERT_TRUE(Make("{sampling_percentage: 100}", all)->Consume(in).ok());
  EXPECT_EQ(all->received()[0].ItemCount(), 3u);
  EXPECT_TRUE(all->received()[0].has_bytes());  // untouched
}

TEST(ProbabilisticSamplerTest, BucketIsFnv1aOfSeedAndTraceId) {
  // FNV-1a 32 of the four zero seed bytes and no id, masked to 14 bits.
  uint32_t h = 2166136261u;
  for (int i = 0; i < 4; ++i) h = (h ^ 0) * 16777619u;
  EXPECT_EQ(SamplingBucket(0, ""), h & 0x3FFF);
  EXPECT_NE(SamplingBucket(1, "abc"), SamplingBucket(2, "abc"));
}

}  // namespace
}  // namespace adot::collector
