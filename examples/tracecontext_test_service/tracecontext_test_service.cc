// A service for the W3C Trace Context conformance suite (w3c/trace-context, test/test.py).
//
// It accepts POST requests (any path) whose body is a JSON array of {"url": ..., "arguments": [...]}.
// For each element it sends a POST to url with arguments as the JSON body, carrying the context
// extracted from the incoming request through a new child span. Configured like any service by
// OTEL_* variables; unless set, OTEL_PROPAGATORS=tracecontext and OTEL_TRACES_EXPORTER=none.
//
//   tracecontext_test_service --port 5000 [--host 127.0.0.1]
//
// Prints "listening on <host>:<port>" once ready (--port 0 picks a free port), and stops on
// SIGINT or SIGTERM.
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>
#include <utility>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "adot/api/propagation/text_map.h"
#include "adot/api/trace.h"
#include "adot/sdk/autoconfigure.h"
#include "common/http_client.h"
#include "common/json_reader.h"
#include "common/json_writer.h"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace adot;

constexpr size_t kMaxBodyBytes = 1 << 20;
constexpr int kMaxConnections = 64;
std::atomic<int> open_connections{0};

// Reads the headers of an incoming request; Beast compares field names case-insensitively.
class RequestHeaders final : public api::propagation::TextMapGetter {
 public:
  explicit RequestHeaders(const http::request<http::string_body>& request) : request_(request) {}
  std::optional<std::string_view> Get(std::string_view key) const noexcept override {
    auto it = request_.find(beast::string_view(key.data(), key.size()));
    if (it == request_.end()) return std::nullopt;
    return std::string_view(it->value().data(), it->value().size());
  }
  void GetAll(std::string_view key, api::propagation::StringVisitor visit) const noexcept override {
    auto [begin, end] = request_.equal_range(beast::string_view(key.data(), key.size()));
    for (auto it = begin; it != end; ++it) {
      if (!visit(std::string_view(it->value().data(), it->value().size()))) return;
    }
  }
  void Keys(api::propagation::StringVisitor visit) const noexcept override {
    for (const auto& field : request_) {
      if (!visit(std::string_view(field.name_string().data(), field.name_string().size()))) return;
    }
  }

 private:
  const http::request<http::string_body>& request_;
};

class OutgoingHeaders final : public api::propagation::TextMapSetter {
 public:
  void Set(std::string_view key, std::string_view value) noexcept override {
    for (auto& [k, v] : headers) {
      if (k == key) {
        v = std::string(value);
        return;
      }
    }
    headers.emplace_back(std::string(key), std::string(value));
  }
  common::HttpHeaders headers;
};

void WriteJson(const common::JsonValue& value, common::JsonWriter& out) {
  using Type = common::JsonValue::Type;
  switch (value.type()) {
    case Type::kNull:
      out.Raw("null");
      break;
    case Type::kBool:
      out.Bool(value.bool_value());
      break;
    case Type::kNumber:
      out.Raw(value.text());
      break;
    case Type::kString:
      out.String(value.text());
      break;
    case Type::kArray:
      out.BeginArray();
      for (const auto& item : value.array()) WriteJson(item, out);
      out.EndArray();
      break;
    case Type::kObject:
      out.BeginObject();
      for (const auto& member : value.members()) {
        out.Key(member.key);
        WriteJson(member.value, out);
      }
      out.EndObject();
      break;
  }
}

