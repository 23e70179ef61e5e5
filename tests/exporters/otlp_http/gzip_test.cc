// gzip compression and bounded decompression.
#include "common/gzip.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace adot::common {
namespace {

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

TEST(GzipTest, RoundTripsVariousInputs) {
  std::string repetitive;
  for (int i = 0; i < 100000; ++i) repetitive += "span-" + std::to_string(i % 100) + ";";
  for (const std::string& input : {std::string(), std::string("a"), std::string("hello, world"),
                                   RandomBytes(1 << 20, 1), repetitive}) {
    std::string compressed, restored;
    ASSERT_TRUE(GzipCompress(input, compressed));
    ASSERT_GE(compressed.size(), 18u);  // gzip header + trailer
    EXPECT_EQ(static_cast<uint8_t>(compressed[0]), 0x1f);
    EXPECT_EQ(static_cast<uint8_t>(compressed[1]), 0x8b);
    ASSERT_EQ(GzipDecompress(compressed, restored, input.size()), GunzipResult::kOk);
    EXPECT_EQ(restored, input);
  }
  std::string compressed;
  ASSERT_TRUE(GzipCompress(repetitive, compressed));
  EXPECT_LT(compressed.size(), repetitive.size() / 10);
}

TEST(GzipTest, ReusesTheOutputBuffer) {
  std::string out;
  ASSERT_TRUE(GzipCompress(std::string(100000, 'x'), out));
  ASSERT_TRUE(GzipCompress("small", out));
  std::string restored;
  ASSERT_EQ(GzipDecompress(out, restored, 100), GunzipResult::kOk);
  EXPECT_EQ(restored, "small");
}

TEST(GzipTest, ConcatenatedMembersDecompressToTheConcatenation) {
  std::string a, b;
  ASSERT_TRUE(GzipCompress("first,", a));
  ASSERT_TRUE(GzipCompress("second", b));
  std::string restored;
  ASSERT_EQ(GzipDecompress(a + b, restored, 100), GunzipResult::kOk);
  EXPECT_EQ(restored, "first,second");
}

TEST(GzipTest, MalformedInputIsRejected) {
  std::string good;
  ASSERT_TRUE(GzipCompress(RandomBytes(10000, 2), good));
  std::string out = "stale";
  EXPECT_EQ(GzipDecompress("", out, 1000), GunzipResult::kMalformed);
  EXPECT_EQ(out, "");
  EXPECT_EQ(GzipDecompress("not gzip at all", out, 1000), GunzipResult::kMalformed);
  EXPECT_EQ(GzipDecompress(good.substr(0, good.size() / 2), out, 100000), GunzipResult::kMalformed);
  EXPECT_EQ(GzipDecompress(good.substr(0, good.size() - 1), out, 100000), GunzipResult::kMalformed);
  EXPECT_EQ(GzipDecompress(good + "trailing junk", out, 100000), GunzipResult::kMalformed);
  std::string corrupt = good;
  corrupt[corrupt.size() / 2] ^= 0x55;
  EXPECT_EQ(GzipDecompress(corrupt, out, 100000), GunzipResult::kMalformed);
}

TEST(GzipTest, SizeLimitIsEnforcedExactly) {
  std::string input(1000, 'z'), compressed, out;
  ASSERT_TRUE(GzipCompress(input, compressed));
  EXPECT_EQ(GzipDecompress(compressed, out, 1000), GunzipResult::kOk);
  EXPECT_EQ(out.size(), 1000u);
  EXPECT_EQ(GzipDecompress(compressed, out, 999), GunzipResult::kTooLarge);
  EXPECT_EQ(out, "");
  EXPECT_EQ(GzipDecompress(compressed, out, 0), GunzipResult::kTooLarge);
}

TEST(GzipTest, BombIsStoppedAtTheLimit) {
  std::string bomb;
  ASSERT_TRUE(GzipCompress(std::string(16 << 20, '\0'), bomb));  // 16 MiB of zeros
  EXPECT_LT(bomb.size(), 64u * 1024);
  std::string out;
  EXPECT_EQ(GzipDecompress(bomb, out, 1 << 20), GunzipResult::kTooLarge);
  EXPECT_LE(out.capacity(), (2u << 20) + 4096);  // never grew much past the limit
}

}  // namespace
}  // namespace adot::common
