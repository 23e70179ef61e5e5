// A real HTTP/1.1 server on loopback for tests: records every request and answers from a script.
//
//   adot::test::HttpTestServer server;                 // listening on 127.0.0.1:<random port>
//   server.Enqueue(adot::test::TestResponse::Status(503).WithHeader("Retry-After", "1"));
//   // ... point a client at server.Url("/v1/traces") ...
//   ASSERT_TRUE(server.WaitForRequests(2, std::chrono::seconds(5)));
//   auto requests = server.Requests();                  // method, target, headers, body
//
// Answers come from, in order of precedence: stall mode, the handler, the queue of scripted
// responses, the default response (200 with an empty body). The server runs on its own thread;
// every method here is thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace adot::test {

using TestHeaders = std::vector<std::pair<std::string, std::string>>;

struct RecordedRequest {
  std::string method;       // "POST"
  std::string target;       // path and query, "/v1/traces"
  TestHeaders headers;      // in arrival order, names as the client wrote them
  std::string body;         // decompressed when the request had Content-Encoding: gzip
  std::string raw_body;     // the bytes on the wire
  bool gzip_error = false;  // Content-Encoding: gzip, but the body did not decompress
  uint64_t connection = 0;  // which accepted connection carried it: 1, 2, ...
  std::chrono::steady_clock::time_point received;

  // The first value of a header (name compared case-insensitively), or empty.
  std::string_view Header(std::string_view name) const;
  bool HasHeader(std::string_view name) const;
};

struct TestResponse {
  enum class Action {
    kRespond,  // send status, headers, body
    kStall,    // keep the connection open and never answer
    kClose,    // close the connection without answering
  };
  Action action = Action::kRespond;
  int status = 200;
  TestHeaders headers;  // Content-Length is added unless chunked
  std::string body;
  bool chunked = false;                // send the body with Transfer-Encoding: chunked
  std::chrono::milliseconds delay{0};  // wait this long before answering

  static TestResponse Status(int status, std::string body = {});
  static TestResponse Stall();
  static TestResponse Close();
  TestResponse& WithHeader(std::string name, std::string value);
  TestResponse& WithDelay(std::chrono::milliseconds d);
};

class HttpTestServer {
 public:
  // Runs on the server thread, once per request; its answer wins over the queue.
  using Handler = std::function<TestResponse(const RecordedRequest&)>;

  // Starts listening on 127.0.0.1, port 0. Throws std::runtime_error if it cannot.
  HttpTestServer();
  ~HttpTestServer();
  HttpTestServer(const HttpTestServer&) = delete;
  HttpTestServer& operator=(const HttpTestServer&) = delete;

  uint16_t port() const;
  // "http://127.0.0.1:<port>" + path.
  std::string Url(std::string_view path = "/") const;

  // Answers the next request that the handler does not take. Responses are used once each.
  void Enqueue(TestResponse response);
  // Answers requests when the queue is empty.
  void SetDefaultResponse(TestResponse response);
  void SetHandler(Handler handler);
  // While on, every request is recorded and never answered (the connection stays open).
  void SetStall(bool stall);

  std::vector<RecordedRequest> Requests() const;
  void ClearRequests();
  size_t RequestCount() const;
  // Waits until at least count requests have been recorded; false on timeout.
  bool WaitForRequests(size_t count, std::chrono::milliseconds timeout) const;
  // Connections accepted so far (shows keep-alive).
  uint64_t ConnectionCount() const;

  // Closes the listener and every connection, then joins the thread. Idempotent; not to be
  // called from a handler. The destructor calls it.
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A loopback port that refuses connections while this object lives: it is bound but not
// listening, so no other test can take it meanwhile.
class ClosedPort {
 public:
  ClosedPort();  // throws std::runtime_error if no port can be bound
  ~ClosedPort();
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;

  uint16_t port() const { return port_; }
  std::string Url(std::string_view path = "/") const;

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace adot::test
