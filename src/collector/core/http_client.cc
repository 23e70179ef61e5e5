#include "collector/core/http_client.h"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>

#include "common/gzip.h"

namespace adot::collector {

namespace http = boost::beast::http;
using common::HttpError;

HttpClient::HttpClient(common::HttpClientOptions options) : options_(std::move(options)) {}
HttpClient::~HttpClient() = default;

void HttpClient::Cancel() { conn_.Cancel(); }

bool HttpClient::ParseUrl(const std::string& url, Target& t, std::string& error) {
  std::string_view rest = url;
  if (rest.rfind("http://", 0) == 0) {
    rest.remove_prefix(7);
  } else if (rest.rfind("https://", 0) == 0) {
    rest.remove_prefix(8);
    t.tls = true;
  } else {
    error = "unsupported URL \"" + url + "\" (http:// or https:// only)";
    return false;
  }
  size_t slash = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, slash);
  t.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (t.path[0] == '?') t.path = "/" + t.path;
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
  std::string_view port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      error = "malformed URL \"" + url + "\"";
      return false;
    }
    t.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
  } else {
    size_t colon = authority.rfind(':');
    t.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (t.host.empty()) {
    error = "URL without a host: \"" + url + "\"";
    return false;
  }
  t.port = t.tls ? 443 : 80;
  if (!port.empty()) {
    int p = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || p > 65535) {
        error = "bad port in URL \"" + url + "\"";
        return false;
      }
      p = p * 10 + (c - '0');
    }
    if (p == 0 || p > 65535) {
      error = "bad port in URL \"" + url + "\"";
      return false;
    }
    t.port = static_cast<uint16_t>(p);
  }
  return true;
}

std::string HttpClient::HostHeader(const Target& t) {
  std::string host = t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host;
  if ((t.tls && t.port != 443) || (!t.tls && t.port != 80)) host += ":" + std::to_string(t.port);
  return host;
}

bool HttpClient::HostAndTarget(const std::string& url, std::string& host, std::string& target, std::string& error) {
  Target t;
  if (!ParseUrl(url, t, error)) return false;
  host = HostHeader(t);
  target = t.path;
  return true;
}

bool HttpClient::SendableHeader(std::string_view name, std::string_view value) {
  // Header injection guard: values are configuration, but a newline must never split a header.
  return name.find_first_of("\r\n:") == std::string_view::npos && value.find_first_of("\r\n") == std::string_view::npos;
}

