// The Boost.Beast instrumentation: small Beast servers on 127.0.0.1 (port chosen by the kernel),
// one synchronous (Handle) and one asynchronous (StartSpan, the response produced later from a
// timer), driven by a Beast client, with the SDK's in-memory exporter (or no SDK at all).
#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "adot/api/trace.h"
#include "adot/instrumentation/beast.h"
#include "metrics_fixture.h"
#include "tracing_fixture.h"

namespace adot::instrumentation::beast {
namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
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
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

Response MakeResponse(const Request& req, http::status status, std::string body) {
  Response res(status, req.version());
  res.set(http::field::content_type, "text/plain");
  res.keep_alive(req.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

bool StartsWith(boost::beast::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && std::string_view(s.data(), prefix.size()) == prefix;
}

// A blocking server: one thread accepts and serves connections one after the other.
class SyncServer {
 public:
  using App = std::function<Response(const Request&, const Connection&)>;
  explicit SyncServer(App app) : app_(std::move(app)) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { Run(); });
  }
  ~SyncServer() {
    stop_ = true;
    // Wakes the blocking accept.
    boost::system::error_code ec;
    asio::io_context ioc;
    tcp::socket wake(ioc);
    wake.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port_)}, ec);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  void Run() {
    while (!stop_) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stop_) continue;
      const Connection connection = Connection::Of(socket);
      boost::beast::flat_buffer buffer;
      for (;;) {
        Request req;
        http::read(socket, buffer, req, ec);
        if (ec) break;
        Response res = app_(req, connection);
        http::write(socket, res, ec);
        if (ec || !req.keep_alive()) break;
      }
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  App app_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Sends req to 127.0.0.1:port and returns the response (status 0 on failure).
Response Send(int port, Request req) {
  asio::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.expires_after(std::chrono::seconds(10));
  boost::system::error_code ec;
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)), ec);
  Response res;
  if (ec) return res;
  if (req[http::field::host].empty()) req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  req.prepare_payload();
  http::write(stream, req, ec);
  if (ec) return res;
  boost::beast::flat_buffer buffer;
  http::read(stream, buffer, res, ec);
  if (ec) return Response();
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return res;
}

Request Get(std::string target, unsigned version = 11) {
  return Request(http::verb::get, target, version);
}

class BeastServerTest : public http_server::testing::TracingTest {
 protected:
  // The application: routes by path and handles each request through the instrumentation.
  Response App(const Request& req, const Connection& connection) {
    auto target = req.target();
    if (StartsWith(target, "/api/pets/")) {
      return Handle(req, connection, "/api/pets/:id", [&](ServerSpan& span) {
        auto child = api::trace::GetTracerProvider()->GetTracer("test")->StartSpan("load pet");
        child->End();
        Remember();
        return MakeResponse(req, http::status::ok, "pet");
      });
    }
    if (target == "/unavailable") {
      return Handle(req, connection, "/unavailable",
                    [&] { return MakeResponse(req, http::status::service_unavailable, ""); });
    }
    if (target == "/throw") {
      try {
        return Handle(req, connection, "/throw", [&]() -> Response {
          throw std::runtime_error("boom");
        });
      } catch (const std::exception& e) {
        return MakeResponse(req, http::status::internal_server_error, e.what());
      }
    }
    if (StartsWith(target, "/late/")) {
      return Handle(req, connection, "", [&](ServerSpan& span) {
        span.SetRoute("/late/{name}");
        return MakeResponse(req, http::status::ok, "late");
      });
    }
    return Handle(req, connection, "", [&] {
      Remember();
      return MakeResponse(req, http::status::not_found, "");
    });
  }

  void Remember() {
    auto span = api::trace::Tracer::GetCurrentSpan();
    std::lock_guard<std::mutex> lock(mutex_);
    seen_trace_id_ = span->GetContext().trace_id().ToHex();
    seen_span_id_ = span->GetContext().span_id().ToHex();
  }

  SyncServer server_{[this](const Request& req, const Connection& c) { return App(req, c); }};
  std::mutex mutex_;
  std::string seen_trace_id_;
  std::string seen_span_id_;
};

