#include "collector/core/http_server.h"

#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <sched.h>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <thread>
#include <type_traits>

#include "adot/api/propagation/text_map.h"  // AsciiLower, EqualsIgnoreCase
#include "collector/core/logger.h"

namespace adot::collector {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

std::string HttpServerRequest::Header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

int AvailableCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return std::max(1u, std::thread::hardware_concurrency());
  return std::max(1, CPU_COUNT(&set));
}

bool SplitHostPort(const std::string& endpoint, std::string& host, uint16_t& port) {
  size_t colon = endpoint.rfind(':');
  if (colon == std::string::npos) return false;
  host = endpoint.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  std::string p = endpoint.substr(colon + 1);
  if (p.empty() || p.size() > 5 || !std::all_of(p.begin(), p.end(), ::isdigit)) return false;
  int v = std::stoi(p);
  if (v > 65535) return false;
  port = static_cast<uint16_t>(v);
  return true;
}

// Every live connection, for Stop.
class Session {
 public:
  virtual ~Session() = default;
  // Called at Stop, from any thread: closes the connection once no request is in progress.
  virtual void CloseIfIdle() = 0;
};

struct HttpServer::Impl {
  Impl(HttpServerOptions o, Handler h)
      : options(std::move(o)), handler(std::move(h)), ioc(options.threads > 1 ? BOOST_ASIO_CONCURRENCY_HINT_DEFAULT : 1) {}

  HttpServerOptions options;
  Handler handler;
  asio::io_context ioc;  // told when it has one thread: handlers it posts to itself then skip the lock
  std::optional<asio::ssl::context> tls;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<tcp::acceptor> acceptors;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::shared_ptr<Session>> sessions;
  uint16_t port = 0;

  void Accept(tcp::acceptor& acceptor);
  void Add(std::shared_ptr<Session> s) {
    std::lock_guard<std::mutex> lock(mu);
    sessions.insert(std::move(s));
  }
  void Remove(const std::shared_ptr<Session>& s) {
    std::lock_guard<std::mutex> lock(mu);
    sessions.erase(s);
    cv.notify_all();
  }
  // The handler, with exceptions turned into 500s.
  void Handle(HttpServerRequest& req, HttpServerResponse& resp) {
    try {
      handler(req, resp);
    } catch (const std::exception& e) {
      resp = HttpServerResponse{};
      resp.status = 500;
      resp.body = std::string("internal error: ") + e.what();
    }
  }
};

beast::tcp_stream& Tcp(beast::tcp_stream& s) { return s; }
beast::tcp_stream& Tcp(TlsStream& s) { return s.next_layer(); }

template <class Stream>
void CloseSocket(Stream& stream) {
  beast::error_code ec;
  Tcp(stream).socket().shutdown(tcp::socket::shutdown_both, ec);
  Tcp(stream).socket().close(ec);
}

namespace {

using api::propagation::internal::AsciiLower;
using api::propagation::internal::EqualsIgnoreCase;

// No body (nor its length) in 1xx, 204 and 304 responses (RFC 9110 §8.6).
bool Bodiless(int status) { return status < 200 || status == 204 || status == 304; }

}  // namespace

