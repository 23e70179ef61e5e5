// The components built into this binary (each can be switched off at build time).
#pragma once

#include "collector/core/component.h"

namespace adot::collector {

Registry BuiltinComponents();

// The configuration used when no --config is given: OTLP on localhost, batch, debug, health_check.
extern const char* const kDefaultConfig;

}  // namespace adot::collector