TEST_F(BeastServerTest, SpanNamedByRouteWithAttributes) {
  Request req = Get("/api/pets/42?color=blue");
  req.set(http::field::user_agent, "adot-test/1.0");
  Response res = Send(server_.port(), req);
  EXPECT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "pet");

  auto spans = Spans();
  auto s = OnlyOfKind(spans, SpanKind::kServer);
  EXPECT_EQ(s.name, "GET /api/pets/:id");
  EXPECT_EQ(s.scope().name, kInstrumentationName);
  EXPECT_EQ(StrAttr(s, "http.request.method"), "GET");
  EXPECT_EQ(StrAttr(s, "http.route"), "/api/pets/:id");
  EXPECT_EQ(StrAttr(s, "url.path"), "/api/pets/42");
  EXPECT_EQ(StrAttr(s, "url.query"), "color=blue");
  EXPECT_EQ(StrAttr(s, "url.scheme"), "http");
  EXPECT_EQ(IntAttr(s, "http.response.status_code"), 200);
  EXPECT_EQ(StrAttr(s, "server.address"), "127.0.0.1");
  EXPECT_EQ(IntAttr(s, "server.port"), server_.port());
  EXPECT_EQ(StrAttr(s, "client.address"), "127.0.0.1");
  EXPECT_GT(IntAttr(s, "client.port"), 0);
  EXPECT_EQ(StrAttr(s, "network.peer.address"), "127.0.0.1");
  EXPECT_EQ(IntAttr(s, "network.peer.port"), IntAttr(s, "client.port"));
  EXPECT_EQ(StrAttr(s, "network.protocol.version"), "1.1");
  EXPECT_EQ(StrAttr(s, "user_agent.original"), "adot-test/1.0");
  EXPECT_EQ(s.status_code, StatusCode::kUnset);
  EXPECT_FALSE(s.has_parent());
}

TEST_F(BeastServerTest, SpanIsCurrentInsideTheHandler) {
  Send(server_.port(), Get("/api/pets/1"));
  auto spans = Spans();
  auto server = OnlyOfKind(spans, SpanKind::kServer);
  auto child = OnlyOfKind(spans, SpanKind::kInternal);
  EXPECT_EQ(child.trace_id, server.trace_id);
  EXPECT_EQ(child.parent_span_id, server.span_id);
  std::lock_guard<std::mutex> lock(mutex_);
  EXPECT_EQ(seen_span_id_, server.span_id.ToHex());
}

TEST_F(BeastServerTest, ParentFromTraceparent) {
  Request req = Get("/api/pets/1");
  req.set("traceparent", std::string(http_server::testing::kTraceParent));
  Send(server_.port(), req);
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.trace_id.ToHex(), http_server::testing::kTraceId);
  EXPECT_EQ(s.parent_span_id.ToHex(), http_server::testing::kParentId);
  EXPECT_TRUE(s.parent_is_remote);
}

TEST_F(BeastServerTest, XrayHeaderWhenXrayIsConfigured) {
  UseXrayAndTraceContext();
  Request req = Get("/nothing");
  req.set("X-Amzn-Trace-Id", std::string(http_server::testing::kXrayHeader));
  Send(server_.port(), req);
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.trace_id.ToHex(), http_server::testing::kXrayTraceId);
  EXPECT_EQ(s.parent_span_id.ToHex(), http_server::testing::kXrayParentId);
}

TEST_F(BeastServerTest, UnknownMethodIsOther) {
  Request req = Get("/api/pets/3");
  req.method_string("FOO");
  Response res = Send(server_.port(), req);
  EXPECT_EQ(res.result_int(), 200u);
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.name, "HTTP /api/pets/:id");
  EXPECT_EQ(StrAttr(s, "http.request.method"), "_OTHER");
  EXPECT_EQ(StrAttr(s, "http.request.method_original"), "FOO");
}