void FormatResponseHead(const HttpServerResponse& r, bool keep_alive, unsigned version, std::string& head) {
  // A header a handler names twice, or names as one the server sets, is sent once: the last value
  // wins. The framing headers are the server's; CR or LF in a header would split the response.
  auto sendable = [&](size_t i) {
    const auto& [name, value] = r.headers[i];
    if (name.empty() || name.find_first_of("\r\n:") != std::string::npos ||
        value.find_first_of("\r\n") != std::string::npos)
      return false;
    for (std::string_view framing : {"content-length", "transfer-encoding", "connection"})
      if (EqualsIgnoreCase(name, framing)) return false;
    for (size_t j = i + 1; j < r.headers.size(); ++j)
      if (EqualsIgnoreCase(name, r.headers[j].first)) return false;
    return true;
  };
  auto overridden = [&](std::string_view name) {
    for (size_t i = 0; i < r.headers.size(); ++i)
      if (EqualsIgnoreCase(r.headers[i].first, name) && sendable(i)) return true;
    return false;
  };
  head.clear();
  head.append(version == 10 ? "HTTP/1.0 " : "HTTP/1.1 ").append(std::to_string(r.status)).append(" ");
  const beast::string_view reason = http::obsolete_reason(static_cast<http::status>(r.status));
  head.append(reason.data(), reason.size()).append("\r\n");
  if (!overridden("server")) head.append("Server: adot-collector\r\n");
  if (!overridden("content-type")) head.append("Content-Type: ").append(r.content_type).append("\r\n");
  for (size_t i = 0; i < r.headers.size(); ++i)
    if (sendable(i)) head.append(r.headers[i].first).append(": ").append(r.headers[i].second).append("\r\n");
  if (!Bodiless(r.status)) head.append("Content-Length: ").append(std::to_string(r.body.size())).append("\r\n");
  if (version == 10 && keep_alive) head.append("Connection: keep-alive\r\n");
  if (version != 10 && !keep_alive) head.append("Connection: close\r\n");
  head.append("\r\n");
}

// ---------------------------------------------------------------------------------------------
// HTTP/1.1

template <class Stream>
class Http1Session : public Session, public std::enable_shared_from_this<Http1Session<Stream>> {
 public:
  Http1Session(Stream stream, beast::flat_buffer buffer, HttpServer::Impl* server)
      : stream_(std::move(stream)), buffer_(std::move(buffer)), server_(server) {
    // Beast reads as much as the buffer has room for (at least 512 bytes): without room a 50 KB
    // request took ~90 reads, each with its epoll wait and timer update.
    buffer_.reserve(64 << 10);
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      beast::error_code ec;
      Tcp(stream_).socket().non_blocking(true, ec);  // for Write's direct write; failing, it is skipped
      direct_writes_ = !ec;
    }
  }

  void Run() { Read(); }

  void CloseIfIdle() override {
    asio::post(Tcp(stream_).get_executor(), [self = this->shared_from_this()] {
      // Waiting for a request that has not begun: close. One that has begun is read, answered
      // (without keep-alive, as the server is stopping) and then closed.
      if (self->reading_ && !self->parser_->got_some() && self->buffer_.size() == 0) CloseSocket(self->stream_);
    });
  }

 private:
  void Read() {
    if (server_->stopping) return Close();
    parser_.emplace();
    parser_->body_limit(server_->options.max_request_body);
    parser_->header_limit(64 * 1024);
    Tcp(stream_).expires_after(server_->options.idle_timeout);
    reading_ = true;
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    reading_ = false;
    if (ec == http::error::body_limit) {
      HttpServerResponse r;
      r.status = 413;
      r.body = "request body larger than " + std::to_string(server_->options.max_request_body) + " bytes";
      return Write(std::move(r), false, 11);
    }
    if (ec) {
      if (ec != http::error::end_of_stream && ec != asio::error::operation_aborted &&
          ec != beast::error::timeout && ec != asio::error::eof && ec != asio::error::connection_reset &&
          ec != asio::error::bad_descriptor && ec.category() != asio::error::get_ssl_category() &&
          ec != asio::ssl::error::stream_truncated) {
        HttpServerResponse r;
        r.status = 400;
        r.body = "malformed HTTP request: " + ec.message();
        return Write(std::move(r), false, 11);
      }
      return Close();
    }
    auto& msg = parser_->get();
    HttpServerRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& f : msg) {
      std::string name(f.name_string());
      for (char& c : name) c = AsciiLower(c);
      req.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    req.body = std::move(msg.body());
    bool keep_alive = msg.keep_alive();
    unsigned version = msg.version();
    HttpServerResponse resp;
    server_->Handle(req, resp);
    Write(std::move(resp), keep_alive && !server_->stopping, version);
  }

  // One gather write of the head formatted here and the body. Beast's serializer (a message with
  // allocated fields, written through layers of buffer views) was a tenth of the collector's CPU
  // when answering 50 small OTLP requests a second.
  void Write(HttpServerResponse&& r, bool keep_alive, unsigned version) {
    FormatResponseHead(r, keep_alive, version, head_);
    body_ = std::move(r.body);
    if (Bodiless(r.status)) body_.clear();
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      // An answer almost always fits the socket's send buffer: written here at once, without an
      // asynchronous operation and the timer that guards it. What does not fit goes on below.
      beast::error_code ec;
      const size_t written =
          direct_writes_ ? Tcp(stream_).socket().write_some(std::array{asio::buffer(head_), asio::buffer(body_)}, ec) : 0;
      if (ec && ec != asio::error::would_block && ec != asio::error::try_again) return Close();
      if (written == head_.size() + body_.size()) return Written(keep_alive);
      if (written >= head_.size()) {
        body_.erase(0, written - head_.size());
        head_.clear();
      } else {
        head_.erase(0, written);
      }
    }
    Tcp(stream_).expires_after(std::chrono::seconds(30));
    asio::async_write(stream_, std::array{asio::buffer(head_), asio::buffer(body_)},
                      [self = this->shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                        if (ec) return self->Close();
                        self->Written(keep_alive);
                      });
  }

  void Written(bool keep_alive) {
    if (!keep_alive) return Linger();
    Read();
  }

  // The answer is out and the connection ends: half-close, then read and discard what the client
  // still sends (the rest of a body refused as too large) until it closes too, for at most 2 s.
  // Closing with unread bytes would make the kernel reset the connection, and the client could
  // lose the answer before reading it.
  void Linger() {
    beast::error_code ec;
    Tcp(stream_).socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Close();
    Tcp(stream_).expires_after(std::chrono::seconds(2));
    Drain();
  }
  void Drain() {
    buffer_.clear();
    Tcp(stream_).async_read_some(buffer_.prepare(64 << 10), [self = this->shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Close();  // the client closed (or 2 s passed)
      self->Drain();
    });
  }

  void Close() {
    CloseSocket(stream_);
    server_->Remove(this->shared_from_this());
  }

  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string head_, body_;  // the response being written (one at a time)
  bool direct_writes_ = false;
  HttpServer::Impl* server_;  // outlives every session: its io_context owns their handlers
  bool reading_ = false;
};

