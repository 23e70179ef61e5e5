// The propagator registry and OTEL_PROPAGATORS.
#pragma once

#include <memory>
#include <string_view>

#include "adot/api/propagation/text_map.h"

namespace adot::sdk::propagation {

// The propagator registered under name (ASCII case-insensitive, surrounding blanks ignored):
// tracecontext, baggage, xray, xray-lambda, b3, b3multi, jaeger, none (an empty composite).
// nullptr for an unknown name.
std::shared_ptr<api::propagation::TextMapPropagator> CreatePropagator(std::string_view name);

// A composite of the comma-separated list: names are trimmed and case-insensitive, empty items and
// duplicates are skipped, unknown names are reported once each (on stderr) and skipped, and "none"
// alone means no propagation ("none" next to other names is reported and ignored).
std::shared_ptr<api::propagation::TextMapPropagator> CreatePropagatorFromList(
    std::string_view list);

// CreatePropagatorFromList of OTEL_PROPAGATORS, or of default_list when the variable is unset or
// empty. ADOT's default list is "baggage,xray,tracecontext".
std::shared_ptr<api::propagation::TextMapPropagator> CreatePropagatorFromEnvironment(
    std::string_view default_list);

}  // namespace adot::sdk::propagation
