// Runs the real tracecontext_test_service binary and drives it as the W3C suite does.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "common/http_client.h"
#include "support/http_test_server.h"

namespace {

using namespace std::chrono_literals;

class ServiceProcess {
 public:
  ServiceProcess() {
    int out[2];
    if (pipe(out) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      unsetenv("OTEL_PROPAGATORS");
      // No AWS detectors: the service must not look for instance metadata from a test.
      setenv("OTEL_RESOURCE_DETECTORS", "env,host,os,process", 1);
      execl(SERVICE_BINARY, SERVICE_BINARY, "--port", "0", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    FILE* in = fdopen(out[0], "r");
    char line[256] = {};
    if (in && std::fgets(line, sizeof(line), in)) {
      std::string text = line;
      size_t colon = text.rfind(':');
      if (text.rfind("listening on ", 0) == 0 && colon != std::string::npos) {
        port_ = std::stoi(text.substr(colon + 1));
      }
    }
    if (in) std::fclose(in);
  }
  ~ServiceProcess() { Stop(); }
  // Sends SIGTERM and returns the exit status (or -1).
  int Stop() {
    if (pid_ <= 0) return -1;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  int port() const { return port_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

adot::common::HttpResponse Post(int port, std::string_view body,
                                const adot::common::HttpHeaders& headers) {
  adot::common::HttpClient client;
  adot::common::HttpRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(port) + "/test";
  request.headers = headers;
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = body;
  adot::common::HttpResponse response;
  client.Send(request, response);
  return response;
}

TEST(TraceContextTestService, PropagatesThroughANewChildSpan) {
  adot::test::HttpTestServer harness;
  ServiceProcess service;
  ASSERT_GT(service.port(), 0);
  std::string body = R"([{"url": ")" + harness.Url("/callback") +
                     R"(", "arguments": [{"url": "http://127.0.0.1:1/next", "arguments": []}]}])";
  auto response = Post(service.port(), body,
                       {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
                        {"tracestate", "congo=t61rcWkgMzE"}});
  ASSERT_TRUE(response.ok()) << response.error_message << " " << response.status;
  ASSERT_TRUE(harness.WaitForRequests(1, 5s));
  auto callback = harness.Requests().at(0);
  EXPECT_EQ(callback.method, "POST");
  EXPECT_EQ(callback.target, "/callback");
  EXPECT_EQ(callback.body, R"([{"url":"http://127.0.0.1:1/next","arguments":[]}])");
  std::string traceparent(callback.Header("traceparent"));
  ASSERT_EQ(traceparent.size(), 55u) << traceparent;
  EXPECT_EQ(traceparent.substr(0, 36), "00-4bf92f3577b34da6a3ce929d0e0e4736-");
  EXPECT_NE(traceparent.substr(36, 16), "00f067aa0ba902b7");
  EXPECT_EQ(traceparent.substr(53, 2), "01");
  EXPECT_EQ(callback.Header("tracestate"), "congo=t61rcWkgMzE");
  EXPECT_EQ(service.Stop(), 0);
}

TEST(TraceContextTestService, InvalidTraceparentStartsANewTrace) {
  adot::test::HttpTestServer harness;
  ServiceProcess service;
  ASSERT_GT(service.port(), 0);
  std::string body = R"([{"url": ")" + harness.Url("/") + R"(", "arguments": []}])";
  // Two traceparent headers: the suite requires them to be ignored.
  auto response =
      Post(service.port(), body,
           {{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
            {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4737-00f067aa0ba902b7-01"}});
  ASSERT_TRUE(response.ok());
  ASSERT_TRUE(harness.WaitForRequests(1, 5s));
  std::string traceparent(harness.Requests().at(0).Header("traceparent"));
  ASSERT_EQ(traceparent.size(), 55u);
  EXPECT_EQ(traceparent.find("4bf92f3577b34da6a3ce929d0e0e473"), std::string::npos);
}

TEST(TraceContextTestService, MalformedBodyIsRejected) {
  ServiceProcess service;
  ASSERT_GT(service.port(), 0);
  auto response = Post(service.port(), "{not json", {});
  EXPECT_EQ(response.status, 400);
  response = Post(service.port(), "[]", {});
  EXPECT_EQ(response.status, 200);
}

}  // namespace