TEST_F(BeastServerTest, NotFoundWithoutRoute) {
  Response res = Send(server_.port(), Get("/no/such/thing"));
  EXPECT_EQ(res.result_int(), 404u);
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.name, "GET");
  EXPECT_FALSE(HasAttr(s, "http.route"));
  EXPECT_EQ(IntAttr(s, "http.response.status_code"), 404);
  EXPECT_EQ(s.status_code, StatusCode::kUnset);
}

TEST_F(BeastServerTest, ServerErrorStatusIsAnError) {
  Response res = Send(server_.port(), Get("/unavailable"));
  EXPECT_EQ(res.result_int(), 503u);
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.status_code, StatusCode::kError);
  EXPECT_EQ(StrAttr(s, "error.type"), "503");
}

TEST_F(BeastServerTest, ExceptionIsRecordedAndRethrown) {
  Response res = Send(server_.port(), Get("/throw"));
  EXPECT_EQ(res.result_int(), 500u);  // the application caught the rethrown exception
  EXPECT_EQ(res.body(), "boom");
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.name, "GET /throw");
  EXPECT_EQ(s.status_code, StatusCode::kError);
  EXPECT_EQ(StrAttr(s, "error.type"), "std::runtime_error");
  EXPECT_EQ(ExceptionAttr(s, "exception.type"), "std::runtime_error");
  EXPECT_EQ(ExceptionAttr(s, "exception.message"), "boom");
  EXPECT_FALSE(HasAttr(s, "http.response.status_code"));  // no response came out of the handler
}

TEST_F(BeastServerTest, RouteSetInsideTheHandler) {
  Send(server_.port(), Get("/late/abc"));
  auto s = OnlyServerSpan();
  EXPECT_EQ(s.name, "GET /late/{name}");
  EXPECT_EQ(StrAttr(s, "http.route"), "/late/{name}");
}

TEST_F(BeastServerTest, Http10AndHostHeader) {
  Request req = Get("/api/pets/5", 10);
  req.set(http::field::host, "pets.example");
  Response res = Send(server_.port(), req);
  EXPECT_EQ(res.result_int(), 200u);
  auto s = OnlyOfKind(Spans(), SpanKind::kServer);
  EXPECT_EQ(StrAttr(s, "network.protocol.version"), "1.0");
  EXPECT_EQ(StrAttr(s, "server.address"), "pets.example");
  EXPECT_EQ(IntAttr(s, "server.port"), 80);
}

TEST_F(BeastServerTest, WithoutSdkTheServerBehavesTheSame) {
  UninstallSdk();
  EXPECT_EQ(Send(server_.port(), Get("/api/pets/1")).result_int(), 200u);
  EXPECT_EQ(Send(server_.port(), Get("/unavailable")).result_int(), 503u);
  Response res = Send(server_.port(), Get("/throw"));
  EXPECT_EQ(res.result_int(), 500u);
  EXPECT_EQ(res.body(), "boom");
  Request req = Get("/elsewhere");
  req.set("traceparent", std::string(http_server::testing::kTraceParent));
  EXPECT_EQ(Send(server_.port(), req).result_int(), 404u);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    EXPECT_EQ(seen_trace_id_, http_server::testing::kTraceId);  // passed through
    EXPECT_EQ(seen_span_id_, http_server::testing::kParentId);
  }
  EXPECT_EQ(SpanCount(), 0u);
}

TEST_F(BeastServerTest, GarbageRequestsDoNotCrash) {
  // Raw bytes Beast accepts but the instrumentation has to make sense of.
  asio::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(server_.port())});
  std::string raw =
      "get http://[::1/x?%% HTTP/1.1\r\nHost: [\r\nForwarded: for=\"\r\n"
      "X-Forwarded-Host: :::\r\ntraceparent: 00-zz\r\nConnection: close\r\n\r\n";
  asio::write(socket, asio::buffer(raw));
  boost::beast::flat_buffer buffer;
  Response res;
  boost::system::error_code ec;
  http::read(socket, buffer, res, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_EQ(res.result_int(), 404u);
  auto s = OnlyServerSpan();
  EXPECT_EQ(StrAttr(s, "http.request.method"), "_OTHER");
  EXPECT_EQ(StrAttr(s, "http.request.method_original"), "get");
  EXPECT_EQ(StrAttr(s, "server.address"), "127.0.0.1");  // nothing usable: the local endpoint
  EXPECT_FALSE(s.has_parent());
}