void HttpClient::Send(const common::HttpRequest& req, common::HttpResponse& resp) {
  resp.Clear();
  auto fail = [&](HttpError e, std::string m) {
    resp.error = e;
    resp.error_message = std::move(m);
  };
  try {
    if (conn_.cancelled()) return fail(HttpError::kCancelled, "request cancelled");
    Target t;
    std::string error;
    if (!ParseUrl(req.url, t, error)) return fail(HttpError::kInvalid, error);
    auto deadline = NetConnection::Deadline::clock::now() + req.timeout;
    std::string compressed;
    std::string_view body = req.body;
    if (req.gzip) {
      if (!common::GzipCompress(body, compressed, req.gzip_level)) return fail(HttpError::kInvalid, "gzip failed");
      body = compressed;
    }
    if (t.tls && !tls_) {
      TlsClientOptions o;
      o.enabled = true;
      o.ca_file = options_.ca_file;
      o.cert_file = options_.client_cert_file;
      o.key_file = options_.client_key_file;
      o.insecure_skip_verify = options_.insecure_skip_verify;
      Status st = TlsClientContext::Create(o, {"http/1.1"}, tls_);
      if (!st.ok()) return fail(HttpError::kInvalid, st.message());
    }
    Target proxy;
    const bool proxied = !options_.proxy.empty();
    if (proxied && (!ParseUrl(options_.proxy, proxy, error) || proxy.tls))
      return fail(HttpError::kInvalid, "proxy: " + (proxy.tls ? "only http:// proxies are supported" : error));
    std::string key = (t.tls ? "https://" : "http://") + t.host + ":" + std::to_string(t.port);
    if (conn_key_ != key) conn_.Close();
    // A kept-alive connection the server has closed meanwhile fails before any answer: try once more
    // on a new connection (what libcurl does too).
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = conn_.connected();
      if (!reused) {
        conn_key_ = key;
        Status st = proxied ? ConnectThroughProxy(proxy, t, deadline)
                            : conn_.Connect(t.host, t.port, t.tls ? tls_ : nullptr, deadline);
        if (!st.ok()) {
          conn_.Close();
          if (conn_.cancelled()) return fail(HttpError::kCancelled, "request cancelled");
          if (st.message() == "timeout" || st.message().rfind("timeout", 0) == 0)
            return fail(HttpError::kTimeout, st.message());
          return fail(st.code() == StatusCode::kPermanent ? HttpError::kInvalid : HttpError::kConnection,
                      st.message());
        }
      }
      bool nothing_received = false;
      // Through a proxy, plain http requests name the whole URL.
      Exchange(t, proxied && !t.tls ? AbsoluteForm(t) : t.path, req, body, deadline, resp, nothing_received);
      if (resp.error == HttpError::kNone) return;
      conn_.Close();
      if (!(reused && nothing_received && resp.error == HttpError::kConnection)) return;
      resp.Clear();
    }
  } catch (const std::exception& e) {
    conn_.Close();
    fail(HttpError::kInvalid, e.what());
  }
}

std::string HttpClient::AbsoluteForm(const Target& t) { return "http://" + HostHeader(t) + t.path; }

Status HttpClient::ConnectThroughProxy(const Target& proxy, const Target& t, NetConnection::Deadline deadline) {
  Status st = conn_.Connect(proxy.host, proxy.port, nullptr, deadline);
  if (!st.ok() || !t.tls) return st;
  std::string authority = (t.host.find(':') != std::string::npos ? "[" + t.host + "]" : t.host) + ":" + std::to_string(t.port);
  st = conn_.Write("CONNECT " + authority + " HTTP/1.1\r\nHost: " + authority + "\r\n\r\n", deadline);
  if (!st.ok()) return st;
  // The proxy's answer ends with an empty line; the tunnel carries nothing before our TLS
  // ClientHello, so reading past that line cannot happen.
  std::string answer;
  while (answer.find("\r\n\r\n") == std::string::npos) {
    char buffer[1024];
    size_t n = 0;
    st = conn_.ReadSome(buffer, sizeof(buffer), n, deadline);
    if (!st.ok()) return st;
    if (n == 0) return Status::Retryable("the proxy closed the connection during CONNECT");
    answer.append(buffer, n);
    if (answer.size() > 16 * 1024) return Status::Retryable("the proxy's CONNECT answer is too long");
  }
  // "HTTP/1.1 200 Connection established"
  size_t space = answer.find(' ');
  if (space == std::string::npos || answer.compare(space + 1, 1, "2") != 0)
    return Status::Retryable("the proxy refused CONNECT " + authority + ": " + answer.substr(0, answer.find('\r')));
  return conn_.StartTls(t.host, tls_, deadline);
}

