// adot-collector: the command line only. Everything else lives in core/ and the components.
//
//   adot-collector [--config URI]... [--set key::path=value]... [--shutdown-timeout 15s]
//   adot-collector validate --config ...     exit 1 and every error, each with its key path
//   adot-collector components                the built-in component types
#include <CLI/CLI.hpp>

#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "collector/core/http_server.h"
#include "collector/core/logger.h"
#include "collector/core/telemetry.h"
#include "collector/core/service.h"
#include "collector/main/components.h"

using namespace adot::collector;

namespace {

void PrintErrors(const ConfigErrors& errors) {
  for (const auto& e : errors.list()) std::fprintf(stderr, "error: %s\n", e.c_str());
}

void PrintComponents(const Registry& r) {
  std::printf("buildinfo:\n  command: adot-collector\n  version: 0.1.0\n");
  for (Kind k : {Kind::kReceiver, Kind::kProcessor, Kind::kExporter, Kind::kExtension}) {
    std::printf("%s:\n", KindSectionName(k));
    for (const Factory* f : r.List(k)) {
      std::printf("  - name: %s\n    stability: %s\n", f->type.c_str(), f->stability.c_str());
      if (!f->signals.empty()) {
        std::printf("    signals: [");
        for (size_t i = 0; i < f->signals.size(); ++i)
          std::printf("%s%s", i ? ", " : "", SignalName(f->signals[i]));
        std::printf("]\n");
      }
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  // glibc gives each allocating thread its own arena (up to 8 per core); with the io, batch and
  // sender threads each holding freed blocks, RSS under a steady 10k spans/s was ~28 MiB instead of
  // ~16 MiB with two arenas, at no measurable CPU cost. MALLOC_ARENA_MAX in the environment wins.
  if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 2);
  // Batches are buffers of a few MiB, made and freed several times a second. By default glibc maps
  // such blocks afresh or hands freed memory back to the kernel, so each batch paid a page fault
  // per 4 KiB it wrote: a tenth of the CPU of the X-Ray ingest benchmark. Up to 16 MiB a block comes
  // from the heap, and up to 16 MiB of free memory stays there for the next batch.
  if (std::getenv("MALLOC_MMAP_THRESHOLD_") == nullptr) mallopt(M_MMAP_THRESHOLD, 16 << 20);
  if (std::getenv("MALLOC_TRIM_THRESHOLD_") == nullptr) mallopt(M_TRIM_THRESHOLD, 16 << 20);
  // Signals are taken synchronously by the main thread; block them before any thread starts.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  CLI::App app{"adot-collector: AWS Distro for OpenTelemetry collector (C++)", "adot-collector"};
  std::vector<std::string> configs, sets;
  std::string shutdown_timeout = "15s";
  app.add_option("--config", configs,
                 "configuration URI (file:<path>, env:<VAR>, yaml:<a::b: value>, or a path); "
                 "repeat to merge several in order")
      ->take_all();
  app.add_option("--set", sets, "set one value, e.g. --set=processors::batch::timeout=2s; repeatable");
  app.add_option("--shutdown-timeout", shutdown_timeout,
                 "how long SIGTERM/SIGINT may take to drain queues (default 15s)");
  auto* validate = app.add_subcommand("validate", "validate the configuration and exit");
  auto* components = app.add_subcommand("components", "list the built-in components and exit");
  validate->fallthrough();
  components->fallthrough();
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);

  Registry registry = BuiltinComponents();
  if (*components) {
    PrintComponents(registry);
    return 0;
  }

  std::chrono::nanoseconds drain;
  if (!ParseDuration(shutdown_timeout, drain) || drain.count() < 0) {
    std::fprintf(stderr, "error: --shutdown-timeout: must be a duration such as 15s\n");
    return 2;
  }

  ResolveOptions ro;
  ro.uris = configs;
  ro.sets = sets;
  ro.default_yaml = kDefaultConfig;
  if (ro.uris.empty() && std::getenv("AOT_CONFIG_CONTENT")) ro.uris.push_back("env:AOT_CONFIG_CONTENT");
  ConfigErrors errors;
  YAML::Node config;
  if (!ResolveConfig(ro, config, errors)) {
    PrintErrors(errors);
    return 1;
  }
  auto service = Service::Create(config, registry, errors);
  if (!service) {
    PrintErrors(errors);
    return 1;
  }
  if (*validate) {
    std::printf("configuration is valid\n");
    return 0;
  }

  SetLogLevel(service->config().log_level);
  if (configs.empty()) Log(LogLevel::kInfo, "service", "no --config given: using the embedded local default");
  // Self-telemetry on service.telemetry.metrics.address (Prometheus text format at /metrics).
  std::unique_ptr<HttpServer> metrics_server;
  const auto start_time = std::chrono::steady_clock::now();
  int process_source = Telemetry::Global().Register([start_time](std::vector<MetricSample>& out) {
    double up = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
    out.push_back({"otelcol_process_uptime_seconds_total", "counter", {}, up});
    out.push_back({"otelcol_process_memory_rss_bytes", "gauge", {}, double(ProcessRssBytes())});
    out.push_back({"otelcol_process_runtime_heap_alloc_bytes", "gauge", {}, double(ProcessHeapInUseBytes())});
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    double cpu = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
    out.push_back({"otelcol_process_cpu_seconds_total", "counter", {}, cpu});
  });
  (void)process_source;
  if (service->config().metrics_level != "none") {
    HttpServerOptions mo;
    mo.endpoint = service->config().metrics_address;
    mo.threads = 1;
    mo.max_request_body = 4096;
    metrics_server = std::make_unique<HttpServer>(mo, [](const HttpServerRequest& q, HttpServerResponse& r) {
      if (q.target.substr(0, q.target.find('?')) != "/metrics") {
        r.status = 404;
        r.body = "404 page not found";
        return;
      }
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = Telemetry::Global().RenderPrometheus();
    });
    Status ms = metrics_server->Start();
    if (!ms.ok()) {
      Log(LogLevel::kError, "service", "self-telemetry: " + ms.message());
      return 1;
    }
    Log(LogLevel::kInfo, "service", "self-telemetry metrics on http://" + mo.endpoint + "/metrics");
  }
  Status st = service->Start();
  if (!st.ok()) {
    Log(LogLevel::kError, "service", st.message());
    service->Shutdown(Clock::now() + std::chrono::seconds(2));
    return 1;
  }

  int sig = 0;
  sigwait(&stop_signals, &sig);
  Log(LogLevel::kInfo, "service", std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                                      ", shutting down (deadline " + FormatDuration(drain) + ")");
  auto deadline = Clock::now() + drain;
  // If something ignores the deadline, do not hang: exit shortly after it.
  std::thread([drain] {
    std::this_thread::sleep_for(drain + std::chrono::seconds(3));
    Log(LogLevel::kError, "service", "shutdown deadline exceeded, exiting");
    _exit(1);
  }).detach();
  service->Shutdown(deadline);
  if (metrics_server) metrics_server->Stop(deadline);
  Log(LogLevel::kInfo, "service", "shutdown complete");
  std::fflush(stderr);
  _exit(0);  // components are stopped; skip static destructors of third-party libraries
}