// ---- asynchronous handling ----

// A single-threaded asynchronous server: reads a request, starts its span, and answers 20 ms
// later from a timer; the io thread serves other work meanwhile.
class AsyncServer {
 public:
  explicit AsyncServer(std::shared_ptr<api::trace::Tracer> tracer) : tracer_(std::move(tracer)) {
    acceptor_.open(tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    Accept();
    thread_ = std::thread([this] { ioc_.run(); });
  }
  ~AsyncServer() {
    ioc_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  // Whether the io thread had a current span while a response was pending (it must not).
  bool leaked() const { return leaked_; }

 private:
  struct Session : std::enable_shared_from_this<Session> {
    Session(AsyncServer& server, tcp::socket socket)
        : server(server), socket(std::move(socket)), timer(server.ioc_) {}
    AsyncServer& server;
    tcp::socket socket;
    boost::beast::flat_buffer buffer;
    Request req;
    Response res;
    asio::steady_timer timer;
  };

  void Accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      auto session = std::make_shared<Session>(*this, std::move(socket));
      http::async_read(session->socket, session->buffer, session->req,
                       [this, session](boost::system::error_code ec, size_t) {
                         if (!ec) OnRequest(session);
                       });
      Accept();
    });
  }

  void OnRequest(std::shared_ptr<Session> session) {
    const Connection connection = Connection::Of(session->socket);
    ServerSpan span = StartSpan(session->req, connection, "/async/:op");
    auto scope = span.Activate();  // the synchronous part of the handler
    auto first = tracer_->StartSpan("parse");
    first->End();
    // While the response is pending the io thread runs other work: it must see no span.
    asio::post(ioc_, [this] {
      if (api::trace::Tracer::GetCurrentSpan()->GetContext().IsValid()) leaked_ = true;
    });
    session->timer.expires_after(std::chrono::milliseconds(20));
    session->timer.async_wait([this, session, span = std::move(span)](
                                  boost::system::error_code) mutable {
      auto scope = span.Activate();
      auto second = tracer_->StartSpan("compute");
      second->End();
      session->res = MakeResponse(session->req, http::status::accepted, "later");
      EndSpan(span, session->res);
      http::async_write(session->socket, session->res,
                        [session](boost::system::error_code ec, size_t) {
                          session->socket.shutdown(tcp::socket::shutdown_both, ec);
                        });
    });
  }

  std::shared_ptr<api::trace::Tracer> tracer_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_{ioc_};
  int port_ = 0;
  std::atomic<bool> leaked_{false};
  std::thread thread_;
};

TEST_F(BeastServerTest, AsynchronousHandlerEndsTheSpanLater) {
  AsyncServer server(TestTracer());
  Request req = Get("/async/compute");
  req.set("traceparent", std::string(http_server::testing::kTraceParent));
  Response res = Send(server.port(), req);
  EXPECT_EQ(res.result_int(), 202u);
  EXPECT_EQ(res.body(), "later");

  auto spans = Spans();
  auto s = OnlyOfKind(spans, SpanKind::kServer);
  EXPECT_EQ(s.name, "GET /async/:op");
  EXPECT_EQ(IntAttr(s, "http.response.status_code"), 202);
  EXPECT_EQ(s.trace_id.ToHex(), http_server::testing::kTraceId);
  EXPECT_GE(s.end_time_unix_nano - s.start_time_unix_nano, 20'000'000u);
  int children = 0;
  for (const auto& c : spans) {
    if (c.kind != SpanKind::kInternal) continue;
    ++children;
    EXPECT_EQ(c.parent_span_id, s.span_id) << c.name;
    EXPECT_EQ(c.trace_id, s.trace_id) << c.name;
  }
  EXPECT_EQ(children, 2);
  EXPECT_FALSE(server.leaked());
}

// ---- http.server.request.duration ----

