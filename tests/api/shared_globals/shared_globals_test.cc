#include <gtest/gtest.h>

#include "adot/api/trace.h"
#include "shared_globals/plugin.h"

namespace adot::api::trace {
namespace {

TEST(SharedGlobalsTest, EverySharedObjectSeesTheSameProviderAndContext) {
  auto provider = std::make_shared<NoopTracerProvider>();
  SetTracerProvider(provider);
  SpanContext sc(TraceId::FromHex("4bf92f3577b34da6a3ce929d0e0e4736"),
                 SpanId::FromHex("00f067aa0ba902b7"), TraceFlags(1), false);
  auto span = std::make_shared<NonRecordingSpan>(sc);
  Scope scope = Tracer::WithActiveSpan(span);

  for (PluginView view : {plugin_a_view(), plugin_b_view()}) {
    EXPECT_EQ(view.provider, provider.get());
    EXPECT_EQ(view.current_span, span.get());
  }
  SetTracerProvider(nullptr);
}

}  // namespace
}  // namespace adot::api::trace
