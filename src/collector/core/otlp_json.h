// OTLP/JSON <-> protobuf messages. libprotobuf's JSON mapping differs from OTLP's in the trace and
// span ids (hex, not base64), so ids are converted around libprotobuf's parser and printer.
#pragma once

#include <google/protobuf/message.h>

#include <string>
#include <string_view>

namespace adot::collector {

// Parses OTLP/JSON into message (unknown fields ignored, as OTLP requires). error set on failure.
bool ParseOtlpJson(std::string_view json, google::protobuf::Message& message, std::string& error);
// Prints message as OTLP/JSON. The message is not changed.
std::string PrintOtlpJson(const google::protobuf::Message& message);

}  // namespace adot::collector
