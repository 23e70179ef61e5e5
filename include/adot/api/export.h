#pragma once

// Symbols of libadot_api, the one shared library that holds the process-wide API state (global
// providers, the current context). Everything else in the API is header-only.
#define ADOT_API_EXPORT __attribute__((visibility("default")))
