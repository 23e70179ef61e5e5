#include "exporters/otlp/otlp_http_transport.h"

#include <algorithm>
#include <optional>

#include "adot/api/propagation/text_map.h"
#include "adot/sdk/common/env.h"
#include "adot/sdk/version.h"
#include "common/proto_writer.h"
#include "exporters/otlp/otlp_trace_encoder.h"  // PartialSuccess, ParseExportResponse*
#include "exporters/otlp/retry.h"

namespace adot::exporters::otlp {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// OTLP: clients MUST NOT send request bodies larger than 64 MiB (before compression).
constexpr size_t kMaxRequestBytes = 64 * 1024 * 1024;
// Keeps absurd timeouts from overflowing steady_clock arithmetic.
constexpr milliseconds kMaxExportTime = std::chrono::hours(24 * 365);
// Server-supplied text quoted in warnings is cut to this length.
constexpr size_t kMaxQuotedText = 256;

using api::propagation::internal::AsciiLower;
using api::propagation::internal::EqualsIgnoreCase;

bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                     [](char x, char y) { return AsciiLower(x) == AsciiLower(y); }) != haystack.end();
}

// Server text made safe for one log line: printable ASCII, bounded length.
std::string Quote(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxQuotedText)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > kMaxQuotedText) out += "...";
  return out;
}

// The endpoint for messages: without user info, query or fragment, which may hold credentials.
std::string DisplayUrl(std::string_view url) {
  size_t authority = url.find("://");
  authority = authority == std::string_view::npos ? 0 : authority + 3;
  size_t end = url.find_first_of("?#", authority);
  if (end != std::string_view::npos) url = url.substr(0, end);
  size_t path = url.find('/', authority);
  size_t at = url.substr(0, path).find('@', authority);
  if (at == std::string_view::npos) return std::string(url);
  return std::string(url.substr(0, authority)).append(url.substr(at + 1));
}

// google.rpc.Status.message (field 2) from a protobuf error body; empty when absent or malformed.
std::string_view ProtoStatusMessage(std::string_view body) {
  common::proto::ProtoReader reader(body);
  common::proto::ProtoReader::Field field;
  while (reader.Next(field)) {
    if (field.number == 2 && field.type == common::proto::WireType::kLengthDelimited) {
      return field.bytes;
    }
  }
  return {};
}

// What the server said about a failed request, for the warning.
std::string DescribeFailure(const common::HttpResponse& response) {
  std::string text = "HTTP " + std::to_string(response.status);
  std::string_view type = response.Header("content-type");
  std::string_view message;
  if (ContainsIgnoreCase(type, "protobuf")) {
    message = ProtoStatusMessage(response.body);
  } else if (ContainsIgnoreCase(type, "json") || ContainsIgnoreCase(type, "text")) {
    message = response.body;
  }
  if (!message.empty()) text.append(": ").append(Quote(message));
  return text;
}

std::string UserAgent() {
  return std::string("adot-cpp/") + sdk::kVersion + " OTel-OTLP-Exporter-Cpp/" + sdk::kVersion;
}

common::HttpClientOptions ClientOptions(const OtlpExporterOptions& options, bool json) {
  common::HttpClientOptions client;
  client.ca_file = options.certificate_file;
  client.client_cert_file = options.client_certificate_file;
  client.client_key_file = options.client_key_file;
  // options.insecure is about plaintext gRPC; it never turns off certificate checks here.
  client.headers.emplace_back("Content-Type", json ? "application/json" : "application/x-protobuf");
  bool user_agent_given = false;
  for (const auto& [name, value] : options.headers) {
    if (EqualsIgnoreCase(name, "content-type") || EqualsIgnoreCase(name, "content-encoding") ||
        EqualsIgnoreCase(name, "content-length") || EqualsIgnoreCase(name, "transfer-encoding")) {
      sdk::env::WarnOnce("OTLP exporter: ignoring configured header \"" + name +
                         "\", which the exporter sets itself");
      continue;
    }
    user_agent_given = user_agent_given || EqualsIgnoreCase(name, "user-agent");
    client.headers.emplace_back(name, value);
  }
  if (!user_agent_given) client.headers.emplace_back("User-Agent", UserAgent());
  return client;
}

}  // namespace

OtlpHttpTransport::OtlpHttpTransport(OtlpExporterOptions options, TransportLabels labels)
    : options_(std::move(options)),
      labels_(labels),
      json_(options_.protocol == Protocol::kHttpJson),
      display_endpoint_(DisplayUrl(options_.endpoint)),
      client_(ClientOptions(options_, json_)) {
  if (options_.protocol == Protocol::kGrpc)
    sdk::env::WarnOnce(std::string("the OTLP/HTTP ") + labels_.exporter +
                       " was given protocol grpc; using http/protobuf");
  request_.method = "POST";
  request_.url = options_.endpoint;
  request_.gzip = options_.gzip;
}

