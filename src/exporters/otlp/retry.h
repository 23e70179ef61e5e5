// Retry timing shared by the OTLP exporters (HTTP and gRPC).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "adot/exporters/otlp/otlp_options.h"

namespace adot::exporters::otlp {

// The wait before attempt number `attempt` (1 = the first retry): initial_backoff *
// multiplier^(attempt-1), capped at max_backoff, with random jitter in [0.5, 1.5) of that.
// A server-given delay (Retry-After, gRPC RetryInfo) replaces the computed one.
std::chrono::milliseconds RetryDelay(const RetryOptions& options, uint32_t attempt,
                                     std::optional<std::chrono::milliseconds> server_delay);

// Parses an HTTP Retry-After value: delta-seconds or an HTTP-date (relative to now).
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value);

// HTTP statuses that OTLP says to retry: 429, 502, 503, 504.
bool IsRetryableHttpStatus(long status);

// gRPC status codes (numeric, so this header needs no gRPC) that OTLP says to retry: CANCELLED,
// DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS. RESOURCE_EXHAUSTED is
// retryable only when the status carries RetryInfo, which the caller decides.
bool IsRetryableGrpcCode(int code);

// RetryInfo.retry_delay from a serialized google.rpc.Status (the grpc-status-details-bin trailer,
// base64-decoded). nullopt when there is no RetryInfo or the bytes are malformed.
std::optional<std::chrono::milliseconds> RetryDelayFromGrpcStatusDetails(std::string_view status_details);

}  // namespace adot::exporters::otlp
