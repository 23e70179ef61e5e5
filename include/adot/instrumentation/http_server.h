// What every HTTP server instrumentation shares (Boost.Beast: adot/instrumentation/beast.h,
// cpp-httplib: adot/instrumentation/httplib.h): one SERVER span per request, named and described
// by the stable HTTP semantic conventions, with the parent extracted from the request headers by
// the global propagator. Link adot::instrumentation_http_server (adot_api only).
//
// A framework adapter fills a RequestInfo with views of the request, calls ServerSpan::Start, makes
// the span's context current while the application handles the request (Activate), and ends the
// span with the response status (End). Everything here is noexcept: a failure inside the
// instrumentation (out of memory) loses telemetry, never the request.
//
// Each request is also measured in the http.server.request.duration histogram (seconds) of the
// global meter provider, under the same instrumentation scope as the span.
//
// With no SDK installed nothing is built: no span name, no attributes, no measurement; the context
// extracted from the headers is still made current, so outgoing calls pass the caller's trace on.
// The tracer and meter providers are independent: either SDK alone gets its signal.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adot/api/context.h"
#include "adot/api/metrics/instruments.h"
#include "adot/api/propagation/text_map.h"
#include "adot/api/trace/span.h"

namespace adot::instrumentation::http_server {

// One request as the framework received it. Views: valid during ServerSpan::Start only.
struct RequestInfo {
  std::string_view method;            // as sent: "GET", "get", "PROPFIND"
  std::string_view target;            // the request-target: "/a/b?x=1", or "http://host/a" (proxies)
  std::string_view route;             // the matched route template; "" when not (yet) known
  std::string_view scheme = "http";   // of the connection: "https" for TLS
  std::string_view protocol_version;  // "1.0", "1.1", "2"; "" when unknown
  // The request headers (propagation, Host, User-Agent, Forwarded, ...). nullptr: none.
  const api::propagation::TextMapGetter* headers = nullptr;
  std::string_view peer_address;  // the connection's remote address ("" unknown)
  int peer_port = -1;
  std::string_view local_address;  // the connection's local address ("" unknown)
  int local_port = -1;
};

struct Options {
  // The methods http.request.method may take (case-sensitive, a full replacement of the default
  // list). Empty: OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS (comma-separated) when set, else the
  // semantic conventions' list: CONNECT DELETE GET HEAD OPTIONS PATCH POST PUT TRACE. Any other
  // method is recorded as "_OTHER" with http.request.method_original.
  std::vector<std::string> known_methods;
  // Read Forwarded / X-Forwarded-For / X-Forwarded-Host / X-Forwarded-Proto for client.address,
  // server.address/port and url.scheme, as the conventions ask. Turn off when no proxy in front
  // of the server sets them (clients can send anything).
  bool use_forwarded_headers = true;
  // Requests for which it returns false get no span (health checks, metrics scrapes); the handler
  // then runs in the context it would have run in without instrumentation. Must not throw.
  std::function<bool(const RequestInfo&)> filter;
};

// The default options (known methods from the environment, forwarded headers read, no filter).
const Options& DefaultOptions() noexcept;

// The span of one request. Movable, not copyable; not thread-safe (hand it from one thread to
// the next as asynchronous handlers do). A span not ended explicitly ends when the object is
// destroyed, without a status code.
class ServerSpan {
 public:
  ServerSpan() noexcept = default;
  ServerSpan(ServerSpan&& other) noexcept;
  ServerSpan& operator=(ServerSpan&& other) noexcept;
  ServerSpan(const ServerSpan&) = delete;
  ServerSpan& operator=(const ServerSpan&) = delete;
  ~ServerSpan();

  // Extracts the parent from info.headers (on top of the current context), starts the span with
  // the request attributes (given at start, for samplers) and returns it. instrumentation_name is
  // the instrumentation scope ("adot.instrumentation.beast") of the span and of the
  // http.server.request.duration measurement, which covers Start to End. When options.filter
  // rejects the request, returns an empty ServerSpan (context() is the current context,
  // unchanged; nothing is measured).
  static ServerSpan Start(std::string_view instrumentation_name, const RequestInfo& info,
                          const Options& options = DefaultOptions()) noexcept;

