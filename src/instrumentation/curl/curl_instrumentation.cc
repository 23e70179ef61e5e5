#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>

#include "adot/api/metrics.h"
#include "adot/api/propagation/carriers.h"
#include "adot/api/propagation/text_map.h"
#include "adot/api/trace.h"
#include "adot/instrumentation/curl.h"
#include "instrumentation/curl/curl_semantics.h"
#include "instrumentation/http_server/duration_histogram.h"

#ifndef ADOT_INSTRUMENTATION_CURL_VERSION
#define ADOT_INSTRUMENTATION_CURL_VERSION ""
#endif

namespace adot::instrumentation::curl {

namespace {

namespace trace = adot::api::trace;
using internal::AwsHints;

// One transfer, from the call that starts it to the one that ends it.
struct Transfer {
  trace::SpanPtr span;                  // set only when the span records
  const curl_slist* user_headers = nullptr;
  curl_slist* sent_headers = nullptr;   // the application's list plus ours; owned
  AwsHints aws;                         // read from the request at the start (recording only)
  // http.client.request.duration (set only when an SDK meter provider is installed).
  std::shared_ptr<api::metrics::Histogram<double>> duration;
  std::chrono::steady_clock::time_point start;

  Transfer() = default;
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;
  // Only reached with sent_headers set when the handle no longer points at it (see Finish).
  ~Transfer() {
    if (sent_headers) curl_slist_free_all(sent_headers);
  }
};

enum class EndKind {
  kCompleted,  // the transfer ran to its end (result known)
  kRemoved,    // removed from its multi handle (or cleaned up) before it completed
  kAddFailed,  // curl_multi_add_handle refused the handle
  kAbandoned,  // never reported: the handle may be gone, so it is not read
};

struct Outcome {
  EndKind kind = EndKind::kCompleted;
  CURLcode result = CURLE_OK;
  CURLMcode multi_result = CURLM_OK;
};

// Transfers of multi handles, between AddHandle and Done / RemoveHandle. Never destroyed, so it
// can be used during static destruction.
struct Registry {
  std::mutex mutex;
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> transfers;
  // Entries in transfers: lets Perform skip the lock when no multi transfer is open.
  std::atomic<size_t> open{0};
};

// http.client.request.duration of the global meter provider. Never destroyed: transfers may end
// during static destruction.
http_metrics::DurationHistogram* ClientDuration() noexcept {
  static http_metrics::DurationHistogram* histogram = [] {
    try {
      return new http_metrics::DurationHistogram(kInstrumentationName,
                                                 ADOT_INSTRUMENTATION_CURL_VERSION,
                                                 "http.client.request.duration",
                                                 "Duration of HTTP client requests.");
    } catch (...) {
      return static_cast<http_metrics::DurationHistogram*>(nullptr);
    }
  }();
  return histogram;
}

Registry& GetRegistry() noexcept {
  static Registry* registry = new Registry();
  return *registry;
}

std::unique_ptr<Transfer> Take(CURL* easy) noexcept {
  Registry& r = GetRegistry();
  if (r.open.load(std::memory_order_acquire) == 0) return nullptr;
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.transfers.find(easy);
  if (it == r.transfers.end()) return nullptr;
  std::unique_ptr<Transfer> t = std::move(it->second);
  r.transfers.erase(it);
  r.open.fetch_sub(1, std::memory_order_release);
  return t;
}

// The name part of a header line: "Name: value", "Name:" (remove) and "Name;" (empty value).
std::string_view HeaderName(const char* line) noexcept {
  std::string_view s(line);
  size_t end = s.find_first_of(":;");
  return s.substr(0, end);
}

// The SignedHeaders list of a SigV4 Authorization header in the list ("host;x-amz-date"), or "".
std::string_view SignedHeaders(const curl_slist* user) noexcept {
  for (const curl_slist* h = user; h; h = h->next) {
    if (!h->data || !internal::EqualsIgnoreCase(HeaderName(h->data), "Authorization")) continue;
    std::string_view line(h->data);
    size_t at = line.find("SignedHeaders=");
    if (line.find("AWS4-") == std::string_view::npos || at == std::string_view::npos) continue;
    std::string_view list = line.substr(at + 14);
    return list.substr(0, list.find_first_of(", "));
  }
  return {};
}

bool InList(std::string_view list, std::string_view name) noexcept {
  while (!list.empty()) {
    size_t semicolon = list.find(';');
    if (internal::EqualsIgnoreCase(list.substr(0, semicolon), name)) return true;
    if (semicolon == std::string_view::npos) break;
    list.remove_prefix(semicolon + 1);
  }
  return false;
}

// A copy of the application's list without the headers the propagator wrote, then those. A header
// the request's SigV4 signature covers is left as the application set it (changing it would break
// the signature). nullptr when memory runs out (the transfer then goes out without them).
curl_slist* BuildHeaders(const curl_slist* user,
                         const api::propagation::MapCarrier& injected) {
  const std::string_view signed_headers = SignedHeaders(user);
  auto is_ours = [&](std::string_view name) {
    for (const auto& [key, value] : injected.entries())
      if (internal::EqualsIgnoreCase(key, name)) return !InList(signed_headers, key);
    return false;
  };
  // Whether the application's list has the header (signed, so kept).
  auto user_has = [&](std::string_view key) {
    for (const curl_slist* h = user; h; h = h->next)
      if (h->data && internal::EqualsIgnoreCase(HeaderName(h->data), key)) return true;
    return false;
  };
  curl_slist* list = nullptr;
  for (const curl_slist* h = user; h; h = h->next) {
    if (!h->data || is_ours(HeaderName(h->data))) continue;
    curl_slist* grown = curl_slist_append(list, h->data);
    if (!grown) {
      curl_slist_free_all(list);
      return nullptr;
    }
    list = grown;
  }
  std::string line;
  for (const auto& [key, value] : injected.entries()) {
    if (InList(signed_headers, key) && user_has(key)) continue;
    line.assign(key).append(": ").append(value);
    curl_slist* grown = curl_slist_append(list, line.c_str());
    if (!grown) {
      curl_slist_free_all(list);
      return nullptr;
    }
    list = grown;
  }
  return list;
}

// Starts the span and points the handle at the headers to send.
void Start(CURL* easy, const Request& request, Transfer& t) noexcept {
  t.user_headers = request.headers;
  if (http_metrics::DurationHistogram* duration = ClientDuration()) {
    t.duration = duration->Get();
    if (t.duration) t.start = std::chrono::steady_clock::now();
  }
  try {
    std::shared_ptr<trace::Tracer> tracer = trace::GetTracerProvider()->GetTracer(
        kInstrumentationName, ADOT_INSTRUMENTATION_CURL_VERSION);
    trace::StartSpanOptions options;
    options.kind = trace::SpanKind::kClient;
    // The method and URL are known for certain only once libcurl has run the request (there are
    // no getters for the options): the span is named and described when it ends.
    trace::SpanPtr span = tracer->StartSpan("HTTP", options);
    const bool recording = span->IsRecording();
    if (recording) t.span = span;
    // Propagate when there is something to propagate: our span, or (no SDK, or not sampled) the
    // span context or baggage of the current context, passed through.
    if (recording || span->GetContext().IsValid() || !api::Context::Current().empty()) {
      api::propagation::MapCarrier carrier;
      api::Context context = trace::ContextWithSpan(api::Context::Current(), span);
      api::propagation::GetGlobalPropagator()->Inject(context, carrier);
      if (carrier.size() > 0) t.sent_headers = BuildHeaders(request.headers, carrier);
    }
    if (recording) {
      for (const curl_slist* h = request.headers; h; h = h->next)
        if (h->data) t.aws.AddHeaderLine(h->data);
      if (!request.body.empty()) t.aws.AddBody(request.body);
    }
  } catch (...) {
    // Out of memory: the request goes ahead with what is ready.
  }
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER,
                   t.sent_headers ? t.sent_headers : const_cast<curl_slist*>(request.headers));
}

// What the handle says about a finished transfer.
struct Finished {
  bool readable = false;  // false: the handle was not read (gone, or the transfer never ran)
  const char* method = nullptr;
  const char* url = nullptr;
  const char* peer_ip = nullptr;
  long status = 0, version = 0, peer_port = 0, redirects = 0;
};

// Reads the finished transfer from the handle. easy is null when the handle must not be read.
Finished Read(CURL* easy, const Outcome& outcome) noexcept {
  Finished f;
  f.readable = easy && (outcome.kind == EndKind::kCompleted || outcome.kind == EndKind::kRemoved);
  if (!f.readable) return f;
#if LIBCURL_VERSION_NUM >= 0x074800  // CURLINFO_EFFECTIVE_METHOD: 7.72.0
  if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_METHOD, &f.method) != CURLE_OK) f.method = nullptr;
