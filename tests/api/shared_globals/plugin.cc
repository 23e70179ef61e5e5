#include "adot/api/trace.h"
#include "shared_globals/plugin.h"

extern "C" __attribute__((visibility("default"))) PluginView PLUGIN_FUNCTION() {
  static const adot::api::ContextKey key("plugin.key");  // a key of the plugin's own
  (void)key;
  PluginView view;
  view.provider = adot::api::trace::GetTracerProvider().get();
  auto span = adot::api::trace::Tracer::GetCurrentSpan();
  view.current_span = span.get();
  return view;
}
