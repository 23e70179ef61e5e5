// The cpp-httplib instrumentation: a real httplib::Server on 127.0.0.1 (port chosen by the
// kernel) driven by httplib::Client, with the SDK's in-memory exporter (or no SDK at all).
#include <httplib.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "adot/api/trace.h"
#include "adot/instrumentation/httplib.h"
#include "metrics_fixture.h"
#include "tracing_fixture.h"

namespace adot::instrumentation::httplib {
namespace {

using api::trace::SpanKind;
using api::trace::StatusCode;
using http_server::testing::ExceptionAttr;
using http_server::testing::HasAttr;
using http_server::testing::IntAttr;
using http_server::testing::StrAttr;
using instrumentation::testing::MetricsSdk;
using instrumentation::testing::PointInt;
using instrumentation::testing::PointKeys;
using instrumentation::testing::PointStr;
using instrumentation::testing::PointWith;

// What a handler saw of the context it ran in.
struct Seen {
  std::mutex mutex;
  std::string trace_id;
  std::string span_id;
  bool had_server_span = false;
};

class HttplibServerTest : public http_server::testing::TracingTest {
 protected:
  void SetUp() override {
    TracingTest::SetUp();
    InstrumentOptions options;
    options.exception_handler = nullptr;
    options.filter = [](const http_server::RequestInfo& info) { return info.target != "/health"; };
    // An application pre-routing hook, kept by the instrumentation: answers /answered itself.
    options.pre_routing_handler = [this](const ::httplib::Request& req, ::httplib::Response& res) {
      if (req.path != "/answered") return ::httplib::Server::HandlerResponse::Unhandled;
      res.status = 202;
      return ::httplib::Server::HandlerResponse::Handled;
    };
    if (app_exception_handler_) {
      options.exception_handler = [](const ::httplib::Request&, ::httplib::Response& res,
                                     std::exception_ptr) {
        res.status = 418;
        res.set_content("app handled it", "text/plain");
      };
    }
    Instrument(server_, std::move(options));

    Get(server_, "/api/adoptionlist/", [this](const ::httplib::Request&, ::httplib::Response& res) {
      // A child span: its parent must be the server span.
      auto child = api::trace::GetTracerProvider()->GetTracer("test")->StartSpan("load adoptions");
      child->End();
      Remember();
      res.set_content("[]", "application/json");
    });
    Get(server_, R"(/api/pets/(\d+))", [](const ::httplib::Request& req, ::httplib::Response& res) {
      res.set_content("pet " + std::string(req.matches[1]), "text/plain");
    });
    Post(server_, "/api/pets", [](const ::httplib::Request& req, ::httplib::Response& res,
                                  const ::httplib::ContentReader& reader) {
      std::string body;
      reader([&](const char* data, size_t size) {
        body.append(data, size);
        return true;
      });
      res.status = 201;
      res.set_content(body, "text/plain");
    });
    Get(server_, "/unavailable", [](const ::httplib::Request&, ::httplib::Response& res) {
      res.status = 503;
    });
    Get(server_, "/throw", [](const ::httplib::Request&, ::httplib::Response&) {
      throw std::runtime_error("boom");
    });
    // Registered on the server directly: no route known.
    server_.Get("/plain", [this](const ::httplib::Request&, ::httplib::Response& res) {
      Remember();
      res.set_content("plain", "text/plain");
    });
    server_.Get("/self/(.*)", [](const ::httplib::Request&, ::httplib::Response& res) {
      SetRoute("/self/{rest}");
      res.set_content("routed", "text/plain");
    });
    server_.Get("/health", [](const ::httplib::Request&, ::httplib::Response& res) {
      res.set_content("ok", "text/plain");
    });

    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ASSERT_TRUE(server_.is_running());
  }
  void TearDown() override {
    server_.stop();
    if (thread_.joinable()) thread_.join();
    TracingTest::TearDown();
  }

  void Remember() {
    auto span = api::trace::Tracer::GetCurrentSpan();
    std::lock_guard<std::mutex> lock(seen_.mutex);
    seen_.trace_id = span->GetContext().trace_id().ToHex();
    seen_.span_id = span->GetContext().span_id().ToHex();
    seen_.had_server_span = CurrentServerSpan() != nullptr;
  }