#endif
  if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &f.url) != CURLE_OK) f.url = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &f.status) != CURLE_OK) f.status = 0;
  if (curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &f.version) != CURLE_OK) f.version = 0;
  if (curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &f.peer_ip) != CURLE_OK) f.peer_ip = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_PRIMARY_PORT, &f.peer_port) != CURLE_OK) f.peer_port = 0;
  if (curl_easy_getinfo(easy, CURLINFO_REDIRECT_COUNT, &f.redirects) != CURLE_OK) f.redirects = 0;
  return f;
}

// error.type of the transfer ("" when it did not fail) and the span status description:
// transport failures by libcurl's code name, HTTP 4xx/5xx by status code.
void ErrorOf(const Outcome& outcome, long status, std::string& error_type,
             std::string_view& description) {
  switch (outcome.kind) {
    case EndKind::kCompleted:
      if (outcome.result != CURLE_OK &&
          !(outcome.result == CURLE_HTTP_RETURNED_ERROR && status >= 400)) {
        error_type = internal::CurlCodeName(outcome.result);
        description = curl_easy_strerror(outcome.result);
      }
      break;
    case EndKind::kRemoved:
      if (status == 0) error_type = "canceled";
      break;
    case EndKind::kAddFailed:
      error_type = internal::CurlMultiCodeName(outcome.multi_result);
      description = curl_multi_strerror(outcome.multi_result);
      break;
    case EndKind::kAbandoned:
      break;
  }
  if (error_type.empty() && status >= 400) error_type = std::to_string(status);
}

