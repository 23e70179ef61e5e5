#include "collector/core/net_client.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace adot::collector {
namespace {

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown TLS error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  ERR_clear_error();
  return buf;
}

bool IsIpLiteral(const std::string& host) {
  in6_addr a6;
  in_addr a4;
  return inet_pton(AF_INET, host.c_str(), &a4) == 1 || inet_pton(AF_INET6, host.c_str(), &a6) == 1;
}

// OpenSSL's socket BIO writes with write(): on a connection the peer has closed that raises SIGPIPE
// (fatal unless the process ignores it), and SSL_connect, SSL_read and SSL_shutdown write as well
// as SSL_write. This is OpenSSL's socket BIO with send(MSG_NOSIGNAL) as its write.
int SendNoSignal(BIO* bio, const char* data, int size) {
  int fd = -1;
  BIO_get_fd(bio, &fd);
  ssize_t n = ::send(fd, data, static_cast<size_t>(size), MSG_NOSIGNAL);
  BIO_clear_retry_flags(bio);
  if (n < 0 && BIO_sock_should_retry(-1)) BIO_set_retry_write(bio);
  return static_cast<int>(n);
}

BIO_METHOD* NoSignalSocketMethod() {
  static BIO_METHOD* method = [] {
    const BIO_METHOD* socket = BIO_s_socket();
    BIO_METHOD* m = BIO_meth_new(BIO_TYPE_SOCKET, "socket, send with MSG_NOSIGNAL");
    BIO_meth_set_write(m, SendNoSignal);
    BIO_meth_set_read(m, BIO_meth_get_read(socket));
    BIO_meth_set_puts(m, BIO_meth_get_puts(socket));
    BIO_meth_set_ctrl(m, BIO_meth_get_ctrl(socket));
    BIO_meth_set_create(m, BIO_meth_get_create(socket));
    BIO_meth_set_destroy(m, BIO_meth_get_destroy(socket));
    return m;
  }();
  return method;
}

}  // namespace

Status TlsClientContext::Create(const TlsClientOptions& options, const std::vector<std::string>& alpn,
                                std::shared_ptr<TlsClientContext>& out) {
  auto c = std::shared_ptr<TlsClientContext>(new TlsClientContext());
  c->options_ = options;
  c->ctx_ = SSL_CTX_new(TLS_client_method());
  if (!c->ctx_) return Status::Permanent("TLS: " + OpenSslError());
  SSL_CTX_set_min_proto_version(c->ctx_, TLS1_2_VERSION);
  if (options.ca_file.empty()) {
    SSL_CTX_set_default_verify_paths(c->ctx_);
  } else if (SSL_CTX_load_verify_locations(c->ctx_, options.ca_file.c_str(), nullptr) != 1) {
    return Status::Permanent("TLS: cannot load ca_file " + options.ca_file + ": " + OpenSslError());
  }
  if (!options.cert_file.empty() || !options.key_file.empty()) {
    if (SSL_CTX_use_certificate_chain_file(c->ctx_, options.cert_file.c_str()) != 1)
      return Status::Permanent("TLS: cannot load cert_file " + options.cert_file + ": " + OpenSslError());
    if (SSL_CTX_use_PrivateKey_file(c->ctx_, options.key_file.c_str(), SSL_FILETYPE_PEM) != 1)
      return Status::Permanent("TLS: cannot load key_file " + options.key_file + ": " + OpenSslError());
  }
  SSL_CTX_set_verify(c->ctx_, options.insecure_skip_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
  if (!alpn.empty()) {
    std::string wire;
    for (const auto& p : alpn) {
      wire += static_cast<char>(p.size());
      wire += p;
    }
    SSL_CTX_set_alpn_protos(c->ctx_, reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned int>(wire.size()));
  }
  out = std::move(c);
  return Status::Ok();
}

TlsClientContext::~TlsClientContext() {
  if (ctx_) SSL_CTX_free(ctx_);
}

NetConnection::NetConnection() { wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }

NetConnection::~NetConnection() {
  Close();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void NetConnection::Close() {
  if (ssl_) {
    SSL_free(ssl_);
    ssl_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

void NetConnection::Cancel() {
  cancelled_ = true;
  uint64_t one = 1;
  if (wake_fd_ >= 0) [[maybe_unused]] auto r = ::write(wake_fd_, &one, sizeof(one));
}

bool NetConnection::Wait(Want want, Deadline deadline, Status& status) {
  for (;;) {
    if (cancelled_) {
      status = Status::Permanent("cancelled");
      return false;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      status = Status::Retryable("timeout");
      return false;
    }
    pollfd fds[2] = {{fd_, static_cast<short>(want == Want::kRead ? POLLIN : POLLOUT), 0},
                     {wake_fd_, POLLIN, 0}};
    int timeout = static_cast<int>(std::min<int64_t>(left.count() + 1, 1 << 30));
    int r = ::poll(fds, 2, timeout);
    if (r < 0 && errno != EINTR) {
      status = Status::Retryable(std::string("poll: ") + std::strerror(errno));
      return false;
    }
    if (r > 0 && fds[0].revents) return true;
  }
}

Status NetConnection::Connect(const std::string& host, uint16_t port, const std::shared_ptr<TlsClientContext>& tls,
                              Deadline deadline) {
  Close();
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res);
  if (rc != 0) return Status::Retryable("cannot resolve " + host + ": " + gai_strerror(rc));
  std::string where = host + ":" + std::to_string(port);
  Status last = Status::Retryable("cannot connect to " + where);
  for (addrinfo* ai = res; ai; ai = ai->ai_next) {
    fd_ = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd_ < 0) continue;
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (::connect(fd_, ai->ai_addr, ai->ai_addrlen) == 0) break;
    if (errno == EINPROGRESS) {
      Status st;
      if (Wait(Want::kWrite, deadline, st)) {
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err == 0) break;
        last = Status::Retryable("cannot connect to " + where + ": " + std::strerror(err));
      } else {
        last = st.message() == "timeout" ? Status::Retryable("timeout connecting to " + where) : st;
      }
    } else {
      last = Status::Retryable("cannot connect to " + where + ": " + std::strerror(errno));
    }
    ::close(fd_);
    fd_ = -1;
  }
  freeaddrinfo(res);
  if (fd_ < 0) return last;
  if (!tls) return Status::Ok();
  return StartTls(host, tls, deadline);
}

Status NetConnection::StartTls(const std::string& host, const std::shared_ptr<TlsClientContext>& tls, Deadline deadline) {
  if (fd_ < 0) return Status::Retryable("connection closed");
  tls_ = tls;
  ssl_ = SSL_new(tls->native());
  BIO* bio = BIO_new(NoSignalSocketMethod());
  BIO_set_fd(bio, fd_, BIO_NOCLOSE);
  SSL_set_bio(ssl_, bio, bio);
  const std::string& name = tls->options().server_name.empty() ? host : tls->options().server_name;
  if (!IsIpLiteral(name)) SSL_set_tlsext_host_name(ssl_, name.c_str());
  if (!tls->options().insecure_skip_verify) {
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
    if (IsIpLiteral(name)) X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
    else X509_VERIFY_PARAM_set1_host(param, name.c_str(), 0);
  }
  for (;;) {
    ERR_clear_error();
    int r = SSL_connect(ssl_);
    if (r == 1) return Status::Ok();
    int e = SSL_get_error(ssl_, r);
    Status st;
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
      if (Wait(e == SSL_ERROR_WANT_READ ? Want::kRead : Want::kWrite, deadline, st)) continue;
      Close();
      return st;
    }
    long verify = SSL_get_verify_result(ssl_);
    std::string msg = "TLS handshake with " + host + " failed: " +
                      (verify != X509_V_OK ? X509_verify_cert_error_string(verify) : OpenSslError());
    Close();
    // A certificate that does not verify will not verify next time either.
    return verify != X509_V_OK ? Status::Permanent(msg) : Status::Retryable(msg);
  }
}

