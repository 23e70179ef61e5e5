// RetryDelay, ParseRetryAfter, IsRetryableHttpStatus.
#include "exporters/otlp/retry.h"

#include <gtest/gtest.h>

#include <ctime>
#include <set>
#include <string>

namespace adot::exporters::otlp {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(RetryTest, RetryableStatuses) {
  for (long status : {429, 502, 503, 504}) EXPECT_TRUE(IsRetryableHttpStatus(status)) << status;
  for (long status : {0, 200, 204, 301, 400, 401, 403, 404, 408, 413, 500, 501, 505})
    EXPECT_FALSE(IsRetryableHttpStatus(status)) << status;
}

TEST(RetryTest, DelayGrowsExponentiallyWithinJitterBoundsAndCap) {
  RetryOptions options;
  options.initial_backoff = milliseconds(100);
  options.max_backoff = milliseconds(1000);
  options.multiplier = 2.0;
  // attempt → un-jittered base: 100, 200, 400, 800, then capped at 1000.
  const int64_t bases[] = {100, 200, 400, 800, 1000, 1000};
  for (uint32_t attempt = 1; attempt <= 6; ++attempt) {
    int64_t base = bases[attempt - 1];
    std::set<int64_t> seen;
    for (int i = 0; i < 500; ++i) {
      int64_t d = RetryDelay(options, attempt, std::nullopt).count();
      EXPECT_GE(d, base / 2) << "attempt " << attempt;
      EXPECT_LT(d, base * 3 / 2) << "attempt " << attempt;
      seen.insert(d);
    }
    EXPECT_GT(seen.size(), 10u) << "no jitter at attempt " << attempt;
  }
}

TEST(RetryTest, DelayHandlesExtremeAttemptsAndOptions) {
  RetryOptions options;
  options.initial_backoff = milliseconds(1000);
  options.max_backoff = milliseconds(5000);
  options.multiplier = 1.5;
  int64_t d = RetryDelay(options, 100000, std::nullopt).count();
  EXPECT_GE(d, 2500);
  EXPECT_LT(d, 7500);
  d = RetryDelay(options, 0, std::nullopt).count();  // treated as the first retry
  EXPECT_GE(d, 500);
  EXPECT_LT(d, 1500);
  options.initial_backoff = milliseconds(0);
  EXPECT_EQ(RetryDelay(options, 3, std::nullopt), milliseconds(0));
}

TEST(RetryTest, ServerDelayReplacesComputedDelay) {
  RetryOptions options;
  EXPECT_EQ(RetryDelay(options, 1, milliseconds(3000)), milliseconds(3000));
  EXPECT_EQ(RetryDelay(options, 4, milliseconds(0)), milliseconds(0));
  EXPECT_EQ(RetryDelay(options, 1, milliseconds(60000)), milliseconds(60000));
}

TEST(RetryTest, ParseRetryAfterDeltaSeconds) {
  EXPECT_EQ(ParseRetryAfter("1"), milliseconds(1000));
  EXPECT_EQ(ParseRetryAfter("0"), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter(" 120 "), milliseconds(120000));
  auto huge = ParseRetryAfter("99999999999999999999999");
  ASSERT_TRUE(huge.has_value());
  EXPECT_GT(*huge, std::chrono::hours(24 * 365));
  for (const char* bad : {"", "  ", "-1", "1.5", "abc", "5s", "+3", "0x10"})
    EXPECT_FALSE(ParseRetryAfter(bad).has_value()) << bad;
}

TEST(RetryTest, ParseRetryAfterDatesInThePastMeanNow) {
  EXPECT_EQ(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT"), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT"), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("Sun Nov  6 08:49:37 1994"), milliseconds(0));
}

std::string FormatGmt(std::time_t t, const char* format) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::strftime(buffer, sizeof buffer, format, &tm);
  return buffer;
}

TEST(RetryTest, ParseRetryAfterFutureDatesInAllThreeForms) {
  std::time_t in_30s = std::time(nullptr) + 30;
  for (const char* format :
       {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    std::string date = FormatGmt(in_30s, format);
    auto delay = ParseRetryAfter(date);
    ASSERT_TRUE(delay.has_value()) << date;
    // The date has whole seconds and the clock moves on: allow a couple of seconds.
    EXPECT_GE(*delay, seconds(27)) << date;
    EXPECT_LE(*delay, seconds(30)) << date;
  }
}

TEST(RetryTest, ParseRetryAfterRejectsMalformedDates) {
  for (const char* bad : {"Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 24:49:37 GMT",
                          "Wed, 29 Feb 2023 10:00:00 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
                          "Sun, 06 Nov 1994 08:49:37 GMT trailing", "Nov 6 1994", "Sun,"})
    EXPECT_FALSE(ParseRetryAfter(bad).has_value()) << bad;
}

}  // namespace
}  // namespace adot::exporters::otlp