TEST_F(BeastServerTest, RequestsAreMeasured) {
  MetricsSdk metrics;
  EXPECT_EQ(Send(server_.port(), Get("/api/pets/1")).result_int(), 200u);
  EXPECT_EQ(Send(server_.port(), Get("/api/pets/2", 10)).result_int(), 200u);
  EXPECT_EQ(Send(server_.port(), Get("/api/pets/3")).result_int(), 200u);
  EXPECT_EQ(Send(server_.port(), Get("/unavailable")).result_int(), 503u);
  EXPECT_EQ(Send(server_.port(), Get("/throw")).result_int(), 500u);
  EXPECT_EQ(Send(server_.port(), Get("/late/x")).result_int(), 200u);
  EXPECT_EQ(Send(server_.port(), Get("/elsewhere")).result_int(), 404u);

  auto h = metrics.Collect("http.server.request.duration");
  ASSERT_TRUE(h.found);
  EXPECT_EQ(h.scope_name, kInstrumentationName);
  EXPECT_EQ(h.unit, "s");
  // Series: pets over HTTP/1.1 (2 requests) and 1.0, unavailable, throw, late, not found.
  ASSERT_EQ(h.points.size(), 6u);
  uint64_t total = 0;
  for (const auto& p : h.points) {
    total += p.count;
    EXPECT_GT(p.sum, 0.0);
    EXPECT_LT(p.sum, 10.0);
    EXPECT_EQ(p.boundaries, instrumentation::testing::ExpectedBoundaries());
    EXPECT_EQ(PointStr(p, "http.request.method"), "GET");
    EXPECT_EQ(PointStr(p, "url.scheme"), "http");
  }
  EXPECT_EQ(total, 7u);

  const sdk::metrics::HistogramPoint* pets = nullptr;
  for (const auto& p : h.points)
    if (PointStr(p, "http.route") == "/api/pets/:id" && PointStr(p, "network.protocol.version") == "1.1")
      pets = &p;
  ASSERT_NE(pets, nullptr);
  EXPECT_EQ(pets->count, 2u);
  EXPECT_EQ(PointKeys(*pets),
            "http.request.method,http.response.status_code,http.route,network.protocol.version,"
            "url.scheme");
  EXPECT_EQ(PointInt(*pets, "http.response.status_code"), 200);

  const auto* unavailable = PointWith(h, "error.type", "503");
  ASSERT_NE(unavailable, nullptr);
  EXPECT_EQ(PointInt(*unavailable, "http.response.status_code"), 503);
  // The handler threw: no response came out of it, error.type is the exception's type.
  const auto* thrown = PointWith(h, "error.type", "std::runtime_error");
  ASSERT_NE(thrown, nullptr);
  EXPECT_EQ(PointStr(*thrown, "http.route"), "/throw");
  EXPECT_EQ(PointInt(*thrown, "http.response.status_code"), -1);
  EXPECT_NE(PointWith(h, "http.route", "/late/{name}"), nullptr);  // set inside the handler
  const auto* not_found = PointWith(h, "http.response.status_code", 404);
  ASSERT_NE(not_found, nullptr);
  EXPECT_EQ(PointStr(*not_found, "http.route"), "<absent>");
  EXPECT_EQ(PointStr(*not_found, "error.type"), "<absent>");
}

TEST_F(BeastServerTest, AsynchronousRequestsAreMeasuredToTheirEnd) {
  MetricsSdk metrics;
  AsyncServer server(TestTracer());
  EXPECT_EQ(Send(server.port(), Get("/async/compute")).result_int(), 202u);
  auto h = metrics.Collect("http.server.request.duration");
  ASSERT_EQ(h.points.size(), 1u);
  EXPECT_EQ(h.points[0].count, 1u);
  EXPECT_GE(h.points[0].sum, 0.02);  // the response came from a 20 ms timer
  EXPECT_EQ(PointStr(h.points[0], "http.route"), "/async/:op");
  EXPECT_EQ(PointInt(h.points[0], "http.response.status_code"), 202);
}

}  // namespace
}  // namespace adot::instrumentation::beast
