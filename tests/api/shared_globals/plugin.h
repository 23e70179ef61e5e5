#pragma once

// What a plugin sees of the process-wide API state.
struct PluginView {
  const void* provider = nullptr;
  const void* current_span = nullptr;
};

extern "C" PluginView plugin_a_view();
extern "C" PluginView plugin_b_view();