  // The context to run the handler in: the extracted parent plus this span.
  const api::Context& context() const noexcept { return context_; }
  // Makes context() current on the calling thread until the Scope ends.
  [[nodiscard]] api::Scope Activate() const noexcept { return context_.Attach(); }
  // The span (the invalid span when none was started).
  api::trace::Span& span() const noexcept;
  bool IsRecording() const noexcept { return recording_; }
  // Whether End will record http.server.request.duration (an SDK meter provider was installed
  // when the span started).
  bool IsMeasuring() const noexcept { return measurement_.histogram != nullptr; }
  bool ended() const noexcept { return ended_; }

  // The route became known after the start (routers that match later): sets http.route (of the
  // span and the measurement) and renames the span "METHOD route". Does nothing for an empty
  // route.
  void SetRoute(std::string_view route) noexcept;
  // Records an exception event (exception.type, exception.message); the span ends with status
  // ERROR and error.type = the exception's type, whatever the response status.
  void RecordException(std::exception_ptr exception) noexcept;
  void RecordException(const std::exception& exception) noexcept;

  // Ends the span with the response status (0: no response was sent) and records the request's
  // duration. 5xx, and codes outside 100-599, set status ERROR and error.type = the code; 4xx do
  // not (not a server error).
  void End(int status_code) noexcept;
  // Ends the span as failed: error.type = error_type (low cardinality: "timeout",
  // "connection_reset", ...), status ERROR, and the response status when one was sent.
  void EndWithError(std::string_view error_type, int status_code = 0) noexcept;

 private:
  void Finish(int status_code, std::string_view error_type) noexcept;
  void RecordDuration(int status_code, std::string_view error_type) noexcept;

  // What http.server.request.duration needs at the end (owned: the request is gone by then).
  struct Measurement {
    std::shared_ptr<api::metrics::Histogram<double>> histogram;  // null: not measuring
    std::chrono::steady_clock::time_point start;
    std::string method;  // http.request.method ("_OTHER" for unknown methods)
    std::string scheme;
    std::string protocol_version;
    std::string route;
  };

  api::trace::SpanPtr span_;
  api::Context context_;
  std::string method_;          // the span name's method part ("GET", or "HTTP" for _OTHER)
  std::string exception_type_;  // set by RecordException
  std::string exception_message_;
  Measurement measurement_;
  bool recording_ = false;
  bool ended_ = true;
};

// Helpers the adapters and tests use; pure functions of their arguments.
namespace internal {

// http.request.method for method: the method when it is in known (exact match), else "_OTHER".
// known empty: DefaultOptions' list.
std::string_view NormalizeMethod(std::string_view method,
                                 const std::vector<std::string>& known) noexcept;

// "GET /route", "GET" without a route; "HTTP ..." for _OTHER methods.
std::string SpanName(std::string_view normalized_method, std::string_view route);

// The parts of a request-target. Views into the target.
struct TargetParts {
  std::string_view path;       // "/a/b" ("" for authority-form, "*" for asterisk-form)
  std::string_view query;      // without the '?'
  bool has_query = false;
  std::string_view authority;  // absolute-form only: "host:port"
  std::string_view scheme;     // absolute-form only
};
TargetParts SplitTarget(std::string_view target) noexcept;

// "host", "host:8080", "[::1]:8080" -> host ("::1" without brackets) and port (-1 when absent or
// invalid). False when the value is empty or malformed.
bool ParseHostPort(std::string_view value, std::string_view& host, int& port) noexcept;

// The first address of an X-Forwarded-For value ("203.0.113.7, 10.0.0.1" -> "203.0.113.7").
std::string_view FirstForwardedFor(std::string_view value) noexcept;

// The parameter name ("for", "host", "proto") of the first element of a Forwarded header (RFC
// 7239), quotes removed: `for="[2001:db8::1]:4711";proto=https, for=10.0.0.1` gives
// `[2001:db8::1]:4711` for "for". "" when absent.
std::string_view ForwardedParameter(std::string_view value, std::string_view name) noexcept;

// The query with the values of parameters that carry credentials replaced by "REDACTED":
// AWSAccessKeyId, Signature, sig, X-Goog-Signature, X-Amz-Signature, X-Amz-Credential,
// X-Amz-Security-Token. Returns query itself (no copy) when nothing needs redacting.
std::string_view RedactQuery(std::string_view query, std::string& storage);

bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept;

}  // namespace internal

}  // namespace adot::instrumentation::http_server
