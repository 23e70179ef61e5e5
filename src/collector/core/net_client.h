// A blocking TCP connection, plain or TLS (OpenSSL), with a deadline on every call and Cancel()
// from another thread. The exporters' sender threads each hold one while they send; the gRPC
// client (grpc_client.h) speaks HTTP/2 over it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "collector/core/status.h"

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace adot::collector {

// Client-side TLS (Go's configtls.ClientConfig subset).
struct TlsClientOptions {
  bool enabled = false;
  std::string ca_file;    // PEM roots; the system roots when empty
  std::string cert_file;  // client certificate (mTLS), with key_file
  std::string key_file;
  bool insecure_skip_verify = false;
  std::string server_name;  // SNI and the name checked; the connection's host when empty
};

// One TLS configuration, loaded once and shared by every connection of a client.
class TlsClientContext {
 public:
  // alpn: protocols offered, e.g. {"h2"}.
  static Status Create(const TlsClientOptions& options, const std::vector<std::string>& alpn,
                       std::shared_ptr<TlsClientContext>& out);
  ~TlsClientContext();
  SSL_CTX* native() const { return ctx_; }
  const TlsClientOptions& options() const { return options_; }

 private:
  SSL_CTX* ctx_ = nullptr;
  TlsClientOptions options_;
};

class NetConnection {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  NetConnection();
  ~NetConnection();
  NetConnection(const NetConnection&) = delete;
  NetConnection& operator=(const NetConnection&) = delete;

  // Resolves host, connects (each address in turn) and, with tls, handshakes. Errors are retryable
  // (the endpoint may come back) except a failed certificate check, which is permanent.
  Status Connect(const std::string& host, uint16_t port, const std::shared_ptr<TlsClientContext>& tls,
                 Deadline deadline);
  // TLS over the open connection (after an HTTP proxy's CONNECT): host is the name checked.
  Status StartTls(const std::string& host, const std::shared_ptr<TlsClientContext>& tls, Deadline deadline);
  Status Write(std::string_view data, Deadline deadline);
  // Reads at least one byte; n == 0 means the peer closed the connection.
  Status ReadSome(char* buffer, size_t capacity, size_t& n, Deadline deadline);
  // The protocol chosen by ALPN ("" without TLS or when none was chosen).
  std::string alpn() const;
  bool connected() const { return fd_ >= 0; }
  void Close();
  // From any thread: every blocked and later call fails at once with "cancelled".
  void Cancel();
  bool cancelled() const { return cancelled_.load(); }

 private:
  enum class Want { kRead, kWrite };
  // Waits until the socket is ready for `want`; false with status set on timeout or cancel.
  bool Wait(Want want, Deadline deadline, Status& status);

  int fd_ = -1;
  int wake_fd_ = -1;  // eventfd written by Cancel()
  SSL* ssl_ = nullptr;
  std::shared_ptr<TlsClientContext> tls_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace adot::collector
