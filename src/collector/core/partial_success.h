// OTLP partial success in an Export*ServiceResponse: the server accepted the request but rejected
// some items (or warns). Exporters log it; the rejected items are not retried (OTLP says the
// client must not).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace adot::collector {

struct PartialSuccess {
  int64_t rejected = 0;  // rejected_spans / rejected_data_points / rejected_log_records
  std::string error_message;
};

// Reads partial_success from a response body (protobuf, or OTLP/JSON when json). nullopt when the
// field is absent or empty, or the body does not parse (a response body is only informative).
std::optional<PartialSuccess> ReadPartialSuccess(std::string_view body, bool json);

// One warning line for the exporter named `exporter`, when there is a partial success.
void LogPartialSuccess(const std::string& exporter, const std::optional<PartialSuccess>& p);

}  // namespace adot::collector
