// The OTLP/gRPC transport (see otlp_grpc_transport.h).

#include "exporters/otlp_grpc/otlp_grpc_transport.h"

#include <grpcpp/create_channel.h>
#include <grpcpp/support/channel_arguments.h>
#include <grpcpp/support/slice.h>

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <mutex>
#include <sstream>
#include <string_view>

#include "adot/sdk/common/env.h"
#include "adot/sdk/version.h"
#include "exporters/otlp/otlp_trace_encoder.h"  // PartialSuccess, ParseExportResponseProto
#include "exporters/otlp/retry.h"

namespace adot::exporters::otlp {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// OTLP: clients MUST NOT send requests larger than 64 MiB; responses are limited to 4 MiB.
constexpr size_t kMaxRequestBytes = 64 * 1024 * 1024;
constexpr int kMaxResponseBytes = 4 * 1024 * 1024;
// Keeps absurd timeouts from overflowing clock arithmetic.
constexpr milliseconds kMaxExportTime = std::chrono::hours(24 * 365);
// Server-supplied text quoted in warnings is cut to this length.
constexpr size_t kMaxQuotedText = 256;

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), ToLower);
  return out;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && Lowercase(s.substr(0, prefix.size())) == prefix;
}

// Server text made safe for one log line: printable ASCII, bounded length.
std::string Quote(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxQuotedText)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (text.size() > kMaxQuotedText) out += "...";
  return out;
}

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return "OK";
    case grpc::StatusCode::CANCELLED: return "CANCELLED";
    case grpc::StatusCode::UNKNOWN: return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND: return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS: return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION: return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED: return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE: return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED: return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL: return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS: return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED: return "UNAUTHENTICATED";
    default: return "UNKNOWN_CODE";
  }
}

// The gRPC target and whether it uses TLS, from options.endpoint:
//   http://host:port   plaintext          https://host:port   TLS
//   host:port (or any other gRPC target such as dns:///host:port)   TLS unless options.insecure
// A path after host:port in an http(s) URL is ignored.
struct Target {
  std::string address;
  bool tls = true;
};

Target ParseEndpoint(std::string_view endpoint, bool insecure) {
  while (!endpoint.empty() && (endpoint.front() == ' ' || endpoint.front() == '\t'))
    endpoint.remove_prefix(1);
  while (!endpoint.empty() && (endpoint.back() == ' ' || endpoint.back() == '\t'))
    endpoint.remove_suffix(1);
  Target target;
  std::string_view rest;
  if (StartsWithIgnoreCase(endpoint, "http://")) {
    rest = endpoint.substr(7);
    target.tls = false;
  } else if (StartsWithIgnoreCase(endpoint, "https://")) {
    rest = endpoint.substr(8);
    target.tls = true;
  } else {
    target.address = std::string(endpoint);
    target.tls = !insecure;
    return target;
  }
  rest = rest.substr(0, rest.find_first_of("/?#"));
  // User info is not something gRPC understands; never pass (or log) it.
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos) rest.remove_prefix(at + 1);
  target.address = std::string(rest);
  return target;
}

bool ReadFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return false;
  out = std::move(contents).str();
  return true;
}

// gRPC metadata keys are lowercase [0-9a-z_.-]; values of non "-bin" keys are printable ASCII.
bool IsValidMetadataKey(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  });
}

bool IsValidMetadataValue(std::string_view key, std::string_view value) {
  if (key.ends_with("-bin")) return true;
  return std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

// Hands the encoded request to gRPC without a copy: the slice owns the string.
grpc::ByteBuffer TakeIntoByteBuffer(std::string bytes) {
  auto* owned = new std::string(std::move(bytes));
  grpc::Slice slice(owned->data(), owned->size(),
                    [](void* p) { delete static_cast<std::string*>(p); }, owned);
  return grpc::ByteBuffer(&slice, 1);
}

}  // namespace

