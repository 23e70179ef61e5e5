#include "adot/sdk/trace/span_limits.h"

#include "adot/sdk/common/env.h"

namespace adot::sdk::trace {

namespace {
void Read(const char* name, size_t& limit) {
  if (auto v = env::GetInt(name)) limit = static_cast<size_t>(*v);
}
}  // namespace

SpanLimits SpanLimits::FromEnvironment() {
  SpanLimits limits;
  Read("OTEL_ATTRIBUTE_COUNT_LIMIT", limits.attribute_count);
  Read("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", limits.attribute_count);
  Read("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", limits.attribute_value_length);
  Read("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", limits.attribute_value_length);
  Read("OTEL_SPAN_EVENT_COUNT_LIMIT", limits.event_count);
  Read("OTEL_SPAN_LINK_COUNT_LIMIT", limits.link_count);
  Read("OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", limits.event_attribute_count);
  Read("OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", limits.link_attribute_count);
  return limits;
}

}  // namespace adot::sdk::trace
