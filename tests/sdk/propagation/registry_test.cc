#include "adot/sdk/propagation/propagators.h"

#include <gtest/gtest.h>

#include <string>
#include <typeinfo>
#include <vector>

#include "adot/sdk/propagation/b3.h"
#include "adot/sdk/propagation/baggage.h"
#include "adot/sdk/propagation/jaeger.h"
#include "adot/sdk/propagation/trace_context.h"
#include "adot/sdk/propagation/xray.h"
#include "sdk/propagation/test_helpers.h"
#include "sdk/test_util.h"

namespace adot::sdk::propagation {
namespace {

using api::propagation::CompositePropagator;
using api::propagation::TextMapPropagator;
using testing::BaggageString;
using testing::Context;
using testing::MapCarrier;
using testing::SpanContextIn;

std::vector<std::string> Names(const std::shared_ptr<TextMapPropagator>& p) {
  auto* composite = dynamic_cast<CompositePropagator*>(p.get());
  EXPECT_NE(composite, nullptr);
  std::vector<std::string> names;
  if (!composite) return names;
  for (const auto& child : composite->propagators()) {
    auto* c = child.get();
    if (dynamic_cast<TraceContextPropagator*>(c)) names.push_back("tracecontext");
    else if (dynamic_cast<BaggagePropagator*>(c)) names.push_back("baggage");
    else if (dynamic_cast<XrayPropagator*>(c)) names.push_back("xray");
    else if (dynamic_cast<XrayLambdaPropagator*>(c)) names.push_back("xray-lambda");
    else if (auto* b3 = dynamic_cast<B3Propagator*>(c))
      names.push_back(b3->Fields().size() == 1 ? "b3" : "b3multi");
    else if (dynamic_cast<JaegerPropagator*>(c)) names.push_back("jaeger");
    else names.push_back("?");
  }
  return names;
}

TEST(RegistryTest, CreatePropagatorByName) {
  for (const char* name : {"tracecontext", "baggage", "xray", "xray-lambda", "b3", "b3multi",
                           "jaeger", "none", " TraceContext ", "XRAY"}) {
    EXPECT_NE(CreatePropagator(name), nullptr) << name;
  }
  EXPECT_EQ(CreatePropagator("ottrace"), nullptr);
  EXPECT_EQ(CreatePropagator(""), nullptr);
  EXPECT_TRUE(CreatePropagator("none")->Fields().empty());
  EXPECT_EQ(CreatePropagator("b3")->Fields(), (std::vector<std::string_view>{"b3"}));
  EXPECT_EQ(CreatePropagator("b3multi")->Fields().size(), 4u);
}

TEST(RegistryTest, ListParsing) {
  const std::pair<const char*, std::vector<std::string>> cases[] = {
      {"baggage,xray,tracecontext", {"baggage", "xray", "tracecontext"}},
      {" TraceContext , Baggage ", {"tracecontext", "baggage"}},
      {"tracecontext,,baggage,", {"tracecontext", "baggage"}},
      {"xray,XRAY,xray", {"xray"}},
      {"none", {}},
      {" NONE ", {}},
      {"", {}},
      {"tracecontext,unknown1,baggage", {"tracecontext", "baggage"}},
      {"none,xray", {"xray"}},
      {"b3,b3multi,jaeger,xray-lambda", {"b3", "b3multi", "jaeger", "xray-lambda"}},
  };
  for (const auto& [list, want] : cases) {
    SCOPED_TRACE(list);
    EXPECT_EQ(Names(CreatePropagatorFromList(list)), want);
  }
}

TEST(RegistryTest, UnknownNamesWarnOnce) {
  ::testing::internal::CaptureStderr();
  CreatePropagatorFromList("tracecontext,zzunknown-once");
  CreatePropagatorFromList("zzunknown-once");
  std::string err = ::testing::internal::GetCapturedStderr();
  size_t first = err.find("zzunknown-once");
  ASSERT_NE(first, std::string::npos) << err;
  EXPECT_EQ(err.find("zzunknown-once", first + 1), std::string::npos) << err;
  EXPECT_NE(err.find("OTEL_PROPAGATORS"), std::string::npos);
}

TEST(RegistryTest, FromEnvironment) {
  {
    adot::testing::ScopedEnv env("OTEL_PROPAGATORS", std::nullopt);
    EXPECT_EQ(Names(CreatePropagatorFromEnvironment("baggage,xray,tracecontext")),
              (std::vector<std::string>{"baggage", "xray", "tracecontext"}));
  }
  {
    adot::testing::ScopedEnv env("OTEL_PROPAGATORS", "");
    EXPECT_EQ(Names(CreatePropagatorFromEnvironment("tracecontext")),
              (std::vector<std::string>{"tracecontext"}));
  }
  {
    adot::testing::ScopedEnv env("OTEL_PROPAGATORS", "b3multi, jaeger");
    EXPECT_EQ(Names(CreatePropagatorFromEnvironment("baggage,xray,tracecontext")),
              (std::vector<std::string>{"b3multi", "jaeger"}));
  }
  {
    adot::testing::ScopedEnv env("OTEL_PROPAGATORS", "none");
    auto p = CreatePropagatorFromEnvironment("baggage,xray,tracecontext");
    EXPECT_TRUE(Names(p).empty());
    MapCarrier carrier{{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}};
    Context in;
    EXPECT_EQ(p->Extract(in, carrier), in);
  }
}

// The composite order rules of the ADOT default "baggage,xray,tracecontext" and the upstream
// default "tracecontext,baggage".
TEST(CompositeOrderTest, XrayAfterTraceContextKeepsTraceState) {
  auto p = CreatePropagatorFromList("tracecontext,xray");
  MapCarrier carrier{
      {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
      {"tracestate", "xrsr=rule,congo=t61"},
      {"X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"}};
  const auto sc = SpanContextIn(p->Extract(Context(), carrier));
  EXPECT_EQ(sc.trace_id().ToHex(), "5759e988bd862e3fe1be46a994272793");  // the later one wins
  EXPECT_FALSE(sc.IsSampled());
  EXPECT_EQ(sc.trace_state().ToHeader(), "xrsr=rule,congo=t61");
}

TEST(CompositeOrderTest, AdotDefaultTraceContextWinsOverXray) {
  auto p = CreatePropagatorFromList("baggage,xray,tracecontext");
  MapCarrier carrier{
      {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
      {"X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0"}};
  EXPECT_EQ(SpanContextIn(p->Extract(Context(), carrier)).trace_id().ToHex(),
            "4bf92f3577b34da6a3ce929d0e0e4736");
  MapCarrier only_xray{
      {"X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"}};
  EXPECT_EQ(SpanContextIn(p->Extract(Context(), only_xray)).trace_id().ToHex(),
            "5759e988bd862e3fe1be46a994272793");
}

TEST(CompositeOrderTest, BaggageThenXrayLineage) {
  auto p = CreatePropagatorFromList("baggage,xray,tracecontext");
  MapCarrier carrier{
      {"baggage", "user=alice,Lineage=old"},
      {"X-Amzn-Trace-Id",
       "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=1:a87bd80c:2"}};
  Context ctx = p->Extract(Context(), carrier);
  EXPECT_EQ(BaggageString(ctx), "user=alice,Lineage=1:a87bd80c:2");
  MapCarrier out;
  p->Inject(ctx, out);
  EXPECT_EQ(out.Get("baggage").value(), "user=alice,Lineage=1:a87bd80c:2");
  EXPECT_EQ(out.Get("X-Amzn-Trace-Id").value(),
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;"
            "Lineage=1:a87bd80c:2");
  EXPECT_EQ(out.Get("traceparent").value(),
            "00-5759e988bd862e3fe1be46a994272793-53995c3f42cd8ad8-01");
  // The reverse order: baggage extracted last replaces the Lineage xray put in.
  auto reversed = CreatePropagatorFromList("xray,baggage");
  EXPECT_EQ(BaggageString(reversed->Extract(Context(), carrier)), "user=alice,Lineage=old");
}

TEST(CompositeOrderTest, EnvironmentCarrierRoundTrip) {
  auto p = CreatePropagatorFromList("tracecontext,baggage,b3multi");
  Context ctx = api::baggage::ContextWithBaggage(
      testing::WithSpan("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", 1),
      api::baggage::Baggage::Empty()->Set("k", "v w"));
  api::propagation::EnvironmentCarrier out;
  p->Inject(ctx, out);
  EXPECT_EQ(out.ToEnvironmentStrings(),
            (std::vector<std::string>{"TRACEPARENT=00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                      "BAGGAGE=k=v%20w",
                                      "X_B3_TRACEID=4bf92f3577b34da6a3ce929d0e0e4736",
                                      "X_B3_SPANID=00f067aa0ba902b7", "X_B3_SAMPLED=1"}));
  api::propagation::EnvironmentCarrier child(out.ToEnvironmentStrings());
  Context back = p->Extract(Context(), child);
  EXPECT_EQ(SpanContextIn(back).span_id().ToHex(), "00f067aa0ba902b7");
  EXPECT_EQ(BaggageString(back), "k=v w");
}

}  // namespace
}  // namespace adot::sdk::propagation

namespace adot::sdk::propagation {
namespace {

// Arbitrary bytes in every header never crash a propagator, and whatever is extracted re-injects.
TEST(RobustnessTest, RandomHeadersNeverCrash) {
  auto all = CreatePropagatorFromList("tracecontext,baggage,xray,b3,jaeger");
  const std::string alphabet = "0123456789abcdefABCDEF-=;:,% \t\"\\\x01\x7f\xff\xc3";
  const char* names[] = {"traceparent", "tracestate", "baggage", "X-Amzn-Trace-Id", "b3",
                         "X-B3-TraceId", "X-B3-SpanId", "X-B3-Sampled", "uber-trace-id",
                         "uberctx-k"};
  uint64_t seed = 42;
  auto next = [&] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<uint32_t>(seed >> 33);
  };
  for (int round = 0; round < 3000; ++round) {
    MapCarrier carrier;
    for (const char* name : names) {
      std::string value;
      size_t len = next() % 80;
      for (size_t i = 0; i < len; ++i) value.push_back(alphabet[next() % alphabet.size()]);
      carrier.Add(name, value);
    }
    Context ctx = all->Extract(Context(), carrier);
    MapCarrier out;
    all->Inject(ctx, out);
  }
}

}  // namespace
}  // namespace adot::sdk::propagation
