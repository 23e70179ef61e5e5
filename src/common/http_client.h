// A small libcurl-based HTTP client for exporters and detectors.
//
// One HttpClient owns one connection cache, so consecutive requests to the same host reuse the
// connection (keep-alive). It is meant for one calling thread (e.g. an exporter's thread): Send()
// must not be called concurrently. Cancel() may be called from any thread at any time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace adot::common {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpClientOptions {
  // PEM files. Empty means the system trust store / no client certificate.
  std::string ca_file;
  std::string client_cert_file;
  std::string client_key_file;
  // Disables certificate and host name verification. Only for explicit user requests.
  bool insecure_skip_verify = false;
  // Larger response bodies fail the request with HttpError::kResponseTooLarge.
  size_t max_response_bytes = 4 * 1024 * 1024;
  // Sent with every request, before the request's own headers.
  HttpHeaders headers;
  // An HTTP proxy, "http://host:port": https requests go through a CONNECT tunnel, http requests
  // to the proxy in absolute form. Empty: none (libcurl still honours the *_proxy variables).
  std::string proxy;
};

struct HttpRequest {
  std::string method = "POST";  // POST, PUT, GET, ...
  std::string url;
  HttpHeaders headers;
  std::string_view body;                     // must stay valid during Send()
  std::chrono::milliseconds timeout{10000};  // whole request, connect included
  bool gzip = false;                         // compress the body and send Content-Encoding: gzip
  int gzip_level = 0;                        // 1 (fastest) to 9 (smallest); 0 = zlib's default
};

enum class HttpError {
  kNone,              // a response arrived (of any status)
  kConnection,        // could not resolve/connect, or the connection broke before a full response
  kTimeout,           // the request's timeout elapsed
  kResponseTooLarge,  // the body exceeded max_response_bytes
  kCancelled,         // Cancel() was called
  kInvalid,           // bad URL or options, TLS set-up or verification failure, other local error
};

const char* HttpErrorName(HttpError error);

struct HttpResponse {
  HttpError error = HttpError::kNone;
  std::string error_message;  // set when error != kNone
  long status = 0;            // 0 when no response arrived
  HttpHeaders headers;        // names in lower case, in arrival order
  std::string body;

  bool ok() const { return error == HttpError::kNone && status >= 200 && status < 300; }
  // The first value of a header (name compared case-insensitively), or empty.
  std::string_view Header(std::string_view name) const;
  // Empties the response but keeps buffer capacity.
  void Clear();
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Performs the request; response is overwritten (its buffers are reused). Never throws.
  void Send(const HttpRequest& request, HttpResponse& response) noexcept;

  // Aborts the request in progress within milliseconds and makes every later Send() fail with
  // kCancelled. Thread-safe; cannot be undone.
  void Cancel() noexcept;
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace adot::common
