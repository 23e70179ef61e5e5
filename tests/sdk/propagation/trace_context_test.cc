#include "adot/sdk/propagation/trace_context.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sdk/propagation/test_helpers.h"

namespace adot::sdk::propagation {
namespace {

using api::trace::TraceState;
using testing::Context;
using testing::MapCarrier;
using testing::SpanContextIn;

constexpr char kTid[] = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr char kSid[] = "00f067aa0ba902b7";

struct ValidCase {
  const char* name;
  std::string traceparent;
  std::string trace_id;
  std::string span_id;
  uint8_t flags;
};

TEST(TraceContextExtractTest, ValidTraceParents) {
  const std::string tid = kTid, sid = kSid;
  const ValidCase cases[] = {
      {"sampled", "00-" + tid + "-" + sid + "-01", tid, sid, 0x01},
      {"not sampled", "00-" + tid + "-" + sid + "-00", tid, sid, 0x00},
      {"random flag kept", "00-" + tid + "-" + sid + "-03", tid, sid, 0x03},
      {"reserved bits dropped", "00-" + tid + "-" + sid + "-ff", tid, sid, 0x03},
      {"leading and trailing OWS", " \t00-" + tid + "-" + sid + "-01 \t", tid, sid, 0x01},
      {"future version", "cc-" + tid + "-" + sid + "-01", tid, sid, 0x01},
      {"future version with more fields", "cc-" + tid + "-" + sid + "-01-what-the-future", tid,
       sid, 0x01},
      {"future version trailing dash", "01-" + tid + "-" + sid + "-09-", tid, sid, 0x01},
  };
  TraceContextPropagator p;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    MapCarrier carrier{{"traceparent", c.traceparent}};
    const auto sc = SpanContextIn(p.Extract(Context(), carrier));
    ASSERT_TRUE(sc.IsValid());
    EXPECT_TRUE(sc.IsRemote());
    EXPECT_EQ(sc.trace_id().ToHex(), c.trace_id);
    EXPECT_EQ(sc.span_id().ToHex(), c.span_id);
    EXPECT_EQ(sc.trace_flags().bits(), c.flags);
  }
}

TEST(TraceContextExtractTest, InvalidTraceParentsAreIgnored) {
  const std::string tid = kTid, sid = kSid;
  const std::pair<const char*, std::string> cases[] = {
      {"empty", ""},
      {"version ff", "ff-" + tid + "-" + sid + "-01"},
      {"version 00 with trailing data", "00-" + tid + "-" + sid + "-01-extra"},
      {"version 00 with trailing char", "00-" + tid + "-" + sid + "-01x"},
      {"future version wrong char after flags", "cc-" + tid + "-" + sid + "-01.what"},
      {"future version too short", "cc-" + tid + "-" + sid + "-1"},
      {"uppercase trace id", "00-4BF92F3577B34DA6A3CE929D0E0E4736-" + sid + "-01"},
      {"uppercase span id", "00-" + tid + "-00F067AA0BA902B7-01"},
      {"uppercase version", "0A-" + tid + "-" + sid + "-01"},
      {"uppercase flags", "00-" + tid + "-" + sid + "-0A"},
      {"all-zero trace id", "00-00000000000000000000000000000000-" + sid + "-01"},
      {"all-zero span id", "00-" + tid + "-0000000000000000-01"},
      {"short trace id", "00-" + tid.substr(1) + "-" + sid + "-01"},
      {"long span id", "00-" + tid + "-" + sid + "0-01"},
      {"non-hex trace id", "00-4bf92f3577b34da6a3ce929d0e0e473g-" + sid + "-01"},
      {"non-hex flags", "00-" + tid + "-" + sid + "-0g"},
      {"one-digit flags", "00-" + tid + "-" + sid + "-1"},
      {"wrong separator", "00_" + tid + "_" + sid + "_01"},
      {"version one digit", "0-" + tid + "-" + sid + "-01"},
      {"inner whitespace", "00- " + tid + "-" + sid + "-01"},
      {"two headers combined", "00-" + tid + "-" + sid + "-01,00-" + tid + "-" + sid + "-01"},
  };
  TraceContextPropagator p;
  for (const auto& [name, value] : cases) {
    SCOPED_TRACE(name);
    MapCarrier carrier{{"traceparent", value}, {"tracestate", "a=1"}};
    Context in;
    EXPECT_EQ(p.Extract(in, carrier), in);
  }
}

TEST(TraceContextExtractTest, DuplicateTraceParentIsIgnored) {
  const std::string tp = std::string("00-") + kTid + "-" + kSid + "-01";
  MapCarrier carrier{{"traceparent", tp}, {"TraceParent", tp}};
  Context in;
  EXPECT_EQ(TraceContextPropagator().Extract(in, carrier), in);
}

TEST(TraceContextExtractTest, HeaderNameIsCaseInsensitive) {
  MapCarrier carrier{{"TraceParent", std::string("00-") + kTid + "-" + kSid + "-01"}};
  EXPECT_TRUE(SpanContextIn(TraceContextPropagator().Extract(Context(), carrier)).IsValid());
}

std::string StateOf(const MapCarrier& carrier) {
  const auto sc = SpanContextIn(TraceContextPropagator().Extract(Context(), carrier));
  EXPECT_TRUE(sc.IsValid());
  return sc.trace_state().ToHeader();
}

TEST(TraceContextExtractTest, TraceState) {
  const std::string tp = std::string("00-") + kTid + "-" + kSid + "-01";
  std::string members32, members33;
  for (int i = 0; i < 33; ++i) {
    std::string m = "k" + std::to_string(i) + "=v";
    if (i < 32) members32 += (i ? "," : "") + m;
    members33 += (i ? "," : "") + m;
  }
  const std::pair<std::vector<std::string>, std::string> cases[] = {
      {{"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"}, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"},
      {{"a=1 , b=2\t,\t c=3"}, "a=1,b=2,c=3"},
      {{"a=1,,b=2,"}, "a=1,b=2"},                        // empty members
      {{""}, ""},                                         // empty header
      {{"a=1", "b=2"}, "a=1,b=2"},                        // several headers combined in order
      {{"a=1", "", "b=2"}, "a=1,b=2"},
      {{"t@s=1,x*y/z-_=2"}, "t@s=1,x*y/z-_=2"},           // key characters
      {{"a= leading"}, "a= leading"},                     // leading space is part of the value
      {{"a=1,FOO=2"}, ""},                                // uppercase key: whole header invalid
      {{"a=1,@foo=2"}, ""},
      {{"a=1,foo.bar=2"}, ""},
      {{"foo =1"}, ""},
      {{"a=1,b"}, ""},                                    // no '='
      {{"a=x,y"}, ""},
      {{"a=b=c"}, ""},                                    // '=' in value
      {{"a="}, ""},                                       // empty value
      {{members32}, members32},
      {{members33}, ""},                                  // 33 members: discarded
      {{std::string(256, 'k') + "=1"}, std::string(256, 'k') + "=1"},
      {{std::string(257, 'k') + "=1"}, ""},
      {{"a=1,a=2"}, "a=1,a=2"},                           // duplicates kept as they are
  };
  for (const auto& [headers, want] : cases) {
    SCOPED_TRACE(headers.empty() ? std::string() : headers[0].substr(0, 40));
    MapCarrier carrier{{"traceparent", tp}};
    for (const auto& h : headers) carrier.Add("tracestate", h);
    EXPECT_EQ(StateOf(carrier), want);
  }
}

TEST(TraceContextExtractTest, BadTraceParentMeansTraceStateIsNotRead) {
  MapCarrier carrier{{"traceparent", "garbage"}, {"tracestate", "a=1"}};
  EXPECT_FALSE(SpanContextIn(TraceContextPropagator().Extract(Context(), carrier)).IsValid());
}

TEST(TraceContextInjectTest, WritesVersion00AndTraceState) {
  TraceContextPropagator p;
  MapCarrier carrier;
  p.Inject(testing::WithSpan(kTid, kSid, 0x03, TraceState::FromHeader("b=2,a=1")), carrier);
  EXPECT_EQ(carrier.Get("traceparent").value(), std::string("00-") + kTid + "-" + kSid + "-03");
  EXPECT_EQ(carrier.Get("tracestate").value(), "b=2,a=1");
  // Reserved flag bits are never sent; no tracestate header for an empty state.
  MapCarrier c2;
  p.Inject(testing::WithSpan(kTid, kSid, 0xfd), c2);
  EXPECT_EQ(c2.Get("traceparent").value(), std::string("00-") + kTid + "-" + kSid + "-01");
  EXPECT_FALSE(c2.Get("tracestate").has_value());
  // Nothing for an invalid span context.
  MapCarrier c3;
  p.Inject(Context(), c3);
  EXPECT_EQ(c3.size(), 0u);
}

TEST(TraceContextInjectTest, FutureVersionIsReEmittedAs00) {
  TraceContextPropagator p;
  MapCarrier in{{"traceparent", std::string("cc-") + kTid + "-" + kSid + "-01-future"}};
  MapCarrier out;
  p.Inject(p.Extract(Context(), in), out);
  EXPECT_EQ(out.Get("traceparent").value(), std::string("00-") + kTid + "-" + kSid + "-01");
}

TEST(TraceContextInjectTest, TraceStateTruncation) {
  // 4 entries of 130 chars (dropped first), then 20 of 30 chars (= 20*30 + 19 = 619 > 512).
  auto state = std::make_shared<const TraceState>();
  std::vector<std::string> small;
  std::string header;
  for (int i = 0; i < 24; ++i) {
    std::string key = "k" + std::to_string(100 + i);  // 4 chars
    std::string m = i % 6 == 0 ? key + "=" + std::string(125, 'v')   // 130 chars
                               : key + "=" + std::string(25, 'v');   // 30 chars
    header += (i ? "," : "") + m;
    if (i % 6 != 0) small.push_back(m);
  }
  state = TraceState::FromHeader(header);
  ASSERT_EQ(state->entries().size(), 24u);
  MapCarrier carrier;
  TraceContextPropagator().Inject(testing::WithSpan(kTid, kSid, 1, state), carrier);
  std::string want;
  for (const auto& m : small) {
    if (want.size() + (want.empty() ? 0 : 1) + m.size() > 512) break;
    want += (want.empty() ? "" : ",") + m;
  }
  EXPECT_EQ(carrier.Get("tracestate").value(), want);
  EXPECT_LE(want.size(), 512u);
  EXPECT_EQ(want.size(), 16u * 30 + 15);  // 16 small entries fit, the rest dropped from the right

  // At most 512 characters: kept whole.
  std::string exact;
  for (int i = 0; i < 8; ++i) exact += (i ? "," : "") + ("k" + std::to_string(i) + "=" + std::string(60, 'v'));
  ASSERT_EQ(exact.size(), 8u * 63 + 7);
  MapCarrier c2;
  TraceContextPropagator().Inject(testing::WithSpan(kTid, kSid, 1, TraceState::FromHeader(exact)), c2);
  EXPECT_EQ(c2.Get("tracestate").value(), exact);
}

TEST(TraceContextTest, RoundTrip) {
  TraceContextPropagator p;
  MapCarrier in{{"traceparent", std::string("00-") + kTid + "-" + kSid + "-01"},
                {"tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7"}};
  MapCarrier out;
  p.Inject(p.Extract(Context(), in), out);
  EXPECT_EQ(out.entries(), in.entries());
  EXPECT_EQ(p.Fields(), (std::vector<std::string_view>{"traceparent", "tracestate"}));
}

}  // namespace
}  // namespace adot::sdk::propagation