  ::httplib::Client Client() {
    ::httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(std::chrono::seconds(10));
    client.set_read_timeout(std::chrono::seconds(10));
    return client;
  }

  bool app_exception_handler_ = false;
  ::httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  Seen seen_;
};

TEST_F(HttplibServerTest, SpanNamedByRouteTemplateWithAttributes) {
  auto client = Client();
  auto res = client.Get("/api/pets/42?color=blue&sig=secret", {{"User-Agent", "adot-test/1.0"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "pet 42");

  auto s = OnlyServerSpan();
  EXPECT_EQ(s.name, R"(GET /api/pets/(\d+))");
  EXPECT_EQ(s.kind, SpanKind::kServer);
  EXPECT_EQ(s.scope().name, kInstrumentationName);
  EXPECT_EQ(StrAttr(s, "http.request.method"), "GET");
  EXPECT_EQ(StrAttr(s, "http.route"), R"(/api/pets/(\d+))");
  EXPECT_EQ(StrAttr(s, "url.path"), "/api/pets/42");
  EXPECT_EQ(StrAttr(s, "url.query"), "color=blue&sig=REDACTED");
  EXPECT_EQ(StrAttr(s, "url.scheme"), "http");
  EXPECT_EQ(IntAttr(s, "http.response.status_code"), 200);
  EXPECT_EQ(StrAttr(s, "server.address"), "127.0.0.1");  // from Host: 127.0.0.1:<port>
  EXPECT_EQ(IntAttr(s, "server.port"), port_);
  EXPECT_EQ(StrAttr(s, "client.address"), "127.0.0.1");
  EXPECT_GT(IntAttr(s, "client.port"), 0);
  EXPECT_EQ(StrAttr(s, "network.peer.address"), "127.0.0.1");
  EXPECT_EQ(IntAttr(s, "network.peer.port"), IntAttr(s, "client.port"));
  EXPECT_EQ(StrAttr(s, "network.protocol.version"), "1.1");
  EXPECT_EQ(StrAttr(s, "user_agent.original"), "adot-test/1.0");
  EXPECT_EQ(s.status_code, StatusCode::kUnset);
  EXPECT_FALSE(HasAttr(s, "error.type"));
  // No incoming context: a new trace.
  EXPECT_FALSE(s.has_parent());
  EXPECT_TRUE(s.trace_id.IsValid());
}

TEST_F(HttplibServerTest, ParentFromTraceparent) {
  auto client = Client();
  auto res = client.Get("/api/adoptionlist/", {{"traceparent", std::string(http_server::testing::kTraceParent)}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  auto spans = Spans();
  auto server = OnlyOfKind(spans, SpanKind::kServer);
  EXPECT_EQ(server.name, "GET /api/adoptionlist/");
  EXPECT_EQ(server.trace_id.ToHex(), http_server::testing::kTraceId);
  EXPECT_EQ(server.parent_span_id.ToHex(), http_server::testing::kParentId);
  EXPECT_TRUE(server.parent_is_remote);
}

TEST_F(HttplibServerTest, NewTraceForEachRequestWithoutContext) {
  auto client = Client();
  ASSERT_TRUE(client.Get("/plain"));
  ASSERT_TRUE(client.Get("/plain"));
  auto spans = Spans();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_FALSE(spans[0].has_parent());
  EXPECT_FALSE(spans[1].has_parent());
  EXPECT_NE(spans[0].trace_id, spans[1].trace_id);
}

TEST_F(HttplibServerTest, SpanIsCurrentInsideTheHandler) {
  auto client = Client();
  ASSERT_TRUE(client.Get("/api/adoptionlist/"));
  auto spans = Spans();
  auto server = OnlyOfKind(spans, SpanKind::kServer);
  auto child = OnlyOfKind(spans, SpanKind::kInternal);
  EXPECT_EQ(child.name, "load adoptions");
  EXPECT_EQ(child.trace_id, server.trace_id);
  EXPECT_EQ(child.parent_span_id, server.span_id);
  std::lock_guard<std::mutex> lock(seen_.mutex);
  EXPECT_EQ(seen_.span_id, server.span_id.ToHex());
  EXPECT_TRUE(seen_.had_server_span);
}

TEST_F(HttplibServerTest, ContextDoesNotLeakIntoTheNextRequestOnAConnection) {
  auto client = Client();
  client.set_keep_alive(true);  // the same worker thread serves both requests
  ASSERT_TRUE(client.Get("/plain", {{"traceparent", std::string(http_server::testing::kTraceParent)}}));
  ASSERT_TRUE(client.Get("/plain"));
  auto spans = Spans();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].trace_id.ToHex(), http_server::testing::kTraceId);
  EXPECT_FALSE(spans[1].has_parent());
  EXPECT_NE(spans[1].trace_id, spans[0].trace_id);
}

TEST_F(HttplibServerTest, XrayHeaderWhenXrayIsConfigured) {
  UseXrayAndTraceContext();
  auto client = Client();
  ASSERT_TRUE(client.Get("/plain", {{"X-Amzn-Trace-Id", std::string(http_server::testing::kXrayHeader)}}));
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.trace_id.ToHex(), http_server::testing::kXrayTraceId);
  EXPECT_EQ(s.parent_span_id.ToHex(), http_server::testing::kXrayParentId);
  EXPECT_TRUE(s.parent_is_remote);
}

TEST_F(HttplibServerTest, XrayHeaderIgnoredWithoutTheXrayPropagator) {
  auto client = Client();
  ASSERT_TRUE(client.Get("/plain", {{"X-Amzn-Trace-Id", std::string(http_server::testing::kXrayHeader)}}));
  auto s = OnlyServerSpan();
  EXPECT_FALSE(s.has_parent());
  EXPECT_NE(s.trace_id.ToHex(), http_server::testing::kXrayTraceId);
}

TEST_F(HttplibServerTest, UnroutedRequestIsNamedByMethodOnly) {
  auto client = Client();
  ASSERT_TRUE(client.Get("/plain"));
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.name, "GET");
  EXPECT_FALSE(HasAttr(s, "http.route"));
  EXPECT_EQ(StrAttr(s, "url.path"), "/plain");
}

TEST_F(HttplibServerTest, HandlerCanSetTheRoute) {
  auto client = Client();
  auto res = client.Get("/self/a/b/c");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "routed");
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.name, "GET /self/{rest}");
  EXPECT_EQ(StrAttr(s, "http.route"), "/self/{rest}");
}

