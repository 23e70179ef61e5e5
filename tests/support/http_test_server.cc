#include "support/http_test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "common/gzip.h"

namespace adot::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr uint64_t kMaxRequestBody = 256 * 1024 * 1024;
constexpr uint32_t kMaxRequestHeader = 64 * 1024;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return beast::iequals(beast::string_view(a.data(), a.size()),
                        beast::string_view(b.data(), b.size()));
}

}  // namespace

std::string_view RecordedRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (EqualsIgnoreCase(key, name)) return value;
  return {};
}

bool RecordedRequest::HasHeader(std::string_view name) const {
  for (const auto& header : headers)
    if (EqualsIgnoreCase(header.first, name)) return true;
  return false;
}

TestResponse TestResponse::Status(int status, std::string body) {
  TestResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

TestResponse TestResponse::Stall() {
  TestResponse r;
  r.action = Action::kStall;
  return r;
}

TestResponse TestResponse::Close() {
  TestResponse r;
  r.action = Action::kClose;
  return r;
}

TestResponse& TestResponse::WithHeader(std::string name, std::string value) {
  headers.emplace_back(std::move(name), std::move(value));
  return *this;
}

TestResponse& TestResponse::WithDelay(std::chrono::milliseconds d) {
  delay = d;
  return *this;
}

namespace {

class Session;

// The server's state, shared by the public object and the sessions.
struct Core {
  // Declared first so it is destroyed last: handlers it still holds own sessions and sockets.
  asio::io_context io{1};
  tcp::acceptor acceptor{io};
  std::thread thread;
  uint16_t port = 0;

  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::deque<TestResponse> queue;
  TestResponse default_response;
  HttpTestServer::Handler handler;
  bool stall = false;
  std::vector<RecordedRequest> requests;
  uint64_t connections = 0;

  // Only touched on the server thread.
  std::vector<std::weak_ptr<Session>> sessions;
  std::vector<std::shared_ptr<Session>> stalled;  // kept alive, never answered

  void Accept();
  TestResponse Decide(RecordedRequest request);
};

// One accepted connection: reads requests one after another (keep-alive) and answers each.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Core* server, tcp::socket socket, uint64_t id)
      : server_(server), socket_(std::move(socket)), timer_(socket_.get_executor()), id_(id) {}

  void Start() { ReadHeader(); }

  void Close() {
    beast::error_code ec;
    timer_.cancel();
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

 private:
  void ReadHeader() {
    parser_.emplace();
    parser_->body_limit(kMaxRequestBody);
    parser_->header_limit(kMaxRequestHeader);
    http::async_read_header(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return Close();
    auto& request = parser_->get();
    if (beast::iequals(request[http::field::expect], "100-continue")) {
      auto go_on = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                      request.version());
      http::async_write(socket_, *go_on,
                        [self = shared_from_this(), go_on](beast::error_code ec, size_t) {
                          if (ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(
        socket_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRequest(ec); });
  }

  void OnRequest(beast::error_code ec) {
    if (ec) return Close();
    http::request<http::string_body> request = parser_->release();
    RecordedRequest record;
    record.method = std::string(request.method_string());
    record.target = std::string(request.target());
    for (const auto& field : request)
      record.headers.emplace_back(field.name_string(), field.value());
    record.raw_body = std::move(request.body());
    if (beast::iequals(request[http::field::content_encoding], "gzip")) {
      record.gzip_error = common::GzipDecompress(record.raw_body, record.body, kMaxRequestBody) !=
                          common::GunzipResult::kOk;
    } else {
      record.body = record.raw_body;
    }
    record.connection = id_;
    record.received = std::chrono::steady_clock::now();
    keep_alive_ = request.keep_alive();

    TestResponse answer = server_->Decide(std::move(record));
    switch (answer.action) {
      case TestResponse::Action::kStall:
        server_->stalled.push_back(shared_from_this());
        return;
      case TestResponse::Action::kClose:
        return Close();
      case TestResponse::Action::kRespond:
        break;
    }
    response_ = {};
    response_.version(request.version());
    response_.result(static_cast<unsigned>(answer.status));
    for (const auto& [name, value] : answer.headers) response_.insert(name, value);
    response_.body() = std::move(answer.body);
    response_.keep_alive(keep_alive_);
    if (answer.chunked) {
      response_.chunked(true);
    } else {
      response_.prepare_payload();
    }
    if (answer.delay.count() > 0) {
      timer_.expires_after(answer.delay);
      timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec) self->Write();
      });
    } else {
      Write();
    }
  }

  void Write() {
    http::async_write(socket_, response_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        if (ec || !self->keep_alive_) return self->Close();
                        self->ReadHeader();
                      });
  }

  Core* server_;
  tcp::socket socket_;
  asio::steady_timer timer_;
  uint64_t id_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> response_;
  bool keep_alive_ = true;
};

void Core::Accept() {
  acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
    if (ec) return;  // the acceptor was closed
    uint64_t id;
    {
      std::lock_guard<std::mutex> lock(mutex);
      id = ++connections;
    }
    auto session = std::make_shared<Session>(this, std::move(socket), id);
    std::erase_if(sessions, [](const std::weak_ptr<Session>& s) { return s.expired(); });
    sessions.push_back(session);
    session->Start();
    Accept();
  });
}