// Records http.client.request.duration for a transfer that ran (the handle was read).
void RecordDuration(const Transfer& t, const Finished& f, std::string_view error_type,
                    std::chrono::steady_clock::time_point end) {
  const std::chrono::duration<double> elapsed = end - t.start;
  // The attributes of http.client.request.duration (stable HTTP semantic conventions); url.scheme
  // is opt-in there and kept (two values at most).
  std::array<api::KeyValue, 8> attributes;
  size_t n = 0;
  std::string_view method = f.method && *f.method ? internal::NormalizeMethod(f.method) : "_OTHER";
  attributes[n++] = {"http.request.method", method};
  internal::UrlParts parts;
  if (f.url && internal::ParseUrl(f.url, parts)) {
    if (!parts.host.empty()) {
      attributes[n++] = {"server.address", parts.host};
      if (parts.port > 0) attributes[n++] = {"server.port", parts.port};
    }
    if (!parts.scheme.empty()) attributes[n++] = {"url.scheme", parts.scheme};
  }
  if (f.status > 0) {
    attributes[n++] = {"http.response.status_code", f.status};
    std::string_view version = internal::HttpVersionName(f.version);
    if (!version.empty()) attributes[n++] = {"network.protocol.version", version};
  }
  if (!error_type.empty()) attributes[n++] = {"error.type", error_type};
  api::AttributeView view(std::span<const api::KeyValue>(attributes.data(), n));
  if (t.span) {
    // Exemplars point at the client span.
    api::Context context = trace::ContextWithSpan(api::Context(), t.span);
    t.duration->Record(elapsed.count(), view, &context);
  } else {
    t.duration->Record(elapsed.count(), view, nullptr);
  }
}

