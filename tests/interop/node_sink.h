// tests/interop/js/otlp_sink.js (OTLP traces and metrics over HTTP and gRPC, decoded with the
// official OpenTelemetry JS generated code) run as a child process, for the interop tests.
// Each decoded request is one JSON line (see the script's header); Lines() returns them.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "common/json_reader.h"

namespace adot::test {

// js/otlp_sink.js in a child process: bounded lifetime (stdin is a pipe it exits on, SIGTERM and
// then SIGKILL on Stop, and SIGKILL if this process dies first).
class NodeSink {
 public:
  // node: the Node.js executable; js_dir: tests/interop/js with its node_modules.
  NodeSink(const std::string& node, const std::string& js_dir) {
    if (node.empty()) throw std::runtime_error("node was not found at configure time");
    if (!std::filesystem::exists(js_dir + "/node_modules/@opentelemetry/otlp-transformer") ||
        !std::filesystem::exists(js_dir + "/node_modules/@grpc/grpc-js")) {
      throw std::runtime_error("npm packages missing in " + js_dir +
                               ": run scripts/install-deps.sh (npm ci --prefix tests/interop/js)");
    }
    char dir_template[] = "/tmp/adot-interop-XXXXXX";
    if (!mkdtemp(dir_template)) throw std::runtime_error("mkdtemp failed");
    dir_ = dir_template;
    output_ = dir_ + "/requests.jsonl";
    const std::string script = js_dir + "/otlp_sink.js";

    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      // Only async-signal-safe calls between fork and exec.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(126);
      dup2(in[0], 0);
      dup2(out[1], 1);
      execl(node.c_str(), node.c_str(), script.c_str(), output_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];

    // First line: {"http_port":N,"grpc_port":M}.
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (line.find('\n') == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{stdout_, POLLIN, 0};
      if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) {
        Stop();
        throw std::runtime_error("the Node sink did not report its ports within 30 s");
      }
      char buf[256];
      ssize_t n = read(stdout_, buf, sizeof buf);
      if (n <= 0) {
        Stop();
        throw std::runtime_error("the Node sink exited before reporting its ports");
      }
      line.append(buf, static_cast<size_t>(n));
    }
    common::JsonValue ports;
    uint64_t http_port = 0, grpc_port = 0;
    if (!common::ParseJson(line.substr(0, line.find('\n')), ports) || !ports.Find("http_port") ||
        !ports.Find("http_port")->GetUint64(http_port) || !ports.Find("grpc_port") ||
        !ports.Find("grpc_port")->GetUint64(grpc_port)) {
      Stop();
      throw std::runtime_error("bad first line from the Node sink: " + line);
    }
    http_port_ = static_cast<uint16_t>(http_port);
    grpc_port_ = static_cast<uint16_t>(grpc_port);
  }
  ~NodeSink() { Stop(); }
  NodeSink(const NodeSink&) = delete;
  NodeSink& operator=(const NodeSink&) = delete;

  std::string HttpUrl(std::string_view path = "/v1/traces") const {
    return "http://127.0.0.1:" + std::to_string(http_port_) + std::string(path);
  }
  uint16_t http_port() const { return http_port_; }
  uint16_t grpc_port() const { return grpc_port_; }
  std::string GrpcEndpoint() const { return "http://127.0.0.1:" + std::to_string(grpc_port_); }

  std::vector<std::string> Lines() const {
    std::vector<std::string> lines;
    std::ifstream in(output_);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) lines.push_back(line);
    return lines;
  }

  void Stop() {
    if (stdin_ >= 0) close(std::exchange(stdin_, -1));  // the sink exits when stdin closes
    if (pid_ > 0) {
      if (!WaitExit(std::chrono::milliseconds(3000))) {
        kill(pid_, SIGTERM);
        if (!WaitExit(std::chrono::milliseconds(2000))) {
          kill(pid_, SIGKILL);
          waitpid(pid_, nullptr, 0);
        }
      }
      pid_ = -1;
    }
    if (stdout_ >= 0) close(std::exchange(stdout_, -1));
    if (!dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
      dir_.clear();
    }
  }

 private:
  bool WaitExit(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    do {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }

  pid_t pid_ = -1;
  int stdin_ = -1, stdout_ = -1;
  uint16_t http_port_ = 0, grpc_port_ = 0;
  std::string dir_, output_;
};

}  // namespace adot::test