TEST_F(HttplibServerTest, NotFoundIsNotAnError) {
  auto client = Client();
  auto res = client.Get("/no/such/thing");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.name, "GET");
  EXPECT_EQ(IntAttr(s, "http.response.status_code"), 404);
  EXPECT_EQ(s.status_code, StatusCode::kUnset);
  EXPECT_FALSE(HasAttr(s, "error.type"));
}

TEST_F(HttplibServerTest, ServerErrorStatusIsAnError) {
  auto client = Client();
  auto res = client.Get("/unavailable");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.name, "GET /unavailable");
  EXPECT_EQ(IntAttr(s, "http.response.status_code"), 503);
  EXPECT_EQ(s.status_code, StatusCode::kError);
  EXPECT_EQ(StrAttr(s, "error.type"), "503");
}

TEST_F(HttplibServerTest, ExceptionIsRecordedAndTheClientGets500) {
  auto client = Client();
  auto res = client.Get("/throw");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(res->get_header_value("EXCEPTION_WHAT"), "boom");  // httplib's own behaviour
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.name, "GET /throw");
  EXPECT_EQ(IntAttr(s, "http.response.status_code"), 500);
  EXPECT_EQ(s.status_code, StatusCode::kError);
  EXPECT_EQ(s.status_message, "boom");
  EXPECT_EQ(StrAttr(s, "error.type"), "std::runtime_error");
  EXPECT_EQ(ExceptionAttr(s, "exception.type"), "std::runtime_error");
  EXPECT_EQ(ExceptionAttr(s, "exception.message"), "boom");
}

class HttplibAppExceptionHandlerTest : public HttplibServerTest {
 protected:
  void SetUp() override {
    app_exception_handler_ = true;
    HttplibServerTest::SetUp();
  }
};