bool OtlpHttpTransport::Shutdown(milliseconds timeout) noexcept {
  return gate_.Shutdown(timeout, [this] { client_.Cancel(); });  // aborts a request in flight
}

sdk::ExportResult OtlpHttpTransport::SendBody() {
  if (body_.size() > kMaxRequestBytes) {
    Warn("request of " + std::to_string(body_.size()) + " bytes exceeds the OTLP limit of " +
         std::to_string(kMaxRequestBytes) + "; batch dropped");
    return sdk::ExportResult::kFailure;
  }
  request_.body = body_;
  return SendWithRetries();
}

// Every attempt and wait of one export fits in max_attempts × timeout, so Export stays bounded
// whatever Retry-After a server sends.
sdk::ExportResult OtlpHttpTransport::SendWithRetries() {
  const std::string dropped = std::string("; ") + labels_.items + " dropped";
  const uint32_t max_attempts = std::max<uint32_t>(options_.retry.max_attempts, 1);
  const milliseconds per_attempt = std::max(options_.timeout, milliseconds(1));
  const auto start = steady_clock::now();
  const milliseconds budget = per_attempt.count() >= kMaxExportTime.count() / max_attempts
                                  ? kMaxExportTime
                                  : per_attempt * max_attempts;
  const auto deadline = start + budget;
  for (uint32_t attempt = 1;; ++attempt) {
    auto remaining = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    request_.timeout = std::clamp(remaining, milliseconds(1), per_attempt);
    client_.Send(request_, response_);

    std::optional<milliseconds> server_delay;
    std::string failure;
    bool retryable = false;
    if (response_.error == common::HttpError::kNone) {
      if (response_.status >= 200 && response_.status < 300) {
        HandleSuccess();
        return sdk::ExportResult::kSuccess;
      }
      retryable = IsRetryableHttpStatus(response_.status);
      if (retryable) {
        std::string_view retry_after = response_.Header("retry-after");
        if (!retry_after.empty()) server_delay = ParseRetryAfter(retry_after);
      }
      failure = DescribeFailure(response_);
    } else if (response_.error == common::HttpError::kCancelled) {
      return sdk::ExportResult::kFailure;  // shutting down
    } else {
      retryable = response_.error == common::HttpError::kConnection ||
                  response_.error == common::HttpError::kTimeout;
      failure = response_.error_message;
    }

    if (!retryable) {
      Warn("export failed (not retryable): " + failure + dropped);
      return sdk::ExportResult::kFailure;
    }
    if (attempt >= max_attempts) {
      Warn("export failed after " + std::to_string(attempt) + " attempts: " + failure + dropped);
      return sdk::ExportResult::kFailure;
    }
    milliseconds delay = RetryDelay(options_.retry, attempt, server_delay);
    if (steady_clock::now() + delay >= deadline) {
      Warn("export failed: " + failure + "; the next retry would exceed the export time limit of " +
           std::to_string(budget.count()) + " ms" + dropped);
      return sdk::ExportResult::kFailure;
    }
    if (!gate_.WaitUnlessShutdown(delay)) return sdk::ExportResult::kFailure;
  }
}

void OtlpHttpTransport::HandleSuccess() {
  std::string_view type = response_.Header("content-type");
  bool json_body =
      ContainsIgnoreCase(type, "json") || (!ContainsIgnoreCase(type, "protobuf") && json_);
  PartialSuccess partial;
  bool parsed = json_body ? ParseExportResponseJson(response_.body, partial)
                          : ParseExportResponseProto(response_.body, partial);
  if (!parsed) {
    Warn(std::string("the server accepted the ") + labels_.items +
         " but its response could not be parsed");
    return;
  }
  // OTLP: partial success is never retried; rejected == 0 with a message is a warning.
  if (partial.rejected != 0 || !partial.error_message.empty()) {
    Warn("partial success: " + std::to_string(partial.rejected) + " " + labels_.rejected +
         " rejected: " + Quote(partial.error_message));
  }
}

// Once per distinct message. Never includes header values, which may hold credentials.
void OtlpHttpTransport::Warn(const std::string& message) {
  sdk::env::WarnOnce(std::string("OTLP/HTTP ") + labels_.exporter + " (" + display_endpoint_ +
                     "): " + message);
}

}  // namespace adot::exporters::otlp