// Handles one test request; returns the HTTP status to answer with.
http::status HandleTest(const http::request<http::string_body>& request,
                        api::trace::Tracer& tracer) {
  common::JsonValue cases;
  if (!common::ParseJson(request.body(), cases) || !cases.is_array()) {
    return http::status::bad_request;
  }
  RequestHeaders incoming(request);
  api::Context parent =
      api::propagation::GetGlobalPropagator()->Extract(api::Context(), incoming);
  api::trace::StartSpanOptions server_options;
  server_options.kind = api::trace::SpanKind::kServer;
  server_options.parent = &parent;
  auto server_span = tracer.StartSpan("POST /test", server_options);
  api::Context server_context = api::trace::ContextWithSpan(parent, server_span);

  common::HttpClient client;
  for (const auto& test_case : cases.array()) {
    const common::JsonValue* url = test_case.Find("url");
    const common::JsonValue* arguments = test_case.Find("arguments");
    if (url == nullptr || !url->is_string() || arguments == nullptr) continue;

    api::trace::StartSpanOptions client_options;
    client_options.kind = api::trace::SpanKind::kClient;
    client_options.parent = &server_context;
    auto client_span = tracer.StartSpan("POST", {{"url.full", url->text()}}, client_options);
    OutgoingHeaders outgoing;
    api::propagation::GetGlobalPropagator()->Inject(
        api::trace::ContextWithSpan(server_context, client_span), outgoing);
    outgoing.headers.emplace_back("Content-Type", "application/json");

    std::string body;
    common::JsonWriter writer(body);
    WriteJson(*arguments, writer);
    common::HttpRequest call;
    call.url = url->text();
    call.headers = std::move(outgoing.headers);
    call.body = body;
    call.timeout = std::chrono::seconds(10);
    common::HttpResponse response;
    client.Send(call, response);
    if (!response.ok()) {
      client_span->SetStatus(api::trace::StatusCode::kError, response.error_message);
    }
    client_span->End();
  }
  server_span->End();
  return http::status::ok;
}

void Serve(tcp::socket socket, std::shared_ptr<api::trace::Tracer> tracer) {
  beast::flat_buffer buffer;
  beast::error_code ec;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(kMaxBodyBytes);
    http::read(socket, buffer, parser, ec);
    if (ec) break;
    const auto& request = parser.get();
    http::response<http::string_body> response;
    response.version(request.version());
    response.keep_alive(request.keep_alive());
    response.result(request.method() == http::verb::post ? HandleTest(request, *tracer)
                                                          : http::status::method_not_allowed);
    response.prepare_payload();
    http::write(socket, response, ec);
    if (ec || !request.keep_alive()) break;
  }
  socket.shutdown(tcp::socket::shutdown_both, ec);
  --open_connections;
}

int Usage(const char* program) {
  std::fprintf(stderr, "usage: %s --port PORT [--host ADDRESS]\n", program);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1";
  long port = -1;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--port" && i + 1 < argc) {
      char* end = nullptr;
      port = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || port < 0 || port > 65535) return Usage(argv[0]);
    } else if (arg == "--host" && i + 1 < argc) {
      host = argv[++i];
    } else {
      return Usage(argv[0]);
    }
  }
  if (port < 0) return Usage(argv[0]);

  setenv("OTEL_PROPAGATORS", "tracecontext", /*overwrite=*/0);
  setenv("OTEL_TRACES_EXPORTER", "none", /*overwrite=*/0);
  sdk::Autoconfigured telemetry = sdk::Autoconfigure();
  auto tracer = api::trace::GetTracerProvider()->GetTracer("tracecontext_test_service");

  asio::io_context io;
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  if (ec) {
    std::fprintf(stderr, "invalid --host %s: %s\n", host.c_str(), ec.message().c_str());
    return 2;
  }
  tcp::acceptor acceptor(io);
  tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    std::fprintf(stderr, "cannot listen on %s:%ld: %s\n", host.c_str(), port, ec.message().c_str());
    return 1;
  }
  std::printf("listening on %s:%u\n", host.c_str(), acceptor.local_endpoint().port());
  std::fflush(stdout);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const beast::error_code&, int) { acceptor.close(); });
  std::function<void()> accept = [&] {
    acceptor.async_accept([&](const beast::error_code& error, tcp::socket socket) {
      if (error) return;  // closed by a signal
      if (open_connections.load() >= kMaxConnections) {
        socket.close();
      } else {
        ++open_connections;
        std::thread(Serve, std::move(socket), tracer).detach();
      }
      accept();
    });
  };
  accept();
  io.run();
  return 0;
}
