// HTTP server instrumentation for Boost.Beast: one SERVER span per request. Beast has no
// middleware, so the application wraps its request handling. Header-only on top of
// adot::instrumentation_http_server; link adot::instrumentation_beast.
//
// Synchronous handlers: Handle runs the handler inside the span and ends it with the response.
//
//   namespace otel_beast = adot::instrumentation::beast;
//   auto connection = otel_beast::Connection::Of(socket);     // endpoints, read once per connection
//   http::response<http::string_body> res = otel_beast::Handle(req, connection, "/api/pets/:id",
//       [&] { return app.GetPet(req); });                    // or [&](otel_beast::ServerSpan& span)
//
// Asynchronous handlers (the response is produced later, maybe on another thread): StartSpan
// returns a movable ServerSpan; run each piece of the handler under span.Activate() and end the
// span with the response.
//
//   auto span = otel_beast::StartSpan(req, connection, "/api/pets/:id");
//   auto scope = span.Activate();                 // current while this piece runs
//   db.async_query(..., [span = std::move(span), ...](auto result) mutable {
//     auto scope = span.Activate();
//     auto res = MakeResponse(result);
//     otel_beast::EndSpan(span, res);             // or span.End(res.result_int())
//     ...async_write(stream, res, ...);
//   });
//
// The route is the application's route template ("/api/pets/:id"), never the path: pass "" when
// the route is not known yet and call span.SetRoute(route) once the router has matched.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/system/error_code.hpp>

#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "adot/api/propagation/text_map.h"
#include "adot/instrumentation/http_server.h"

namespace adot::instrumentation::beast {

inline constexpr std::string_view kInstrumentationName = "adot.instrumentation.beast";

using http_server::Options;
using http_server::ServerSpan;

// The connection a request arrived on: its endpoints, and whether it is TLS.
struct Connection {
  boost::asio::ip::tcp::endpoint local;
  boost::asio::ip::tcp::endpoint remote;
  bool secure = false;  // url.scheme "https"

  // Reads the endpoints of a connected socket (a default endpoint where the socket cannot say).
  static Connection Of(const boost::asio::ip::tcp::socket& socket, bool secure = false) noexcept {
    Connection c;
    boost::system::error_code ec;
    c.local = socket.local_endpoint(ec);
    if (ec) c.local = {};
    c.remote = socket.remote_endpoint(ec);
    if (ec) c.remote = {};
    c.secure = secure;
    return c;
  }
};

// Beast header fields (case-insensitive, repeated fields kept) as a propagation carrier.
template <class Fields>
class FieldsCarrier final : public api::propagation::TextMapGetter {
 public:
  explicit FieldsCarrier(const Fields& fields) noexcept : fields_(fields) {}
  std::optional<std::string_view> Get(std::string_view key) const noexcept override {
    auto it = fields_.find(boost::beast::string_view(key.data(), key.size()));
    if (it == fields_.end()) return std::nullopt;
    auto value = it->value();
    return std::string_view(value.data(), value.size());
  }
  void GetAll(std::string_view key, api::propagation::StringVisitor visit) const noexcept override {
    auto range = fields_.equal_range(boost::beast::string_view(key.data(), key.size()));
    for (auto it = range.first; it != range.second; ++it) {
      auto value = it->value();
      if (!visit(std::string_view(value.data(), value.size()))) return;
    }
  }
  void Keys(api::propagation::StringVisitor visit) const noexcept override {
    for (const auto& field : fields_) {
      auto name = field.name_string();
      if (!visit(std::string_view(name.data(), name.size()))) return;
    }
  }

 private:
  const Fields& fields_;
};

namespace internal {

// "1.1" for Beast's version number 11 ("" for versions the conventions have no name for).
inline std::string_view ProtocolVersion(unsigned version) noexcept {
  switch (version) {
    case 10: return "1.0";
    case 11: return "1.1";
    case 20: return "2";
    case 30: return "3";
    default: return {};
  }
}

// An endpoint's address as text ("" for an unset endpoint). May throw (allocation).
inline std::string Address(const boost::asio::ip::tcp::endpoint& endpoint) {
  if (endpoint.port() == 0 && endpoint.address().is_unspecified()) return {};
  return endpoint.address().to_string();
}

}  // namespace internal

// Starts the span of req (a request or request header of any body and fields type) and returns
// it, not yet current: call Activate() where the handler runs.
template <class Fields>
ServerSpan StartSpan(const boost::beast::http::header<true, Fields>& req,
                     const Connection& connection, std::string_view route = {},
                     const Options& options = http_server::DefaultOptions()) noexcept {
  try {
    FieldsCarrier<Fields> carrier(req);
    auto method = req.method_string();
    auto target = req.target();
    std::string peer = internal::Address(connection.remote);
    std::string local = internal::Address(connection.local);
    http_server::RequestInfo info;
    info.method = std::string_view(method.data(), method.size());
    info.target = std::string_view(target.data(), target.size());
    info.route = route;
    info.scheme = connection.secure ? "https" : "http";
    info.protocol_version = internal::ProtocolVersion(req.version());
    info.headers = &carrier;
    info.peer_address = peer;
    info.peer_port = peer.empty() ? -1 : connection.remote.port();
    info.local_address = local;
    info.local_port = local.empty() ? -1 : connection.local.port();
    return ServerSpan::Start(kInstrumentationName, info, options);
  } catch (...) {
    return ServerSpan();
  }
}

// Ends the span with the response's status.
template <class Fields>
void EndSpan(ServerSpan& span, const boost::beast::http::header<false, Fields>& res) noexcept {
  span.End(static_cast<int>(res.result_int()));
}

// Runs handler inside the span of req and ends the span with the response it returns.
// handler is called as handler(ServerSpan&) when it takes one, else handler(); it returns a
// Beast response (any body). An exception from handler is recorded on the span (status ERROR,
// error.type = its type), the span ends without a status code, and the exception is rethrown.
template <class Fields, class Handler>
auto Handle(const boost::beast::http::header<true, Fields>& req, const Connection& connection,
            std::string_view route, Handler&& handler,
            const Options& options = http_server::DefaultOptions()) {
  ServerSpan span = StartSpan(req, connection, route, options);
  api::Scope scope = span.Activate();
  try {
    if constexpr (std::is_invocable_v<Handler&, ServerSpan&>) {
      auto response = handler(span);
      EndSpan(span, response);
      return response;
    } else {
      auto response = handler();
      EndSpan(span, response);
      return response;
    }
  } catch (...) {
    span.RecordException(std::current_exception());
    span.End(0);
    throw;
  }
}

}  // namespace adot::instrumentation::beast
