// HttpClient against the loopback test server: headers, bodies, gzip, keep-alive, limits,
// failures and cancellation.
#include "common/http_client.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <future>
#include <thread>

#include "common/gzip.h"
#include "support/http_test_server.h"

namespace adot::common {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;
using test::ClosedPort;
using test::HttpTestServer;
using test::TestResponse;
using ::testing::HasSubstr;

// Loopback traffic must never go through a proxy configured in the environment.
const bool kNoProxies = [] {
  for (const char* name :
       {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"})
    unsetenv(name);
  return true;
}();

HttpRequest Post(std::string url, std::string_view body) {
  HttpRequest request;
  request.url = std::move(url);
  request.body = body;
  request.timeout = seconds(10);
  return request;
}

TEST(HttpClientTest, PostsHeadersAndBodyAndReadsTheResponse) {
  HttpTestServer server;
  server.Enqueue(TestResponse::Status(202, "accepted!")
                     .WithHeader("Retry-After", "7")
                     .WithHeader("Content-Type", "text/plain"));
  HttpClientOptions options;
  options.headers = {{"User-Agent", "test-agent/1"}, {"X-Empty", ""}};
  HttpClient client(options);
  HttpRequest request = Post(server.Url("/v1/traces?q=1"), "payload bytes");
  request.headers = {{"X-Request", "r1"}};
  HttpResponse response;
  client.Send(request, response);

  EXPECT_EQ(response.error, HttpError::kNone) << response.error_message;
  EXPECT_EQ(response.status, 202);
  EXPECT_EQ(response.body, "accepted!");
  EXPECT_EQ(response.Header("retry-after"), "7");
  EXPECT_EQ(response.Header("Content-Type"), "text/plain");
  EXPECT_TRUE(response.ok());

  ASSERT_EQ(server.RequestCount(), 1u);
  const auto r = server.Requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/v1/traces?q=1");
  EXPECT_EQ(r.body, "payload bytes");
  EXPECT_EQ(r.Header("user-agent"), "test-agent/1");
  EXPECT_TRUE(r.HasHeader("X-Empty"));
  EXPECT_EQ(r.Header("X-Request"), "r1");
  EXPECT_EQ(r.Header("Content-Length"), "13");
  EXPECT_FALSE(r.HasHeader("Content-Encoding"));
  EXPECT_FALSE(r.HasHeader("Expect"));
}

TEST(HttpClientTest, GzipsTheBody) {
  HttpTestServer server;
  HttpClient client;
  std::string body;
  for (int i = 0; i < 20000; ++i) body += "repeated text ";
  HttpRequest request = Post(server.Url("/"), body);
  request.gzip = true;
  HttpResponse response;
  client.Send(request, response);
  ASSERT_TRUE(response.ok()) << response.error_message;
  const auto r = server.Requests().at(0);
  EXPECT_EQ(r.Header("Content-Encoding"), "gzip");
  EXPECT_FALSE(r.gzip_error);
  EXPECT_EQ(r.body, body);
  EXPECT_LT(r.raw_body.size(), body.size() / 10);
}

TEST(HttpClientTest, LargeBodiesAreSentWithoutExpectContinue) {
  HttpTestServer server;
  HttpClient client;
  std::string body(3 << 20, 'b');
  HttpResponse response;
  client.Send(Post(server.Url("/"), body), response);
  ASSERT_TRUE(response.ok()) << response.error_message;
  const auto r = server.Requests().at(0);
  EXPECT_EQ(r.body.size(), body.size());
  EXPECT_FALSE(r.HasHeader("Expect"));
}

TEST(HttpClientTest, EmptyBodyAndOtherMethods) {
  HttpTestServer server;
  HttpClient client;
  HttpResponse response;
  client.Send(Post(server.Url("/empty"), ""), response);
  ASSERT_TRUE(response.ok()) << response.error_message;
  HttpRequest get = Post(server.Url("/get"), "");
  get.method = "GET";
  client.Send(get, response);
  ASSERT_TRUE(response.ok()) << response.error_message;
  HttpRequest put = Post(server.Url("/put"), "token");
  put.method = "PUT";
  client.Send(put, response);
  ASSERT_TRUE(response.ok()) << response.error_message;
  HttpRequest post_again = Post(server.Url("/post"), "x");
  client.Send(post_again, response);
  ASSERT_TRUE(response.ok()) << response.error_message;

  const auto requests = server.Requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].Header("Content-Length"), "0");
  EXPECT_EQ(requests[1].method, "GET");
  EXPECT_EQ(requests[2].method, "PUT");
  EXPECT_EQ(requests[2].body, "token");
  EXPECT_EQ(requests[3].method, "POST");
  EXPECT_EQ(requests[3].body, "x");
}

TEST(HttpClientTest, ReusesTheConnection) {
  HttpTestServer server;
  HttpClient client;
  HttpResponse response;
  for (int i = 0; i < 5; ++i) {
    client.Send(Post(server.Url("/"), "x"), response);
    ASSERT_TRUE(response.ok()) << response.error_message;
  }
  EXPECT_EQ(server.RequestCount(), 5u);
  EXPECT_EQ(server.ConnectionCount(), 1u);
}

TEST(HttpClientTest, ForkedChildOpensItsOwnConnection) {
  HttpTestServer server;
  HttpClient client;
  HttpResponse response;
  client.Send(Post(server.Url("/"), "parent"), response);
  ASSERT_TRUE(response.ok()) << response.error_message;
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    HttpResponse child_response;
    client.Send(Post(server.Url("/"), "child"), child_response);
    _exit(child_response.ok() ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  client.Send(Post(server.Url("/"), "parent again"), response);
  ASSERT_TRUE(response.ok()) << response.error_message;
  auto requests = server.Requests();
  ASSERT_EQ(requests.size(), 3u);
  // The child never wrote on the parent's connection, and the parent's still works.
  EXPECT_EQ(requests[1].body, "child");
  EXPECT_NE(requests[1].connection, requests[0].connection);
  EXPECT_EQ(requests[2].connection, requests[0].connection);
}

TEST(HttpClientTest, ErrorStatusesAreResponsesNotErrors) {
  HttpTestServer server;
  server.Enqueue(TestResponse::Status(503, "busy"));
  HttpClient client;
  HttpResponse response;
  client.Send(Post(server.Url("/"), "x"), response);
  EXPECT_EQ(response.error, HttpError::kNone);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.body, "busy");
  EXPECT_FALSE(response.ok());
}

TEST(HttpClientTest, ResponseBodyLimit) {
  HttpTestServer server;
  HttpClientOptions options;
  options.max_response_bytes = 1000;
  HttpClient client(options);
  HttpResponse response;

  server.Enqueue(TestResponse::Status(200, std::string(1000, 'a')));
  client.Send(Post(server.Url("/"), "x"), response);
  EXPECT_TRUE(response.ok()) << response.error_message;
  EXPECT_EQ(response.body.size(), 1000u);

  server.Enqueue(
      TestResponse::Status(200, std::string(1001, 'a')));  // Content-Length says too much
  client.Send(Post(server.Url("/"), "x"), response);
  EXPECT_EQ(response.error, HttpError::kResponseTooLarge);
  EXPECT_EQ(response.status, 0);
  EXPECT_TRUE(response.body.empty());

  TestResponse chunked = TestResponse::Status(200, std::string(5000, 'c'));
  chunked.chunked = true;  // no Content-Length: the limit is found while reading
  server.Enqueue(chunked);
  client.Send(Post(server.Url("/"), "x"), response);
  EXPECT_EQ(response.error, HttpError::kResponseTooLarge);
  EXPECT_THAT(response.error_message, HasSubstr("1000"));
}

TEST(HttpClientTest, DefaultLimitIsFourMebibytes) {
  HttpTestServer server;
  HttpClient client;
  HttpResponse response;
  TestResponse big = TestResponse::Status(200, std::string(4 * 1024 * 1024 + 1, 'a'));
  big.chunked = true;
  server.Enqueue(big);
  client.Send(Post(server.Url("/"), "x"), response);
  EXPECT_EQ(response.error, HttpError::kResponseTooLarge);
}

TEST(HttpClientTest, ConnectionRefused) {
  ClosedPort closed;
  HttpClient client;
  HttpResponse response;
  client.Send(Post(closed.Url("/v1/traces"), "x"), response);
  EXPECT_EQ(response.error, HttpError::kConnection);
  EXPECT_EQ(response.status, 0);
  EXPECT_THAT(response.error_message, HasSubstr("connect"));
}

TEST(HttpClientTest, ServerClosingWithoutAnswerIsAConnectionError) {
  HttpTestServer server;
  server.Enqueue(TestResponse::Close());
  HttpClient client;
  HttpResponse response;
  client.Send(Post(server.Url("/"), "x"), response);
  EXPECT_EQ(response.error, HttpError::kConnection) << response.error_message;
}

TEST(HttpClientTest, Timeout) {
  HttpTestServer server;
  server.Enqueue(TestResponse::Status(200).WithDelay(seconds(5)));
  HttpClient client;
  HttpRequest request = Post(server.Url("/"), "x");
  request.timeout = milliseconds(200);
  HttpResponse response;
  auto start = steady_clock::now();
  client.Send(request, response);
  EXPECT_EQ(response.error, HttpError::kTimeout) << response.error_message;
  EXPECT_LT(steady_clock::now() - start, seconds(4));
}

TEST(HttpClientTest, CancelAbortsARequestInFlightAndLaterOnes) {
  HttpTestServer server;
  server.SetStall(true);
  HttpClient client;
  HttpResponse response;
  auto sent = std::async(std::launch::async, [&] {
    HttpRequest request = Post(server.Url("/"), "x");
    request.timeout = seconds(60);
    client.Send(request, response);
  });
  ASSERT_TRUE(server.WaitForRequests(1, seconds(10)));
  client.Cancel();
  ASSERT_EQ(sent.wait_for(seconds(5)), std::future_status::ready);
  EXPECT_EQ(response.error, HttpError::kCancelled);

  client.Send(Post(server.Url("/"), "x"), response);
  EXPECT_EQ(response.error, HttpError::kCancelled);
  EXPECT_EQ(server.RequestCount(), 1u);
}

TEST(HttpClientTest, InvalidHeadersAreRefusedBeforeSending) {
  HttpTestServer server;
  HttpClient client;
  HttpResponse response;
  HttpRequest request = Post(server.Url("/"), "x");
  request.headers = {{"X-Bad", "v\r\nInjected: 1"}};
  client.Send(request, response);
  EXPECT_EQ(response.error, HttpError::kInvalid);
  EXPECT_THAT(response.error_message, HasSubstr("X-Bad"));
  EXPECT_THAT(response.error_message, ::testing::Not(HasSubstr("Injected")));

  HttpClientOptions options;
  options.headers = {{"Bad Name", "v"}};
  HttpClient bad_client(options);
  bad_client.Send(Post(server.Url("/"), "x"), response);
  EXPECT_EQ(response.error, HttpError::kInvalid);
  EXPECT_EQ(server.RequestCount(), 0u);
}

TEST(HttpClientTest, UnsupportedUrlsAreInvalid) {
  HttpClient client;
  HttpResponse response;
  client.Send(Post("ftp://127.0.0.1/x", "x"), response);
  EXPECT_EQ(response.error, HttpError::kInvalid) << response.error_message;
  client.Send(Post("", "x"), response);
  EXPECT_EQ(response.error, HttpError::kInvalid) << response.error_message;
  client.Send(Post("http://", "x"), response);
  EXPECT_NE(response.error, HttpError::kNone);
}

TEST(HttpClientTest, MissingCaFileFailsTlsSetup) {
  HttpTestServer server;  // plain HTTP: the TLS handshake fails or the CA file is rejected first
  HttpClientOptions options;
  options.ca_file = "/nonexistent/ca.pem";
  HttpClient client(options);
  HttpResponse response;
  HttpRequest request = Post("https://127.0.0.1:" + std::to_string(server.port()) + "/", "x");
  request.timeout = seconds(5);
  client.Send(request, response);
  EXPECT_NE(response.error, HttpError::kNone);
  EXPECT_FALSE(response.error_message.empty());
}

// The test server's own features that the cases above do not use.
TEST(HttpTestServerTest, HandlerAnswersAndSeesTheRequest) {
  HttpTestServer server;
  server.Enqueue(TestResponse::Status(500));  // the handler wins over the queue
  server.SetHandler([](const test::RecordedRequest& r) {
    return TestResponse::Status(r.target == "/teapot" ? 418 : 200, "echo:" + r.body);
  });
  HttpClient client;
  HttpResponse response;
  client.Send(Post(server.Url("/teapot"), "tea"), response);
  EXPECT_EQ(response.status, 418);
  EXPECT_EQ(response.body, "echo:tea");
  client.Send(Post(server.Url("/other"), "x"), response);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(server.RequestCount(), 2u);
  server.ClearRequests();
  EXPECT_EQ(server.RequestCount(), 0u);
}

TEST(HttpTestServerTest, StopClosesStalledConnections) {
  HttpTestServer server;
  server.SetStall(true);
  HttpClient client;
  HttpResponse response;
  auto sent = std::async(std::launch::async, [&] {
    HttpRequest request = Post(server.Url("/"), "x");
    request.timeout = seconds(60);
    client.Send(request, response);
  });
  ASSERT_TRUE(server.WaitForRequests(1, seconds(10)));
  server.Stop();
  ASSERT_EQ(sent.wait_for(seconds(10)), std::future_status::ready);
  EXPECT_EQ(response.error, HttpError::kConnection) << response.error_message;
  server.Stop();  // idempotent
}

}  // namespace
}  // namespace adot::common