// ---------------------------------------------------------------------------------------------
// HTTP/2 (nghttp2). Reads and writes run on the connection's strand; a request is handled when its
// END_STREAM arrives, on the io thread, and its response queued in the nghttp2 session.

template <class Stream>
class Http2Session : public Session, public std::enable_shared_from_this<Http2Session<Stream>> {
 public:
  Http2Session(Stream stream, beast::flat_buffer buffer, HttpServer::Impl* server)
      : stream_(std::move(stream)), pending_(std::move(buffer)), server_(server), idle_timer_(Tcp(stream_).get_executor()) {}

  ~Http2Session() override {
    if (ng_) nghttp2_session_del(ng_);
  }

  void Run() {
    nghttp2_session_callbacks* cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, OnBeginHeaders);
    nghttp2_session_callbacks_set_on_header_callback(cb, OnHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, OnDataChunk);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, OnFrameRecv);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, OnStreamClose);
    nghttp2_session_server_new(&ng_, cb, this);
    nghttp2_session_callbacks_del(cb);
    // Large windows: OTLP requests are often MiBs; the default 64 KiB window would cost round trips.
    // No RFC 7540 priority tree (RFC 9218): unary calls have nothing to prioritise, and keeping the
    // tree (and closed streams for it) costs time on every stream.
    nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 128},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 4 << 20},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 64 << 10},
        {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
    };
    nghttp2_submit_settings(ng_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
    nghttp2_session_set_local_window_size(ng_, NGHTTP2_FLAG_NONE, 0, 16 << 20);
    // No per-operation timeout on the stream (arming a timer on every read costs a timerfd update
    // per request): one idle timer per connection checks when data last moved.
    Tcp(stream_).expires_never();
    last_activity_ = std::chrono::steady_clock::now();
    WatchIdle();
    auto data = pending_.data();
    if (!Feed(static_cast<const uint8_t*>(data.data()), data.size())) return;
    pending_.clear();
    Write();
    Read();
  }

  void CloseIfIdle() override {
    asio::post(Tcp(stream_).get_executor(), [self = this->shared_from_this()] {
      if (self->closed_) return;
      // GOAWAY naming the last stream begun: those still arriving are read and answered, no new
      // one is taken, and the connection closes once they are done.
      nghttp2_submit_goaway(self->ng_, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(self->ng_),
                            NGHTTP2_NO_ERROR, nullptr, 0);
      self->going_away_ = true;
      self->Write();
    });
  }

 private:
  struct StreamState {
    HttpServerRequest request;
    // The body is reserved up front when its size is announced (content-length here; for gRPC the
    // message's length prefix) so a large body is not copied each time the string grows.
    size_t expected_body = 0;
    bool grpc = false;  // content-type application/grpc*
    std::string out;
    size_t out_offset = 0;
    std::vector<std::pair<std::string, std::string>> trailers;
  };

  static Http2Session* Self(void* user) { return static_cast<Http2Session*>(user); }

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      auto st = std::make_unique<StreamState>();
      st->request.http2 = true;
      Self(user)->streams_[frame->hd.stream_id] = std::move(st);
    }
    return 0;
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                      const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    StreamState* st = Self(user)->Find(frame->hd.stream_id);
    if (!st) return 0;
    std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    if (n == ":method") st->request.method = std::move(v);
    else if (n == ":path") st->request.target = std::move(v);
    else if (n.empty() || n[0] != ':') {
      if (n == "content-type") st->grpc = v.rfind("application/grpc", 0) == 0;
      else if (n == "content-length") st->expected_body = std::strtoull(v.c_str(), nullptr, 10);
      st->request.headers.emplace_back(std::string(n), std::move(v));
    }
    return 0;
  }

  static int OnDataChunk(nghttp2_session*, uint8_t, int32_t stream_id, const uint8_t* data, size_t len,
                         void* user) {
    Http2Session* self = Self(user);
    StreamState* st = self->Find(stream_id);
    if (!st || st->request.body_too_large) return 0;
    if (st->request.body.size() + len > self->server_->options.max_request_body) {
      st->request.body_too_large = true;
      std::string().swap(st->request.body);
      return 0;
    }
    std::string& body = st->request.body;
    const size_t before = body.size();
    // The up-front reservation is capped: the announced size is only the client's word, and a
    // few bytes must not make us hold the whole body limit per stream.
    const size_t reserve_cap = std::min<size_t>(self->server_->options.max_request_body, 1 << 20);
    if (before == 0 && st->expected_body > 0) body.reserve(std::min(st->expected_body, reserve_cap));
    body.append(reinterpret_cast<const char*>(data), len);
    if (st->grpc && before < 5 && body.size() >= 5) {
      uint32_t n = 0;
      for (int i = 1; i < 5; ++i) n = (n << 8) | static_cast<uint8_t>(body[i]);
      body.reserve(std::min<size_t>(size_t{5} + n, reserve_cap));
    }
    return 0;
  }

  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
        (frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
      Self(user)->complete_.push_back(frame->hd.stream_id);
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t, void* user) {
    Self(user)->streams_.erase(stream_id);
    return 0;
  }

  static ssize_t ReadBody(nghttp2_session* ng, int32_t stream_id, uint8_t* buf, size_t length,
                          uint32_t* flags, nghttp2_data_source* source, void*) {
    auto* st = static_cast<StreamState*>(source->ptr);
    size_t n = std::min(length, st->out.size() - st->out_offset);
    std::memcpy(buf, st->out.data() + st->out_offset, n);
    st->out_offset += n;
    if (st->out_offset == st->out.size()) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      if (!st->trailers.empty()) {
        *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
        auto nv = HeaderBlock(st->trailers);
        nghttp2_submit_trailer(ng, stream_id, nv.data(), nv.size());
      }
    }
    return static_cast<ssize_t>(n);
  }

  static std::vector<nghttp2_nv> HeaderBlock(const std::vector<std::pair<std::string, std::string>>& h) {
    std::vector<nghttp2_nv> nv;
    nv.reserve(h.size());
    for (const auto& [k, v] : h)
      nv.push_back({reinterpret_cast<uint8_t*>(const_cast<char*>(k.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), k.size(), v.size(),
                    NGHTTP2_NV_FLAG_NONE});
    return nv;
  }

  StreamState* Find(int32_t id) {
    auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : it->second.get();
  }

  // Feeds received bytes to nghttp2 and answers the requests they complete. False: connection closed.
  bool Feed(const uint8_t* data, size_t n) {
    if (n > 0 && nghttp2_session_mem_recv(ng_, data, n) < 0) {
      Close();  // a protocol error; nghttp2 has answered with GOAWAY where it could
      return false;
    }
    std::vector<int32_t> complete;
    complete.swap(complete_);
    for (int32_t id : complete) Respond(id);
    return true;
  }

  void Respond(int32_t id) {
    StreamState* st = Find(id);
    if (!st) return;  // reset by the client
    HttpServerResponse resp;
    server_->Handle(st->request, resp);
    std::vector<std::pair<std::string, std::string>> headers = {{":status", std::to_string(resp.status)}};
    if (!resp.content_type.empty()) headers.emplace_back("content-type", resp.content_type);
    for (auto& h : resp.headers) headers.push_back(std::move(h));
    st->request = HttpServerRequest{};  // the body is no longer needed
    if (resp.body.empty()) {
      for (auto& t : resp.trailers) headers.push_back(std::move(t));
      auto nv = HeaderBlock(headers);
      nghttp2_submit_response(ng_, id, nv.data(), nv.size(), nullptr);
      return;
    }
    st->out = std::move(resp.body);
    st->trailers = std::move(resp.trailers);
    nghttp2_data_provider provider;
    provider.source.ptr = st;
    provider.read_callback = ReadBody;
    auto nv = HeaderBlock(headers);
    nghttp2_submit_response(ng_, id, nv.data(), nv.size(), &provider);
  }

  void Read() {
    if (closed_ || reading_) return;
    if (!nghttp2_session_want_read(ng_)) {
      if (!writing_ && !nghttp2_session_want_write(ng_)) Close();
      return;
    }
    reading_ = true;
    stream_.async_read_some(asio::buffer(in_), [self = this->shared_from_this()](beast::error_code ec, size_t n) {
      self->reading_ = false;
      if (ec) return self->Close();
      self->last_activity_ = std::chrono::steady_clock::now();
      if (!self->Feed(self->in_.data(), n)) return;
      self->Write();
      self->Read();
    });
  }

  void Write() {
    if (closed_ || writing_) return;
    out_.clear();
    while (out_.size() < (256 << 10)) {
      const uint8_t* data = nullptr;
      ssize_t n = nghttp2_session_mem_send(ng_, &data);
      if (n < 0) return Close();
      if (n == 0) break;
      out_.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    }
    if (out_.empty()) {
      // Nothing left to say or hear (e.g. our GOAWAY is out and no stream is open): close, which
      // also ends a pending read.
      if ((going_away_ && streams_.empty()) || (!nghttp2_session_want_read(ng_) && !nghttp2_session_want_write(ng_)))
        Close();
      return;
    }
    writing_ = true;
    asio::async_write(stream_, asio::buffer(out_), [self = this->shared_from_this()](beast::error_code ec, size_t) {
      self->writing_ = false;
      if (ec) return self->Close();
      self->last_activity_ = std::chrono::steady_clock::now();
      self->Write();
      self->Read();
    });
  }

  // Closes the connection once nothing was read or written for idle_timeout (a client that stops
  // reading our writes is caught too: the write does not complete).
  void WatchIdle() {
    idle_timer_.expires_at(last_activity_ + server_->options.idle_timeout);
    idle_timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      if (std::chrono::steady_clock::now() - self->last_activity_ >= self->server_->options.idle_timeout)
        return self->Close();
      self->WatchIdle();
    });
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    idle_timer_.cancel();
    CloseSocket(stream_);
    server_->Remove(this->shared_from_this());
  }

  Stream stream_;
  beast::flat_buffer pending_;  // bytes read while telling HTTP/2 from HTTP/1.1
  HttpServer::Impl* server_;
  nghttp2_session* ng_ = nullptr;
  std::map<int32_t, std::unique_ptr<StreamState>> streams_;
  std::vector<int32_t> complete_;
  std::array<uint8_t, 64 << 10> in_;
  std::string out_;
  asio::steady_timer idle_timer_;
  std::chrono::steady_clock::time_point last_activity_;
  bool reading_ = false, writing_ = false, closed_ = false;
  bool going_away_ = false;  // our GOAWAY is queued: close when the streams begun are done
};