TEST_F(HttplibAppExceptionHandlerTest, ApplicationsExceptionHandlerAnswers) {
  auto client = Client();
  auto res = client.Get("/throw");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 418);
  EXPECT_EQ(res->body, "app handled it");
  auto s = OnlyServerSpan();
  EXPECT_EQ(IntAttr(s, "http.response.status_code"), 418);
  EXPECT_EQ(s.status_code, StatusCode::kError);
  EXPECT_EQ(ExceptionAttr(s, "exception.type"), "std::runtime_error");
}

TEST_F(HttplibServerTest, PostWithContentReader) {
  auto client = Client();
  auto res = client.Post("/api/pets", "{\"name\":\"rex\"}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(res->body, "{\"name\":\"rex\"}");
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.name, "POST /api/pets");
  EXPECT_EQ(StrAttr(s, "http.request.method"), "POST");
  EXPECT_EQ(IntAttr(s, "http.response.status_code"), 201);
}

TEST_F(HttplibServerTest, ApplicationsPreRoutingHandlerRunsInsideTheSpan) {
  auto client = Client();
  auto res = client.Get("/answered");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 202);
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.name, "GET");
  EXPECT_EQ(IntAttr(s, "http.response.status_code"), 202);
}

TEST_F(HttplibServerTest, ForwardedForGivesTheClientAddress) {
  auto client = Client();
  ASSERT_TRUE(client.Get("/plain", {{"X-Forwarded-For", "203.0.113.7, 10.0.0.1"},
                                    {"X-Forwarded-Proto", "https"}}));
  auto s = OnlyServerSpan();
  EXPECT_EQ(StrAttr(s, "client.address"), "203.0.113.7");
  EXPECT_FALSE(HasAttr(s, "client.port"));
  EXPECT_EQ(StrAttr(s, "network.peer.address"), "127.0.0.1");
  EXPECT_EQ(StrAttr(s, "url.scheme"), "https");
}

TEST_F(HttplibServerTest, FilteredRequestsGetNoSpan) {
  auto client = Client();
  auto res = client.Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "ok");
  EXPECT_EQ(SpanCount(), 0u);
}

TEST_F(HttplibServerTest, WithoutSdkTheServerBehavesTheSame) {
  UninstallSdk();
  auto client = Client();
  auto res = client.Get("/api/pets/7");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "pet 7");
  res = client.Get("/throw");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(res->get_header_value("EXCEPTION_WHAT"), "boom");
  res = client.Get("/nope");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  res = client.Post("/api/pets", "x", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201);
  // The incoming context is still current in the handler (outgoing calls pass it on).
  res = client.Get("/plain", {{"traceparent", std::string(http_server::testing::kTraceParent)}});
  ASSERT_TRUE(res);
  {
    std::lock_guard<std::mutex> lock(seen_.mutex);
    EXPECT_EQ(seen_.trace_id, http_server::testing::kTraceId);
    EXPECT_EQ(seen_.span_id, http_server::testing::kParentId);
  }
  EXPECT_EQ(SpanCount(), 0u);
}

// Sends raw bytes on a new connection and returns what the server answered.
std::string SendRaw(int port, const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return {};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size())) {
    char buf[4096];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof(buf), 0)) > 0) {
      out.append(buf, static_cast<size_t>(n));
      if (out.find("\r\n\r\n") != std::string::npos) break;
    }
  }
  ::close(fd);
  return out;
}

