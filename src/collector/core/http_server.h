// A small HTTP/1.1 server on Boost.Beast used by the OTLP/HTTP receiver, health_check and the
// self-telemetry endpoint: a fixed set of io threads, keep-alive, a request body limit (413), idle
// timeouts, and a graceful Stop that lets requests in progress finish.
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
  std::string Header(const std::string& lower_name) const;
};

struct HttpServerResponse {
  int status = 200;
  std::string content_type = "text/plain";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpServerOptions {
  std::string endpoint = "localhost:0";  // host:port; host may be empty (all interfaces)
  size_t max_request_body = 20 * 1024 * 1024;
  int threads = 2;
  std::chrono::seconds idle_timeout{60};
};

class HttpServer {
 public:
  // Runs on an io thread; may block (it then holds that thread).
  using Handler = std::function<void(const HttpServerRequest&, HttpServerResponse&)>;

  HttpServer(HttpServerOptions options, Handler handler);
  ~HttpServer();
  // Resolves and binds the endpoint and starts the io threads.
  Status Start();
  uint16_t port() const;
  // Stops accepting, closes idle connections, waits for requests in progress until deadline.
  void Stop(std::chrono::steady_clock::time_point deadline);

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// Splits "host:port" ("[::1]:4318" too). False if malformed.
bool SplitHostPort(const std::string& endpoint, std::string& host, uint16_t& port);

}  // namespace adot::collector