TestResponse Core::Decide(RecordedRequest request) {
  TestResponse answer;
  HttpTestServer::Handler h;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (stall) {
      answer = TestResponse::Stall();
    } else if (handler) {
      h = handler;
    } else if (!queue.empty()) {
      answer = std::move(queue.front());
      queue.pop_front();
    } else {
      answer = default_response;
    }
  }
  if (h) answer = h(request);  // outside the lock: the handler may call back into the server
  {
    std::lock_guard<std::mutex> lock(mutex);
    requests.push_back(std::move(request));
  }
  changed.notify_all();
  return answer;
}

}  // namespace

struct HttpTestServer::Impl : Core {};

HttpTestServer::HttpTestServer() : impl_(std::make_unique<Impl>()) {
  beast::error_code ec;
  tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), 0);
  impl_->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl_->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl_->acceptor.bind(endpoint, ec);
  if (!ec) impl_->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("HttpTestServer: cannot listen on 127.0.0.1: " + ec.message());
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->Accept();
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

HttpTestServer::~HttpTestServer() { Stop(); }

void HttpTestServer::Stop() {
  if (!impl_->thread.joinable()) return;
  asio::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ec;
    impl->acceptor.close(ec);
    for (auto& weak : impl->sessions)
      if (auto session = weak.lock()) session->Close();
    impl->stalled.clear();
    impl->io.stop();
  });
  impl_->thread.join();
}

uint16_t HttpTestServer::port() const { return impl_->port; }

std::string HttpTestServer::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + std::string(path);
}

void HttpTestServer::Enqueue(TestResponse response) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->queue.push_back(std::move(response));
}

void HttpTestServer::SetDefaultResponse(TestResponse response) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->default_response = std::move(response);
}

void HttpTestServer::SetHandler(Handler handler) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->handler = std::move(handler);
}

void HttpTestServer::SetStall(bool stall) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->stall = stall;
}

std::vector<RecordedRequest> HttpTestServer::Requests() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->requests;
}

void HttpTestServer::ClearRequests() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->requests.clear();
}

size_t HttpTestServer::RequestCount() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->requests.size();
}

bool HttpTestServer::WaitForRequests(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(impl_->mutex);
  return impl_->changed.wait_for(lock, timeout, [&] { return impl_->requests.size() >= count; });
}

uint64_t HttpTestServer::ConnectionCount() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->connections;
}

ClosedPort::ClosedPort() {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("ClosedPort: socket() failed");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ::close(fd_);
    throw std::runtime_error("ClosedPort: cannot bind 127.0.0.1:0");
  }
  port_ = ntohs(address.sin_port);
}

ClosedPort::~ClosedPort() {
  if (fd_ >= 0) ::close(fd_);
}

std::string ClosedPort::Url(std::string_view path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
}

}  // namespace adot::test