// Describes the span from the finished transfer.
void Describe(CURL* easy, trace::Span& span, const AwsHints& aws, const Finished& f,
              std::string_view error_type, std::string_view description) {
  const bool readable = f.readable;
  const char* method = f.method;
  const char* url = f.url;
  const char* peer_ip = f.peer_ip;
  const long status = f.status, version = f.version, peer_port = f.peer_port,
             redirects = f.redirects;

  std::string_view method_name;
  if (method && *method) {
    method_name = internal::NormalizeMethod(method);
    span.SetAttribute("http.request.method", method_name);
    if (method_name == "_OTHER") span.SetAttribute("http.request.method_original", method);
  }
  std::string_view full_url = url ? std::string_view(url) : std::string_view();
  if (!full_url.empty()) {
    span.SetAttribute("url.full", internal::RedactUrl(full_url));
    internal::UrlParts parts;
    if (internal::ParseUrl(full_url, parts) && !parts.host.empty()) {
      span.SetAttribute("server.address", parts.host);
      if (parts.port > 0) span.SetAttribute("server.port", parts.port);
    }
  }
  if (status > 0) {
    span.SetAttribute("http.response.status_code", status);
    std::string_view v = internal::HttpVersionName(version);
    if (!v.empty()) span.SetAttribute("network.protocol.version", v);
  }
  if (peer_ip && *peer_ip) {
    span.SetAttribute("network.peer.address", peer_ip);
    if (peer_port > 0) span.SetAttribute("network.peer.port", peer_port);
  }
  // Redirects libcurl followed within this transfer, plus the AWS SDK's own retries of the call.
  long resends = redirects + (aws.attempt > 1 ? aws.attempt - 1 : 0);
  if (resends > 0) span.SetAttribute("http.request.resend_count", resends);

  // AWS API calls.
  std::string name;
  internal::AwsCall call;
  if (readable || !aws.target.empty() || aws.sigv4) call = internal::RecognizeAws(aws, full_url);
  if (call.is_aws) {
    span.SetAttribute("rpc.system", "aws-api");
    if (!call.service.empty()) span.SetAttribute("rpc.service", call.service);
    if (!call.method.empty()) span.SetAttribute("rpc.method", call.method);
    if (!call.region.empty()) {
      span.SetAttribute("cloud.region", call.region);  // semantic conventions (AWS SDK spans)
      span.SetAttribute("aws.region", call.region);    // botocore, and the X-Ray exporter
    }
#if LIBCURL_VERSION_NUM >= 0x075300  // curl_easy_header: 7.83.0
    if (readable && status > 0) {
      curl_header* header = nullptr;
      for (const char* h : {"x-amzn-RequestId", "x-amzn-request-id", "x-amz-request-id"}) {
        if (curl_easy_header(easy, h, 0, CURLH_HEADER, -1, &header) == CURLHE_OK && header &&
            header->value && *header->value) {
          span.SetAttribute("aws.request_id", header->value);
          break;
        }
      }
      if (curl_easy_header(easy, "x-amz-id-2", 0, CURLH_HEADER, -1, &header) == CURLHE_OK &&
          header && header->value && *header->value)
        span.SetAttribute("aws.extended_request_id", header->value);
    }
#endif
    if (!call.service.empty() && !call.method.empty()) name = call.service + "." + call.method;
  }
  if (name.empty()) {
    // HTTP client spans are named "{method}"; "HTTP" when the method is not a known one.
    name = method_name.empty() || method_name == "_OTHER" ? "HTTP" : std::string(method_name);
  }
  span.UpdateName(name);

  if (!error_type.empty()) {
    span.SetAttribute("error.type", error_type);
    span.SetStatus(trace::StatusCode::kError, description);
  }
}

// Ends a transfer: gives the handle back the application's header list (when easy is not null),
// frees ours, and ends the span.
void Finish(CURL* easy, Transfer& t, const Outcome& outcome) noexcept {
  const auto end = t.duration ? std::chrono::steady_clock::now()
                              : std::chrono::steady_clock::time_point();
  if (t.sent_headers) {
    if (easy)
      curl_easy_setopt(easy, CURLOPT_HTTPHEADER, const_cast<curl_slist*>(t.user_headers));
    curl_slist_free_all(t.sent_headers);
    t.sent_headers = nullptr;
  }
  if (!t.span && !t.duration) return;
  try {
    const Finished f = Read(easy, outcome);
    std::string error_type;
    std::string_view description;
    ErrorOf(outcome, f.status, error_type, description);
    // Only transfers that ran are measured: one refused by curl_multi_add_handle never went out,
    // and an abandoned one has neither an end time nor a readable handle.
    if (t.duration && f.readable) RecordDuration(t, f, error_type, end);
    if (t.span) Describe(easy, *t.span, t.aws, f, error_type, description);
  } catch (...) {
    // Out of memory while describing: the span still ends.
  }
  t.duration.reset();
  if (!t.span) return;
  t.span->End();
  t.span.reset();
}

}  // namespace