// ---------------------------------------------------------------------------------------------
// A new connection: TLS handshake (ALPN picks the protocol) or, in plain text, a look at the first
// bytes for the HTTP/2 client preface.

constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

template <class Stream>
void StartSession(Stream stream, beast::flat_buffer buffer, bool http2, HttpServer::Impl* server) {
  if (http2) {
    auto s = std::make_shared<Http2Session<Stream>>(std::move(stream), std::move(buffer), server);
    server->Add(s);
    s->Run();
  } else {
    auto s = std::make_shared<Http1Session<Stream>>(std::move(stream), std::move(buffer), server);
    server->Add(s);
    s->Run();
  }
}

class PlainDetector : public std::enable_shared_from_this<PlainDetector> {
 public:
  PlainDetector(tcp::socket socket, HttpServer::Impl* server) : stream_(std::move(socket)), server_(server) {}

  void Run() {
    stream_.expires_after(std::chrono::seconds(30));
    auto buf = buffer_.prepare(kHttp2Preface.size() - buffer_.size());
    stream_.async_read_some(buf, [self = shared_from_this()](beast::error_code ec, size_t n) {
      if (ec) return CloseSocket(self->stream_);
      self->buffer_.commit(n);
      auto data = self->buffer_.data();
      std::string_view got(static_cast<const char*>(data.data()), data.size());
      bool prefix = kHttp2Preface.substr(0, got.size()) == got;
      if (prefix && got.size() < kHttp2Preface.size()) return self->Run();
      StartSession(std::move(self->stream_), std::move(self->buffer_), prefix, self->server_);
    });
  }

