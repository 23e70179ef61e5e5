#include "adot/sdk/propagation/baggage.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sdk/propagation/test_helpers.h"

namespace adot::sdk::propagation {
namespace {

using api::baggage::Baggage;
using testing::BaggageString;
using testing::Context;
using testing::MapCarrier;

std::string Extracted(std::vector<std::string> headers) {
  MapCarrier carrier;
  for (const auto& h : headers) carrier.Add("baggage", h);
  return BaggageString(BaggagePropagator().Extract(Context(), carrier));
}

TEST(BaggageExtractTest, Table) {
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"userId=alice,serverNode=DF%2028,isProduction=false"},
       "userId=alice,serverNode=DF 28,isProduction=false"},
      {{" a = 1 \t, b\t=\t2 "}, "a=1,b=2"},                     // OWS everywhere allowed
      {{"a=1;ttl=30;private"}, "a=1;ttl=30;private"},           // properties kept as metadata
      {{"a=1 ; p1 = v ; p2"}, "a=1;p1 = v ; p2"},
      {{"a=b=c"}, "a=b=c"},                                     // '=' allowed in a value
      {{"a="}, "a="},                                           // empty value
      {{"a=%E2%9C%93"}, "a=\xE2\x9C\x93"},                      // UTF-8
      {{"a=%FF%41"}, "a=\xEF\xBF\xBD" "A"},                     // invalid UTF-8 -> U+FFFD
      {{"a=%E2%9C"}, "a=\xEF\xBF\xBD"},                         // truncated sequence
      {{"a=%C0%AF"}, "a=\xEF\xBF\xBD\xEF\xBF\xBD"},             // overlong
      {{"a=100%"}, "a=100%"},                                   // stray '%' kept
      {{"a=%zz"}, "a=%zz"},
      {{"a=1", "b=2"}, "a=1,b=2"},                              // several headers combined
      {{"a=1,a=2"}, "a=2"},                                     // last value wins
      {{"a=1,,b=2,"}, "a=1,b=2"},                               // empty members skipped
      {{"a=1,novalue,b=2"}, "a=1,b=2"},                         // malformed member dropped
      {{"a=1,=x,b=2"}, "a=1,b=2"},                              // empty key
      {{"a=1,k(=x,b=2"}, "a=1,b=2"},                            // key not a token
      {{"a=1,k=x y,b=2"}, "a=1,b=2"},                           // space inside a value
      {{"a=1,k=\"q\",b=2"}, "a=1,b=2"},                         // DQUOTE
      {{"a=1,k=x\\y,b=2"}, "a=1,b=2"},                          // backslash
      {{"a=1,k=v;p(=1,b=2"}, "a=1,b=2"},                        // malformed property
      {{"k=v;"}, "k=v"},                                         // empty property list
      {{""}, ""},
  };
  for (const auto& [headers, want] : cases) {
    SCOPED_TRACE(headers[0]);
    EXPECT_EQ(Extracted(headers), want);
  }
}

TEST(BaggageExtractTest, NoHeaderLeavesContextUnchanged) {
  Context in;
  MapCarrier carrier{{"other", "x"}};
  EXPECT_EQ(BaggagePropagator().Extract(in, carrier), in);
  MapCarrier bad{{"baggage", "garbage"}};
  EXPECT_EQ(BaggagePropagator().Extract(in, bad), in);
}

