#include "adot/sdk/common/env.h"

#include <gtest/gtest.h>

#include "adot/sdk/trace/span_limits.h"
#include "sdk/test_util.h"

namespace adot::sdk {
namespace {

using adot::testing::ScopedEnv;

TEST(EnvTest, EmptyIsUnset) {
  ScopedEnv a("ADOT_TEST_VAR", "");
  EXPECT_FALSE(env::GetString("ADOT_TEST_VAR"));
  EXPECT_FALSE(env::GetInt("ADOT_TEST_VAR"));
}

TEST(EnvTest, BoolRules) {
  {
    ScopedEnv a("ADOT_TEST_BOOL", "TRUE");
    EXPECT_EQ(env::GetBool("ADOT_TEST_BOOL"), true);
  }
  {
    ScopedEnv a("ADOT_TEST_BOOL", "false");
    EXPECT_EQ(env::GetBool("ADOT_TEST_BOOL"), false);
  }
  {
    ScopedEnv a("ADOT_TEST_BOOL", "yes");
    ::testing::internal::CaptureStderr();
    EXPECT_EQ(env::GetBool("ADOT_TEST_BOOL"), false);
    EXPECT_NE(::testing::internal::GetCapturedStderr().find("ADOT_TEST_BOOL"), std::string::npos);
  }
}

TEST(EnvTest, InvalidIntWarnsOnceAndIsIgnored) {
  ScopedEnv a("ADOT_TEST_INT", "12x");
  ::testing::internal::CaptureStderr();
  EXPECT_FALSE(env::GetInt("ADOT_TEST_INT"));
  EXPECT_FALSE(env::GetInt("ADOT_TEST_INT"));
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("\"12x\" for ADOT_TEST_INT"), std::string::npos);
  EXPECT_EQ(err.find("ADOT_TEST_INT"), err.rfind("ADOT_TEST_INT"));  // once
  ScopedEnv b("ADOT_TEST_INT", " 42 ");
  EXPECT_EQ(env::GetInt("ADOT_TEST_INT"), 42);
  ScopedEnv c("ADOT_TEST_INT", "-1");
  EXPECT_FALSE(env::GetInt("ADOT_TEST_INT"));
}

TEST(EnvTest, SpanLimitsFromEnvironmentWithGenericFallback) {
  ScopedEnv a("OTEL_ATTRIBUTE_COUNT_LIMIT", "10");
  ScopedEnv b("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "20");
  ScopedEnv c("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "30");
  ScopedEnv d("OTEL_SPAN_EVENT_COUNT_LIMIT", "5");
  ScopedEnv e("OTEL_SPAN_LINK_COUNT_LIMIT", "6");
  ScopedEnv f("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "7");
  ScopedEnv g("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "8");
  ScopedEnv h("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", std::nullopt);
  auto limits = trace::SpanLimits::FromEnvironment();
  EXPECT_EQ(limits.attribute_count, 10u);
  EXPECT_EQ(limits.attribute_value_length, 30u);
  EXPECT_EQ(limits.event_count, 5u);
  EXPECT_EQ(limits.link_count, 6u);
  EXPECT_EQ(limits.event_attribute_count, 7u);
  EXPECT_EQ(limits.link_attribute_count, 8u);
}

}  // namespace
}  // namespace adot::sdk
