// A plugin built with hidden visibility that reads the baggage of the current context and the
// global propagator through the API headers only.
#include "adot/api/baggage.h"
#include "adot/api/propagation/text_map.h"

extern "C" __attribute__((visibility("default"))) const void* PLUGIN_FUNCTION(const void** propagator) {
  *propagator = adot::api::propagation::GetGlobalPropagator().get();
  return adot::api::baggage::GetBaggage(adot::api::Context::Current()).get();
}
