#include <gtest/gtest.h>

#include <string>

#include "adot/sdk/propagation/b3.h"
#include "adot/sdk/propagation/jaeger.h"
#include "sdk/propagation/test_helpers.h"

namespace adot::sdk::propagation {
namespace {

using testing::BaggageString;
using testing::Context;
using testing::MapCarrier;
using testing::SpanContextIn;

constexpr char kTid[] = "80f198ee56343ba864fe8b2a57d3eff7";
constexpr char kSid[] = "e457b5a2e4d86bd1";

struct Expect {
  bool valid;
  std::string trace_id = {};
  bool sampled = false;
  bool debug = false;
};

void Check(const Context& ctx, const Expect& e) {
  const auto sc = SpanContextIn(ctx);
  ASSERT_EQ(sc.IsValid(), e.valid);
  if (!e.valid) return;
  EXPECT_EQ(sc.trace_id().ToHex(), e.trace_id);
  EXPECT_EQ(sc.span_id().ToHex(), kSid);
  EXPECT_EQ(sc.IsSampled(), e.sampled);
  EXPECT_TRUE(sc.IsRemote());
  const bool* debug = ctx.GetValuePtr<bool>(api::propagation::internal::B3DebugContextKey());
  EXPECT_EQ(debug && *debug, e.debug);
}

TEST(B3ExtractTest, SingleHeader) {
  const std::string t = kTid, s = kSid;
  const std::pair<std::string, Expect> cases[] = {
      {t + "-" + s + "-1", {true, t, true, false}},
      {t + "-" + s + "-0", {true, t, false, false}},
      {t + "-" + s + "-d", {true, t, true, true}},
      {t + "-" + s, {true, t, false, false}},  // deferred: not sampled
      {t + "-" + s + "-1-05e3ac9a4f6e3b90", {true, t, true, false}},
      {"64fe8b2a57d3eff7-" + s + "-1", {true, "000000000000000064fe8b2a57d3eff7", true, false}},
      {"0", {false}},
      {t + "-" + s + "-x", {false}},
      {t + "-" + s + "-1-05e3ac9a4f6e3b9", {false}},
      {t + "-" + s + "-1-05e3ac9a4f6e3b90-x", {false}},
      {t + "-e457b5a2e4d86bd", {false}},
      {"80F198EE56343BA864FE8B2A57D3EFF7-" + s + "-1", {false}},
      {"80f198ee56343ba864fe8b2a57d3eff-" + s + "-1", {false}},
      {"00000000000000000000000000000000-" + s + "-1", {false}},
      {t + "-0000000000000000-1", {false}},
  };
  B3Propagator p;
  for (const auto& [header, want] : cases) {
    SCOPED_TRACE(header);
    MapCarrier carrier{{"b3", header}};
    Check(p.Extract(Context(), carrier), want);
  }
}

TEST(B3ExtractTest, MultiHeader) {
  const std::string t = kTid, s = kSid;
  struct M {
    MapCarrier carrier;
    Expect want;
  };
  const M cases[] = {
      {{{"X-B3-TraceId", t}, {"X-B3-SpanId", s}, {"X-B3-Sampled", "1"}}, {true, t, true, false}},
      {{{"x-b3-traceid", t}, {"x-b3-spanid", s}, {"x-b3-sampled", "0"}}, {true, t, false, false}},
      {{{"X-B3-TraceId", t}, {"X-B3-SpanId", s}, {"X-B3-Sampled", "true"}}, {true, t, true, false}},
      {{{"X-B3-TraceId", t}, {"X-B3-SpanId", s}, {"X-B3-Sampled", "false"}}, {true, t, false, false}},
      {{{"X-B3-TraceId", t}, {"X-B3-SpanId", s}, {"X-B3-Flags", "1"}}, {true, t, true, true}},
      {{{"X-B3-TraceId", t}, {"X-B3-SpanId", s}}, {true, t, false, false}},
      {{{"X-B3-TraceId", "64fe8b2a57d3eff7"}, {"X-B3-SpanId", s}, {"X-B3-Sampled", "1"}},
       {true, "000000000000000064fe8b2a57d3eff7", true, false}},
      {{{"X-B3-TraceId", t}, {"X-B3-Sampled", "1"}}, {false}},
      {{{"X-B3-SpanId", s}, {"X-B3-Sampled", "1"}}, {false}},
      {{{"X-B3-TraceId", t}, {"X-B3-SpanId", s}, {"X-B3-Sampled", "yes"}}, {false}},
      {{{"X-B3-TraceId", "xyz"}, {"X-B3-SpanId", s}, {"X-B3-Sampled", "1"}}, {false}},
  };
  B3Propagator p;
  for (size_t i = 0; i < std::size(cases); ++i) {
    SCOPED_TRACE(i);
    Check(p.Extract(Context(), cases[i].carrier), cases[i].want);
  }
}

TEST(B3ExtractTest, SingleTakesPrecedence) {
  MapCarrier carrier{{"b3", std::string(kTid) + "-" + kSid + "-0"},
                     {"X-B3-TraceId", "11111111111111111111111111111111"},
                     {"X-B3-SpanId", kSid},
                     {"X-B3-Sampled", "1"}};
  Check(B3Propagator().Extract(Context(), carrier), {true, kTid, false, false});
}

TEST(B3InjectTest, SingleAndMulti) {
  Context ctx = testing::WithSpan(kTid, kSid, 1);
  MapCarrier single;
  B3Propagator().Inject(ctx, single);
  EXPECT_EQ(single.entries(), (MapCarrier::Entries{{"b3", std::string(kTid) + "-" + kSid + "-1"}}));
  MapCarrier multi;
  B3Propagator(B3Propagator::InjectEncoding::kMultiHeader).Inject(ctx, multi);
  EXPECT_EQ(multi.entries(),
            (MapCarrier::Entries{{"X-B3-TraceId", kTid}, {"X-B3-SpanId", kSid}, {"X-B3-Sampled", "1"}}));
  MapCarrier none;
  B3Propagator().Inject(Context(), none);
  EXPECT_EQ(none.size(), 0u);
}

TEST(B3InjectTest, DebugIsPreserved) {
  MapCarrier in{{"b3", std::string(kTid) + "-" + kSid + "-d"}};
  Context ctx = B3Propagator().Extract(Context(), in);
  MapCarrier single, multi;
  B3Propagator().Inject(ctx, single);
  EXPECT_EQ(single.Get("b3").value(), std::string(kTid) + "-" + kSid + "-d");
  B3Propagator(B3Propagator::InjectEncoding::kMultiHeader).Inject(ctx, multi);
  EXPECT_EQ(multi.Get("X-B3-Flags").value(), "1");
  EXPECT_FALSE(multi.Get("X-B3-Sampled").has_value());
  EXPECT_FALSE(multi.Get("X-B3-ParentSpanId").has_value());
}

TEST(JaegerExtractTest, Table) {
  const std::string t = kTid, s = kSid;
  const std::pair<std::string, Expect> cases[] = {
      {t + ":" + s + ":0:1", {true, t, true, false}},
      {t + ":" + s + ":0:0", {true, t, false, false}},
      {t + ":" + s + ":0:01", {true, t, true, false}},
      {t + ":" + s + ":0:3", {true, t, true, false}},        // sampled + debug
      {t + ":" + s + ":0:2", {true, t, false, false}},       // debug bit alone
      {t + "%3A" + s + "%3A0%3A1", {true, t, true, false}},  // URL-encoded
      {"64fe8b2a57d3eff7:" + s + ":0:1", {true, "000000000000000064fe8b2a57d3eff7", true, false}},
      {"1:" + s + ":0:1", {true, "00000000000000000000000000000001", true, false}},
      {t + ":" + s + ":0", {false}},
      {t + ":" + s + ":0:1:x", {false}},
      {t + ":" + s + ":0:", {false}},
      {t + ":" + s + ":0:x", {false}},
      {t + "0:" + s + ":0:1", {false}},
      {t + ":0:0:1", {false}},
      {"0:" + s + ":0:1", {false}},
  };
  JaegerPropagator p;
  for (const auto& [header, want] : cases) {
    SCOPED_TRACE(header);
    MapCarrier carrier{{"uber-trace-id", header}};
    Check(p.Extract(Context(), carrier), want);
  }
}

TEST(JaegerTest, BaggageBothWays) {
  MapCarrier in{{"uber-trace-id", std::string(kTid) + ":" + kSid + ":0:1"},
                {"uberctx-user", "alice"},
                {"UberCtx-Note", "a%20b"},
                {"uberctx-", "ignored"}};
  Context base = api::baggage::ContextWithBaggage(
      Context(), api::baggage::Baggage::Empty()->Set("existing", "1"));
  Context ctx = JaegerPropagator().Extract(base, in);
  EXPECT_EQ(BaggageString(ctx), "existing=1,user=alice,Note=a b");
  MapCarrier out;
  JaegerPropagator().Inject(ctx, out);
  EXPECT_EQ(out.entries(), (MapCarrier::Entries{{"uber-trace-id", std::string(kTid) + ":" + kSid + ":0:1"},
                                                {"uberctx-existing", "1"},
                                                {"uberctx-user", "alice"},
                                                {"uberctx-Note", "a%20b"}}));
}

}  // namespace
}  // namespace adot::sdk::propagation
