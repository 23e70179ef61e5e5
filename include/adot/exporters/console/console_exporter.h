// Writes spans to a stream in a readable form, for development.
#pragma once

#include <cstdio>
#include <memory>

#include "adot/sdk/trace/exporter.h"

namespace adot::exporters::console {

// out defaults to stdout; the exporter does not close it.
std::unique_ptr<sdk::trace::SpanExporter> CreateConsoleSpanExporter(std::FILE* out = stdout);

}  // namespace adot::exporters::console
