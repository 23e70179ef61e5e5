#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "adot/api/baggage.h"
#include "adot/api/propagation/carriers.h"
#include "adot/api/propagation/text_map.h"

namespace adot::api::propagation {
namespace {

std::vector<std::string> All(const TextMapGetter& g, std::string_view key) {
  std::vector<std::string> out;
  g.GetAll(key, [&](std::string_view v) {
    out.emplace_back(v);
    return true;
  });
  return out;
}
std::vector<std::string> KeysOf(const TextMapGetter& g) {
  std::vector<std::string> out;
  g.Keys([&](std::string_view k) {
    out.emplace_back(k);
    return true;
  });
  return out;
}

TEST(MapCarrierTest, CaseInsensitiveRepeatedAndSet) {
  MapCarrier c{{"TraceParent", "a"}, {"tracestate", "x=1"}, {"TRACESTATE", "y=2"}};
  EXPECT_EQ(c.Get("traceparent").value(), "a");
  EXPECT_FALSE(c.Get("baggage").has_value());
  EXPECT_EQ(All(c, "tracestate"), (std::vector<std::string>{"x=1", "y=2"}));
  EXPECT_EQ(KeysOf(c), (std::vector<std::string>{"TraceParent", "tracestate", "TRACESTATE"}));
  c.Set("TraceState", "z=3");  // replaces every earlier value
  EXPECT_EQ(All(c, "tracestate"), (std::vector<std::string>{"z=3"}));
  EXPECT_EQ(c.size(), 2u);
  c.Set("new", "n");
  EXPECT_EQ(c.Get("NEW").value(), "n");
  c.Add("new", "m");
  EXPECT_EQ(All(c, "new"), (std::vector<std::string>{"n", "m"}));
  // Present but empty is not absent.
  c.Set("empty", "");
  EXPECT_TRUE(c.Get("empty").has_value());
}

TEST(MapCarrierTest, VisitorCanStop) {
  MapCarrier c{{"a", "1"}, {"a", "2"}, {"a", "3"}};
  int n = 0;
  c.GetAll("a", [&](std::string_view) { return ++n < 2; });
  EXPECT_EQ(n, 2);
}

TEST(HeaderViewCarrierTest, ReadsWithoutCopying) {
  HeaderViewCarrier::Header headers[] = {{"X-Amzn-Trace-Id", "Root=1"}, {"baggage", "a=1"},
                                         {"Baggage", "b=2"}};
  HeaderViewCarrier c(headers);
  EXPECT_EQ(c.Get("x-amzn-trace-id")->data(), headers[0].second.data());
  EXPECT_EQ(All(c, "BAGGAGE"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_EQ(KeysOf(c).size(), 3u);
}

TEST(EnvironmentCarrierTest, NormalizesKeys) {
  EXPECT_EQ(EnvironmentCarrier::Normalize("traceparent"), "TRACEPARENT");
  EXPECT_EQ(EnvironmentCarrier::Normalize("x-b3-traceid"), "X_B3_TRACEID");
  EXPECT_EQ(EnvironmentCarrier::Normalize("uberctx-a.b"), "UBERCTX_A_B");
  EXPECT_EQ(EnvironmentCarrier::Normalize("Ab9"), "AB9");
}

TEST(EnvironmentCarrierTest, ReadsGivenEnvironment) {
  EnvironmentCarrier c({"TRACEPARENT=00-abc", "X_B3_TRACEID=1234", "PATH=/bin", "EMPTY="});
  EXPECT_EQ(c.Get("traceparent").value(), "00-abc");
  EXPECT_EQ(c.Get("x-b3-traceid").value(), "1234");
  EXPECT_EQ(c.Get("X-B3-TRACEID").value(), "1234");
  EXPECT_EQ(c.Get("empty").value(), "");
  EXPECT_FALSE(c.Get("tracestate").has_value());
  EXPECT_FALSE(c.Get("TRACEPARENT=00").has_value());
  EXPECT_EQ(KeysOf(c), (std::vector<std::string>{"TRACEPARENT", "X_B3_TRACEID", "PATH", "EMPTY"}));
}

TEST(EnvironmentCarrierTest, ReadsProcessEnvironment) {
  setenv("ADOT_TEST_PROP_KEY", "v1", 1);
  EnvironmentCarrier c;
  EXPECT_EQ(c.Get("adot-test.prop-key").value(), "v1");
  bool seen = false;
  c.Keys([&](std::string_view k) {
    seen = seen || k == "ADOT_TEST_PROP_KEY";
    return true;
  });
  EXPECT_TRUE(seen);
  unsetenv("ADOT_TEST_PROP_KEY");
  EXPECT_FALSE(c.Get("adot-test.prop-key").has_value());
}

TEST(EnvironmentCarrierTest, SetRecordsNormalizedVariablesOnly) {
  unsetenv("TRACEPARENT");
  EnvironmentCarrier c;
  c.Set("traceparent", "00-x");
  c.Set("x-b3-traceid", "1");
  c.Set("TRACEPARENT", "00-y");
  ASSERT_EQ(c.variables().size(), 2u);
  EXPECT_EQ(c.variables()[0].first, "TRACEPARENT");
  EXPECT_EQ(c.variables()[0].second, "00-y");
  EXPECT_EQ(c.ToEnvironmentStrings(), (std::vector<std::string>{"TRACEPARENT=00-y", "X_B3_TRACEID=1"}));
  EXPECT_EQ(std::getenv("TRACEPARENT"), nullptr);  // the process environment is untouched
}

// A propagator that records what it saw and adds a baggage entry naming itself.
class Recording final : public TextMapPropagator {
 public:
  Recording(std::string name, std::vector<std::string>* log) : name_(std::move(name)), log_(log) {}
  void Inject(const Context& context, TextMapSetter& carrier) const noexcept override {
    log_->push_back("inject " + name_);
    carrier.Set(name_, "1");
  }
  Context Extract(const Context& context, const TextMapGetter& carrier) const noexcept override {
    auto b = baggage::GetBaggage(context);
    log_->push_back("extract " + name_ + " sees " + std::to_string(b->size()));
    return baggage::ContextWithBaggage(context, b->Set(name_, "x"));
  }
  std::vector<std::string_view> Fields() const override { return {name_, "shared"}; }

 private:
  std::string name_;
  std::vector<std::string>* log_;
};

TEST(CompositePropagatorTest, ExtractsInOrderInjectsAll) {
  std::vector<std::string> log;
  CompositePropagator composite({std::make_shared<Recording>("a", &log), nullptr,
                                 std::make_shared<Recording>("b", &log)});
  EXPECT_EQ(composite.propagators().size(), 2u);
  MapCarrier carrier;
  Context ctx = composite.Extract(Context(), carrier);
  EXPECT_EQ(log, (std::vector<std::string>{"extract a sees 0", "extract b sees 1"}));
  EXPECT_EQ(baggage::GetBaggage(ctx)->size(), 2u);
  composite.Inject(ctx, carrier);
  EXPECT_EQ(carrier.size(), 2u);
  EXPECT_EQ(composite.Fields(), (std::vector<std::string_view>{"a", "shared", "b"}));
}

TEST(CompositePropagatorTest, EmptyDoesNothing) {
  CompositePropagator composite;
  MapCarrier carrier{{"traceparent", "x"}};
  Context ctx;
  EXPECT_EQ(composite.Extract(ctx, carrier), ctx);
  composite.Inject(ctx, carrier);
  EXPECT_EQ(carrier.size(), 1u);
  EXPECT_TRUE(composite.Fields().empty());
}

TEST(GlobalPropagatorTest, DefaultIsNoopAndSetRestores) {
  auto def = GetGlobalPropagator();
  ASSERT_NE(def, nullptr);
  EXPECT_TRUE(def->Fields().empty());
  std::vector<std::string> log;
  auto mine = std::make_shared<Recording>("g", &log);
  SetGlobalPropagator(mine);
  EXPECT_EQ(GetGlobalPropagator(), mine);
  SetGlobalPropagator(nullptr);
  ASSERT_NE(GetGlobalPropagator(), nullptr);
  EXPECT_TRUE(GetGlobalPropagator()->Fields().empty());
}

}  // namespace
}  // namespace adot::api::propagation
