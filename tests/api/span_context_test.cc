#include "adot/api/trace/span_context.h"

#include <gtest/gtest.h>

namespace adot::api::trace {
namespace {

TEST(IdTest, HexRoundTripAndValidity) {
  TraceId t = TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(t.IsValid());
  EXPECT_EQ(t.ToHex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(t.data()[0], 0x4b);
  EXPECT_EQ(TraceId::FromHex("4BF92F3577B34DA6A3CE929D0E0E4736"), t);
  EXPECT_FALSE(TraceId().IsValid());
  EXPECT_FALSE(TraceId::FromHex("00000000000000000000000000000000").IsValid());
  EXPECT_FALSE(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e473").IsValid());   // short
  EXPECT_FALSE(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e473g").IsValid());  // non-hex
  SpanId s = SpanId::FromHex("00f067aa0ba902b7");
  EXPECT_TRUE(s.IsValid());
  EXPECT_EQ(s.ToHex(), "00f067aa0ba902b7");
}

TEST(TraceFlagsTest, BitsAreTestedIndividually) {
  EXPECT_TRUE(TraceFlags(0x01).IsSampled());
  EXPECT_FALSE(TraceFlags(0x02).IsSampled());
  EXPECT_TRUE(TraceFlags(0x03).IsRandom());
  EXPECT_TRUE(TraceFlags(0xff).IsSampled());
}

TEST(TraceStateTest, ParsesMembersInOrderWithOws) {
  auto ts = TraceState::FromHeader(" congo=t61rcWkgMzE ,\trojo=00f067aa0ba902b7 ");
  ASSERT_EQ(ts->entries().size(), 2u);
  EXPECT_EQ(ts->Get("congo"), "t61rcWkgMzE");
  EXPECT_EQ(ts->Get("rojo"), "00f067aa0ba902b7");
  EXPECT_EQ(ts->ToHeader(), "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
}

TEST(TraceStateTest, EmptyMembersAreAccepted) {
  auto ts = TraceState::FromHeader("a=1,,  ,b=2");
  EXPECT_EQ(ts->entries().size(), 2u);
}

TEST(TraceStateTest, InvalidMemberDiscardsWholeHeader) {
  EXPECT_TRUE(TraceState::FromHeader("a=1,FOO=2")->empty());
  EXPECT_TRUE(TraceState::FromHeader("a=1,b")->empty());
  EXPECT_TRUE(TraceState::FromHeader("@foo=1")->empty());
  EXPECT_TRUE(TraceState::FromHeader("foo.bar=1")->empty());
  EXPECT_TRUE(TraceState::FromHeader("a=x,y")->empty());
}

TEST(TraceStateTest, MoreThan32MembersIsDiscarded) {
  std::string header;
  for (int i = 0; i < 32; ++i) header += (i ? "," : "") + std::string("k") + std::to_string(i) + "=v";
  EXPECT_EQ(TraceState::FromHeader(header)->entries().size(), 32u);
  EXPECT_TRUE(TraceState::FromHeader(header + ",k32=v")->empty());
}

TEST(TraceStateTest, SetMovesKeyToFrontAndDeleteRemoves) {
  auto ts = TraceState::FromHeader("a=1,b=2,c=3");
  auto updated = ts->Set("b", "9");
  EXPECT_EQ(updated->ToHeader(), "b=9,a=1,c=3");
  EXPECT_EQ(ts->ToHeader(), "a=1,b=2,c=3");  // immutable
  EXPECT_EQ(updated->Delete("a")->ToHeader(), "b=9,c=3");
  EXPECT_EQ(ts->Set("BAD", "1")->ToHeader(), "a=1,b=2,c=3");
}

TEST(SpanContextTest, ValidityNeedsBothIds) {
  TraceId t = TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  SpanId s = SpanId::FromHex("00f067aa0ba902b7");
  EXPECT_TRUE(SpanContext(t, s, TraceFlags(1), true).IsValid());
  EXPECT_FALSE(SpanContext(t, SpanId(), TraceFlags(1), true).IsValid());
  EXPECT_FALSE(SpanContext(TraceId(), s, TraceFlags(1), true).IsValid());
  SpanContext c(t, s, TraceFlags(1), true);
  EXPECT_TRUE(c.IsRemote());
  EXPECT_TRUE(c.IsSampled());
  EXPECT_TRUE(c.trace_state().empty());
}

}  // namespace
}  // namespace adot::api::trace
