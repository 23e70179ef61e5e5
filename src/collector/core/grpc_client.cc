#include "collector/core/grpc_client.h"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <cstring>

#include "common/gzip.h"

namespace adot::collector {

using grpc_wire::Code;
using Clock = std::chrono::steady_clock;

namespace {

// gRPC's mapping of HTTP statuses for responses that are not gRPC at all (a proxy, a wrong port).
Code CodeForHttpStatus(int status) {
  switch (status) {
    case 400: return Code::kInternal;
    case 401: return Code::kUnauthenticated;
    case 403: return Code::kPermissionDenied;
    case 404: return Code::kUnimplemented;
    case 429:
    case 502:
    case 503:
    case 504: return Code::kUnavailable;
    default: return Code::kUnknown;
  }
}

// grpc-timeout: at most 8 digits and a unit.
std::string TimeoutHeader(std::chrono::milliseconds t) {
  int64_t ms = std::max<int64_t>(1, t.count());
  if (ms < 100'000'000) return std::to_string(ms) + "m";
  return std::to_string(std::min<int64_t>(ms / 1000, 99'999'999)) + "S";
}

nghttp2_nv Nv(const std::string& k, const std::string& v) {
  return {reinterpret_cast<uint8_t*>(const_cast<char*>(k.data())),
          reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), k.size(), v.size(), NGHTTP2_NV_FLAG_NONE};
}

}  // namespace

struct GrpcClient::Connection {
  NetConnection net;
  nghttp2_session* ng = nullptr;
  bool broken = false;  // not to be reused
  // The call in progress.
  int32_t stream_id = -1;
  // The request message goes out as its 5-byte prefix and then the message, read from where the
  // caller keeps it (no framed copy).
  std::string_view request_prefix, request_message;
  size_t request_offset = 0;
  bool closed = false;
  uint32_t reset_code = 0;
  int http_status = 0;
  bool got_headers = false;
  std::string grpc_status, grpc_message, status_details, grpc_encoding, body;

  ~Connection() {
    if (ng) nghttp2_session_del(ng);
  }

