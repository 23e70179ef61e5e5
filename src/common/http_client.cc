#include "common/http_client.h"

#include <unistd.h>

#include <curl/curl.h>

#include <algorithm>
#include <limits>
#include <mutex>

#include "common/gzip.h"

namespace adot::common {
namespace {

// curl_global_init is not safe to race with itself (or with the first curl_easy_init), so every
// client goes through here. curl_global_cleanup is never called: other code in the process may
// still use libcurl at exit.
bool GlobalInit() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  return ok;
}

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view TrimWhitespace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
    s.remove_suffix(1);
  return s;
}

// RFC 9110 token characters: what a header name may contain.
bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// A header that would let a caller inject lines into the request is refused.
bool IsValidHeader(std::string_view name, std::string_view value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), IsTokenChar)) return false;
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// "Name: value"; curl sends "Name;" as a header with an empty value.
std::string FormatHeader(std::string_view name, std::string_view value) {
  std::string line(name);
  if (value.empty()) {
    line += ';';
  } else {
    line.append(": ").append(value);
  }
  return line;
}

bool Append(curl_slist*& list, std::string_view name, std::string_view value) {
  curl_slist* grown = curl_slist_append(list, FormatHeader(name, value).c_str());
  if (grown == nullptr) return false;
  list = grown;
  return true;
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

// Names the header but never quotes its value, which may be a credential.
std::string InvalidHeaderMessage(std::string_view name) {
  std::string printable;
  for (char c : name.substr(0, 64)) printable += (c > 0x20 && c < 0x7f) ? c : '?';
  return "invalid HTTP header name or value (header \"" + printable + "\")";
}

// curl's "Failed to connect to h port p after 3 ms: ..." without the " after 3 ms", so that the
// same failure always gives the same message (callers log each distinct message once).
std::string WithoutElapsedTime(std::string message) {
  size_t at = message.find(" after ");
  if (at == std::string::npos) return message;
  size_t digits = at + 7, end = digits;
  while (end < message.size() && message[end] >= '0' && message[end] <= '9') ++end;
  if (end > digits && message.compare(end, 3, " ms") == 0) message.erase(at, end + 3 - at);
  return message;
}

HttpError ClassifyCurlError(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return HttpError::kTimeout;
    case CURLE_ABORTED_BY_CALLBACK:
      return HttpError::kCancelled;
    case CURLE_FILESIZE_EXCEEDED:
      return HttpError::kResponseTooLarge;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:  // includes resets during the handshake
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_PROXY:
      return HttpError::kConnection;
    default:
      return HttpError::kInvalid;
  }
}

}  // namespace

struct HttpClient::Impl {
  HttpClientOptions options;
  CURLM* multi = nullptr;
  CURL* easy = nullptr;
  pid_t owner_pid = getpid();
  // Set at construction when the client cannot work; every Send fails with it.
  std::string setup_error;
  // Built once: the client's headers, and the same plus Content-Encoding: gzip.
  curl_slist* base_headers = nullptr;
  curl_slist* base_headers_gzip = nullptr;
  std::string gzip_body;  // reused compression buffer
  char error_buffer[CURL_ERROR_SIZE] = {};
  std::atomic<bool>* cancelled = nullptr;

  // State of the transfer in progress, for the callbacks.
  HttpResponse* response = nullptr;
  bool too_large = false;
  bool out_of_memory = false;

  void CreateHandles() {
    multi = curl_multi_init();
    easy = curl_easy_init();
    if (multi == nullptr || easy == nullptr) setup_error = "libcurl initialisation failed";
  }

  // In a forked child the handles' connections are the parent's sockets (and TLS sessions).
  // Closing them here would disturb the parent, so they are abandoned and new ones made.
  void RenewHandlesAfterFork() {
    owner_pid = getpid();
    multi = nullptr;
    easy = nullptr;
    CreateHandles();
    if (setup_error.empty()) Configure();
  }

  ~Impl() {
    if (easy != nullptr) curl_easy_cleanup(easy);
    if (multi != nullptr) curl_multi_cleanup(multi);
    curl_slist_free_all(base_headers);
    curl_slist_free_all(base_headers_gzip);
  }

  // The callbacks run inside C code: no exception may leave them.
  static size_t OnBody(char* data, size_t size, size_t count, void* user) noexcept {
    auto* self = static_cast<Impl*>(user);
    size_t length = size * count;
    std::string& body = self->response->body;
    size_t limit = self->options.max_response_bytes;
    if (length > limit - std::min(body.size(), limit)) {
      self->too_large = true;
      return 0;  // makes curl fail the transfer with CURLE_WRITE_ERROR
    }
    try {
      body.append(data, length);
    } catch (...) {
      self->out_of_memory = true;
      return 0;
    }
    return length;
  }

