// An SDK tracer provider with an in-memory exporter and a tracecontext propagator, installed
// globally for the duration of a test, and readers for the recorded spans.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "adot/api/propagation/text_map.h"
#include "adot/api/trace.h"
#include "adot/sdk/propagation/trace_context.h"
#include "adot/sdk/propagation/xray.h"
#include "adot/sdk/trace/in_memory_exporter.h"
#include "adot/sdk/trace/tracer_provider.h"
#include "support/span_test_util.h"

namespace adot::instrumentation::http_server::testing {

using sdk::trace::SpanData;

class TracingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sdk::trace::TracerProviderOptions options;
    options.processors.push_back(sdk::trace::CreateSimpleSpanProcessor(
        std::make_unique<sdk::trace::InMemorySpanExporter>(store_)));
    provider_ = std::make_shared<sdk::trace::TracerProvider>(std::move(options));
    api::trace::SetTracerProvider(provider_);
    api::propagation::SetGlobalPropagator(
        std::make_shared<sdk::propagation::TraceContextPropagator>());
  }
  void TearDown() override {
    api::trace::SetTracerProvider(nullptr);
    api::propagation::SetGlobalPropagator(nullptr);
    provider_->Shutdown();
  }

  // Removes the SDK: the global provider is the no-op one again.
  void UninstallSdk() { api::trace::SetTracerProvider(nullptr); }

  void UseXrayAndTraceContext() {
    api::propagation::SetGlobalPropagator(std::make_shared<api::propagation::CompositePropagator>(
        std::vector<std::shared_ptr<api::propagation::TextMapPropagator>>{
            std::make_shared<sdk::propagation::TraceContextPropagator>(),
            std::make_shared<sdk::propagation::XrayPropagator>()}));
  }

  std::shared_ptr<api::trace::Tracer> TestTracer() { return provider_->GetTracer("test"); }

  std::vector<SpanData> Spans() { return store_->Take(); }
  size_t SpanCount() const { return store_->size(); }

  // The only span of the given kind among spans (fails the test when there is not exactly one).
  static SpanData OnlyOfKind(const std::vector<SpanData>& spans, api::trace::SpanKind kind) {
    const SpanData* found = nullptr;
    int count = 0;
    for (const auto& s : spans) {
      if (s.kind != kind) continue;
      found = &s;
      ++count;
    }
    EXPECT_EQ(count, 1) << "spans of the kind";
    return found ? *found : SpanData();
  }
  SpanData OnlyServerSpan() { return OnlyOfKind(Spans(), api::trace::SpanKind::kServer); }

  std::shared_ptr<sdk::trace::InMemorySpanStore> store_ =
      std::make_shared<sdk::trace::InMemorySpanStore>();
  std::shared_ptr<sdk::trace::TracerProvider> provider_;
};

using adot::test::ExceptionAttr;
using adot::test::FindAttr;
using adot::test::HasAttr;
using adot::test::IntAttr;
using adot::test::StrAttr;

inline constexpr std::string_view kTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
inline constexpr std::string_view kParentId = "00f067aa0ba902b7";
inline constexpr std::string_view kTraceParent =
    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
// The same trace as X-Ray writes it.
inline constexpr std::string_view kXrayHeader =
    "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
inline constexpr std::string_view kXrayTraceId = "5759e988bd862e3fe1be46a994272793";
inline constexpr std::string_view kXrayParentId = "53995c3f42cd8ad8";

}  // namespace adot::instrumentation::http_server::testing