  static Connection* Self(void* user) { return static_cast<Connection*>(user); }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                      const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    Connection* c = Self(user);
    if (frame->hd.stream_id != c->stream_id) return 0;
    c->got_headers = true;
    std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":status") c->http_status = std::atoi(v.c_str());
    else if (n == "grpc-status") c->grpc_status = std::move(v);
    else if (n == "grpc-message") c->grpc_message = std::move(v);
    else if (n == "grpc-status-details-bin") c->status_details = std::move(v);
    else if (n == "grpc-encoding") c->grpc_encoding = std::move(v);
    return 0;
  }

  static int OnData(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data, size_t len, void* user) {
    Connection* c = Self(user);
    // Responses are small (an Export*ServiceResponse); a flood is cut off rather than buffered.
    if (stream_id == c->stream_id && c->body.size() < (4 << 20))
      c->body.append(reinterpret_cast<const char*>(data), len);
    return 0;
  }

  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type == NGHTTP2_GOAWAY) Self(user)->broken = true;
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t error_code, void* user) {
    Connection* c = Self(user);
    if (stream_id == c->stream_id) {
      c->closed = true;
      c->reset_code = error_code;
    }
    return 0;
  }

  static ssize_t ReadRequest(nghttp2_session*, int32_t, uint8_t* buf, size_t length, uint32_t* flags,
                             nghttp2_data_source*, void* user) {
    Connection* c = Self(user);
    const size_t total = c->request_prefix.size() + c->request_message.size();
    size_t n = 0;
    while (n < length && c->request_offset < total) {
      const bool in_prefix = c->request_offset < c->request_prefix.size();
      std::string_view part = in_prefix ? c->request_prefix : c->request_message;
      size_t at = in_prefix ? c->request_offset : c->request_offset - c->request_prefix.size();
      size_t k = std::min(length - n, part.size() - at);
      std::memcpy(buf + n, part.data() + at, k);
      n += k;
      c->request_offset += k;
    }
    if (c->request_offset == total) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return static_cast<ssize_t>(n);
  }

  Status Open(const GrpcClientOptions& o, const std::shared_ptr<TlsClientContext>& tls, Clock::time_point deadline) {
    Status st = net.Connect(o.host, o.port, tls, deadline);
    if (!st.ok()) return st;
    if (tls && net.alpn() != "h2")
      return Status::Permanent("the server at " + o.host + ":" + std::to_string(o.port) +
                               " did not agree to HTTP/2 (ALPN h2): not a gRPC server?");
    nghttp2_session_callbacks* cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, OnHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, OnData);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, OnFrameRecv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, OnStreamClose);
    nghttp2_session_client_new(&ng, cb, this);
    nghttp2_session_callbacks_del(cb);
    nghttp2_settings_entry settings[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
                                         {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1 << 20},
                                         {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1}};
    nghttp2_submit_settings(ng, NGHTTP2_FLAG_NONE, settings, std::size(settings));
    return Status::Ok();
  }

  // Sends what nghttp2 has queued.
  Status Flush(Clock::time_point deadline) {
    std::string out;
    for (;;) {
      const uint8_t* data = nullptr;
      ssize_t n = nghttp2_session_mem_send(ng, &data);
      if (n < 0) return Status::Retryable(std::string("HTTP/2: ") + nghttp2_strerror(static_cast<int>(n)));
      if (n == 0) break;
      out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
      if (out.size() >= (256 << 10)) {
        Status st = net.Write(out, deadline);
        if (!st.ok()) return st;
        out.clear();
      }
    }
    return out.empty() ? Status::Ok() : net.Write(out, deadline);
  }

  // One unary exchange; a non-ok Status is a transport failure (nothing or not all was answered).
  Status Exchange(const std::vector<nghttp2_nv>& headers, std::string_view prefix, std::string_view message,
                  Clock::time_point deadline) {
    request_prefix = prefix;
    request_message = message;
    request_offset = 0;
    closed = false;
    got_headers = false;
    reset_code = 0;
    http_status = 0;
    grpc_status.clear();
    grpc_message.clear();
    status_details.clear();
    grpc_encoding.clear();
    body.clear();
    nghttp2_data_provider provider;
    provider.source.ptr = nullptr;
    provider.read_callback = ReadRequest;
    stream_id = nghttp2_submit_request(ng, nullptr, headers.data(), headers.size(), &provider, this);
    if (stream_id < 0) return Status::Retryable(std::string("HTTP/2: ") + nghttp2_strerror(stream_id));
    char buf[64 << 10];
    while (!closed) {
      Status st = Flush(deadline);
      if (!st.ok()) return st;
      if (closed) break;
      if (!nghttp2_session_want_read(ng)) return Status::Retryable("the server closed the connection");
      size_t n = 0;
      st = net.ReadSome(buf, sizeof(buf), n, deadline);
      if (!st.ok()) return st;
      if (n == 0) return Status::Retryable("the server closed the connection");
      if (nghttp2_session_mem_recv(ng, reinterpret_cast<uint8_t*>(buf), n) < 0)
        return Status::Retryable("HTTP/2 protocol error from the server");
    }
    return Flush(deadline);  // WINDOW_UPDATEs and the like
  }
};

GrpcClient::GrpcClient(GrpcClientOptions options) : options_(std::move(options)) {}
GrpcClient::~GrpcClient() = default;

Status GrpcClient::Init() {
  if (!options_.tls) return Status::Ok();
  return TlsClientContext::Create(options_.tls_options, {"h2"}, tls_);
}

std::unique_ptr<GrpcClient::Connection> GrpcClient::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_) return nullptr;
  std::unique_ptr<Connection> c;
  if (!idle_.empty()) {
    c = std::move(idle_.back());
    idle_.pop_back();
  } else {
    c = std::make_unique<Connection>();
  }
  busy_.insert(c.get());
  return c;
}

void GrpcClient::Give(std::unique_ptr<Connection> c) {
  std::lock_guard<std::mutex> lock(mu_);
  busy_.erase(c.get());
  if (!cancelled_ && !c->broken && c->ng) idle_.push_back(std::move(c));
}

void GrpcClient::CancelAll() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  for (auto* c : busy_) c->net.Cancel();
  idle_.clear();
}

