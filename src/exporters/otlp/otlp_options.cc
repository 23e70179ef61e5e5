#include "adot/exporters/otlp/otlp_options.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "adot/sdk/common/env.h"

namespace adot::exporters::otlp {
namespace {

namespace env = sdk::env;

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToLower(c);
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

const char* SignalPath(Signal signal) {
  switch (signal) {
    case Signal::kTraces:
      return "v1/traces";
    case Signal::kMetrics:
      return "v1/metrics";
    case Signal::kLogs:
      return "v1/logs";
  }
  return "v1/traces";
}

const char* SignalInfix(Signal signal) {
  switch (signal) {
    case Signal::kTraces:
      return "TRACES_";
    case Signal::kMetrics:
      return "METRICS_";
    case Signal::kLogs:
      return "LOGS_";
  }
  return "TRACES_";
}

const char* ProtocolName(Protocol protocol) {
  switch (protocol) {
    case Protocol::kHttpProtobuf:
      return "http/protobuf";
    case Protocol::kHttpJson:
      return "http/json";
    case Protocol::kGrpc:
      return "grpc";
  }
  return "http/protobuf";
}

// The generic variable first, then the per-signal one: later values win.
struct VariablePair {
  std::string names[2];
  VariablePair(Signal signal, std::string_view option) {
    names[0] = std::string("OTEL_EXPORTER_OTLP_").append(option);
    names[1] = std::string("OTEL_EXPORTER_OTLP_").append(SignalInfix(signal)).append(option);
  }
};

bool IsHttpUrl(std::string_view url) {
  std::string lower = Lower(url.substr(0, 8));
  size_t scheme = lower.starts_with("http://") ? 7 : lower.starts_with("https://") ? 8 : 0;
  if (scheme == 0) return false;
  return url.size() > scheme && url[scheme] != '/' && url[scheme] != '?' && url[scheme] != '#';
}

// Appends "v1/<signal>" to a base URL's path with exactly one '/' between them, keeping any
// query or fragment after the path.
std::string AppendSignalPath(std::string_view base, std::string_view path) {
  size_t authority = base.find("://");
  authority = authority == std::string_view::npos ? 0 : authority + 3;
  size_t path_end = base.find_first_of("?#", authority);
  if (path_end == std::string_view::npos) path_end = base.size();
  std::string url(base.substr(0, path_end));
  if (url.empty() || url.back() != '/') url += '/';
  url.append(path).append(base.substr(path_end));
  return url;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = ToLower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::optional<std::string> PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi << 4 | lo);
    i += 2;
  }
  return out;
}

bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Parses "k1=v1,k2=v2" (W3C baggage syntax without properties, percent-decoded). Bad entries are
// skipped with a warning that names the entry's position or key but never a value: header values
// often hold credentials.
std::vector<std::pair<std::string, std::string>> ParseHeaders(const std::string& variable,
                                                              std::string_view text) {
  std::vector<std::pair<std::string, std::string>> headers;
  size_t index = 0;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view entry = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    ++index;
    if (entry.empty()) continue;  // e.g. a trailing comma
    auto skip = [&](std::string_view why) {
      env::WarnOnce(variable + ": ignoring entry " + std::to_string(index) + " (" +
                    std::string(why) + ")");
    };
    size_t equals = entry.find('=');
    if (equals == std::string_view::npos) {
      skip("expected key=value");
      continue;
    }
    auto key = PercentDecode(Trim(entry.substr(0, equals)));
    if (!key || key->empty() || !std::all_of(key->begin(), key->end(), IsTokenChar)) {
      skip("the key is not a valid header name");
      continue;
    }
    auto value = PercentDecode(Trim(entry.substr(equals + 1)));
    if (!value) {
      skip("key \"" + *key + "\": the value has an invalid percent-encoding");
      continue;
    }
    if (value->find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) {
      skip("key \"" + *key + "\": the value contains a line break or NUL");
      continue;
    }
    headers.emplace_back(std::move(*key), std::move(*value));
  }
  return headers;
}

}  // namespace