 private:
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  HttpServer::Impl* server_;
};

void StartTls(tcp::socket socket, HttpServer::Impl* server) {
  auto stream = std::make_shared<TlsStream>(std::move(socket), *server->tls);
  stream->next_layer().expires_after(std::chrono::seconds(30));
  stream->async_handshake(asio::ssl::stream_base::server, [stream, server](beast::error_code ec) {
    if (ec) return CloseSocket(*stream);
    const unsigned char* alpn = nullptr;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(stream->native_handle(), &alpn, &alpn_len);
    bool http2 = std::string_view(reinterpret_cast<const char*>(alpn), alpn_len) == "h2";
    StartSession(std::move(*stream), beast::flat_buffer(), http2, server);
  });
}

// ALPN: h2 when the client offers it, else http/1.1.
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void*) {
  for (const char* want : {"h2", "http/1.1"}) {
    for (unsigned int i = 0; i < inlen;) {
      unsigned int len = in[i];
      if (i + 1 + len > inlen) break;
      if (std::string_view(reinterpret_cast<const char*>(in + i + 1), len) == want) {
        *out = in + i + 1;
        *outlen = static_cast<unsigned char>(len);
        return SSL_TLSEXT_ERR_OK;
      }
      i += 1 + len;
    }
  }
  return SSL_TLSEXT_ERR_NOACK;
}

