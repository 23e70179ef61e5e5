#include "collector/core/http_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <optional>
#include <mutex>
#include <set>
#include <thread>

#include "collector/core/logger.h"

namespace adot::collector {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string HttpServerRequest::Header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
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

class Session;

struct HttpServer::Impl {
  HttpServerOptions options;
  Handler handler;
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<tcp::acceptor> acceptors;
  std::vector<std::thread> threads;
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable cv;
  std::set<std::shared_ptr<Session>> sessions;
  uint16_t port = 0;

  void Accept(tcp::acceptor& acceptor);
  void Remove(const std::shared_ptr<Session>& s) {
    std::lock_guard<std::mutex> lock(mu);
    sessions.erase(s);
    cv.notify_all();
  }
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl* server) : stream_(std::move(socket)), server_(server) {}

  void Run() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

  // Called at Stop: closes the connection if it is waiting for a request.
  void CloseIfIdle() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->reading_) {
        beast::error_code ec;
        self->stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
        self->stream_.socket().close(ec);
      }
    });
  }

 private:
  void Read() {
    if (server_->stopping) return Close();
    parser_.emplace();
    parser_->body_limit(server_->options.max_request_body);
    parser_->header_limit(64 * 1024);
    stream_.expires_after(server_->options.idle_timeout);
    reading_ = true;
    http::async_read(stream_, buffer_, *parser_,
                     [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    reading_ = false;
    if (ec == http::error::body_limit) {
      HttpServerResponse r;
      r.status = 413;
      r.body = "request body larger than " + std::to_string(server_->options.max_request_body) + " bytes";
      return Write(r, false, 11);
    }
    if (ec == http::error::end_of_stream || ec) {
      if (ec && ec != http::error::end_of_stream && ec != asio::error::operation_aborted &&
          ec != beast::error::timeout && ec != asio::error::eof && ec != asio::error::connection_reset &&
          ec != asio::error::bad_descriptor) {
        HttpServerResponse r;
        r.status = 400;
        r.body = "malformed HTTP request: " + ec.message();
        return Write(r, false, 11);
      }
      return Close();
    }
    auto& msg = parser_->get();
    HttpServerRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    for (const auto& f : msg) {
      std::string name(f.name_string());
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      req.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    req.body = std::move(msg.body());
    bool keep_alive = msg.keep_alive();
    unsigned version = msg.version();
    HttpServerResponse resp;
    try {
      server_->handler(req, resp);
    } catch (const std::exception& e) {
      resp = HttpServerResponse{};
      resp.status = 500;
      resp.body = std::string("internal error: ") + e.what();
    }
    Write(resp, keep_alive && !server_->stopping, version);
  }

  void Write(const HttpServerResponse& r, bool keep_alive, unsigned version) {
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), version);
    res->set(http::field::server, "adot-collector");
    res->set(http::field::content_type, r.content_type);
    for (const auto& [k, v] : r.headers) res->set(k, v);
    res->body() = r.body;
    res->keep_alive(keep_alive);
    res->prepare_payload();
    stream_.expires_after(std::chrono::seconds(30));
    http::async_write(stream_, *res, [self = shared_from_this(), res, keep_alive](beast::error_code ec, size_t) {
      if (ec || !keep_alive) return self->Close();
      self->Read();
    });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
    server_->Remove(shared_from_this());
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpServer::Impl* server_;  // outlives every session: its io_context owns their handlers
  bool reading_ = false;
};

void HttpServer::Impl::Accept(tcp::acceptor& acceptor) {
  acceptor.async_accept(asio::make_strand(ioc), [this, &acceptor](
                                                    beast::error_code ec, tcp::socket socket) {
    if (ec || stopping) return;
    auto s = std::make_shared<Session>(std::move(socket), this);
    {
      std::lock_guard<std::mutex> lock(mu);
      sessions.insert(s);
    }
    s->Run();
    Accept(acceptor);
  });
}

HttpServer::HttpServer(HttpServerOptions options, Handler handler) : impl_(std::make_shared<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() { Stop(std::chrono::steady_clock::now()); }

Status HttpServer::Start() {
  std::string host;
  uint16_t port;
  if (!SplitHostPort(impl_->options.endpoint, host, port))
    return Status::Permanent("invalid endpoint \"" + impl_->options.endpoint + "\" (expected host:port)");
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