OtlpGrpcTransport::OtlpGrpcTransport(OtlpExporterOptions options, const char* method,
                                     TransportLabels labels)
    : options_(std::move(options)), method_(method), labels_(labels) {
  Target target = ParseEndpoint(options_.endpoint, options_.insecure);
  display_endpoint_ = Quote(target.address) + (target.tls ? ", TLS" : ", plaintext");
  for (const auto& [name, value] : options_.headers) {
    std::string key = Lowercase(name);
    // Keys only in messages: values may hold credentials.
    if (!IsValidMetadataKey(key) || key.starts_with("grpc-")) {
      Warn("ignoring header \"" + Quote(key) + "\": not a valid gRPC metadata key");
      continue;
    }
    if (!IsValidMetadataValue(key, value)) {
      Warn("ignoring header \"" + key + "\": its value is not printable ASCII");
      continue;
    }
    metadata_.emplace_back(std::move(key), value);
  }
  if (target.address.empty()) {
    Warn(std::string("the endpoint names no host:port; ") + labels_.items + " are dropped");
    return;
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials = MakeCredentials(target.tls);
  if (!credentials) return;  // already reported; exports fail rather than fall back to plaintext

  grpc::ChannelArguments args;
  args.SetUserAgentPrefix(std::string("adot-cpp/") + sdk::kVersion + " OTel-OTLP-Exporter-Cpp/" +
                          sdk::kVersion);
  args.SetMaxReceiveMessageSize(kMaxResponseBytes);
  // gRPC's reconnect backoff grows to 120 s by default, and a call made meanwhile fails at once
  // with UNAVAILABLE: after a collector restart every retry would fail for minutes. Keep the
  // reconnect cadence in line with our own retry schedule instead.
  const auto max_reconnect = std::clamp<int64_t>(options_.retry.max_backoff.count(), 1000, 120000);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, static_cast<int>(max_reconnect));
  channel_ = grpc::CreateCustomChannel(target.address, credentials, args);
  stub_ = std::make_unique<grpc::GenericStub>(channel_);
}

bool OtlpGrpcTransport::Shutdown(milliseconds timeout) noexcept {
  return gate_.Shutdown(timeout, [this] {
    // Not under the gate's lock: TryCancel may run the call's completion callback inline.
    std::lock_guard<std::mutex> lock(call_mutex_);
    if (active_call_ != nullptr) active_call_->TryCancel();
  });
}

// Plaintext, or TLS with the configured root CA and client certificate; nullptr (after a
// warning) when a PEM file cannot be read.
std::shared_ptr<grpc::ChannelCredentials> OtlpGrpcTransport::MakeCredentials(bool tls) {
  if (!tls) return grpc::InsecureChannelCredentials();
  const std::string dropped = std::string("; ") + labels_.items + " are dropped";
  grpc::SslCredentialsOptions ssl;
  if (!options_.certificate_file.empty() && !ReadFile(options_.certificate_file, ssl.pem_root_certs)) {
    Warn("cannot read the certificate file \"" + options_.certificate_file + "\"" + dropped);
    return nullptr;
  }
  const bool has_cert = !options_.client_certificate_file.empty();
  const bool has_key = !options_.client_key_file.empty();
  if (has_cert != has_key) {
    Warn("a client certificate needs both a certificate and a key file" + dropped);
    return nullptr;
  }
  if (has_cert && !ReadFile(options_.client_certificate_file, ssl.pem_cert_chain)) {
    Warn("cannot read the client certificate file \"" + options_.client_certificate_file + "\"" +
         dropped);
    return nullptr;
  }
  if (has_key && !ReadFile(options_.client_key_file, ssl.pem_private_key)) {
    Warn("cannot read the client key file \"" + options_.client_key_file + "\"" + dropped);
    return nullptr;
  }
  return grpc::SslCredentials(ssl);
}

sdk::ExportResult OtlpGrpcTransport::SendBody(std::string body) {
  if (body.size() > kMaxRequestBytes) {
    Warn("request of " + std::to_string(body.size()) + " bytes exceeds the OTLP limit of " +
         std::to_string(kMaxRequestBytes) + "; batch dropped");
    return sdk::ExportResult::kFailure;
  }
  // One buffer for all attempts: each call takes its own reference to the slice.
  const grpc::ByteBuffer request = TakeIntoByteBuffer(std::move(body));
  return SendWithRetries(request);
}