  static size_t OnHeader(char* data, size_t size, size_t count, void* user) noexcept {
    auto* self = static_cast<Impl*>(user);
    size_t length = size * count;
    std::string_view line(data, length);
    HttpHeaders& headers = self->response->headers;
    try {
      if (line.starts_with("HTTP/")) {
        headers.clear();  // a new response begins (e.g. after "100 Continue")
      } else if (!line.empty() && (line.front() == ' ' || line.front() == '\t')) {
        // Obsolete line folding: continues the previous value.
        if (!headers.empty()) headers.back().second.append(" ").append(TrimWhitespace(line));
      } else if (size_t colon = line.find(':'); colon != std::string_view::npos) {
        std::string name(TrimWhitespace(line.substr(0, colon)));
        std::transform(name.begin(), name.end(), name.begin(), ToLower);
        headers.emplace_back(std::move(name), std::string(TrimWhitespace(line.substr(colon + 1))));
      }
    } catch (...) {
      self->out_of_memory = true;
      return 0;
    }
    return length;
  }

  static int OnProgress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) noexcept {
    auto* self = static_cast<Impl*>(user);
    return self->cancelled->load(std::memory_order_acquire) ? 1 : 0;
  }

  bool BuildBaseHeaders() {
    for (const auto& [name, value] : options.headers) {
      if (!IsValidHeader(name, value)) {
        setup_error = InvalidHeaderMessage(name);
        return false;
      }
    }
    for (curl_slist** list : {&base_headers, &base_headers_gzip}) {
      for (const auto& [name, value] : options.headers)
        if (!Append(*list, name, value)) return false;
      // "Expect:" stops curl from waiting for "100 Continue" before sending large bodies.
      curl_slist* grown = curl_slist_append(*list, "Expect:");
      if (grown == nullptr) return false;
      *list = grown;
    }
    return Append(base_headers_gzip, "Content-Encoding", "gzip");
  }

  void Configure() {
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Impl::OnBody);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &Impl::OnHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, this);
    curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, &Impl::OnProgress);
    curl_easy_setopt(easy, CURLOPT_XFERINFODATA, this);
    // A Content-Length above the limit fails at once, without reading the body (0 would mean
    // "no limit" to curl; OnBody still enforces it).
    if (options.max_response_bytes > 0) {
      uint64_t limit =
          std::min<uint64_t>(options.max_response_bytes, std::numeric_limits<curl_off_t>::max());
      curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(limit));
    }
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
#else
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS, CURLPROTO_HTTP | CURLPROTO_HTTPS);
#endif
    curl_easy_setopt(easy, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
    if (!options.ca_file.empty()) curl_easy_setopt(easy, CURLOPT_CAINFO, options.ca_file.c_str());
    if (!options.client_cert_file.empty()) {
      curl_easy_setopt(easy, CURLOPT_SSLCERT, options.client_cert_file.c_str());
      curl_easy_setopt(easy, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (!options.client_key_file.empty()) {
      curl_easy_setopt(easy, CURLOPT_SSLKEY, options.client_key_file.c_str());
      curl_easy_setopt(easy, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (!options.proxy.empty()) curl_easy_setopt(easy, CURLOPT_PROXY, options.proxy.c_str());
    if (options.insecure_skip_verify) {
      curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 0L);
      curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 0L);
    }
  }

  // Runs the transfer on the multi handle so Cancel() can wake the wait at once.
  CURLcode Perform(std::string& multi_error) {
    CURLMcode mc = curl_multi_add_handle(multi, easy);
    if (mc != CURLM_OK) {
      multi_error = curl_multi_strerror(mc);
      return CURLE_FAILED_INIT;
    }
    CURLcode result = CURLE_OK;
    bool done = false;
    while (!done) {
      int running = 0;
      mc = curl_multi_perform(multi, &running);
      if (mc != CURLM_OK) {
        multi_error = curl_multi_strerror(mc);
        result = CURLE_FAILED_INIT;
        break;
      }
      int queued = 0;
      while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == easy) {
          result = msg->data.result;
          done = true;
        }
      }
      if (done || running == 0) break;
      if (cancelled->load(std::memory_order_acquire)) {
        result = CURLE_ABORTED_BY_CALLBACK;
        break;
      }
      // Sleeps until socket activity, curl's next timeout, or curl_multi_wakeup from Cancel().
      mc = curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
      if (mc != CURLM_OK && mc != CURLM_UNRECOVERABLE_POLL) {
        multi_error = curl_multi_strerror(mc);
        result = CURLE_FAILED_INIT;
        break;
      }
    }
    curl_multi_remove_handle(multi, easy);
    return result;
  }
};

