// debug exporter: writes what arrives to stderr. verbosity basic (counts), normal (one line per
// span / data point / log record), detailed (the whole batch as OTLP/JSON).
#pragma once

#include "collector/core/component.h"

namespace adot::collector {

Factory DebugExporterFactory();

}  // namespace adot::collector
