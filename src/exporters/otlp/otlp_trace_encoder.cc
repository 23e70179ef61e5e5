#include "exporters/otlp/otlp_trace_encoder.h"

#include <algorithm>
#include <unordered_map>
#include <variant>
#include <vector>

#include "common/json_reader.h"
#include "common/json_writer.h"
#include "common/proto_writer.h"
#include "exporters/otlp/otlp_common_encoding.h"

namespace adot::exporters::otlp {
namespace {

using common::JsonWriter;
using common::proto::ProtoWriter;
using common::proto::VarintSize;
using common::proto::WireType;
using internal::WriteAttributes;
using internal::WriteJsonAttributes;
using internal::WriteJsonResource;
using internal::WriteJsonScope;
using internal::WriteResource;
using internal::WriteScope;
using internal::WriteText;
using sdk::trace::SpanData;

// Field numbers (opentelemetry-proto v1).
namespace field {
// ExportTraceServiceRequest / ResourceSpans / ScopeSpans
constexpr uint32_t kResourceSpans = 1;
constexpr uint32_t kResource = 1, kScopeSpans = 2, kResourceSchemaUrl = 3;
constexpr uint32_t kScope = 1, kSpans = 2, kScopeSchemaUrl = 3;
// Span
constexpr uint32_t kTraceId = 1, kSpanId = 2, kTraceState = 3, kParentSpanId = 4, kName = 5,
                   kKind = 6, kStartTime = 7, kEndTime = 8, kAttributes = 9,
                   kDroppedAttributes = 10, kEvents = 11, kDroppedEvents = 12, kLinks = 13,
                   kDroppedLinks = 14, kStatus = 15, kFlags = 16;
// Span.Event
constexpr uint32_t kEventTime = 1, kEventName = 2, kEventAttributes = 3, kEventDropped = 4;
// Span.Link
constexpr uint32_t kLinkTraceId = 1, kLinkSpanId = 2, kLinkTraceState = 3, kLinkAttributes = 4,
                   kLinkDropped = 5, kLinkFlags = 6;
// Status
constexpr uint32_t kStatusMessage = 2, kStatusCode = 3;
// Export*PartialSuccess inside Export*ServiceResponse
constexpr uint32_t kPartialSuccess = 1, kRejected = 1, kErrorMessage = 2;
}  // namespace field

// Link.flags: trace flags, plus "has is_remote" and "is remote" bits.
uint32_t LinkFlags(const api::trace::SpanContext& context) noexcept {
  return context.trace_flags().bits() | 0x100u | (context.IsRemote() ? 0x200u : 0u);
}

// ---------------------------------------------------------------------------------------------
// Grouping: spans by resource (Resource pointer), then by scope (InstrumentationInfo pointer),
// both in order of first appearance.

struct ScopeGroup {
  const sdk::InstrumentationInfo* info;
  uint32_t resource_index;
  uint32_t count = 0;
  uint32_t begin = 0;  // first index into Grouping::order
};

struct Grouping {
  std::vector<const sdk::Resource*> resources;
  std::vector<ScopeGroup> scopes;  // sorted by resource_index, stable
  std::vector<const SpanData*> order;
};

const sdk::Resource* ResourceOf(const SpanData& span) noexcept {
  return span.instrumentation ? span.instrumentation->resource.get() : nullptr;
}

void GroupSpans(sdk::trace::SpanBatch spans, Grouping& g) {
  g.order.reserve(spans.size());
  // Fast path: a batch from one tracer (the usual case) is a single group in batch order.
  const SpanData* first = nullptr;
  bool single = true;
  for (const auto& span : spans) {
    if (!span) continue;
    if (first == nullptr) {
      first = span.get();
    } else if (span->instrumentation != first->instrumentation) {
      single = false;
      break;
    }
  }
  if (first == nullptr) return;
  if (single) {
    g.resources.push_back(ResourceOf(*first));
    g.scopes.push_back(ScopeGroup{first->instrumentation.get(), 0});
    for (const auto& span : spans) {
      if (span) g.order.push_back(span.get());
    }
    g.scopes[0].count = static_cast<uint32_t>(g.order.size());
    return;
  }

  std::unordered_map<const sdk::Resource*, uint32_t> resource_index;
  std::unordered_map<const sdk::InstrumentationInfo*, uint32_t> scope_index;
  std::vector<uint32_t> group_of;
  group_of.reserve(spans.size());
  std::vector<const SpanData*> live;
  live.reserve(spans.size());
  for (const auto& span : spans) {
    if (!span) continue;
    const sdk::InstrumentationInfo* info = span->instrumentation.get();
    auto [it, added] = scope_index.try_emplace(info, static_cast<uint32_t>(g.scopes.size()));
    if (added) {
      const sdk::Resource* resource = ResourceOf(*span);
      auto [rit, radded] =
          resource_index.try_emplace(resource, static_cast<uint32_t>(g.resources.size()));
      if (radded) g.resources.push_back(resource);
      g.scopes.push_back(ScopeGroup{info, rit->second});
    }
    ++g.scopes[it->second].count;
    group_of.push_back(it->second);
    live.push_back(span.get());
  }
  // Scope groups of one resource become adjacent; first-appearance order is kept within it.
  std::vector<uint32_t> sorted(g.scopes.size());
  for (uint32_t i = 0; i < sorted.size(); ++i) sorted[i] = i;
  std::stable_sort(sorted.begin(), sorted.end(), [&](uint32_t a, uint32_t b) {
    return g.scopes[a].resource_index < g.scopes[b].resource_index;
  });
  std::vector<uint32_t> rank(g.scopes.size());
  std::vector<ScopeGroup> scopes;
  scopes.reserve(g.scopes.size());
  uint32_t begin = 0;
  for (uint32_t i = 0; i < sorted.size(); ++i) {
    rank[sorted[i]] = i;
    scopes.push_back(g.scopes[sorted[i]]);
    scopes.back().begin = begin;
    begin += scopes.back().count;
  }
  g.scopes = std::move(scopes);
  // Counting sort of the spans into their groups (stable).
  g.order.resize(live.size());
  std::vector<uint32_t> next(g.scopes.size());
  for (size_t i = 0; i < g.scopes.size(); ++i) next[i] = g.scopes[i].begin;
  for (size_t i = 0; i < live.size(); ++i) g.order[next[rank[group_of[i]]]++] = live[i];
}

// Calls fn(resource, first_scope, last_scope) for each resource's run of scope groups.
template <class Fn>
void ForEachResource(const Grouping& g, Fn&& fn) {
  size_t s = 0;
  while (s < g.scopes.size()) {
    size_t e = s;
    while (e < g.scopes.size() && g.scopes[e].resource_index == g.scopes[s].resource_index) ++e;
    fn(g.resources[g.scopes[s].resource_index], s, e);
    s = e;
  }
}

// ---------------------------------------------------------------------------------------------
// Protobuf. Spans, events, links and the containers are backpatched (see BeginMessage).

// The tracestate header ("k1=v1,k2=v2", as TraceState::ToHeader), written without building it.
void WriteTraceState(ProtoWriter& w, uint32_t fieldno, const api::trace::TraceState* state) {
  if (state == nullptr || state->empty()) return;
  const auto& entries = state->entries();
  size_t size = entries.size() - 1;  // commas
  for (const auto& [k, v] : entries) size += k.size() + 1 + v.size();
  w.WriteLengthDelimitedHeader(fieldno, size);
  w.Reserve(size);
  bool first = true;
  for (const auto& [k, v] : entries) {
    if (!first) w.PutRaw(",", 1);
    first = false;
    w.PutRaw(k.data(), k.size());
    w.PutRaw("=", 1);
    w.PutRaw(v.data(), v.size());
  }
}

void WriteSpan(ProtoWriter& w, const SpanData& span) {
  // Two length bytes fit spans of 128 B .. 16 KiB, which is nearly all of them.
  const auto mark = w.BeginMessage(field::kSpans, 2);
  w.WriteBytes(field::kTraceId, span.trace_id.data(), api::trace::TraceId::kSize);
  w.WriteBytes(field::kSpanId, span.span_id.data(), api::trace::SpanId::kSize);
  WriteTraceState(w, field::kTraceState, span.trace_state.get());
  if (span.has_parent()) {
    w.WriteBytes(field::kParentSpanId, span.parent_span_id.data(), api::trace::SpanId::kSize);
  }
  if (!span.name.empty()) WriteText(w, field::kName, span.name);
  if (span.kind != static_cast<api::trace::SpanKind>(0)) {
    w.WriteVarint(field::kKind, static_cast<uint64_t>(span.kind));
  }
  if (span.start_time_unix_nano != 0) w.WriteFixed64(field::kStartTime, span.start_time_unix_nano);
  if (span.end_time_unix_nano != 0) w.WriteFixed64(field::kEndTime, span.end_time_unix_nano);
  WriteAttributes(w, field::kAttributes, span.attributes);
  if (span.dropped_attributes_count != 0) {
    w.WriteVarint(field::kDroppedAttributes, span.dropped_attributes_count);
  }
  for (const auto& event : span.events) {
    const auto event_mark = w.BeginMessage(field::kEvents, 1);
    if (event.time_unix_nano != 0) w.WriteFixed64(field::kEventTime, event.time_unix_nano);
    if (!event.name.empty()) WriteText(w, field::kEventName, event.name);
    WriteAttributes(w, field::kEventAttributes, event.attributes);
    if (event.dropped_attributes_count != 0) {
      w.WriteVarint(field::kEventDropped, event.dropped_attributes_count);
    }
    w.EndMessage(event_mark);
  }
  if (span.dropped_events_count != 0)
    w.WriteVarint(field::kDroppedEvents, span.dropped_events_count);
  for (const auto& link : span.links) {
    const auto link_mark = w.BeginMessage(field::kLinks, 1);
    w.WriteBytes(field::kLinkTraceId, link.context.trace_id().data(), api::trace::TraceId::kSize);
    w.WriteBytes(field::kLinkSpanId, link.context.span_id().data(), api::trace::SpanId::kSize);
    WriteTraceState(w, field::kLinkTraceState, link.context.trace_state_ptr().get());
    WriteAttributes(w, field::kLinkAttributes, link.attributes);
    if (link.dropped_attributes_count != 0) {
      w.WriteVarint(field::kLinkDropped, link.dropped_attributes_count);
    }
    w.WriteFixed32(field::kLinkFlags, LinkFlags(link.context));
    w.EndMessage(link_mark);
  }
  if (span.dropped_links_count != 0) w.WriteVarint(field::kDroppedLinks, span.dropped_links_count);
  const auto code = static_cast<uint64_t>(span.status_code);
  if (code != 0 || !span.status_message.empty()) {
    const auto status_mark = w.BeginMessage(field::kStatus, 1);
    if (!span.status_message.empty()) WriteText(w, field::kStatusMessage, span.status_message);
    if (code != 0) w.WriteVarint(field::kStatusCode, code);
    w.EndMessage(status_mark);
  }
  w.WriteFixed32(field::kFlags, span.OtlpFlags());
  w.EndMessage(mark);
}

// Reserved length bytes for a container holding `spans` spans (a guess; see BeginMessage).
uint32_t ContainerLengthGuess(size_t spans) noexcept {
  return static_cast<uint32_t>(VarintSize(spans * 512 + 128));
}

// ---------------------------------------------------------------------------------------------
// OTLP/JSON.

void WriteJsonTraceState(JsonWriter& w, const api::trace::TraceState* state) {
  if (state == nullptr || state->empty()) return;
  w.Key("traceState");
  w.String(state->ToHeader());
}

void WriteJsonUint32(JsonWriter& w, std::string_view key, uint32_t v) {
  if (v == 0) return;
  w.Key(key);
  w.Uint64(v);
}

void WriteJsonSpan(JsonWriter& w, const SpanData& span) {
  w.BeginObject();
  // OTLP/JSON deviation from proto3 JSON: ids are hex, not base64.
  w.Key("traceId");
  w.HexString(span.trace_id.data(), api::trace::TraceId::kSize);
  w.Key("spanId");
  w.HexString(span.span_id.data(), api::trace::SpanId::kSize);
  WriteJsonTraceState(w, span.trace_state.get());
  if (span.has_parent()) {
    w.Key("parentSpanId");
    w.HexString(span.parent_span_id.data(), api::trace::SpanId::kSize);
  }
  w.Key("flags");
  w.Uint64(span.OtlpFlags());
  if (!span.name.empty()) {
    w.Key("name");
    w.String(span.name);
  }
  if (span.kind != static_cast<api::trace::SpanKind>(0)) {
    w.Key("kind");  // enums are integers in OTLP/JSON
    w.Uint64(static_cast<uint64_t>(span.kind));
  }
  if (span.start_time_unix_nano != 0) {
    w.Key("startTimeUnixNano");
    w.Uint64String(span.start_time_unix_nano);
  }
  if (span.end_time_unix_nano != 0) {
    w.Key("endTimeUnixNano");
    w.Uint64String(span.end_time_unix_nano);
  }
  WriteJsonAttributes(w, span.attributes);
  WriteJsonUint32(w, "droppedAttributesCount", span.dropped_attributes_count);
  if (!span.events.empty()) {
    w.Key("events");
    w.BeginArray();
    for (const auto& event : span.events) {
      w.BeginObject();
      if (event.time_unix_nano != 0) {
        w.Key("timeUnixNano");
        w.Uint64String(event.time_unix_nano);
      }
      if (!event.name.empty()) {
        w.Key("name");
        w.String(event.name);
      }
      WriteJsonAttributes(w, event.attributes);
      WriteJsonUint32(w, "droppedAttributesCount", event.dropped_attributes_count);
      w.EndObject();
    }
    w.EndArray();
  }
  WriteJsonUint32(w, "droppedEventsCount", span.dropped_events_count);
  if (!span.links.empty()) {
    w.Key("links");
    w.BeginArray();
    for (const auto& link : span.links) {
      w.BeginObject();
      w.Key("traceId");
      w.HexString(link.context.trace_id().data(), api::trace::TraceId::kSize);
      w.Key("spanId");
      w.HexString(link.context.span_id().data(), api::trace::SpanId::kSize);
      WriteJsonTraceState(w, link.context.trace_state_ptr().get());
      WriteJsonAttributes(w, link.attributes);
      WriteJsonUint32(w, "droppedAttributesCount", link.dropped_attributes_count);
      w.Key("flags");
      w.Uint64(LinkFlags(link.context));
      w.EndObject();
    }
    w.EndArray();
  }
  WriteJsonUint32(w, "droppedLinksCount", span.dropped_links_count);
  const auto code = static_cast<uint64_t>(span.status_code);
  if (code != 0 || !span.status_message.empty()) {
    w.Key("status");
    w.BeginObject();
    if (!span.status_message.empty()) {
      w.Key("message");
      w.String(span.status_message);
    }
    if (code != 0) {
      w.Key("code");
      w.Uint64(code);
    }
    w.EndObject();
  }
  w.EndObject();
}

}  // namespace

void EncodeTraceRequestProto(sdk::trace::SpanBatch spans, std::string& out) {
  Grouping g;
  GroupSpans(spans, g);
  ProtoWriter w(out);
  // A typical span with a handful of attributes is a few hundred bytes.
  w.Reserve(g.order.size() * 384 + 256);
  ForEachResource(g, [&](const sdk::Resource* resource, size_t first, size_t last) {
    size_t span_count = 0;
    for (size_t s = first; s < last; ++s) span_count += g.scopes[s].count;
    const auto rs_mark = w.BeginMessage(field::kResourceSpans, ContainerLengthGuess(span_count));
    WriteResource(w, field::kResource, resource);
    for (size_t s = first; s < last; ++s) {
      const ScopeGroup& group = g.scopes[s];
      const auto ss_mark = w.BeginMessage(field::kScopeSpans, ContainerLengthGuess(group.count));
      const sdk::InstrumentationScope* scope = group.info ? &group.info->scope : nullptr;
      WriteScope(w, field::kScope, scope);
      for (uint32_t i = group.begin; i < group.begin + group.count; ++i) WriteSpan(w, *g.order[i]);
      if (scope != nullptr && !scope->schema_url.empty()) {
        WriteText(w, field::kScopeSchemaUrl, scope->schema_url);
      }
      w.EndMessage(ss_mark);
    }
    if (resource != nullptr && !resource->schema_url().empty()) {
      WriteText(w, field::kResourceSchemaUrl, resource->schema_url());
    }
    w.EndMessage(rs_mark);
  });
  w.Finish();
}

void EncodeTraceRequestJson(sdk::trace::SpanBatch spans, std::string& out) {
  Grouping g;
  GroupSpans(spans, g);
  JsonWriter w(out);
  w.BeginObject();
  if (!g.scopes.empty()) {
    w.Key("resourceSpans");
    w.BeginArray();
    ForEachResource(g, [&](const sdk::Resource* resource, size_t first, size_t last) {
      w.BeginObject();
      WriteJsonResource(w, resource);
      w.Key("scopeSpans");
      w.BeginArray();
      for (size_t s = first; s < last; ++s) {
        const ScopeGroup& group = g.scopes[s];
        const sdk::InstrumentationScope* scope = group.info ? &group.info->scope : nullptr;
        w.BeginObject();
        WriteJsonScope(w, scope);
        w.Key("spans");
        w.BeginArray();
        for (uint32_t i = group.begin; i < group.begin + group.count; ++i) {
          WriteJsonSpan(w, *g.order[i]);
        }
        w.EndArray();
        if (scope != nullptr && !scope->schema_url.empty()) {
          w.Key("schemaUrl");
          w.String(scope->schema_url);
        }
        w.EndObject();
      }
      w.EndArray();
      if (resource != nullptr && !resource->schema_url().empty()) {
        w.Key("schemaUrl");
        w.String(resource->schema_url());
      }
      w.EndObject();
    });
    w.EndArray();
  }
  w.EndObject();
}

bool ParseExportResponseProto(std::string_view body, PartialSuccess& out) {
  out = PartialSuccess();
  common::proto::ProtoReader reader(body);
  common::proto::ProtoReader::Field f;
  while (reader.Next(f)) {
    // A known field number with another wire type is an unknown field to protobuf: skipped.
    if (f.number != field::kPartialSuccess || f.type != WireType::kLengthDelimited) continue;
    // Repeated occurrences of a message field merge, so later values win field by field.
    common::proto::ProtoReader inner(f.bytes);
    common::proto::ProtoReader::Field g;
    while (inner.Next(g)) {
      if (g.number == field::kRejected && g.type == WireType::kVarint) {
        out.rejected = static_cast<int64_t>(g.value);
      } else if (g.number == field::kErrorMessage && g.type == WireType::kLengthDelimited) {
        out.error_message.assign(g.bytes);
      }
    }
    if (!inner.ok()) return false;
  }
  return reader.ok();
}

bool ParseExportResponseJson(std::string_view body, PartialSuccess& out) {
  out = PartialSuccess();
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return true;
  common::JsonValue root;
  if (!common::ParseJson(body, root) || !root.is_object()) return false;
  // proto3 JSON parsers accept the original field names as well as lowerCamelCase.
  const common::JsonValue* partial = nullptr;
  for (const auto& m : root.members()) {
    if (m.key == "partialSuccess" || m.key == "partial_success") partial = &m.value;
  }
  if (partial == nullptr || partial->is_null()) return true;
  if (!partial->is_object()) return false;
  for (const auto& m : partial->members()) {
    const std::string& key = m.key;
    if (m.value.is_null()) continue;  // null means the default value
    if (key == "rejectedSpans" || key == "rejectedDataPoints" || key == "rejectedLogRecords" ||
        key == "rejected_spans" || key == "rejected_data_points" || key == "rejected_log_records") {
      if (!m.value.GetInt64(out.rejected)) return false;
    } else if (key == "errorMessage" || key == "error_message") {
      if (!m.value.is_string()) return false;
      out.error_message = m.value.text();
    }
  }
  return true;
}

}  // namespace adot::exporters::otlp
