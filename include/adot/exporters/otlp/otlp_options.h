// Options shared by the OTLP exporters, and how the OTEL_EXPORTER_OTLP_* variables set them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adot/sdk/metrics/exporter.h"  // TemporalityPreference

namespace adot::exporters::otlp {

enum class Protocol { kHttpProtobuf, kHttpJson, kGrpc };
enum class Signal { kTraces, kMetrics, kLogs };

// Exponential backoff with jitter between attempts of one export.
struct RetryOptions {
  uint32_t max_attempts = 5;  // including the first; 1 disables retries
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{5000};
  double multiplier = 1.5;
};

struct OtlpExporterOptions {
  // HTTP: the full URL of the signal (e.g. http://localhost:4318/v1/traces).
  // gRPC: http(s)://host:port or host:port.
  std::string endpoint = "http://localhost:4318/v1/traces";
  Protocol protocol = Protocol::kHttpProtobuf;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10000};  // per attempt
  bool gzip = false;
  // TLS: PEM files. insecure disables TLS for gRPC endpoints without a scheme.
  std::string certificate_file;
  std::string client_certificate_file;
  std::string client_key_file;
  bool insecure = false;
  RetryOptions retry;
  // Metric exporters only: the temporality they ask their reader for. Unset: the value of
  // OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE when the exporter is created, else
  // cumulative.
  std::optional<sdk::metrics::TemporalityPreference> temporality_preference;

  // The defaults for a signal, without the environment: the endpoint is
  // http://localhost:4318/v1/<signal> (http://localhost:4317 for kGrpc).
  static OtlpExporterOptions Defaults(Signal signal, Protocol protocol = Protocol::kHttpProtobuf);

  // Defaults, then the generic OTEL_EXPORTER_OTLP_* variables, then the per-signal ones
  // (OTEL_EXPORTER_OTLP_TRACES_* for kTraces, OTEL_EXPORTER_OTLP_METRICS_* for kMetrics):
  // ENDPOINT, PROTOCOL, HEADERS, TIMEOUT, COMPRESSION, CERTIFICATE, CLIENT_CERTIFICATE,
  // CLIENT_KEY, INSECURE; for kMetrics also OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE.
  // The generic endpoint gets "v1/<signal>" appended for HTTP; a per-signal endpoint is used as
  // given. Invalid values are reported once and ignored.
  static OtlpExporterOptions FromEnvironment(Signal signal);
};

// options.temporality_preference, else OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, else
// cumulative.
sdk::metrics::TemporalityPreference ResolvedTemporalityPreference(const OtlpExporterOptions& options);

}  // namespace adot::exporters::otlp