TEST(BaggageExtractTest, Limits) {
  // 64 members in 8192 bytes are always kept (W3C minimum).
  std::string h;
  for (int i = 0; i < 64; ++i) h += (i ? "," : "") + ("k" + std::to_string(i) + "=" + std::string(120, 'v'));
  ASSERT_LE(h.size(), 8192u);
  MapCarrier c{{"baggage", h}};
  EXPECT_EQ(api::baggage::GetBaggage(BaggagePropagator().Extract(Context(), c))->size(), 64u);
  // More than 180 members: the first 180 kept.
  std::string many;
  for (int i = 0; i < 200; ++i) many += (i ? "," : "") + ("k" + std::to_string(i) + "=1");
  MapCarrier c2{{"baggage", many}};
  EXPECT_EQ(api::baggage::GetBaggage(BaggagePropagator().Extract(Context(), c2))->size(), 180u);
  // More than 8192 bytes: whole members beyond the limit are dropped.
  std::string big;
  for (int i = 0; i < 10; ++i) big += (i ? "," : "") + ("k" + std::to_string(i) + "=" + std::string(1000, 'v'));
  MapCarrier c3{{"baggage", big}};
  auto b = api::baggage::GetBaggage(BaggagePropagator().Extract(Context(), c3));
  EXPECT_EQ(b->size(), 8u);
  for (const auto& e : *b) EXPECT_EQ(e.value.size(), 1000u);
  // A member over 4096 bytes is dropped alone.
  MapCarrier c4{{"baggage", "a=1,big=" + std::string(5000, 'v') + ",b=2"}};
  EXPECT_EQ(BaggageString(BaggagePropagator().Extract(Context(), c4)), "a=1,b=2");
}

TEST(BaggageInjectTest, EncodesValuesAndKeepsMetadata) {
  auto b = Baggage::Empty()
               ->Set("user", "alice")
               ->Set("note", "a b,c;d%e\"f\\g=h", "ttl=30")
               ->Set("utf8", "\xE2\x9C\x93")
               ->Set("bad key", "dropped")
               ->Set("empty", "");
  MapCarrier carrier;
  BaggagePropagator().Inject(api::baggage::ContextWithBaggage(Context(), b), carrier);
  EXPECT_EQ(carrier.Get("baggage").value(),
            "user=alice,note=a%20b%2Cc%3Bd%25e%22f%5Cg=h;ttl=30,utf8=%E2%9C%93,empty=");
}

TEST(BaggageInjectTest, NothingForEmptyBaggage) {
  MapCarrier carrier;
  BaggagePropagator().Inject(Context(), carrier);
  BaggagePropagator().Inject(api::baggage::ContextWithBaggage(Context(), Baggage::Empty()), carrier);
  EXPECT_EQ(carrier.size(), 0u);
}

TEST(BaggageInjectTest, Limits) {
  std::shared_ptr<const Baggage> b = Baggage::Empty();
  for (int i = 0; i < 200; ++i) b = b->Set("k" + std::to_string(i), "1");
  b = b->Set("huge", std::string(5000, 'v'));
  MapCarrier carrier;
  BaggagePropagator().Inject(api::baggage::ContextWithBaggage(Context(), b), carrier);
  auto out = api::baggage::GetBaggage(BaggagePropagator().Extract(Context(), carrier));
  EXPECT_EQ(out->size(), 180u);
  EXPECT_FALSE(out->Contains("huge"));

  std::shared_ptr<const Baggage> big = Baggage::Empty();
  for (int i = 0; i < 10; ++i) big = big->Set("k" + std::to_string(i), std::string(1000, 'v'));
  MapCarrier c2;
  BaggagePropagator().Inject(api::baggage::ContextWithBaggage(Context(), big), c2);
  EXPECT_LE(c2.Get("baggage")->size(), 8192u);
  EXPECT_EQ(api::baggage::GetBaggage(BaggagePropagator().Extract(Context(), c2))->size(), 8u);
}

TEST(BaggageTest, RoundTrip) {
  auto b = Baggage::Empty()->Set("a", "1 2", "p=1;q")->Set("b", "\xC3\xA9t\xC3\xA9");
  MapCarrier carrier;
  BaggagePropagator p;
  p.Inject(api::baggage::ContextWithBaggage(Context(), b), carrier);
  auto out = api::baggage::GetBaggage(p.Extract(Context(), carrier));
  EXPECT_EQ(*out, *b);
}

}  // namespace
}  // namespace adot::sdk::propagation
