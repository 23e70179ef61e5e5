#include <gtest/gtest.h>

#include "adot/sdk/trace/in_memory_exporter.h"
#include "adot/sdk/trace/tracer_provider.h"
#include "metrics_test_util.h"

namespace adot::sdk::metrics {
namespace {

using testing::Attrs;
using testing::Fixture;
using testing::Get;

std::shared_ptr<trace::TracerProvider> Tracing(std::shared_ptr<trace::Sampler> sampler) {
  trace::TracerProviderOptions options;
  options.resource = std::make_shared<const Resource>();
  options.sampler = std::move(sampler);
  return std::make_shared<trace::TracerProvider>(std::move(options));
}

TEST(ExemplarTest, TraceBasedTakesTheActiveSampledSpan) {
  Fixture f;
  auto counter = f.meter->CreateInt64Counter("c");
  auto tracing = Tracing(trace::CreateAlwaysOnSampler());
  auto tracer = tracing->GetTracer("t");
  counter->Add(1, {{"k", 1}});  // no active span: no exemplar
  auto span = tracer->StartSpan("op");
  {
    auto scope = api::trace::Tracer::WithActiveSpan(span);
    counter->Add(5, {{"k", 1}});
  }
  span->End();
  auto rm = f.Collect();
  const auto& point = Get<SumData>(rm, "c").points.at(0);
  ASSERT_EQ(point.exemplars.size(), 1u);
  const Exemplar& e = point.exemplars[0];
  EXPECT_EQ(e.value, PointValue(int64_t{5}));
  EXPECT_EQ(e.trace_id, span->GetContext().trace_id());
  EXPECT_EQ(e.span_id, span->GetContext().span_id());
  EXPECT_GT(e.time_unix_nano, 0u);
  EXPECT_TRUE(e.filtered_attributes.empty());
  // Cumulative: an interval without a new exemplar keeps reporting the last one.
  counter->Add(1, {{"k", 1}});
  const auto later = Get<SumData>(f.Collect(), "c").points.at(0);
  ASSERT_EQ(later.exemplars.size(), 1u);
  EXPECT_EQ(later.exemplars[0].span_id, span->GetContext().span_id());
}

TEST(ExemplarTest, DeltaIntervalsStartWithoutExemplars) {
  Fixture f(TemporalityPreference::kDelta);
  auto counter = f.meter->CreateInt64Counter("c");
  auto tracing = Tracing(trace::CreateAlwaysOnSampler());
  auto span = tracing->GetTracer("t")->StartSpan("op");
  {
    auto scope = api::trace::Tracer::WithActiveSpan(span);
    counter->Add(5);
  }
  EXPECT_EQ(Get<SumData>(f.Collect(), "c").points.at(0).exemplars.size(), 1u);
  counter->Add(1);
  EXPECT_TRUE(Get<SumData>(f.Collect(), "c").points.at(0).exemplars.empty());
}

TEST(ExemplarTest, TraceBasedIgnoresUnsampledSpans) {
  Fixture f;
  auto counter = f.meter->CreateDoubleCounter("c");
  auto tracing = Tracing(trace::CreateAlwaysOffSampler());
  auto tracer = tracing->GetTracer("t");
  auto span = tracer->StartSpan("op");
  {
    auto scope = api::trace::Tracer::WithActiveSpan(span);
    counter->Add(5);
  }
  EXPECT_TRUE(Get<SumData>(f.Collect(), "c").points.at(0).exemplars.empty());
}

TEST(ExemplarTest, ExplicitContextWins) {
  Fixture f;
  auto counter = f.meter->CreateInt64Counter("c");
  auto tracing = Tracing(trace::CreateAlwaysOnSampler());
  auto tracer = tracing->GetTracer("t");
  auto span = tracer->StartSpan("op");
  const api::Context context = api::trace::ContextWithSpan(api::Context(), span);
  counter->Add(2, {}, context);  // the thread has no active span
  const auto exemplars = Get<SumData>(f.Collect(), "c").points.at(0).exemplars;
  ASSERT_EQ(exemplars.size(), 1u);
  EXPECT_EQ(exemplars[0].span_id, span->GetContext().span_id());
}

TEST(ExemplarTest, AlwaysOnAndAlwaysOff) {
  Fixture on(TemporalityPreference::kCumulative, {}, 2000, ExemplarFilter::kAlwaysOn);
  auto gauge = on.meter->CreateDoubleGauge("g");
  gauge->Record(1.5);
  const auto exemplars = Get<GaugeData>(on.Collect(), "g").points.at(0).exemplars;
  ASSERT_EQ(exemplars.size(), 1u);  // the simple reservoir keeps one
  EXPECT_FALSE(exemplars[0].trace_id.IsValid());
  EXPECT_EQ(exemplars[0].value, PointValue(1.5));

  Fixture off(TemporalityPreference::kCumulative, {}, 2000, ExemplarFilter::kAlwaysOff);
  auto tracing = Tracing(trace::CreateAlwaysOnSampler());
  auto tracer = tracing->GetTracer("t");
  auto scope = api::trace::Tracer::WithActiveSpan(tracer->StartSpan("op"));
  off.meter->CreateInt64Counter("c")->Add(1);
  EXPECT_TRUE(Get<SumData>(off.Collect(), "c").points.at(0).exemplars.empty());
}

TEST(ExemplarTest, HistogramKeepsOnePerBucket) {
  Fixture f(TemporalityPreference::kCumulative, {}, 2000, ExemplarFilter::kAlwaysOn);
  auto histogram = f.meter->CreateDoubleHistogram("h", "", "", {std::vector<double>{10, 20}});
  for (int i = 0; i < 50; ++i) {
    histogram->Record(1);
    histogram->Record(15);
  }
  const auto exemplars = Get<HistogramData>(f.Collect(), "h").points.at(0).exemplars;
  ASSERT_EQ(exemplars.size(), 2u);  // buckets 0 and 1; the third saw nothing
  std::vector<double> values;
  for (const auto& e : exemplars) values.push_back(std::get<double>(e.value));
  std::sort(values.begin(), values.end());
  EXPECT_EQ(values, (std::vector<double>{1, 15}));
}

TEST(ExemplarTest, FilteredAttributesAreTheOnesTheViewDropped) {
  View view;
  view.selector.name = "c";
  view.attribute_keys = std::vector<std::string>{"route"};
  Fixture f(TemporalityPreference::kCumulative, {view}, 2000, ExemplarFilter::kAlwaysOn);
  f.meter->CreateInt64Counter("c")->Add(1, {{"route", "/"}, {"user", "42"}});
  const auto point = Get<SumData>(f.Collect(), "c").points.at(0);
  EXPECT_TRUE(internal::SetEquals(point.attributes, Attrs({{"route", std::string("/")}})));
  ASSERT_EQ(point.exemplars.size(), 1u);
  EXPECT_TRUE(internal::SetEquals(point.exemplars[0].filtered_attributes,
                                  Attrs({{"user", std::string("42")}})));
}

}  // namespace
}  // namespace adot::sdk::metrics