Status LoadTls(const TlsServerOptions& o, std::optional<asio::ssl::context>& out) {
  try {
    out.emplace(asio::ssl::context::tls_server);
    auto& ctx = *out;
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1);
    if (o.min_version == "1.3") SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_3_VERSION);
    ctx.use_certificate_chain_file(o.cert_file);
    ctx.use_private_key_file(o.key_file, asio::ssl::context::pem);
    if (!o.client_ca_file.empty()) {
      ctx.load_verify_file(o.client_ca_file);
      ctx.set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
    }
    SSL_CTX_set_alpn_select_cb(ctx.native_handle(), SelectAlpn, nullptr);
  } catch (const std::exception& e) {
    out.reset();
    return Status::Permanent("TLS: cannot load " + o.cert_file + " / " + o.key_file +
                             (o.client_ca_file.empty() ? "" : " / " + o.client_ca_file) + ": " + e.what());
  }
  return Status::Ok();
}

void HttpServer::Impl::Accept(tcp::acceptor& acceptor) {
  auto on_accept = [this, &acceptor](beast::error_code ec, tcp::socket socket) {
    if (ec || stopping) return;
    socket.set_option(tcp::no_delay(true), ec);
    if (tls) StartTls(std::move(socket), this);
    else std::make_shared<PlainDetector>(std::move(socket), this)->Run();
    Accept(acceptor);
  };
  // A connection's handlers run on a strand when io threads could run two of them at once; with
  // one io thread they cannot, and the strand's dispatch was a noticeable part of each request.
  if (options.threads > 1) {
    acceptor.async_accept(asio::make_strand(ioc), std::move(on_accept));
  } else {
    acceptor.async_accept(ioc.get_executor(), std::move(on_accept));
  }
}

