// HTTP server instrumentation for cpp-httplib (0.11 and later): one SERVER span per request.
// Header-only on top of adot::instrumentation_http_server, so it compiles with the application's
// own CPPHTTPLIB_* configuration; link adot::instrumentation_httplib (or
// adot::instrumentation_http_server and httplib as the application already does).
//
//   httplib::Server server;
//   adot::instrumentation::httplib::Instrument(server);          // before any other hook is set
//   namespace otel_httplib = adot::instrumentation::httplib;
//   otel_httplib::Get(server, "/api/adoptionlist/", handler);    // was: server.Get(pattern, handler)
//   otel_httplib::Get(server, R"(/api/pets/(\d+))", handler);   // span "GET /api/pets/(\d+)"
//
// Instrument installs the server's pre-routing, post-routing and exception handlers:
//   - pre-routing starts the span (parent extracted from the request headers by the global
//     propagator) and makes it current on the worker thread, so the handler's client calls and
//     queries become its children;
//   - post-routing (called by httplib with the final status, just before the response is
//     written) ends it, with http.response.status_code (5xx: status ERROR, error.type = code);
//   - the exception handler records an exception thrown by a handler (exception event, ERROR,
//     error.type = the exception's type), then calls the application's exception handler, or
//     does what httplib does without one: a 500 response with the EXCEPTION_WHAT header.
// httplib has no getters for these hooks, so an application with its own pre-routing,
// post-routing or exception handler passes it in InstrumentOptions (and must not set these hooks
// on the server after Instrument: that would remove the instrumentation's).
//
// Routes. httplib does not say which pattern matched, so the span is named by the method alone
// ("GET") unless the handler was registered through Get/Post/Put/Patch/Delete/Options below: they
// register the same handler on the server, wrapped so that it first sets http.route to its
// pattern and names the span "GET <pattern>". The pattern is a route template (low cardinality);
// the request path never becomes the span name. A catch-all handler with its own routing calls
// SetRoute("/api/pets/:id") instead.
//
// httplib runs each request on one worker thread from pre-routing to post-routing; the span of
// the request being handled is kept per thread (CurrentServerSpan()).
#pragma once

#include <httplib.h>

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "adot/api/context.h"
#include "adot/api/propagation/text_map.h"
#include "adot/instrumentation/http_server.h"

namespace adot::instrumentation::httplib {

inline constexpr std::string_view kInstrumentationName = "adot.instrumentation.httplib";

struct InstrumentOptions : http_server::Options {
  // url.scheme of the connection; "" = "https" for an httplib::SSLServer, else "http".
  std::string scheme;
  // The application's own hooks, called by the instrumentation's: pre-routing after the span
  // started (inside it), post-routing before the span ends (it may still change the response),
  // the exception handler after the exception was recorded.
  ::httplib::Server::HandlerWithResponse pre_routing_handler;
  ::httplib::Server::Handler post_routing_handler;
  ::httplib::Server::ExceptionHandler exception_handler;
};

// httplib::Headers (a case-insensitive multimap) as a propagation carrier. Linear scan: a
// request has few headers, and the map's own lookup would allocate a key string.
class HeadersCarrier final : public api::propagation::TextMapGetter {
 public:
  explicit HeadersCarrier(const ::httplib::Headers& headers) noexcept : headers_(headers) {}
  std::optional<std::string_view> Get(std::string_view key) const noexcept override {
    for (const auto& [k, v] : headers_)
      if (http_server::internal::EqualsIgnoreCase(k, key)) return std::string_view(v);
    return std::nullopt;
  }
  void GetAll(std::string_view key, api::propagation::StringVisitor visit) const noexcept override {
    for (const auto& [k, v] : headers_)
      if (http_server::internal::EqualsIgnoreCase(k, key) && !visit(v)) return;
  }
  void Keys(api::propagation::StringVisitor visit) const noexcept override {
    for (const auto& h : headers_)
      if (!visit(h.first)) return;
  }

 private:
  const ::httplib::Headers& headers_;
};

namespace internal {

// The request in progress on this thread.
struct RequestState {
  RequestState() noexcept {
    // Creates this thread's current-context slot first, so that it outlives this object.
    (void)api::internal::CurrentContextSlot();
  }
  const ::httplib::Request* request = nullptr;
  http_server::ServerSpan span;
  std::optional<api::Scope> scope;