HttpClient::HttpClient(HttpClientOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->cancelled = &cancelled_;
  if (!GlobalInit()) {
    impl_->setup_error = "libcurl initialisation failed";
    return;
  }
  impl_->CreateHandles();
  if (!impl_->setup_error.empty()) return;
  if (!impl_->BuildBaseHeaders()) {
    if (impl_->setup_error.empty()) impl_->setup_error = "out of memory building HTTP headers";
    return;
  }
  impl_->Configure();
}

HttpClient::~HttpClient() = default;

void HttpClient::Cancel() noexcept {
  cancelled_.store(true, std::memory_order_release);
  // Documented as callable from any thread; wakes a curl_multi_poll in progress (or the next).
  if (impl_ && impl_->multi != nullptr) curl_multi_wakeup(impl_->multi);
}

void HttpClient::Send(const HttpRequest& request, HttpResponse& response) noexcept {
  response.Clear();
  auto fail = [&response](HttpError error, std::string message) {
    response.status = 0;
    response.headers.clear();
    response.body.clear();
    response.error = error;
    response.error_message = std::move(message);
  };
  Impl& impl = *impl_;
  try {
    if (cancelled()) return fail(HttpError::kCancelled, "request cancelled");
    if (impl.setup_error.empty() && impl.owner_pid != getpid()) impl.RenewHandlesAfterFork();
    if (!impl.setup_error.empty()) return fail(HttpError::kInvalid, impl.setup_error);

    std::string_view body = request.body;
    if (request.gzip) {
      if (!GzipCompress(body, impl.gzip_body, request.gzip_level))
        return fail(HttpError::kInvalid, "gzip compression failed");
      body = impl.gzip_body;
    }

    curl_slist* headers = request.gzip ? impl.base_headers_gzip : impl.base_headers;
    SlistPtr extra;  // only built when the request has headers of its own
    if (!request.headers.empty()) {
      auto append_line = [&extra](const char* line) {
        curl_slist* grown = curl_slist_append(extra.get(), line);
        if (grown == nullptr) throw std::bad_alloc();
        if (grown != extra.get()) {
          extra.release();
          extra.reset(grown);
        }
      };
      for (curl_slist* it = headers; it != nullptr; it = it->next) append_line(it->data);
      for (const auto& [name, value] : request.headers) {
        if (!IsValidHeader(name, value))
          return fail(HttpError::kInvalid, InvalidHeaderMessage(name));
        append_line(FormatHeader(name, value).c_str());
      }
      headers = extra.get();
    }

    CURL* easy = impl.easy;
    curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(
        easy, CURLOPT_TIMEOUT_MS,
        static_cast<long>(std::max<std::chrono::milliseconds::rep>(1, request.timeout.count())));
    curl_easy_setopt(easy, CURLOPT_NOBODY, 0L);
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, static_cast<char*>(nullptr));
    if (request.method == "GET") {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else if (request.method == "HEAD") {
      curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    } else {
      // Size first, then the data; never a null pointer, or curl would read the body from stdin.
      curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body.empty() ? "" : body.data());
      if (request.method != "POST")
        curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }

    impl.response = &response;
    impl.too_large = false;
    impl.out_of_memory = false;
    impl.error_buffer[0] = '\0';
    std::string multi_error;
    CURLcode code = impl.Perform(multi_error);
    impl.response = nullptr;
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));

    if (code == CURLE_OK) {
      long status = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
      response.status = status;
      if (status == 0) fail(HttpError::kConnection, "connection failed: no HTTP response");
      return;
    }
    if (impl.too_large || code == CURLE_FILESIZE_EXCEEDED) {
      return fail(HttpError::kResponseTooLarge,
                  "response body larger than " + std::to_string(impl.options.max_response_bytes) +
                      " bytes");
    }
    if (impl.out_of_memory) return fail(HttpError::kInvalid, "out of memory");
    if (code == CURLE_ABORTED_BY_CALLBACK || cancelled())
      return fail(HttpError::kCancelled, "request cancelled");
    HttpError error = ClassifyCurlError(code);
    if (error == HttpError::kTimeout) {
      return fail(error, "timed out after " + std::to_string(request.timeout.count()) + " ms");
    }
    std::string detail = !multi_error.empty()        ? multi_error
                         : impl.error_buffer[0] != 0 ? std::string(impl.error_buffer)
                                                     : std::string(curl_easy_strerror(code));
    fail(error, std::string(HttpErrorName(error)) + ": " + WithoutElapsedTime(detail));
  } catch (...) {
    // Only std::bad_alloc can get here.
    impl.response = nullptr;
    if (impl.easy != nullptr)
      curl_easy_setopt(impl.easy, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(nullptr));
    response.error = HttpError::kInvalid;
    response.error_message = "out of memory";  // short enough not to allocate
  }
}

}  // namespace adot::common