OtlpExporterOptions OtlpExporterOptions::FromEnvironment(Signal signal) {
  OtlpExporterOptions options;

  for (const std::string& name : VariablePair(signal, "PROTOCOL").names) {
    auto value = env::GetString(name.c_str());
    if (!value) continue;
    std::string v = Lower(Trim(*value));
    if (v == "http/protobuf") {
      options.protocol = Protocol::kHttpProtobuf;
    } else if (v == "http/json") {
      options.protocol = Protocol::kHttpJson;
    } else if (v == "grpc") {
      options.protocol = Protocol::kGrpc;
    } else {
      env::WarnInvalid(name.c_str(), *value, ProtocolName(options.protocol));
    }
  }
  const bool http = options.protocol != Protocol::kGrpc;

  // Endpoint: the per-signal URL as given, else the generic base (+ v1/<signal> for HTTP), else
  // the protocol's default.
  options.endpoint = Defaults(signal, options.protocol).endpoint;
  VariablePair endpoint_names(signal, "ENDPOINT");
  for (int i = 0; i < 2; ++i) {
    const std::string& name = endpoint_names.names[i];
    auto value = env::GetString(name.c_str());
    if (!value) continue;
    std::string_view url = Trim(*value);
    if (url.empty() || (http && !IsHttpUrl(url))) {
      env::WarnInvalid(name.c_str(), *value, options.endpoint);
      continue;
    }
    bool generic = i == 0;
    options.endpoint =
        generic && http ? AppendSignalPath(url, SignalPath(signal)) : std::string(url);
  }

  // A per-signal HEADERS variable replaces the generic one as a whole, as for every other option.
  for (const std::string& name : VariablePair(signal, "HEADERS").names) {
    if (auto value = env::GetString(name.c_str())) options.headers = ParseHeaders(name, *value);
  }

  for (const std::string& name : VariablePair(signal, "TIMEOUT").names) {
    auto value = env::GetInt(name.c_str());  // warns itself when not a number
    if (!value) continue;
    if (*value <= 0) {
      env::WarnInvalid(name.c_str(), std::to_string(*value),
                       std::to_string(options.timeout.count()) + " ms");
      continue;
    }
    options.timeout = std::chrono::milliseconds(*value);
  }

  for (const std::string& name : VariablePair(signal, "COMPRESSION").names) {
    auto value = env::GetString(name.c_str());
    if (!value) continue;
    std::string v = Lower(Trim(*value));
    if (v == "gzip") {
      options.gzip = true;
    } else if (v == "none") {
      options.gzip = false;
    } else {
      env::WarnInvalid(name.c_str(), *value, options.gzip ? "gzip" : "none");
    }
  }

  for (const std::string& name : VariablePair(signal, "CERTIFICATE").names)
    if (auto value = env::GetString(name.c_str())) options.certificate_file = *value;
  for (const std::string& name : VariablePair(signal, "CLIENT_CERTIFICATE").names)
    if (auto value = env::GetString(name.c_str())) options.client_certificate_file = *value;
  for (const std::string& name : VariablePair(signal, "CLIENT_KEY").names)
    if (auto value = env::GetString(name.c_str())) options.client_key_file = *value;
  for (const std::string& name : VariablePair(signal, "INSECURE").names)
    if (auto value = env::GetBool(name.c_str())) options.insecure = *value;

  if (signal == Signal::kMetrics)
    options.temporality_preference = sdk::metrics::TemporalityPreferenceFromEnvironment();

  return options;
}

OtlpExporterOptions OtlpExporterOptions::Defaults(Signal signal, Protocol protocol) {
  OtlpExporterOptions options;
  options.protocol = protocol;
  options.endpoint = protocol != Protocol::kGrpc
                         ? std::string("http://localhost:4318/") + SignalPath(signal)
                         : std::string("http://localhost:4317");
  return options;
}

sdk::metrics::TemporalityPreference ResolvedTemporalityPreference(const OtlpExporterOptions& options) {
  if (options.temporality_preference) return *options.temporality_preference;
  return sdk::metrics::TemporalityPreferenceFromEnvironment().value_or(
      sdk::metrics::TemporalityPreference::kCumulative);
}

}  // namespace adot::exporters::otlp
