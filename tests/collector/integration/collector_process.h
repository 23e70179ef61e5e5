// Helpers shared by the integration tests that run the real adot-collector binary on 127.0.0.1:
// the process (config in a temporary folder, stdout+stderr to a log file), an HTTP helper, the
// readiness wait, self-telemetry scraping and the final-counts lines the collector logs at shutdown.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/http_client.h"

namespace adot::collector::testing {

class CollectorProcess {
 public:
  explicit CollectorProcess(const std::string& yaml, std::vector<std::string> extra_args = {}) {
    char dir[] = "/tmp/adot-collector-it-XXXXXX";
    dir_ = mkdtemp(dir);
    config_ = dir_ + "/config.yaml";
    log_ = dir_ + "/collector.log";
    std::ofstream(config_) << yaml;
    std::vector<std::string> args = {ADOT_COLLECTOR_BINARY, "--config", config_};
    for (auto& a : extra_args) args.push_back(a);
    pid_ = fork();
    if (pid_ == 0) {
      FILE* f = std::fopen(log_.c_str(), "w");
      dup2(fileno(f), 2);
      dup2(fileno(f), 1);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~CollectorProcess() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::remove(config_.c_str());
    std::remove(log_.c_str());
    rmdir(dir_.c_str());
  }
  CollectorProcess(const CollectorProcess&) = delete;
  CollectorProcess& operator=(const CollectorProcess&) = delete;

  // Sends SIGTERM and waits; returns the exit status, or -1 if it did not exit within timeout.
  int Terminate(std::chrono::milliseconds timeout) {
    Signal(SIGTERM);
    return Wait(timeout);
  }
  void Signal(int sig) { kill(pid_, sig); }
  int Wait(std::chrono::milliseconds timeout) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
  }
  std::string Log() const {
    std::ifstream f(log_);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

 private:
  std::string dir_, config_, log_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

inline common::HttpResponse Send(const std::string& method, const std::string& url, const std::string& body,
                                 const std::string& content_type = "application/x-protobuf") {
  common::HttpClient client;
  common::HttpRequest req;
  req.method = method;
  req.url = url;
  req.body = body;
  req.timeout = std::chrono::seconds(5);
  req.headers.emplace_back("Content-Type", content_type);
  common::HttpResponse resp;
  client.Send(req, resp);
  return resp;
}

// Waits for the health_check extension on 127.0.0.1:port to answer 200 (pipelines running).
inline bool WaitHealthy(uint16_t port) {
  for (int i = 0; i < 1000; ++i) {
    if (Send("GET", "http://127.0.0.1:" + std::to_string(port) + "/", "").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

inline std::string Scrape(uint16_t metrics_port) {
  return Send("GET", "http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics", "").body;
}

// The value of one sample in a Prometheus text page, series written exactly as the collector
// renders it ("otelcol_exporter_sent_spans_total{exporter=\"otlphttp\"}"); -1 when absent.
inline double MetricValue(const std::string& page, const std::string& series) {
  std::istringstream in(page);
  for (std::string line; std::getline(in, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 && line[series.size()] == ' ')
      return std::strtod(line.c_str() + series.size() + 1, nullptr);
  }
  return -1;
}

// The counters a component reported in its "final counts:" line at shutdown, e.g.
// FinalCounts(log, "exporter otlp") -> {"sent_spans": 10, "send_failed_spans": 0, ...}; empty
// when there is no such line.
inline std::map<std::string, uint64_t> FinalCounts(const std::string& log, const std::string& component) {
  std::map<std::string, uint64_t> out;
  const std::string marker = " " + component + ": final counts:";
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    size_t at = line.find(marker);
    if (at == std::string::npos) continue;
    std::istringstream fields(line.substr(at + marker.size()));
    for (std::string kv; fields >> kv;) {
      size_t eq = kv.find('=');
      if (eq != std::string::npos) out[kv.substr(0, eq)] = std::strtoull(kv.c_str() + eq + 1, nullptr, 10);
    }
  }
  return out;
}

}  // namespace adot::collector::testing
