#include <cxxabi.h>

#include <array>
#include <chrono>
#include <mutex>
#include <vector>
#include <cstdlib>
#include <exception>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <typeinfo>
#include <utility>

#include "adot/api/propagation/text_map.h"
#include "adot/api/trace.h"
#include "adot/instrumentation/http_server.h"
#include "instrumentation/http_server/duration_histogram.h"

#ifndef ADOT_INSTRUMENTATION_VERSION
#define ADOT_INSTRUMENTATION_VERSION ""
#endif

namespace adot::instrumentation::http_server {

namespace {

namespace trace = adot::api::trace;
using api::KeyValue;
using http_metrics::DurationHistogram;

// http.server.request.duration, one instrument per instrumentation scope name (the adapters'
// kInstrumentationName; a program using ServerSpan directly may pass its own). Entries are never
// removed, so their addresses stay valid; each thread remembers the last one it used.
DurationHistogram* DurationFor(std::string_view instrumentation_name) noexcept {
  struct Entry {
    std::string name;
    DurationHistogram histogram;
  };
  thread_local Entry* last = nullptr;
  if (last && last->name == instrumentation_name) return &last->histogram;
  // Never destroyed: requests may end during static destruction.
  static std::mutex* mutex = new std::mutex();
  static std::vector<std::unique_ptr<Entry>>* entries = new std::vector<std::unique_ptr<Entry>>();
  try {
    std::lock_guard<std::mutex> lock(*mutex);
    for (const auto& entry : *entries) {
      if (entry->name == instrumentation_name) {
        last = entry.get();
        return &entry->histogram;
      }
    }
    auto entry = std::unique_ptr<Entry>(new Entry{
        std::string(instrumentation_name),
        DurationHistogram(instrumentation_name, ADOT_INSTRUMENTATION_VERSION,
                          "http.server.request.duration", "Duration of HTTP server requests.")});
    entries->push_back(std::move(entry));
    last = entries->back().get();
    return &entries->back()->histogram;
  } catch (...) {
    return nullptr;
  }
}

std::optional<std::string_view> Header(const RequestInfo& info, std::string_view name) noexcept {
  if (!info.headers) return std::nullopt;
  auto value = info.headers->Get(name);
  if (value && value->empty()) return std::nullopt;
  return value;
}

int DefaultPort(std::string_view scheme) noexcept {
  if (internal::EqualsIgnoreCase(scheme, "http")) return 80;
  if (internal::EqualsIgnoreCase(scheme, "https")) return 443;
  return -1;
}

std::string Demangle(const char* mangled) {
  if (!mangled) return "unknown";
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string out = status == 0 && demangled ? demangled : mangled;
  std::free(demangled);
  return out;
}

// What the request says about its origin, as the conventions order the sources.
struct Derived {
  std::string_view scheme;
  std::string_view server_address;
  int server_port = -1;
  std::string_view client_address;
  int client_port = -1;
};

Derived Derive(const RequestInfo& info, const internal::TargetParts& target,
               bool use_forwarded) noexcept {
  Derived d;
  d.scheme = info.scheme.empty() ? std::string_view("http") : info.scheme;
  std::optional<std::string_view> forwarded;
  if (use_forwarded) forwarded = Header(info, "Forwarded");

  // url.scheme: Forwarded proto, X-Forwarded-Proto, the connection's.
  if (use_forwarded) {
    std::string_view proto = forwarded ? internal::ForwardedParameter(*forwarded, "proto") : "";
    if (proto.empty()) {
      if (auto xfp = Header(info, "X-Forwarded-Proto")) proto = internal::FirstForwardedFor(*xfp);
    }
    if (internal::EqualsIgnoreCase(proto, "http") || internal::EqualsIgnoreCase(proto, "https"))
      d.scheme = proto;
  }

  // server.address / server.port: Forwarded host, X-Forwarded-Host, absolute-form target, Host,
  // and last the local endpoint.
  std::string_view host;
  int port = -1;
  bool found = false;
  if (use_forwarded) {
    std::string_view fh = forwarded ? internal::ForwardedParameter(*forwarded, "host") : "";
    found = !fh.empty() && internal::ParseHostPort(fh, host, port);
    if (!found) {
      if (auto xfh = Header(info, "X-Forwarded-Host"))
        found = internal::ParseHostPort(internal::FirstForwardedFor(*xfh), host, port);
    }
  }
  if (!found && !target.authority.empty())
    found = internal::ParseHostPort(target.authority, host, port);
  if (!found) {
    if (auto h = Header(info, "Host")) found = internal::ParseHostPort(*h, host, port);
  }
  if (found) {
    d.server_address = host;
    d.server_port = port > 0 ? port : DefaultPort(d.scheme);
  } else if (!info.local_address.empty()) {
    d.server_address = info.local_address;
    d.server_port = info.local_port > 0 ? info.local_port : -1;
  }

  // client.address / client.port: Forwarded for, X-Forwarded-For, the peer.
  if (use_forwarded) {
    std::string_view ff = forwarded ? internal::ForwardedParameter(*forwarded, "for") : "";
    std::string_view addr;
    int addr_port = -1;
    // "unknown" and obfuscated identifiers ("_hidden") name no address.
    if (!ff.empty() && ff != "unknown" && ff.front() != '_' &&
        internal::ParseHostPort(ff, addr, addr_port)) {
      d.client_address = addr;
      d.client_port = addr_port;
    } else if (auto xff = Header(info, "X-Forwarded-For")) {
      std::string_view first = internal::FirstForwardedFor(*xff);
      if (!first.empty() && first != "unknown") d.client_address = first;
    }
  }
  if (d.client_address.empty() && !info.peer_address.empty()) {
    d.client_address = info.peer_address;
    d.client_port = info.peer_port;
  }
  return d;
}

}  // namespace

ServerSpan::ServerSpan(ServerSpan&& other) noexcept
    : span_(std::move(other.span_)),
      context_(std::move(other.context_)),
      method_(std::move(other.method_)),
      exception_type_(std::move(other.exception_type_)),
      exception_message_(std::move(other.exception_message_)),
      measurement_(std::move(other.measurement_)),
      recording_(other.recording_),
      ended_(std::exchange(other.ended_, true)) {
  other.recording_ = false;
  other.measurement_.histogram.reset();
}

ServerSpan& ServerSpan::operator=(ServerSpan&& other) noexcept {
  if (this != &other) {
    if (!ended_) End(0);
    span_ = std::move(other.span_);
    context_ = std::move(other.context_);
    method_ = std::move(other.method_);
    exception_type_ = std::move(other.exception_type_);
    exception_message_ = std::move(other.exception_message_);
    measurement_ = std::move(other.measurement_);
    other.measurement_.histogram.reset();
    recording_ = std::exchange(other.recording_, false);
    ended_ = std::exchange(other.ended_, true);
  }
  return *this;
}

ServerSpan::~ServerSpan() {
  if (!ended_) End(0);
}

api::trace::Span& ServerSpan::span() const noexcept {
  return span_ ? *span_ : *trace::InvalidSpan();
}

ServerSpan ServerSpan::Start(std::string_view instrumentation_name, const RequestInfo& info,
                             const Options& options) noexcept {
  ServerSpan s;
  try {
    if (options.filter && !options.filter(info)) {
      s.context_ = api::Context::Current();
      return s;
    }
    // The duration covers the whole of the instrumentation's work on the request.
    std::shared_ptr<api::metrics::Histogram<double>> histogram;
    if (DurationHistogram* duration = DurationFor(instrumentation_name)) histogram = duration->Get();
    const auto start_time = histogram ? std::chrono::steady_clock::now()
                                      : std::chrono::steady_clock::time_point();

    api::Context parent = api::Context::Current();
    if (info.headers) parent = api::propagation::GetGlobalPropagator()->Extract(parent, *info.headers);

    std::shared_ptr<trace::Tracer> tracer = trace::GetTracerProvider()->GetTracer(
        instrumentation_name, ADOT_INSTRUMENTATION_VERSION);
    if (!tracer) return s;
    trace::StartSpanOptions start;
    start.kind = trace::SpanKind::kServer;
    start.parent = &parent;

    trace::SpanPtr span;
    const trace::Tracer& t = *tracer;
    const bool tracing = typeid(t) != typeid(trace::NoopTracer);
    if (!tracing && !histogram) {
      // No SDK: nothing would read a name or attributes.
      span = tracer->StartSpan({}, start);
    } else {
      std::string_view method = internal::NormalizeMethod(info.method, options.known_methods);
      internal::TargetParts target = internal::SplitTarget(info.target);
      Derived d = Derive(info, target, options.use_forwarded_headers);
      if (histogram) {
        Measurement& m = s.measurement_;
        m.method.assign(method);
        m.scheme.assign(d.scheme);
        m.protocol_version.assign(info.protocol_version);
        m.route.assign(info.route);
        m.start = start_time;
        m.histogram = std::move(histogram);
      }
      if (!tracing) {
        span = tracer->StartSpan({}, start);
      } else {
        std::string query_storage;
        std::string_view query = target.has_query
                                     ? internal::RedactQuery(target.query, query_storage)
                                     : std::string_view();

        std::array<KeyValue, 16> attributes;
        size_t n = 0;
        attributes[n++] = {"http.request.method", method};
        if (method == "_OTHER") attributes[n++] = {"http.request.method_original", info.method};
        attributes[n++] = {"url.scheme", d.scheme};
        attributes[n++] = {"url.path", target.path};
        if (target.has_query) attributes[n++] = {"url.query", query};
        if (!info.route.empty()) attributes[n++] = {"http.route", info.route};
        if (!d.server_address.empty()) {
          attributes[n++] = {"server.address", d.server_address};
          if (d.server_port > 0) attributes[n++] = {"server.port", d.server_port};
        }
        if (!d.client_address.empty()) {
          attributes[n++] = {"client.address", d.client_address};
          if (d.client_port > 0) attributes[n++] = {"client.port", d.client_port};
        }
        if (!info.peer_address.empty()) {
          attributes[n++] = {"network.peer.address", info.peer_address};
          if (info.peer_port > 0) attributes[n++] = {"network.peer.port", info.peer_port};
        }
        if (!info.protocol_version.empty())
          attributes[n++] = {"network.protocol.version", info.protocol_version};
        if (auto ua = Header(info, "User-Agent")) attributes[n++] = {"user_agent.original", *ua};

        std::string name = internal::SpanName(method, info.route);
        span = tracer->StartSpan(
            name, api::AttributeView(std::span<const KeyValue>(attributes.data(), n)), start);
        if (span && span->IsRecording()) {
          s.recording_ = true;
          s.method_ = method == "_OTHER" ? "HTTP" : std::string(method);
        }
      }
    }
    if (!span) span = trace::InvalidSpan();
    s.span_ = span;
    s.ended_ = false;
    // With nothing to carry (no SDK, no incoming context) keep the context empty: attaching it
    // then costs no allocation.
    if (span->GetContext().IsValid() || !parent.empty()) {
      s.context_ = trace::ContextWithSpan(parent, std::move(span));
    }
  } catch (...) {
    // Out of memory (or a throwing filter): the request goes on without (complete) telemetry, in
    // the context it would have had without instrumentation.
    if (s.context_.empty()) s.context_ = api::Context::Current();
  }
  return s;
}

void ServerSpan::SetRoute(std::string_view route) noexcept {
  if (ended_ || route.empty()) return;
  try {
    if (measurement_.histogram) measurement_.route.assign(route);
    if (!recording_) return;
    span_->SetAttribute("http.route", route);
    std::string name = method_;
    name.append(" ").append(route);
    span_->UpdateName(name);
  } catch (...) {
  }
}

void ServerSpan::RecordException(std::exception_ptr exception) noexcept {
  if ((!recording_ && !measurement_.histogram) || ended_ || !exception) return;
  try {
    try {
      std::rethrow_exception(exception);
    } catch (const std::exception& e) {
      exception_type_ = Demangle(typeid(e).name());
      exception_message_ = e.what();
    } catch (...) {
      std::type_info* type = abi::__cxa_current_exception_type();
      exception_type_ = Demangle(type ? type->name() : nullptr);
      exception_message_.clear();
    }
    if (recording_) span_->RecordException(exception_type_, exception_message_);
  } catch (...) {
  }
}

void ServerSpan::RecordException(const std::exception& exception) noexcept {
  if ((!recording_ && !measurement_.histogram) || ended_) return;
  try {
    exception_type_ = Demangle(typeid(exception).name());
    exception_message_ = exception.what();
    if (recording_) span_->RecordException(exception_type_, exception_message_);
  } catch (...) {
  }
}

void ServerSpan::End(int status_code) noexcept { Finish(status_code, {}); }

void ServerSpan::EndWithError(std::string_view error_type, int status_code) noexcept {
  Finish(status_code, error_type.empty() ? std::string_view("_OTHER") : error_type);
}

void ServerSpan::Finish(int status_code, std::string_view error_type) noexcept {
  if (ended_) return;
  ended_ = true;
  if (!span_) return;
  if (!recording_ && !measurement_.histogram) {
    span_->End();
    return;
  }
  std::string code;
  std::string_view description;
  try {
    // error.type, the same for the span and the measurement: the exception's type, what the
    // application passed to EndWithError, else the status code when it is a server error.
    if (!exception_type_.empty()) {
      error_type = exception_type_;
      description = exception_message_;
    } else if (error_type.empty() &&
               (status_code >= 500 || (status_code > 0 && status_code < 100))) {
      code = std::to_string(status_code);
      error_type = code;
    }
  } catch (...) {
  }
  // Measured before the span ends, so that an exemplar can still point at it.
  RecordDuration(status_code, error_type);
  if (recording_) {
    try {
      if (status_code > 0) span_->SetAttribute("http.response.status_code", status_code);
      if (!error_type.empty()) {
        span_->SetAttribute("error.type", error_type);
        span_->SetStatus(trace::StatusCode::kError, description);
      }
    } catch (...) {
    }
  }
  span_->End();
}

void ServerSpan::RecordDuration(int status_code, std::string_view error_type) noexcept {
  Measurement& m = measurement_;
  if (!m.histogram) return;
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - m.start;
  // The attributes of http.server.request.duration (stable HTTP semantic conventions):
  // server.address / server.port are opt-in there and left out (they come from the Host header,
  // which clients choose: unbounded cardinality).
  std::array<KeyValue, 6> attributes;
  size_t n = 0;
  attributes[n++] = {"http.request.method", std::string_view(m.method)};
  attributes[n++] = {"url.scheme", std::string_view(m.scheme)};
  if (status_code > 0) attributes[n++] = {"http.response.status_code", status_code};
  if (!m.route.empty()) attributes[n++] = {"http.route", std::string_view(m.route)};
  if (!error_type.empty()) attributes[n++] = {"error.type", error_type};
  if (!m.protocol_version.empty())
    attributes[n++] = {"network.protocol.version", std::string_view(m.protocol_version)};
  m.histogram->Record(elapsed.count(),
                      api::AttributeView(std::span<const KeyValue>(attributes.data(), n)),
                      &context_);
  m.histogram.reset();
}

}  // namespace adot::instrumentation::http_server
