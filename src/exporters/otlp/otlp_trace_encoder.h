// Encodes spans as an OTLP ExportTraceServiceRequest, straight from SpanData: protobuf binary with
// the project's wire writer, or OTLP/JSON. Spans are grouped by resource, then by scope, keeping
// the order of first appearance.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "adot/sdk/trace/exporter.h"

namespace adot::exporters::otlp {

// Appends the request to out.
void EncodeTraceRequestProto(sdk::trace::SpanBatch spans, std::string& out);
void EncodeTraceRequestJson(sdk::trace::SpanBatch spans, std::string& out);

// partial_success of an Export{Trace,Metrics,Logs}ServiceResponse.
struct PartialSuccess {
  int64_t rejected = 0;
  std::string error_message;
};

// Parses a response body (protobuf or OTLP/JSON). Returns false when the body is malformed.
// An empty body is a valid response with no partial success.
bool ParseExportResponseProto(std::string_view body, PartialSuccess& out);
bool ParseExportResponseJson(std::string_view body, PartialSuccess& out);

}  // namespace adot::exporters::otlp