TEST_F(HttplibServerTest, MalformedRequestsDoNotBreakTheServer) {
  // A broken request line: httplib answers 400 before routing, so there is no span.
  std::string answer = SendRaw(port_, "NOT A REQUEST\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  // Garbage in the headers the instrumentation reads.
  answer = SendRaw(port_,
                   "GET /plain?%zz HTTP/1.1\r\nHost: [::1\r\ntraceparent: 00-garbage\r\n"
                   "Forwarded: for=\"\r\nX-Forwarded-For: ,\r\nUser-Agent:\r\n"
                   "Connection: close\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  auto s = OnlyServerSpan();
  EXPECT_FALSE(s.has_parent());
  EXPECT_EQ(StrAttr(s, "server.address"), "127.0.0.1");  // the local endpoint
  EXPECT_EQ(StrAttr(s, "client.address"), "127.0.0.1");
  EXPECT_EQ(StrAttr(s, "url.query"), "%zz");
  // HTTP/1.0 requests are described as such.
  answer = SendRaw(port_, "GET /plain HTTP/1.0\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_EQ(StrAttr(OnlyServerSpan(), "network.protocol.version"), "1.0");
  // And the server still serves normal requests.
  auto client = Client();
  auto res = client.Get("/api/pets/1");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

// ---- http.server.request.duration ----

TEST_F(HttplibServerTest, RequestsAreMeasured) {
  MetricsSdk metrics;
  auto client = Client();
  client.set_keep_alive(true);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(client.Get("/api/pets/" + std::to_string(i)));
  auto res = client.Get("/unavailable");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  res = client.Get("/throw");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  res = client.Post("/api/pets", "x", "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201);
  ASSERT_TRUE(client.Get("/plain"));
  ASSERT_TRUE(client.Get("/health"));  // filtered: not measured

  auto h = metrics.Collect("http.server.request.duration");
  ASSERT_TRUE(h.found);
  EXPECT_EQ(h.scope_name, kInstrumentationName);
  EXPECT_EQ(h.unit, "s");
  ASSERT_EQ(h.points.size(), 5u);
  uint64_t total = 0;
  for (const auto& p : h.points) {
    total += p.count;
    EXPECT_GT(p.sum, 0.0);
    EXPECT_LT(p.sum, 10.0);
    EXPECT_EQ(p.boundaries, instrumentation::testing::ExpectedBoundaries());
    EXPECT_EQ(PointStr(p, "url.scheme"), "http");
    EXPECT_EQ(PointStr(p, "network.protocol.version"), "1.1");
  }
  EXPECT_EQ(total, 7u);

  const auto* pets = PointWith(h, "http.route", R"(/api/pets/(\d+))");
  ASSERT_NE(pets, nullptr);
  EXPECT_EQ(pets->count, 3u);
  EXPECT_EQ(PointKeys(*pets),
            "http.request.method,http.response.status_code,http.route,network.protocol.version,"
            "url.scheme");
  EXPECT_EQ(PointStr(*pets, "http.request.method"), "GET");
  EXPECT_EQ(PointInt(*pets, "http.response.status_code"), 200);

  const auto* unavailable = PointWith(h, "error.type", "503");
  ASSERT_NE(unavailable, nullptr);
  EXPECT_EQ(PointStr(*unavailable, "http.route"), "/unavailable");
  const auto* thrown = PointWith(h, "error.type", "std::runtime_error");
  ASSERT_NE(thrown, nullptr);
  EXPECT_EQ(PointInt(*thrown, "http.response.status_code"), 500);
  EXPECT_EQ(PointStr(*thrown, "http.route"), "/throw");
  const auto* created = PointWith(h, "http.request.method", "POST");
  ASSERT_NE(created, nullptr);
  EXPECT_EQ(PointInt(*created, "http.response.status_code"), 201);
  EXPECT_EQ(PointStr(*created, "http.route"), "/api/pets");
  const auto* plain = PointWith(h, "http.route", "<absent>");
  ASSERT_NE(plain, nullptr);  // registered on the server directly: no route
  EXPECT_EQ(PointInt(*plain, "http.response.status_code"), 200);
}

TEST_F(HttplibServerTest, MeasuredWithoutTheTracingSdk) {
  UninstallSdk();
  MetricsSdk metrics;
  auto client = Client();
  ASSERT_TRUE(client.Get("/api/pets/7"));
  ASSERT_TRUE(client.Get("/self/anything"));
  EXPECT_EQ(SpanCount(), 0u);
  auto h = metrics.Collect("http.server.request.duration");
  ASSERT_EQ(h.points.size(), 2u);
  EXPECT_NE(PointWith(h, "http.route", R"(/api/pets/(\d+))"), nullptr);
  EXPECT_NE(PointWith(h, "http.route", "/self/{rest}"), nullptr);  // SetRoute in the handler
}

}  // namespace
}  // namespace adot::instrumentation::httplib