CURLcode Perform(CURL* easy, const Request& request) noexcept {
  if (!easy) return curl_easy_perform(easy);
  // A transfer of ours never reported done on this handle (or on a freed handle at the same
  // address) ends now: Start points the handle away from its list first.
  std::unique_ptr<Transfer> stale = Take(easy);
  Transfer t;
  Start(easy, request, t);
  if (stale) Finish(nullptr, *stale, Outcome{EndKind::kAbandoned});
  CURLcode result = curl_easy_perform(easy);
  Finish(easy, t, Outcome{EndKind::kCompleted, result});
  return result;
}

CURLMcode AddHandle(CURLM* multi, CURL* easy, const Request& request) noexcept {
  if (!multi || !easy) return curl_multi_add_handle(multi, easy);
  Registry& r = GetRegistry();
  std::unique_ptr<Transfer> t;
  std::unique_ptr<Transfer> previous;  // an entry already there for this handle
  try {
    t = std::make_unique<Transfer>();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto [it, inserted] = r.transfers.try_emplace(easy);
    if (inserted) r.open.fetch_add(1, std::memory_order_release);
    previous = std::move(it->second);
  } catch (...) {
    // No memory for the bookkeeping: the transfer goes ahead uninstrumented.
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, const_cast<curl_slist*>(request.headers));
    return curl_multi_add_handle(multi, easy);
  }

  Start(easy, request, *t);
  CURLMcode rc = curl_multi_add_handle(multi, easy);

  const curl_slist* restore = request.headers;
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.transfers.find(easy);  // the slot reserved above: only this call uses this key
    if (rc == CURLM_OK) {
      it->second = std::move(t);
    } else if (previous) {
      // Refused, e.g. CURLM_ADDED_ALREADY: the earlier transfer goes on with its own list.
      restore = previous->sent_headers ? previous->sent_headers : previous->user_headers;
      it->second = std::move(previous);
    } else {
      r.transfers.erase(it);
      r.open.fetch_sub(1, std::memory_order_release);
    }
  }
  if (rc == CURLM_OK) {
    if (previous) Finish(nullptr, *previous, Outcome{EndKind::kAbandoned});
    return rc;
  }
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, const_cast<curl_slist*>(restore));
  Finish(nullptr, *t, Outcome{EndKind::kAddFailed, CURLE_OK, rc});
  return rc;
}

void Done(CURL* easy, CURLcode result) noexcept {
  if (!easy) return;
  if (std::unique_ptr<Transfer> t = Take(easy)) Finish(easy, *t, Outcome{EndKind::kCompleted, result});
}

CURLMsg* InfoRead(CURLM* multi, int* msgs_in_queue) noexcept {
  int ignored = 0;
  CURLMsg* message = curl_multi_info_read(multi, msgs_in_queue ? msgs_in_queue : &ignored);
  if (message && message->msg == CURLMSG_DONE) Done(message->easy_handle, message->data.result);
  return message;
}

CURLMcode RemoveHandle(CURLM* multi, CURL* easy) noexcept {
  std::unique_ptr<Transfer> t = easy ? Take(easy) : nullptr;
  CURLMcode rc = curl_multi_remove_handle(multi, easy);
  if (!t) return rc;
  if (rc != CURLM_OK) {
    // Still in a transfer (e.g. the handle belongs to another multi handle): keep it open.
    Registry& r = GetRegistry();
    try {
      std::lock_guard<std::mutex> lock(r.mutex);
      auto [it, inserted] = r.transfers.try_emplace(easy);
      if (inserted) r.open.fetch_add(1, std::memory_order_release);
      if (!it->second) {
        it->second = std::move(t);
        return rc;
      }
    } catch (...) {
    }
    if (t) {
      // Cannot keep it: end it, and leave the handle on the application's list.
      Finish(easy, *t, Outcome{EndKind::kRemoved});
    }
    return rc;
  }
  Finish(easy, *t, Outcome{EndKind::kRemoved});
  return rc;
}

void Cleanup(CURL* easy) noexcept {
  if (easy) {
    if (std::unique_ptr<Transfer> t = Take(easy)) Finish(easy, *t, Outcome{EndKind::kRemoved});
  }
  curl_easy_cleanup(easy);
}

size_t OpenTransfers() noexcept { return GetRegistry().open.load(std::memory_order_acquire); }

}  // namespace adot::instrumentation::curl
