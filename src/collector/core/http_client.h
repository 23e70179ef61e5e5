// The collector's HTTP/1.1 client (otlphttp exporter, resource detectors): the request and
// response shapes of common/http_client.h, on a NetConnection (plain or TLS) with keep-alive,
// instead of libcurl, which the collector does not link (it costs ~3.5 MiB of RSS in libraries the
// collector never needs: LDAP, RTMP, SSH, GnuTLS...). An HTTP proxy when options.proxy is set.
//
// One client is one connection, used by one thread at a time; Cancel() from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "collector/core/net_client.h"
#include "common/http_client.h"

namespace adot::collector {

class HttpClient {
 public:
  // options.headers go with every request; TLS files are loaded at the first https request.
  explicit HttpClient(common::HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Never throws; response is overwritten.
  void Send(const common::HttpRequest& request, common::HttpResponse& response);
  // Aborts the request in progress and every later one (kCancelled).
  void Cancel();

  // The Host header and request target Send() writes for url: "example.com", "[::1]:8443";
  // "/v1/traces?a=b". False (and error) when Send() would refuse the URL.
  static bool HostAndTarget(const std::string& url, std::string& host, std::string& target, std::string& error);
  // False for a header Send() leaves out (a name with CR, LF or ':', a value with CR or LF).
  static bool SendableHeader(std::string_view name, std::string_view value);

 private:
  struct Target {
    bool tls = false;
    std::string host;
    uint16_t port = 0;
    std::string path;  // with the query
  };
  static bool ParseUrl(const std::string& url, Target& target, std::string& error);
  static std::string HostHeader(const Target& target);
  static std::string AbsoluteForm(const Target& target);
  // Connects to the proxy and, for an https target, opens a CONNECT tunnel and starts TLS in it.
  Status ConnectThroughProxy(const Target& proxy, const Target& target, NetConnection::Deadline deadline);
  // One attempt on the open connection; nothing_received: it failed before any response byte.
  void Exchange(const Target& t, const std::string& request_target, const common::HttpRequest& req,
                std::string_view body, NetConnection::Deadline deadline, common::HttpResponse& resp,
                bool& nothing_received);

  common::HttpClientOptions options_;
  std::shared_ptr<TlsClientContext> tls_;
  NetConnection conn_;
  std::string conn_key_;  // "scheme://host:port" of the open connection
};

// A response as far as the transport goes: OK when an answer arrived (whatever its status),
// permanent when the request was cancelled or could not be sent at all (a bad URL, TLS files),
// otherwise retryable (connection refused or reset, timeout).
Status TransportStatus(const common::HttpResponse& response);

// HttpClient is single-threaded: a pool gives each concurrent sender thread one, reused across
// requests (keep-alive), and cancels those in use at shutdown.
class HttpClientPool {
 public:
  explicit HttpClientPool(common::HttpClientOptions options) : options_(std::move(options)) {}
  // Sends on a pooled client (after CancelAll(), fails at once with kCancelled).
  void Send(const common::HttpRequest& request, common::HttpResponse& response);
  void CancelAll();

 private:
  std::unique_ptr<HttpClient> Take();
  void Give(std::unique_ptr<HttpClient> client);

  common::HttpClientOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<HttpClient>> free_;
  std::set<HttpClient*> busy_;
  bool cancelled_ = false;
};

}  // namespace adot::collector
