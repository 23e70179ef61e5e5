#include "adot/sdk/trace/sampler.h"

#include <gtest/gtest.h>

#include "adot/sdk/trace/id_generator.h"
#include "sdk/trace/builtin_sampler.h"
#include "sdk/test_util.h"

namespace adot::sdk::trace {
namespace {

using api::trace::SpanContext;
using api::trace::SpanId;
using api::trace::TraceFlags;
using api::trace::TraceId;

Decision Decide(Sampler& sampler, const SpanContext& parent, const TraceId& trace_id) {
  return sampler
      .ShouldSample(api::Context(), parent, trace_id, "n", api::trace::SpanKind::kInternal, {}, {})
      .decision;
}

SpanContext Parent(bool sampled, bool remote) {
  return SpanContext(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
                     SpanId::FromHex("00f067aa0ba902b7"), TraceFlags(sampled ? 1 : 0), remote);
}

TEST(SamplerTest, AlwaysOnAndOff) {
  TraceId t = TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(Decide(*CreateAlwaysOnSampler(), {}, t), Decision::kRecordAndSample);
  EXPECT_EQ(Decide(*CreateAlwaysOffSampler(), {}, t), Decision::kDrop);
}

TEST(SamplerTest, TraceIdRatioUsesLowBytesAndMatchesRatio) {
  auto half = CreateTraceIdRatioSampler(0.5);
  // Low 8 bytes 0x00.. -> below any positive threshold; 0x7f.. / 0xff.. -> above half.
  EXPECT_EQ(Decide(*half, {}, TraceId::FromHex("ffffffffffffffff0000000000000001")),
            Decision::kRecordAndSample);
  EXPECT_EQ(Decide(*half, {}, TraceId::FromHex("000000000000000000fffffffffffff0")),
            Decision::kRecordAndSample);
  EXPECT_EQ(Decide(*half, {}, TraceId::FromHex("000000000000000070ffffffffffffff")), Decision::kDrop);
  EXPECT_EQ(Decide(*CreateTraceIdRatioSampler(0.0), {}, TraceId::FromHex("00000000000000000000000000000001")),
            Decision::kDrop);
  auto ids = CreateRandomIdGenerator();
  auto quarter = CreateTraceIdRatioSampler(0.25);
  int sampled = 0;
  for (int i = 0; i < 20000; ++i)
    sampled += Decide(*quarter, {}, ids->GenerateTraceId()) == Decision::kRecordAndSample;
  EXPECT_NEAR(sampled / 20000.0, 0.25, 0.02);
  EXPECT_EQ(quarter->GetDescription(), "TraceIdRatioBased{0.250000}");
}

TEST(SamplerTest, ParentBasedFollowsParent) {
  auto sampler = CreateParentBasedSampler(CreateAlwaysOffSampler());
  TraceId t = TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(Decide(*sampler, {}, t), Decision::kDrop);  // root -> delegate
  EXPECT_EQ(Decide(*sampler, Parent(true, true), t), Decision::kRecordAndSample);
  EXPECT_EQ(Decide(*sampler, Parent(false, true), t), Decision::kDrop);
  EXPECT_EQ(Decide(*sampler, Parent(true, false), t), Decision::kRecordAndSample);
  EXPECT_EQ(Decide(*sampler, Parent(false, false), t), Decision::kDrop);

  ParentBasedOptions options;
  options.remote_parent_not_sampled = CreateAlwaysOnSampler();
  auto custom = CreateParentBasedSampler(CreateAlwaysOnSampler(), options);
  EXPECT_EQ(Decide(*custom, Parent(false, true), t), Decision::kRecordAndSample);
  EXPECT_EQ(Decide(*custom, Parent(false, false), t), Decision::kDrop);
}

// The tracer decides inline for the built-in samplers: the reduced form must agree with
// ShouldSample for every kind of parent.
TEST(SamplerTest, BuiltinSamplersReduceToTheSameDecisions) {
  ParentBasedOptions mixed;
  mixed.remote_parent_sampled = CreateTraceIdRatioSampler(0.7);
  mixed.remote_parent_not_sampled = CreateAlwaysOnSampler();
  mixed.local_parent_sampled = CreateAlwaysOffSampler();
  mixed.local_parent_not_sampled = CreateTraceIdRatioSampler(0.1);
  std::vector<std::shared_ptr<Sampler>> samplers = {
      CreateAlwaysOnSampler(),
      CreateAlwaysOffSampler(),
      CreateTraceIdRatioSampler(0.0),
      CreateTraceIdRatioSampler(0.25),
      CreateTraceIdRatioSampler(1.0),
      CreateParentBasedSampler(CreateAlwaysOnSampler()),
      CreateParentBasedSampler(CreateTraceIdRatioSampler(0.5), mixed),
  };
  const SpanContext parents[] = {SpanContext(), Parent(true, true), Parent(false, true),
                                 Parent(true, false), Parent(false, false)};
  auto ids = CreateRandomIdGenerator();
  for (const auto& sampler : samplers) {
    internal::BuiltinSampling builtin;
    ASSERT_TRUE(internal::DescribeBuiltinSampler(*sampler, builtin)) << sampler->GetDescription();
    for (const auto& parent : parents) {
      for (int i = 0; i < 2000; ++i) {
        TraceId t = ids->GenerateTraceId();
        ASSERT_EQ(builtin.ShouldSample(parent, t),
                  Decide(*sampler, parent, t) == Decision::kRecordAndSample)
            << sampler->GetDescription() << " " << t.ToHex();
      }
    }
  }

  class Custom final : public Sampler {
   public:
    SamplingResult ShouldSample(const api::Context&, const SpanContext&, const TraceId&,
                                std::string_view, api::trace::SpanKind, api::AttributeView,
                                std::span<const api::trace::Link>) noexcept override {
      return {};
    }
    std::string GetDescription() const override { return "Custom"; }
  };
  internal::BuiltinSampling unused;
  EXPECT_FALSE(internal::DescribeBuiltinSampler(Custom(), unused));
  ParentBasedOptions custom_delegate;
  custom_delegate.local_parent_sampled = std::make_shared<Custom>();
  EXPECT_FALSE(internal::DescribeBuiltinSampler(
      *CreateParentBasedSampler(CreateAlwaysOnSampler(), custom_delegate), unused));
  EXPECT_FALSE(internal::DescribeBuiltinSampler(
      *CreateParentBasedSampler(std::make_shared<Custom>()), unused));
}

TEST(SamplerTest, FromEnvironment) {
  using testing::ScopedEnv;
  {
    ScopedEnv s("OTEL_TRACES_SAMPLER", std::nullopt);
    EXPECT_EQ(CreateSamplerFromEnvironment()->GetDescription().rfind("ParentBased{root:AlwaysOnSampler", 0), 0u);
  }
  {
    ScopedEnv s("OTEL_TRACES_SAMPLER", "ALWAYS_OFF");
    EXPECT_EQ(CreateSamplerFromEnvironment()->GetDescription(), "AlwaysOffSampler");
  }
  {
    ScopedEnv s("OTEL_TRACES_SAMPLER", "traceidratio");
    ScopedEnv a("OTEL_TRACES_SAMPLER_ARG", "0.1");
    EXPECT_EQ(CreateSamplerFromEnvironment()->GetDescription(), "TraceIdRatioBased{0.100000}");
  }
  {
    ScopedEnv s("OTEL_TRACES_SAMPLER", "parentbased_traceidratio");
    ScopedEnv a("OTEL_TRACES_SAMPLER_ARG", "1.5");  // invalid -> 1.0
    EXPECT_EQ(CreateSamplerFromEnvironment()->GetDescription().rfind(
                  "ParentBased{root:TraceIdRatioBased{1.000000}", 0),
              0u);
  }
  {
    ScopedEnv s("OTEL_TRACES_SAMPLER", "no_such_sampler");
    ::testing::internal::CaptureStderr();
    auto sampler = CreateSamplerFromEnvironment();
    std::string err = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(err.find("OTEL_TRACES_SAMPLER"), std::string::npos);
    EXPECT_NE(err.find("no_such_sampler"), std::string::npos);
    EXPECT_EQ(sampler->GetDescription().rfind("ParentBased{root:AlwaysOnSampler", 0), 0u);
  }
}

}  // namespace
}  // namespace adot::sdk::trace