GrpcCallResult GrpcClient::Call(const std::string& method, std::string_view request,
                                std::chrono::milliseconds timeout) {
  GrpcCallResult result;
  if (timeout.count() <= 0) timeout = std::chrono::hours(24);
  auto deadline = Clock::now() + timeout;
  std::string compressed;
  const bool gzip = options_.gzip && common::GzipCompress(request, compressed, options_.gzip_level);
  const std::string_view message = gzip ? std::string_view(compressed) : request;
  const std::string prefix = grpc_wire::FramePrefix(gzip, message.size());
  const std::string scheme = options_.tls ? "https" : "http";
  const std::string authority = options_.host.find(':') != std::string::npos
                                    ? "[" + options_.host + "]:" + std::to_string(options_.port)
                                    : options_.host + ":" + std::to_string(options_.port);
  std::vector<std::pair<std::string, std::string>> h = {
      {":method", "POST"},          {":scheme", scheme},  {":path", method},
      {":authority", authority},    {"content-type", "application/grpc"},
      {"te", "trailers"},           {"user-agent", options_.user_agent},
      {"grpc-accept-encoding", "gzip"},
  };
  if (gzip) h.emplace_back("grpc-encoding", "gzip");
  h.emplace_back("grpc-timeout", TimeoutHeader(timeout));
  for (const auto& m : options_.metadata) h.push_back(m);
  std::vector<nghttp2_nv> nv;
  for (const auto& [k, v] : h) nv.push_back(Nv(k, v));

  // A kept-alive connection may have been closed by the server meanwhile: a failure on it before
  // any answer is tried once more on a new connection (nothing was processed).
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto c = Take();
    if (!c) {
      result.code = Code::kCancelled;
      result.message = "cancelled";
      result.cancelled = true;
      return result;
    }
    bool reused = c->ng != nullptr;
    Status st = reused ? Status::Ok() : c->Open(options_, tls_, deadline);
    if (st.ok()) st = c->Exchange(nv, prefix, message, deadline);
    bool refused = c->closed && c->reset_code == NGHTTP2_REFUSED_STREAM;
    if (!st.ok() || refused) {
      bool cancelled = c->net.cancelled();
      bool untouched = !c->got_headers;
      c->broken = true;
      Give(std::move(c));
      if (cancelled) {
        result.code = Code::kCancelled;
        result.message = "cancelled";
        result.cancelled = true;
        return result;
      }
      if ((reused || refused) && untouched && attempt == 0 && Clock::now() < deadline) continue;
      if (st.message() == "timeout") {
        result.code = Code::kDeadlineExceeded;
        result.message = "deadline exceeded after " + std::to_string(timeout.count()) + "ms";
      } else {
        result.code = st.code() == StatusCode::kPermanent ? Code::kUnknown : Code::kUnavailable;
        result.message = refused ? "the server refused the stream" : st.message();
      }
      return result;
    }
    // Complete: read the answer.
    if (c->http_status != 200) {
      result.code = CodeForHttpStatus(c->http_status);
      result.message = "HTTP status " + std::to_string(c->http_status) + " (not a gRPC answer)";
    } else if (c->grpc_status.empty()) {
      result.code = Code::kInternal;
      result.message = c->reset_code ? "stream reset by the server (HTTP/2 error " + std::to_string(c->reset_code) + ")"
                                     : "response without grpc-status";
    } else {
      int code = std::atoi(c->grpc_status.c_str());
      result.code = (code >= 0 && code <= 16) ? static_cast<Code>(code) : Code::kUnknown;
      result.message = grpc_wire::PercentDecode(c->grpc_message);
      result.retry_delay_ms = grpc_wire::RetryDelayMillis(c->status_details);
      if (result.code == Code::kOk) {
        Code unframe_code;
        std::string error;
        if (!c->body.empty() &&
            !grpc_wire::Unframe(c->body, c->grpc_encoding, 4 << 20, result.response, unframe_code, error)) {
          result.code = unframe_code;
          result.message = "bad response message: " + error;
        }
      }
    }
    Give(std::move(c));
    return result;
  }
  return result;  // not reached
}

}  // namespace adot::collector
