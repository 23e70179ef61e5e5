#include "adot/sdk/trace/id_generator.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <set>

namespace adot::sdk::trace {
namespace {

TEST(IdGeneratorTest, RandomIdsAreValidAndDistinct) {
  auto ids = CreateRandomIdGenerator();
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    auto t = ids->GenerateTraceId();
    auto s = ids->GenerateSpanId();
    ASSERT_TRUE(t.IsValid());
    ASSERT_TRUE(s.IsValid());
    ASSERT_TRUE(seen.insert(t.ToHex()).second);
  }
}

TEST(IdGeneratorTest, XRayTraceIdStartsWithEpochSeconds) {
  auto ids = CreateXRayIdGenerator();
  auto before = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch()).count();
  auto t = ids->GenerateTraceId();
  auto after = std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch()).count();
  uint32_t seconds = uint32_t(t.data()[0]) << 24 | uint32_t(t.data()[1]) << 16 |
                     uint32_t(t.data()[2]) << 8 | t.data()[3];
  EXPECT_GE(seconds, before);
  EXPECT_LE(seconds, after);
  EXPECT_NE(ids->GenerateTraceId(), t);
  EXPECT_TRUE(ids->GenerateSpanId().IsValid());
  EXPECT_TRUE(ids->TraceIdsAreRandom());
}

TEST(IdGeneratorTest, ForkedChildDoesNotRepeatParentIds) {
  auto ids = CreateRandomIdGenerator();
  ids->GenerateSpanId();  // seed this thread's generator before the fork
  int pipefd[2];
  ASSERT_EQ(pipe(pipefd), 0);
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto id = ids->GenerateSpanId();
    (void)!write(pipefd[1], id.data(), 8);
    _exit(0);
  }
  auto parent_id = ids->GenerateSpanId();
  uint8_t child_bytes[8];
  ASSERT_EQ(read(pipefd[0], child_bytes, 8), 8);
  waitpid(pid, nullptr, 0);
  EXPECT_NE(api::trace::SpanId(child_bytes), parent_id);
}

}  // namespace
}  // namespace adot::sdk::trace
