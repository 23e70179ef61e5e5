// A minimal HTTP/1.1 sink on 127.0.0.1 for benchmarks: reads each request (Content-Length bodies)
// and answers 200, or, in stall mode, accepts connections and never reads or answers. Unlike the
// tests' server it keeps nothing, so long runs use no memory.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace adot::bench {

class LoopbackSink {
 public:
  explicit LoopbackSink(bool stall = false) : stall_(stall) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(listen_fd_, 16) != 0) {
      std::abort();
    }
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { AcceptLoop(); });
  }
  ~LoopbackSink() {
    stopping_ = true;
    shutdown(listen_fd_, SHUT_RDWR);
    close(listen_fd_);
    acceptor_.join();
    for (int fd : connections_) shutdown(fd, SHUT_RDWR);
    for (auto& t : readers_) t.join();
    for (int fd : connections_) close(fd);
  }

  std::string Url(const char* path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  uint64_t requests() const { return requests_.load(); }
  uint64_t bytes() const { return bytes_.load(); }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      connections_.push_back(fd);
      if (!stall_) readers_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void Serve(int fd) {
    std::string buffer;
    char chunk[65536];
    static const char kOk[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    for (;;) {
      size_t header_end = buffer.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        size_t body_length = 0;
        size_t at = buffer.find("Content-Length:");
        if (at == std::string::npos) at = buffer.find("content-length:");
        if (at != std::string::npos && at < header_end) body_length = std::strtoul(&buffer[at + 15], nullptr, 10);
        size_t total = header_end + 4 + body_length;
        if (buffer.size() >= total) {
          bytes_ += body_length;
          ++requests_;
          buffer.erase(0, total);
          if (write(fd, kOk, sizeof(kOk) - 1) < 0) return;
          continue;
        }
      }
      ssize_t n = read(fd, chunk, sizeof(chunk));
      if (n <= 0) return;
      buffer.append(chunk, static_cast<size_t>(n));
    }
  }

  bool stall_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::vector<int> connections_;  // acceptor thread only until destruction
  std::vector<std::thread> readers_;
  std::atomic<uint64_t> requests_{0};
  std::atomic<uint64_t> bytes_{0};
};

}  // namespace adot::bench