void HttpClient::Exchange(const Target& t, const std::string& request_target, const common::HttpRequest& req,
                          std::string_view body, NetConnection::Deadline deadline, common::HttpResponse& resp,
                          bool& nothing_received) {
  auto fail = [&](const Status& st) {
    if (conn_.cancelled()) {
      resp.error = HttpError::kCancelled;
      resp.error_message = "request cancelled";
    } else {
      resp.error = st.message() == "timeout" ? HttpError::kTimeout : HttpError::kConnection;
      resp.error_message = st.message() == "timeout" ? "timed out after " + std::to_string(req.timeout.count()) + " ms"
                                                     : st.message();
    }
  };
  std::string head = req.method + " " + request_target + " HTTP/1.1\r\nHost: " + HostHeader(t) + "\r\n";
  auto add = [&](const std::string& k, const std::string& v) {
    if (SendableHeader(k, v)) head += k + ": " + v + "\r\n";
  };
  for (const auto& [k, v] : options_.headers) add(k, v);
  for (const auto& [k, v] : req.headers) add(k, v);
  if (req.gzip) add("Content-Encoding", "gzip");
  if (!body.empty() || req.method == "POST" || req.method == "PUT") add("Content-Length", std::to_string(body.size()));
  head += "\r\n";
  nothing_received = true;
  Status st = conn_.Write(head, deadline);
  if (st.ok() && !body.empty()) st = conn_.Write(body, deadline);
  if (!st.ok()) return fail(st);

  http::response_parser<http::string_body> parser;
  parser.body_limit(options_.max_response_bytes);
  parser.header_limit(64 * 1024);
  parser.eager(true);
  if (req.method == "HEAD") parser.skip(true);
  boost::beast::flat_buffer buffer;
  while (!parser.is_done()) {
    auto space = buffer.prepare(64 * 1024);
    size_t n = 0;
    st = conn_.ReadSome(static_cast<char*>(space.data()), space.size(), n, deadline);
    if (!st.ok()) return fail(st);
    boost::beast::error_code ec;
    if (n == 0) {
      parser.put_eof(ec);
      if (ec || !parser.is_done()) return fail(Status::Retryable(nothing_received ? "the server closed the connection without answering"
                                                                                  : "the server closed the connection mid-response"));
      break;
    }
    nothing_received = false;
    buffer.commit(n);
    while (buffer.size() > 0 && !parser.is_done()) {
      size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (ec == http::error::need_more) break;
      if (ec == http::error::body_limit) {
        resp.error = HttpError::kResponseTooLarge;
        resp.error_message = "response larger than " + std::to_string(options_.max_response_bytes) + " bytes";
        return;
      }
      if (ec) {
        resp.error = HttpError::kConnection;
        resp.error_message = "malformed HTTP response: " + ec.message();
        return;
      }
    }
  }
  auto& msg = parser.get();
  resp.status = static_cast<long>(msg.result_int());
  for (const auto& f : msg) {
    std::string name(f.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](char c) { return static_cast<char>(::tolower(c)); });
    resp.headers.emplace_back(std::move(name), std::string(f.value()));
  }
  resp.body = std::move(msg.body());
  if (!msg.keep_alive()) conn_.Close();
}

std::unique_ptr<HttpClient> HttpClientPool::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  if (cancelled_) {
    auto c = std::make_unique<HttpClient>(options_);
    c->Cancel();
    return c;
  }
  if (free_.empty()) {
    auto c = std::make_unique<HttpClient>(options_);
    busy_.insert(c.get());
    return c;
  }
  auto c = std::move(free_.back());
  free_.pop_back();
  busy_.insert(c.get());
  return c;
}

void HttpClientPool::Give(std::unique_ptr<HttpClient> c) {
  std::lock_guard<std::mutex> lock(mu_);
  busy_.erase(c.get());
  if (!cancelled_) free_.push_back(std::move(c));
}

void HttpClientPool::Send(const common::HttpRequest& request, common::HttpResponse& response) {
  auto client = Take();
  client->Send(request, response);
  Give(std::move(client));
}

Status TransportStatus(const common::HttpResponse& response) {
  if (response.error == HttpError::kNone) return Status::Ok();
  std::string m = std::string(common::HttpErrorName(response.error)) + ": " + response.error_message;
  if (response.error == HttpError::kCancelled || response.error == HttpError::kInvalid) return Status::Permanent(m);
  return Status::Retryable(m);
}

void HttpClientPool::CancelAll() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  for (auto* c : busy_) c->Cancel();
}

}  // namespace adot::collector
