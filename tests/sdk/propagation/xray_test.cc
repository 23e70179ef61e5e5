#include "adot/sdk/propagation/xray.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "adot/api/trace/span_context.h"
#include "sdk/propagation/test_helpers.h"

namespace adot::sdk::propagation {
namespace {

using api::trace::TraceState;
using testing::BaggageString;
using testing::Context;
using testing::MapCarrier;
using testing::SpanContextIn;

constexpr char kRoot[] = "1-5759e988-bd862e3fe1be46a994272793";
constexpr char kTid[] = "5759e988bd862e3fe1be46a994272793";
constexpr char kParent[] = "53995c3f42cd8ad8";

struct Case {
  std::string header;
  bool valid;
  bool sampled;
};

TEST(XrayExtractTest, Table) {
  const std::string r = std::string("Root=") + kRoot, p = std::string("Parent=") + kParent;
  const Case cases[] = {
      {r + ";" + p + ";Sampled=1", true, true},
      {r + ";" + p + ";Sampled=0", true, false},
      {p + ";Sampled=1;" + r, true, true},                                 // any order
      {" " + r + " ; " + p + " ;\tSampled=1 ", true, true},                // OWS
      {r + ";" + p + ";Sampled=1;", true, true},                           // trailing ';'
      {"Self=1-67891234-12456789abcdef012345678;" + r + ";" + p + ";Sampled=1", true, true},
      {r + ";" + p + ";Sampled=1;CalledFrom=app", true, true},             // unknown key
      {r + ";Parent=53995C3F42CD8AD8;Sampled=1", true, true},              // uppercase hex
      {r + ";" + p + ";Sampled=?", false, false},                          // decision: no parent
      {r + ";" + p, false, false},                                         // decision: no parent
      {r + ";" + p + ";Sampled=2", false, false},
      {r + ";" + p + ";Sampled=", false, false},
      {r + ";Sampled=1", false, false},                                    // no Parent
      {p + ";Sampled=1", false, false},                                    // no Root
      {"Root=2-5759e988-bd862e3fe1be46a994272793;" + p + ";Sampled=1", false, false},
      {"Root=1-5759e988bd862e3fe1be46a994272793;" + p + ";Sampled=1", false, false},
      {"Root=1-5759e98-bd862e3fe1be46a9942727933;" + p + ";Sampled=1", false, false},
      {"Root=1-5759e988-bd862e3fe1be46a99427279;" + p + ";Sampled=1", false, false},
      {"Root=1-5759e988-bd862e3fe1be46a99427279g;" + p + ";Sampled=1", false, false},
      {"Root=1-00000000-000000000000000000000000;" + p + ";Sampled=1", false, false},
      {r + ";Parent=0000000000000000;Sampled=1", false, false},
      {r + ";Parent=53995c3f42cd8ad;Sampled=1", false, false},
      {r + ";Parent=53995c3f42cd8ad8a;Sampled=1", false, false},
      {r + ";Parent=53995c3f42cd8adx;Sampled=1", false, false},
      {r + ";" + p + ";Sampled=1;garbage", false, false},                  // part without '='
      {"root=" + std::string(kRoot) + ";" + p + ";Sampled=1", false, false},  // keys are case-sensitive
      {"", false, false},
  };
  XrayPropagator xray;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.header);
    MapCarrier carrier{{"X-Amzn-Trace-Id", c.header}};
    Context out = xray.Extract(Context(), carrier);
    const auto sc = SpanContextIn(out);
    EXPECT_EQ(sc.IsValid(), c.valid);
    if (!c.valid) continue;
    EXPECT_TRUE(sc.IsRemote());
    EXPECT_EQ(sc.trace_id().ToHex(), kTid);
    EXPECT_EQ(sc.span_id().ToHex(), kParent);
    EXPECT_EQ(sc.IsSampled(), c.sampled);
  }
}

TEST(XrayExtractTest, HeaderNameIsCaseInsensitive) {
  MapCarrier carrier{{"x-amzn-trace-id", std::string("Root=") + kRoot + ";Parent=" + kParent +
                                             ";Sampled=1"}};
  EXPECT_TRUE(SpanContextIn(XrayPropagator().Extract(Context(), carrier)).IsValid());
}

TEST(XrayExtractTest, KeepsTraceStateOfContextExtractedEarlier) {
  Context earlier = testing::WithSpan("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1,
                                      TraceState::FromHeader("xrsr=rule1,congo=t61"));
  MapCarrier carrier{{"X-Amzn-Trace-Id",
                      std::string("Root=") + kRoot + ";Parent=" + kParent + ";Sampled=0"}};
  const auto sc = SpanContextIn(XrayPropagator().Extract(earlier, carrier));
  EXPECT_EQ(sc.trace_id().ToHex(), kTid);
  EXPECT_FALSE(sc.IsSampled());
  EXPECT_EQ(sc.trace_state().ToHeader(), "xrsr=rule1,congo=t61");
}

TEST(XrayExtractTest, LineageGoesToBaggage) {
  const std::pair<std::string, std::string> cases[] = {
      {"12326a9d:0", "Lineage=12326a9d:0"},
      {"1:a87bd80c:2", "Lineage=1:a87bd80c:2"},
      {"32767:a87bd80c:255", "Lineage=32767:a87bd80c:255"},
      {"32768:a87bd80c:1", ""},
      {"1:a87bd80c:256", ""},
      {"1:a87bd80:1", ""},
      {"1:A87BD80C:1", ""},
      {"a87bd80c", ""},
      {"1:a87bd80c:1:1", ""},
  };
  for (const auto& [lineage, want] : cases) {
    SCOPED_TRACE(lineage);
    MapCarrier carrier{{"X-Amzn-Trace-Id", std::string("Root=") + kRoot + ";Parent=" + kParent +
                                               ";Sampled=1;Lineage=" + lineage}};
    Context base = api::baggage::ContextWithBaggage(
        Context(), api::baggage::Baggage::Empty()->Set("user", "alice"));
    Context out = XrayPropagator().Extract(base, carrier);
    EXPECT_EQ(BaggageString(out), "user=alice" + (want.empty() ? "" : "," + want));
  }
}

