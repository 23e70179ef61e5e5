#include "adot/api/baggage.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace adot::api::baggage {
namespace {

TEST(BaggageTest, SetGetDeleteAreImmutable) {
  auto empty = Baggage::Empty();
  EXPECT_TRUE(empty->empty());
  auto a = empty->Set("user", "alice", "ttl=30");
  auto b = a->Set("tenant", "t1");
  auto c = b->Set("user", "bob");
  std::string_view v;
  EXPECT_TRUE(a->Get("user", &v));
  EXPECT_EQ(v, "alice");
  EXPECT_EQ(a->Find("user")->metadata, "ttl=30");
  EXPECT_FALSE(a->Get("tenant", &v));
  ASSERT_EQ(c->size(), 2u);
  EXPECT_EQ(c->entries()[0].key, "user");  // replaced in place
  EXPECT_EQ(c->entries()[0].value, "bob");
  EXPECT_EQ(c->entries()[0].metadata, "");
  EXPECT_EQ(b->Find("user")->value, "alice");
  auto d = c->Delete("user");
  EXPECT_EQ(d->size(), 1u);
  EXPECT_FALSE(d->Contains("user"));
  EXPECT_TRUE(c->Contains("user"));
  EXPECT_EQ(empty->Set("", "x")->size(), 0u);
}

TEST(BaggageTest, Iteration) {
  auto b = Baggage::Empty()->Set("a", "1")->Set("b", "2")->Set("c", "3");
  std::vector<std::string> keys;
  for (const auto& e : *b) keys.push_back(e.key + "=" + e.value);
  EXPECT_EQ(keys, (std::vector<std::string>{"a=1", "b=2", "c=3"}));
}

TEST(BaggageTest, CarriedInContext) {
  Context ctx;
  EXPECT_TRUE(GetBaggage(ctx)->empty());
  auto b = Baggage::Empty()->Set("k", "v");
  Context with = ContextWithBaggage(ctx, b);
  EXPECT_EQ(GetBaggage(with).get(), b.get());
  EXPECT_TRUE(GetBaggage(ctx)->empty());
  EXPECT_TRUE(GetBaggage(ContextWithBaggage(with, nullptr))->empty());
  EXPECT_EQ(BaggageContextKey().name(), std::string("adot.baggage"));
  EXPECT_EQ(&BaggageContextKey(), &BaggageContextKey());
}

}  // namespace
}  // namespace adot::api::baggage
