#include "adot/api/context.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace adot::api {
namespace {

const ContextKey kKeyA("a");
const ContextKey kKeyB("b");

TEST(ContextTest, SetValueReturnsNewContextAndLeavesOriginalUnchanged) {
  Context empty;
  Context with_a = empty.SetValue<std::string>(kKeyA, std::make_shared<std::string>("one"));
  EXPECT_EQ(empty.GetValue<std::string>(kKeyA), nullptr);
  ASSERT_NE(with_a.GetValue<std::string>(kKeyA), nullptr);
  EXPECT_EQ(*with_a.GetValue<std::string>(kKeyA), "one");
  EXPECT_FALSE(with_a.HasKey(kKeyB));
}

TEST(ContextTest, LaterValueShadowsEarlierOne) {
  Context c = Context()
                  .SetValue<int>(kKeyA, std::make_shared<int>(1))
                  .SetValue<int>(kKeyB, std::make_shared<int>(2))
                  .SetValue<int>(kKeyA, std::make_shared<int>(3));
  EXPECT_EQ(*c.GetValue<int>(kKeyA), 3);
  EXPECT_EQ(*c.GetValue<int>(kKeyB), 2);
  EXPECT_EQ(*c.GetValuePtr<int>(kKeyA), 3);
}

TEST(ContextTest, KeysWithTheSameNameAreDistinct) {
  static const ContextKey other_a("a");
  Context c = Context().SetValue<int>(kKeyA, std::make_shared<int>(1));
  EXPECT_FALSE(c.HasKey(other_a));
}

TEST(ContextTest, AttachMakesCurrentAndScopeRestores) {
  Context outer = Context().SetValue<int>(kKeyA, std::make_shared<int>(1));
  EXPECT_FALSE(Context::Current().HasKey(kKeyA));
  {
    Scope s1 = outer.Attach();
    EXPECT_EQ(*Context::Current().GetValue<int>(kKeyA), 1);
    {
      Scope s2 = Context::Current().SetValue<int>(kKeyA, std::make_shared<int>(2)).Attach();
      EXPECT_EQ(*Context::Current().GetValue<int>(kKeyA), 2);
    }
    EXPECT_EQ(*Context::Current().GetValue<int>(kKeyA), 1);
  }
  EXPECT_FALSE(Context::Current().HasKey(kKeyA));
}

TEST(ContextTest, CurrentContextIsPerThread) {
  Scope s = Context().SetValue<int>(kKeyA, std::make_shared<int>(7)).Attach();
  bool other_thread_sees_it = true;
  std::thread([&] { other_thread_sees_it = Context::Current().HasKey(kKeyA); }).join();
  EXPECT_FALSE(other_thread_sees_it);
  EXPECT_TRUE(Context::Current().HasKey(kKeyA));
}

TEST(ContextTest, MovedScopeRestoresOnce) {
  {
    Scope a = Context().SetValue<int>(kKeyA, std::make_shared<int>(1)).Attach();
    Scope b = std::move(a);
    EXPECT_TRUE(Context::Current().HasKey(kKeyA));
  }
  EXPECT_FALSE(Context::Current().HasKey(kKeyA));
}

}  // namespace
}  // namespace adot::api