TEST(XrayInjectTest, Format) {
  MapCarrier carrier;
  XrayPropagator().Inject(testing::WithSpan(kTid, kParent, 1), carrier);
  EXPECT_EQ(carrier.Get("X-Amzn-Trace-Id").value(),
            std::string("Root=") + kRoot + ";Parent=" + kParent + ";Sampled=1");
  MapCarrier c2;
  XrayPropagator().Inject(testing::WithSpan(kTid, kParent, 2), c2);
  EXPECT_EQ(c2.Get("X-Amzn-Trace-Id").value(),
            std::string("Root=") + kRoot + ";Parent=" + kParent + ";Sampled=0");
  MapCarrier c3;
  XrayPropagator().Inject(Context(), c3);
  EXPECT_EQ(c3.size(), 0u);
}

TEST(XrayInjectTest, LineageFromBaggage) {
  Context ctx = api::baggage::ContextWithBaggage(
      testing::WithSpan(kTid, kParent, 1),
      api::baggage::Baggage::Empty()->Set("Lineage", "1:a87bd80c:2"));
  MapCarrier carrier;
  XrayPropagator().Inject(ctx, carrier);
  EXPECT_EQ(carrier.Get("X-Amzn-Trace-Id").value(),
            std::string("Root=") + kRoot + ";Parent=" + kParent + ";Sampled=1;Lineage=1:a87bd80c:2");
  EXPECT_LE(carrier.Get("X-Amzn-Trace-Id")->size(), 256u);
  // An invalid Lineage is not sent.
  Context bad = api::baggage::ContextWithBaggage(
      testing::WithSpan(kTid, kParent, 1),
      api::baggage::Baggage::Empty()->Set("Lineage", std::string(300, 'x')));
  MapCarrier c2;
  XrayPropagator().Inject(bad, c2);
  EXPECT_EQ(c2.Get("X-Amzn-Trace-Id")->find("Lineage"), std::string_view::npos);
}

TEST(XrayTest, RoundTrip) {
  XrayPropagator p;
  MapCarrier in{{"X-Amzn-Trace-Id",
                 std::string("Root=") + kRoot + ";Parent=" + kParent + ";Sampled=1;Lineage=1:a87bd80c:2"}};
  MapCarrier out;
  p.Inject(p.Extract(Context(), in), out);
  EXPECT_EQ(out.entries(), in.entries());
}

// _X_AMZN_TRACE_ID handling.
class XrayLambdaTest : public ::testing::Test {
 protected:
  std::optional<std::string> env_;
  XrayLambdaPropagator p_{[this] { return env_; }};
  const std::string env_header_ =
      "Root=1-46105bdf-04c13a9504458ebc539f5fba;Parent=240a548a42a88af4;Sampled=0;Lineage=12326a9d:0";
  const std::string carrier_header_ =
      std::string("Root=") + kRoot + ";Parent=" + kParent + ";Sampled=1";
};

TEST_F(XrayLambdaTest, EnvironmentWinsOverCarrier) {
  env_ = env_header_;
  MapCarrier carrier{{"X-Amzn-Trace-Id", carrier_header_}};
  Context out = p_.Extract(Context(), carrier);
  const auto sc = SpanContextIn(out);
  EXPECT_EQ(sc.trace_id().ToHex(), "4610" "5bdf04c13a9504458ebc539f5fba");
  EXPECT_EQ(sc.span_id().ToHex(), "240a548a42a88af4");
  EXPECT_FALSE(sc.IsSampled());
  EXPECT_EQ(BaggageString(out), "Lineage=12326a9d:0");
}

TEST_F(XrayLambdaTest, CarrierWhenEnvironmentUnsetOrEmptyOrInvalid) {
  MapCarrier carrier{{"X-Amzn-Trace-Id", carrier_header_}};
  for (std::optional<std::string> env : {std::optional<std::string>(), std::optional<std::string>(""),
                                          std::optional<std::string>("Root=garbage")}) {
    env_ = env;
    EXPECT_EQ(SpanContextIn(p_.Extract(Context(), carrier)).trace_id().ToHex(), kTid);
  }
}

TEST_F(XrayLambdaTest, EnvironmentIgnoredWhenContextAlreadyHasASpan) {
  env_ = env_header_;
  Context earlier = testing::WithSpan("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1);
  MapCarrier empty;
  EXPECT_EQ(SpanContextIn(p_.Extract(earlier, empty)).trace_id().ToHex(),
            "4bf92f3577b34da6a3ce929d0e0e4736");
  // With no span in the incoming context, the environment is used even with an empty carrier.
  EXPECT_EQ(SpanContextIn(p_.Extract(Context(), empty)).span_id().ToHex(), "240a548a42a88af4");
}

TEST_F(XrayLambdaTest, InjectIsXray) {
  MapCarrier carrier;
  p_.Inject(testing::WithSpan(kTid, kParent, 1), carrier);
  EXPECT_EQ(carrier.Get("X-Amzn-Trace-Id").value(), carrier_header_);
  EXPECT_EQ(p_.Fields(), (std::vector<std::string_view>{"X-Amzn-Trace-Id"}));
}

}  // namespace
}  // namespace adot::sdk::propagation