// As for OTLP/HTTP, every attempt and wait of one export fits in max_attempts × timeout, so
// Export stays bounded whatever RetryInfo a server sends.
sdk::ExportResult OtlpGrpcTransport::SendWithRetries(const grpc::ByteBuffer& request) {
  const std::string dropped = std::string("; ") + labels_.items + " dropped";
  const uint32_t max_attempts = std::max<uint32_t>(options_.retry.max_attempts, 1);
  const milliseconds per_attempt = std::clamp(options_.timeout, milliseconds(1), kMaxExportTime);
  const milliseconds budget = per_attempt.count() >= kMaxExportTime.count() / max_attempts
                                  ? kMaxExportTime
                                  : per_attempt * max_attempts;
  const auto deadline = steady_clock::now() + budget;
  for (uint32_t attempt = 1;; ++attempt) {
    auto remaining = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
    grpc::ByteBuffer response;
    std::optional<grpc::Status> status =
        Call(request, std::clamp(remaining, milliseconds(1), per_attempt), response);
    if (!status) return sdk::ExportResult::kFailure;  // shut down
    if (status->ok()) {
      HandleResponse(response);
      return sdk::ExportResult::kSuccess;
    }

    std::optional<milliseconds> server_delay =
        RetryDelayFromGrpcStatusDetails(status->error_details());
    const grpc::StatusCode code = status->error_code();
    // RESOURCE_EXHAUSTED is retried only when the server says when (RetryInfo): without it the
    // limit is not expected to clear by itself (e.g. a message too large).
    const bool retryable = IsRetryableGrpcCode(code) ||
                           (code == grpc::StatusCode::RESOURCE_EXHAUSTED && server_delay);
    std::string failure = std::string(CodeName(code));
    if (!status->error_message().empty()) failure += ": " + Quote(status->error_message());

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

// One unary call. Returns nullopt when Shutdown came first or ended the call.
std::optional<grpc::Status> OtlpGrpcTransport::Call(const grpc::ByteBuffer& request,
                                                    milliseconds timeout,
                                                    grpc::ByteBuffer& response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  for (const auto& [key, value] : metadata_) context.AddMetadata(key, value);
  if (options_.gzip) context.set_compression_algorithm(GRPC_COMPRESS_GZIP);

  {
    // Shutdown is shut_down() before it looks at active_call_, so either this sees it or Shutdown
    // sees the call and cancels it.
    std::lock_guard<std::mutex> call_lock(call_mutex_);
    if (gate_.shut_down()) return std::nullopt;
    active_call_ = &context;
  }
  grpc::Status status;
  bool done = false;
  std::mutex done_mutex;
  std::condition_variable done_cv;
  // The callback may run on a gRPC thread or inline, so no lock is held while starting the call.
  // It notifies under the lock: once the wait below sees done, the callback no longer touches
  // done_cv.
  stub_->UnaryCall(&context, method_, grpc::StubOptions(), &request, &response,
                   [&](grpc::Status s) {
                     std::lock_guard<std::mutex> lock(done_mutex);
                     status = std::move(s);
                     done = true;
                     done_cv.notify_all();
                   });
  // Always wait for completion: context and response must outlive the call. The deadline (or
  // a TryCancel from Shutdown) guarantees it comes.
  {
    std::unique_lock<std::mutex> lock(done_mutex);
    done_cv.wait(lock, [&] { return done; });
  }
  std::lock_guard<std::mutex> call_lock(call_mutex_);
  active_call_ = nullptr;
  // A call that completed before the cancellation still counts: the data was delivered.
  if (gate_.shut_down() && !status.ok()) return std::nullopt;
  return status;
}

void OtlpGrpcTransport::HandleResponse(const grpc::ByteBuffer& response) {
  std::string body;
  std::vector<grpc::Slice> slices;
  if (response.Valid() && response.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices)
      body.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  PartialSuccess partial;
  if (!ParseExportResponseProto(body, partial)) {
    Warn(std::string("the server accepted the ") + labels_.items +
         " but its response could not be parsed");
    return;
  }
  // OTLP: partial success is never retried. The count stays out of the message so that it is
  // logged once per distinct server message.
  if (partial.rejected != 0 || !partial.error_message.empty()) {
    Warn(std::string("partial success: the server rejected some ") + labels_.rejected + ": " +
         Quote(partial.error_message));
  }
}

// Once per distinct message. Never includes header values, which may hold credentials.
void OtlpGrpcTransport::Warn(const std::string& message) {
  sdk::env::WarnOnce(std::string("OTLP/gRPC ") + labels_.exporter + " (" + display_endpoint_ +
                     "): " + message);
}

}  // namespace adot::exporters::otlp
