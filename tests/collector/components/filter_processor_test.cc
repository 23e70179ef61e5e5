#include "collector/processors/filter/filter_processor.h"

#include <gtest/gtest.h>

#include "collector/processors/filter/ottl_condition.h"
#include "collector/test_util.h"

namespace adot::collector {
namespace {

using namespace testing;

std::shared_ptr<Processor> Make(const std::string& yaml, std::shared_ptr<Consumer> next, ConfigErrors* out = nullptr) {
  Factory f = FilterProcessorFactory();
  ConfigErrors errors;
  ConfigReader r(YAML::Load(yaml), "processors.filter", &errors);
  auto cfg = f.parse(r);
  if (out) {
    *out = errors;
    return nullptr;
  }
  EXPECT_TRUE(errors.empty()) << errors.Joined();
  return f.create_processor(*cfg, CreateSettings{"filter", Signal::kTraces, "traces"}, next);
}

std::vector<std::string> SpanNames(const PData& p) {
  std::vector<std::string> out;
  for (const auto& rs : p.Traces()->resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& s : ss.spans()) out.push_back(s.name());
  return out;
}

TEST(FilterProcessorTest, DropsSpansMatchingAnyCondition) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto p = Make(R"(
traces:
  span:
    - 'name == "span-0-1"'
    - 'attributes["http.status_code"] >= 203 and kind == SPAN_KIND_SERVER'
    - 'IsMatch(resource.attributes["service.name"], "^svc-1$")'
)",
                sink);
  ASSERT_TRUE(p->Consume(MakeTraces(2, 5)).ok());
  auto got = sink->received();
  ASSERT_EQ(got.size(), 1u);
  // resource 0: span-0-1 dropped by name; spans 3 and 4 (status 203, 204) dropped; resource 1 dropped.
  EXPECT_EQ(SpanNames(got[0]), (std::vector<std::string>{"span-0-0", "span-0-2"}));
  EXPECT_EQ(got[0].ItemCount(), 2u);
  EXPECT_EQ(got[0].Traces()->resource_spans_size(), 1);
}

TEST(FilterProcessorTest, EverythingDroppedSendsNothingAndLogsAndMetricsWork) {
  auto sink = std::make_shared<RecordingConsumer>();
  auto p = Make("{traces: {span: ['name != nil']}, logs: {log_record: ['severity_number < SEVERITY_NUMBER_WARN']}, "
                "metrics: {metric: ['type == METRIC_DATA_TYPE_SUM or name == \"drop.me\"']}}",
                sink);
  EXPECT_TRUE(p->Consume(MakeTraces(1, 3)).ok());
  EXPECT_TRUE(sink->received().empty());

  LogsRequest logs;
  auto* sl = logs.add_resource_logs()->add_scope_logs();
  sl->add_log_records()->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_INFO);
  sl->add_log_records()->set_severity_number(opentelemetry::proto::logs::v1::SEVERITY_NUMBER_ERROR);
  PData lp;
  ASSERT_TRUE(PData::FromProtoBytes(Signal::kLogs, logs.SerializeAsString(), lp).ok());
  ASSERT_TRUE(p->Consume(lp).ok());
  ASSERT_EQ(sink->received().size(), 1u);
  EXPECT_EQ(sink->received()[0].ItemCount(), 1u);

  MetricsRequest m;
  auto* sm = m.add_resource_metrics()->add_scope_metrics();
  auto* g = sm->add_metrics();
  g->set_name("keep");
  g->mutable_gauge()->add_data_points();
  auto* s = sm->add_metrics();
  s->set_name("sum");
  s->mutable_sum()->add_data_points();
  auto* d = sm->add_metrics();
  d->set_name("drop.me");
  d->mutable_gauge()->add_data_points();
  PData mp;
  ASSERT_TRUE(PData::FromProtoBytes(Signal::kMetrics, m.SerializeAsString(), mp).ok());
  ASSERT_TRUE(p->Consume(mp).ok());
  ASSERT_EQ(sink->received().size(), 2u);
  const auto& kept = sink->received()[1].Metrics()->resource_metrics(0).scope_metrics(0);
  ASSERT_EQ(kept.metrics_size(), 1);
  EXPECT_EQ(kept.metrics(0).name(), "keep");
}

TEST(FilterProcessorTest, ConfigErrorsNameTheCondition) {
  ConfigErrors errors;
  Make("{traces: {span: ['name = \"x\"', 'nosuch == 1', 'name == \"a\" and'], spanevent: ['x']}}", nullptr, &errors);
  std::vector<std::string> expected = {
      "processors.filter.traces.span[0]: invalid condition \"name = \"x\"\": unknown operator \"=\"",
      "processors.filter.traces.span[1]: invalid condition \"nosuch == 1\": unknown path \"nosuch\"",
      "processors.filter.traces.span[2]: invalid condition \"name == \"a\" and\": unexpected end of condition",
      "processors.filter.traces.spanevent: span event conditions are not supported yet"};
  EXPECT_EQ(errors.list(), expected);
}

TEST(OttlConditionTest, Semantics) {
  auto known = [](const std::string&) { return true; };
  auto eval = [&](const std::string& text, std::map<std::string, ottl::Value> vars) {
    std::string error;
    auto c = ottl::Parse(text, known, error);
    EXPECT_TRUE(c) << text << ": " << error;
    return c && c->Eval([&](const std::string& p) -> std::optional<ottl::Value> {
             auto it = vars.find(p);
             return it == vars.end() ? ottl::Value(ottl::Nil{}) : it->second;
           });
  };
  EXPECT_TRUE(eval("x == nil", {}));
  EXPECT_FALSE(eval("x == 1", {}));
  EXPECT_TRUE(eval("x != 1", {}));
  EXPECT_TRUE(eval("x == 1.0", {{"x", int64_t{1}}}));
  EXPECT_TRUE(eval("not (x > 2) or y == \"a\"", {{"x", int64_t{1}}}));
  EXPECT_FALSE(eval("x > \"a\"", {{"x", int64_t{1}}}));  // incomparable: false
  EXPECT_TRUE(eval("b == true and s < \"b\"", {{"b", true}, {"s", std::string("a")}}));
}

}  // namespace
}  // namespace adot::collector