HttpServer::HttpServer(HttpServerOptions options, Handler handler)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { Stop(std::chrono::steady_clock::now()); }

Status HttpServer::Start() {
  std::string host;
  uint16_t port;
  if (!SplitHostPort(impl_->options.endpoint, host, port))
    return Status::Permanent("invalid endpoint \"" + impl_->options.endpoint + "\" (expected host:port)");
  if (impl_->options.tls.enabled()) {
    Status st = LoadTls(impl_->options.tls, impl_->tls);
    if (!st.ok()) return st;
  }
  try {
    tcp::resolver resolver(impl_->ioc);
    auto results = resolver.resolve(host.empty() ? "0.0.0.0" : host, std::to_string(port),
                                    tcp::resolver::passive);
    for (const auto& entry : results) {
      tcp::endpoint ep = entry.endpoint();
      if (impl_->port != 0) ep.port(impl_->port);  // "localhost": same port on 127.0.0.1 and ::1
      tcp::acceptor acc(impl_->ioc);
      beast::error_code ec;
      acc.open(ep.protocol(), ec);
      if (ec) continue;
      acc.set_option(asio::socket_base::reuse_address(true), ec);
      if (ep.protocol() == tcp::v6()) acc.set_option(asio::ip::v6_only(true), ec);
      acc.bind(ep, ec);
      if (ec) {
        if (impl_->acceptors.empty() && std::next(results.begin()) == results.end())
          return Status::Permanent("cannot listen on " + impl_->options.endpoint + ": " + ec.message());
        continue;
      }
      acc.listen(asio::socket_base::max_listen_connections, ec);
      if (ec) continue;
      impl_->port = acc.local_endpoint().port();
      impl_->acceptors.push_back(std::move(acc));
    }
  } catch (const std::exception& e) {
    return Status::Permanent("cannot listen on " + impl_->options.endpoint + ": " + e.what());
  }
  if (impl_->acceptors.empty())
    return Status::Permanent("cannot listen on " + impl_->options.endpoint);
  for (auto& acc : impl_->acceptors) impl_->Accept(acc);
  impl_->work.emplace(impl_->ioc.get_executor());
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i)
    impl_->threads.emplace_back([impl = impl_] { impl->ioc.run(); });
  return Status::Ok();
}

uint16_t HttpServer::port() const { return impl_->port; }

void HttpServer::Stop(std::chrono::steady_clock::time_point deadline) {
  if (impl_->stopping.exchange(true)) return;
  if (impl_->threads.empty()) return;
  // A raw pointer: a handler left queued in the io_context must not keep the Impl that owns it alive.
  asio::post(impl_->ioc, [impl = impl_.get()] {
    for (auto& a : impl->acceptors) {
      beast::error_code ec;
      a.close(ec);
    }
  });
  {
    std::unique_lock<std::mutex> lock(impl_->mu);
    for (auto& s : impl_->sessions) s->CloseIfIdle();
    impl_->cv.wait_until(lock, deadline, [&] { return impl_->sessions.empty(); });
  }
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    if (t.joinable()) t.join();
  impl_->threads.clear();
  // The io threads are gone: close the listeners here in case the posted close never ran.
  for (auto& a : impl_->acceptors) {
    beast::error_code ec;
    a.close(ec);
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->sessions.clear();
}

}  // namespace adot::collector