  // Ends the request: the handler's context is detached, the span ends.
  void Finish(int status) noexcept {
    scope.reset();
    span.End(status);
    span = http_server::ServerSpan();
    request = nullptr;
  }
};

inline RequestState& ThreadState() noexcept {
  static thread_local RequestState state;
  return state;
}

// "HTTP/1.1" -> "1.1".
inline std::string_view ProtocolVersion(std::string_view version) noexcept {
  if (version.substr(0, 5) == "HTTP/") return version.substr(5);
  return {};
}

inline void BeginRequest(const ::httplib::Request& req, const http_server::Options& options,
                         std::string_view scheme) noexcept {
  RequestState& state = ThreadState();
  // A request that never reached post-routing (a hook replaced, an exception out of httplib):
  // its span ends now, without a status.
  if (state.request) state.Finish(0);
  HeadersCarrier carrier(req.headers);
  http_server::RequestInfo info;
  info.method = req.method;
  info.target = req.target.empty() ? std::string_view(req.path) : std::string_view(req.target);
  info.scheme = scheme;
  info.protocol_version = ProtocolVersion(req.version);
  info.headers = &carrier;
  info.peer_address = req.remote_addr;
  info.peer_port = req.remote_port;
  info.local_address = req.local_addr;
  info.local_port = req.local_port;
  state.span = http_server::ServerSpan::Start(kInstrumentationName, info, options);
  state.request = &req;
  state.scope.emplace(state.span.Activate());
}

inline void EndRequest(const ::httplib::Request& req, int status) noexcept {
  RequestState& state = ThreadState();
  if (state.request == &req) state.Finish(status > 0 ? status : 0);
}

// What httplib does with an exception when no exception handler is set.
inline void DefaultExceptionResponse(::httplib::Response& res, std::exception_ptr exception) {
  res.status = 500;
  std::string what = "UNKNOWN";
  try {
    if (exception) std::rethrow_exception(exception);
  } catch (const std::exception& e) {
    what.clear();
    for (const char* s = e.what(); s && *s; ++s) {
      if (*s == '\r') {
        what += "\\r";
      } else if (*s == '\n') {
        what += "\\n";
      } else {
        what += *s;
      }
    }
  } catch (...) {
  }
  res.set_header("EXCEPTION_WHAT", what);
}

inline std::string DetectScheme(::httplib::Server& server) {
#ifdef CPPHTTPLIB_OPENSSL_SUPPORT
  if (dynamic_cast<::httplib::SSLServer*>(&server)) return "https";
#endif
  return "http";
}

// The handler wrapped to set the route first, with the signature httplib wants for it (a plain
// handler, or one with a ContentReader).
template <class Handler>
auto WithRoute(std::string route, Handler handler) {
  if constexpr (std::is_invocable_v<Handler&, const ::httplib::Request&, ::httplib::Response&,
                                    const ::httplib::ContentReader&>) {
    return ::httplib::Server::HandlerWithContentReader(
        [route = std::move(route), handler = std::move(handler)](
            const ::httplib::Request& req, ::httplib::Response& res,
            const ::httplib::ContentReader& reader) {
          if (ThreadState().request == &req) ThreadState().span.SetRoute(route);
          handler(req, res, reader);
        });
  } else {
    return ::httplib::Server::Handler(
        [route = std::move(route), handler = std::move(handler)](const ::httplib::Request& req,
                                                                 ::httplib::Response& res) {
          if (ThreadState().request == &req) ThreadState().span.SetRoute(route);
          handler(req, res);
        });
  }
}

}  // namespace internal

// Installs the instrumentation's pre-routing, post-routing and exception handlers on server.
// Call it once, before the server starts listening.
inline void Instrument(::httplib::Server& server, InstrumentOptions options = {}) {
  if (options.known_methods.empty())
    options.known_methods = http_server::DefaultOptions().known_methods;
  if (options.scheme.empty()) options.scheme = internal::DetectScheme(server);
  auto shared = std::make_shared<const InstrumentOptions>(std::move(options));

  server.set_pre_routing_handler([shared](const ::httplib::Request& req, ::httplib::Response& res) {
    internal::BeginRequest(req, *shared, shared->scheme);
    if (!shared->pre_routing_handler) return ::httplib::Server::HandlerResponse::Unhandled;
    return shared->pre_routing_handler(req, res);
  });
  server.set_post_routing_handler([shared](const ::httplib::Request& req, ::httplib::Response& res) {
    if (shared->post_routing_handler) {
      try {
        shared->post_routing_handler(req, res);
      } catch (...) {
        internal::EndRequest(req, 500);
        throw;
      }
    }
    internal::EndRequest(req, res.status);
  });
  server.set_exception_handler(
      [shared](const ::httplib::Request& req, ::httplib::Response& res, std::exception_ptr ep) {
        internal::RequestState& state = internal::ThreadState();
        if (state.request == &req) state.span.RecordException(ep);
        if (!shared->exception_handler) return internal::DefaultExceptionResponse(res, ep);
        try {
          shared->exception_handler(req, res, ep);
        } catch (...) {
          internal::EndRequest(req, 500);
          throw;
        }
      });
}

// Server::Get/Post/... with the pattern recorded as http.route. handler: as for the server's own
// function (Post, Put, Patch and Delete also take a handler with a ContentReader).
template <class Handler>
::httplib::Server& Get(::httplib::Server& server, const std::string& pattern, Handler handler) {
  return server.Get(pattern, internal::WithRoute(pattern, std::move(handler)));
}
template <class Handler>
::httplib::Server& Post(::httplib::Server& server, const std::string& pattern, Handler handler) {
  return server.Post(pattern, internal::WithRoute(pattern, std::move(handler)));
}
template <class Handler>
::httplib::Server& Put(::httplib::Server& server, const std::string& pattern, Handler handler) {
  return server.Put(pattern, internal::WithRoute(pattern, std::move(handler)));
}
template <class Handler>
::httplib::Server& Patch(::httplib::Server& server, const std::string& pattern, Handler handler) {
  return server.Patch(pattern, internal::WithRoute(pattern, std::move(handler)));
}
template <class Handler>
::httplib::Server& Delete(::httplib::Server& server, const std::string& pattern, Handler handler) {
  return server.Delete(pattern, internal::WithRoute(pattern, std::move(handler)));
}
template <class Handler>
::httplib::Server& Options(::httplib::Server& server, const std::string& pattern,
                           Handler handler) {
  return server.Options(pattern, internal::WithRoute(pattern, std::move(handler)));
}

// The span of the request this thread is handling (nullptr outside a request of an instrumented
// server). The handler can also use the API: Tracer::GetCurrentSpan().
inline http_server::ServerSpan* CurrentServerSpan() noexcept {
  internal::RequestState& state = internal::ThreadState();
  return state.request ? &state.span : nullptr;
}

// Sets the route of the request this thread is handling (for handlers that route themselves).
inline void SetRoute(std::string_view route) noexcept {
  if (http_server::ServerSpan* span = CurrentServerSpan()) span->SetRoute(route);
}

}  // namespace adot::instrumentation::httplib
