// The collector's HTTP server on Boost.Asio: HTTP/1.1 (Beast) and HTTP/2 (nghttp2) on the same
// port, plain or TLS. Used by the OTLP receiver (HTTP/1.1 for OTLP/HTTP, HTTP/2 for OTLP/gRPC),
// health_check and the self-telemetry endpoint. A fixed set of io threads, keep-alive, a request body
// limit, idle timeouts, and a graceful Stop that lets requests in progress finish.
//
// HTTP/2 is detected from the client's connection preface (prior knowledge, as gRPC clients speak
// it) or chosen by ALPN ("h2") on TLS connections. Handlers see the same request/response shapes for
// both protocols; HTTP/2 responses may carry trailers (gRPC's grpc-status).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "collector/core/status.h"

namespace adot::collector {

struct HttpServerRequest {
  std::string method;
  std::string target;  // path and query
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;
  bool http2 = false;
  // HTTP/2 only: the body went past max_request_body; `body` is empty and the handler chooses the
  // answer (HTTP/1.1 requests that do this are answered 413 by the server itself).
  bool body_too_large = false;
  std::string Header(const std::string& lower_name) const;
};

struct HttpServerResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::vector<std::pair<std::string, std::string>> headers;  // HTTP/2: names must be lower case
  std::string body;
  // HTTP/2 only. Sent after the body; with an empty body they join the headers (gRPC trailers-only).
  std::vector<std::pair<std::string, std::string>> trailers;
};

// Server-side TLS (Go's configtls.ServerConfig subset). Enabled when cert_file is set.
struct TlsServerOptions {
  std::string cert_file;       // PEM certificate chain
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // when set, clients must present a certificate signed by it (mTLS)
  std::string min_version = "1.2";  // "1.2" or "1.3"
  bool enabled() const { return !cert_file.empty(); }
};

struct HttpServerOptions {
  std::string endpoint = "localhost:0";  // host:port; host may be empty (all interfaces)
  size_t max_request_body = 20 * 1024 * 1024;
  int threads = 2;
  std::chrono::seconds idle_timeout{60};
  TlsServerOptions tls;
};

class HttpServer {
 public:
  // Runs on an io thread; may block (it then holds that thread). It may take the request's body
  // (the server is done with the request when the handler returns).
  using Handler = std::function<void(HttpServerRequest&, HttpServerResponse&)>;

  HttpServer(HttpServerOptions options, Handler handler);
  ~HttpServer();
  // Loads the TLS files, resolves and binds the endpoint and starts the io threads.
  Status Start();
  uint16_t port() const;
  // Stops accepting, closes idle connections (HTTP/2: GOAWAY), waits for requests in progress
  // until deadline.
  void Stop(std::chrono::steady_clock::time_point deadline);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// The head of an HTTP/1.x response to r (status line, headers, blank line), in head. Server and
// Content-Type are set unless r.headers names them; the framing headers (Content-Length,
// Connection) are the server's, and a header with CR, LF or an empty name is left out. version is
// the request's (10 or 11); keep_alive says whether the connection stays open.
void FormatResponseHead(const HttpServerResponse& r, bool keep_alive, unsigned version, std::string& head);

// The CPUs this process may run on (its affinity mask; at least 1): the io thread count of the
// receivers' servers, so a collector pinned to one core runs one io thread per server.
int AvailableCpus();

// Splits "host:port" ("[::1]:4318" too). False if malformed.
bool SplitHostPort(const std::string& endpoint, std::string& host, uint16_t& port);

}  // namespace adot::collector
