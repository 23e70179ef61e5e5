// SpanData: a finished (or, in OnStart, just started) span as processors and exporters see it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "adot/api/trace/span.h"
#include "adot/api/trace/span_context.h"
#include "adot/sdk/common/attribute_value.h"
#include "adot/sdk/resource.h"

namespace adot::sdk {

struct InstrumentationScope {
  std::string name;
  std::string version;
  std::string schema_url;
  OwnedAttributes attributes;
};

// What every span of one tracer shares: its scope and its provider's resource.
struct InstrumentationInfo {
  InstrumentationScope scope;
  std::shared_ptr<const Resource> resource;
};

namespace trace {

struct EventData {
  std::string name;
  uint64_t time_unix_nano = 0;
  OwnedAttributes attributes;
  uint32_t dropped_attributes_count = 0;
};

struct LinkData {
  api::trace::SpanContext context;
  OwnedAttributes attributes;
  uint32_t dropped_attributes_count = 0;
};

struct SpanData {
  api::trace::TraceId trace_id;
  api::trace::SpanId span_id;
  api::trace::SpanId parent_span_id;  // invalid (all zero) for a root span
  api::trace::TraceFlags flags;
  bool parent_is_remote = false;
  std::shared_ptr<const api::trace::TraceState> trace_state;  // null when empty

  std::string name;
  api::trace::SpanKind kind = api::trace::SpanKind::kInternal;
  uint64_t start_time_unix_nano = 0;
  uint64_t end_time_unix_nano = 0;

  OwnedAttributes attributes;
  uint32_t dropped_attributes_count = 0;
  std::vector<EventData> events;
  uint32_t dropped_events_count = 0;
  std::vector<LinkData> links;
  uint32_t dropped_links_count = 0;

  api::trace::StatusCode status_code = api::trace::StatusCode::kUnset;
  std::string status_message;

  std::shared_ptr<const InstrumentationInfo> instrumentation;

  const InstrumentationScope& scope() const noexcept { return instrumentation->scope; }
  const Resource& resource() const noexcept { return *instrumentation->resource; }
  bool has_parent() const noexcept { return parent_span_id.IsValid(); }
  // OTLP Span.flags: trace flags in bits 0-7, bit 8 "has is_remote", bit 9 "parent is remote".
  uint32_t OtlpFlags() const noexcept {
    uint32_t f = flags.bits() | 0x100u;
    if (parent_is_remote) f |= 0x200u;
    return f;
  }
};

}  // namespace trace
}  // namespace adot::sdk
