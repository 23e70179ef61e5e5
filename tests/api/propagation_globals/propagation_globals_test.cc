// The baggage key and the global propagator live in libadot_api: hidden-visibility shared objects
// see what the executable set.
#include <gtest/gtest.h>

#include "adot/api/baggage.h"
#include "adot/api/propagation/text_map.h"

extern "C" const void* prop_plugin_a_view(const void** propagator);
extern "C" const void* prop_plugin_b_view(const void** propagator);

namespace adot::api {
namespace {

TEST(PropagationGlobalsTest, EverySharedObjectSeesTheSameBaggageAndPropagator) {
  auto propagator = std::make_shared<propagation::CompositePropagator>();
  propagation::SetGlobalPropagator(propagator);
  auto baggage = baggage::Baggage::Empty()->Set("k", "v");
  Scope scope = baggage::ContextWithBaggage(Context::Current(), baggage).Attach();
  for (auto* view : {prop_plugin_a_view, prop_plugin_b_view}) {
    const void* seen_propagator = nullptr;
    EXPECT_EQ(view(&seen_propagator), baggage.get());
    EXPECT_EQ(seen_propagator, propagator.get());
  }
  propagation::SetGlobalPropagator(nullptr);
}

}  // namespace
}  // namespace adot::api
