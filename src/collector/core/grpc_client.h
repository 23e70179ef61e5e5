// A unary gRPC client on nghttp2 for the collector's otlp exporter: blocking calls from the
// exporter's sender threads, each on its own HTTP/2 connection taken from a pool (kept alive and
// reused), with deadlines (grpc-timeout), gzip, metadata, RetryInfo and Cancel().
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "collector/core/grpc_wire.h"
#include "collector/core/net_client.h"

namespace adot::collector {

struct GrpcClientOptions {
  std::string host;
  uint16_t port = 0;
  bool tls = false;
  TlsClientOptions tls_options;
  bool gzip = false;
  int gzip_level = 0;  // 1-9; 0 = zlib's default
  std::vector<std::pair<std::string, std::string>> metadata;  // lower-case keys
  std::string user_agent = "adot-collector";
};

struct GrpcCallResult {
  grpc_wire::Code code = grpc_wire::Code::kOk;
  std::string message;
  int64_t retry_delay_ms = -1;  // from RetryInfo; -1 when none
  std::string response;         // the response message
  bool cancelled = false;
};

class GrpcClient {
 public:
  explicit GrpcClient(GrpcClientOptions options);
  ~GrpcClient();
  // Loads TLS files; call once before Call.
  Status Init();
  // A unary call. Transport failures come back as UNAVAILABLE (or DEADLINE_EXCEEDED).
  GrpcCallResult Call(const std::string& method, std::string_view request, std::chrono::milliseconds timeout);
  // Cancels every call in progress and every later one.
  void CancelAll();

  struct Connection;

 private:
  std::unique_ptr<Connection> Take();
  void Give(std::unique_ptr<Connection> c);

  GrpcClientOptions options_;
  std::shared_ptr<TlsClientContext> tls_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::set<Connection*> busy_;
  bool cancelled_ = false;
};

}  // namespace adot::collector
