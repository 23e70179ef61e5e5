#include "sdk/common/bounded_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace adot::sdk::internal {
namespace {

TEST(BoundedQueueTest, BulkPushAndPopKeepOrderAndLimit) {
  BoundedQueue<int> queue(5);  // 8 cells, limit 5
  int values[12];
  int* items[12];
  for (int i = 0; i < 12; ++i) items[i] = &values[i];
  EXPECT_EQ(queue.PushBulk(items, 3), 3u);
  EXPECT_EQ(queue.PushBulk(items + 3, 9), 2u);  // only up to the limit
  EXPECT_EQ(queue.Size(), 5u);
  int* out[12];
  EXPECT_EQ(queue.PopBulk(out, 2), 2u);
  EXPECT_EQ(out[0], items[0]);
  EXPECT_EQ(out[1], items[1]);
  // Wraps around the cell array.
  EXPECT_EQ(queue.PushBulk(items + 5, 7), 2u);
  EXPECT_EQ(queue.PopBulk(out, 12), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(out[i], items[2 + i]);
  EXPECT_EQ(queue.PopBulk(out, 12), 0u);
  EXPECT_EQ(queue.Pop(), nullptr);
  // Single and bulk operations mix.
  EXPECT_TRUE(queue.Push(items[0]));
  EXPECT_EQ(queue.PushBulk(items + 1, 1), 1u);
  EXPECT_EQ(queue.Pop(), items[0]);
  EXPECT_EQ(queue.PopBulk(out, 4), 1u);
  EXPECT_EQ(out[0], items[1]);
}

TEST(BoundedQueueTest, ConcurrentBulkProducersAndConsumersSeeEveryItemOnce) {
  constexpr int kProducers = 2, kPerProducer = 200000;
  BoundedQueue<int> queue(256);
  std::vector<int> values(kProducers * kPerProducer);
  std::vector<std::atomic<int>> seen(values.size());
  std::atomic<int> consumed{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      int* batch[16];
      int next = p * kPerProducer, end = next + kPerProducer;
      while (next < end) {
        int n = std::min(16, end - next);
        for (int i = 0; i < n; ++i) batch[i] = &values[next + i];
        next += static_cast<int>(queue.PushBulk(batch, n));
      }
    });
  }
  for (int c = 0; c < 2; ++c) {
    threads.emplace_back([&] {
      int* out[8];
      while (consumed.load() < static_cast<int>(values.size())) {
        size_t n = queue.PopBulk(out, 1 + consumed.load() % 8);
        for (size_t i = 0; i < n; ++i) seen[out[i] - values.data()].fetch_add(1);
        consumed.fetch_add(static_cast<int>(n));
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& s : seen) ASSERT_EQ(s.load(), 1);
}

}  // namespace
}  // namespace adot::sdk::internal