Status NetConnection::Write(std::string_view data, Deadline deadline) {
  while (!data.empty()) {
    if (fd_ < 0) return Status::Retryable("connection closed");
    if (cancelled_) return Status::Permanent("cancelled");
    ssize_t n;
    if (ssl_) {
      ERR_clear_error();
      int r = SSL_write(ssl_, data.data(), static_cast<int>(std::min<size_t>(data.size(), 1 << 30)));
      if (r <= 0) {
        int e = SSL_get_error(ssl_, r);
        Status st;
        if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
          if (!Wait(e == SSL_ERROR_WANT_READ ? Want::kRead : Want::kWrite, deadline, st)) return st;
          continue;
        }
        return Status::Retryable("TLS write: " + OpenSslError());
      }
      n = r;
    } else {
      n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) {
          Status st;
          if (!Wait(Want::kWrite, deadline, st)) return st;
          continue;
        }
        return Status::Retryable(std::string("send: ") + std::strerror(errno));
      }
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status NetConnection::ReadSome(char* buffer, size_t capacity, size_t& n, Deadline deadline) {
  n = 0;
  for (;;) {
    if (fd_ < 0) return Status::Retryable("connection closed");
    if (cancelled_) return Status::Permanent("cancelled");
    if (ssl_) {
      ERR_clear_error();
      int r = SSL_read(ssl_, buffer, static_cast<int>(std::min<size_t>(capacity, 1 << 30)));
      if (r > 0) {
        n = static_cast<size_t>(r);
        return Status::Ok();
      }
      int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_ZERO_RETURN) return Status::Ok();
      Status st;
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        if (!Wait(e == SSL_ERROR_WANT_READ ? Want::kRead : Want::kWrite, deadline, st)) return st;
        continue;
      }
      if (e == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) return Status::Ok();  // closed without close_notify
      return Status::Retryable("TLS read: " + OpenSslError());
    }
    ssize_t r = ::recv(fd_, buffer, capacity, 0);
    if (r >= 0) {
      n = static_cast<size_t>(r);
      return Status::Ok();
    }
    if (errno == EAGAIN || errno == EINTR) {
      Status st;
      if (!Wait(Want::kRead, deadline, st)) return st;
      continue;
    }
    return Status::Retryable(std::string("recv: ") + std::strerror(errno));
  }
}

std::string NetConnection::alpn() const {
  if (!ssl_) return {};
  const unsigned char* p = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl_, &p, &len);
  return std::string(reinterpret_cast<const char*>(p), len);
}

}  // namespace adot::collector
