// Pieces shared by the OTLP encoders (traces, metrics): KeyValue/AnyValue, Resource and
// InstrumentationScope, in protobuf (the project's wire writer) and OTLP/JSON. Internal header.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "adot/sdk/common/attribute_value.h"
#include "adot/sdk/resource.h"
#include "adot/sdk/trace/span_data.h"  // InstrumentationScope
#include "common/json_writer.h"
#include "common/proto_writer.h"

namespace adot::exporters::otlp::internal {

// s with every byte that does not start a well-formed UTF-8 sequence replaced by U+FFFD.
std::string SanitizedUtf8(std::string_view s);

// --- Protobuf. Empty strings and empty attribute lists are left out (proto3 defaults). ---

// A string field. proto3 strings must be valid UTF-8: receivers (the Collector among them) reject
// the whole request otherwise, so invalid bytes are replaced by U+FFFD, as the JSON writer does.
inline void WriteText(common::proto::ProtoWriter& w, uint32_t fieldno, std::string_view s) {
  if (common::IsValidUtf8(s)) [[likely]] {
    w.WriteString(fieldno, s);
  } else {
    w.WriteString(fieldno, SanitizedUtf8(s));
  }
}

// Each attribute as a KeyValue message in field fieldno.
void WriteAttributes(common::proto::ProtoWriter& w, uint32_t fieldno,
                     const sdk::OwnedAttributes& attributes);

// A Resource message in field fieldno, always present (empty when resource is null), as every
// SDK sends it. The schema URL belongs to the enclosing Resource{Spans,Metrics}.
void WriteResource(common::proto::ProtoWriter& w, uint32_t fieldno, const sdk::Resource* resource);

// An InstrumentationScope message in field fieldno, always present (empty when scope is null).
void WriteScope(common::proto::ProtoWriter& w, uint32_t fieldno,
                const sdk::InstrumentationScope* scope);

// --- OTLP/JSON. The JSON writer replaces invalid UTF-8 itself. ---

// "<key>":[KeyValue...], nothing when attributes is empty.
void WriteJsonAttributes(common::JsonWriter& w, const sdk::OwnedAttributes& attributes,
                         std::string_view key = "attributes");
// "resource":{...}, always present.
void WriteJsonResource(common::JsonWriter& w, const sdk::Resource* resource);
// "scope":{...}, always present.
void WriteJsonScope(common::JsonWriter& w, const sdk::InstrumentationScope* scope);

}  // namespace adot::exporters::otlp::internal
