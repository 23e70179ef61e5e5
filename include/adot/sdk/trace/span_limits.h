// Limits on what one span may hold; what exceeds them is dropped and counted.
#pragma once

#include <cstddef>
#include <cstdint>

#include "adot/sdk/common/attribute_value.h"

namespace adot::sdk::trace {

struct SpanLimits {
  size_t attribute_count = 128;
  size_t attribute_value_length = kNoLengthLimit;
  size_t event_count = 128;
  size_t link_count = 128;
  size_t event_attribute_count = 128;
  size_t link_attribute_count = 128;

  // OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT (falls back to OTEL_ATTRIBUTE_COUNT_LIMIT),
  // OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT (falls back to OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT),
  // OTEL_SPAN_EVENT_COUNT_LIMIT, OTEL_SPAN_LINK_COUNT_LIMIT, OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT,
  // OTEL_LINK_ATTRIBUTE_COUNT_LIMIT.
  static SpanLimits FromEnvironment();
};

}  // namespace adot::sdk::trace
