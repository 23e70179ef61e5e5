// What the HTTP instrumentation costs per request.
//
//   BM_Loopback/<mode>   one request/response round trip on 127.0.0.1: a cpp-httplib server
//                        (its own threads) and a libcurl client reusing one easy handle (one
//                        keep-alive connection), on the benchmark thread. Modes:
//                          uninstrumented   server.Get + curl_easy_perform
//                          no_sdk           Instrument + otel_httplib::Get + curl_otel::Perform,
//                                           the API's no-op tracer and meter providers
//                          sdk              the same with SDK tracer provider (batch span
//                                           processor to an exporter that drops the batches),
//                                           SDK meter provider (periodic reader, 60 s interval)
//                                           and the tracecontext propagator: a client span, a
//                                           server span (its child, through traceparent) and
//                                           both duration histograms per request
//   BM_ServerSpan/<mode> the server core alone (ServerSpan::Start + Activate + End with the
//                        RequestInfo an adapter builds), no network: the no-SDK path in ns
//   BM_CurlFile/<mode>   curl_easy_perform against curl_otel::Perform on a file:// URL (a
//                        transfer with no network and no server): the client side alone
//   BM_CurlWrapper/<mode> the same on a URL libcurl refuses at once: the wrapper's no-SDK cost
//
// After the runs a summary gives each loopback mode's time per request (the median when run with
// repetitions) and its overhead over the uninstrumented request, in µs and in %.
//
//   build/release/bench/instrumentation/bench_http_instrumentation
//       --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true   (one command line)
#include <benchmark/benchmark.h>
#include <curl/curl.h>
#include <httplib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "adot/api/metrics.h"
#include "adot/api/propagation/carriers.h"
#include "adot/api/trace.h"
#include "adot/instrumentation/curl.h"
#include "adot/instrumentation/http_server.h"
#include "adot/instrumentation/httplib.h"
#include "adot/sdk/metrics/meter_provider.h"
#include "adot/sdk/metrics/reader.h"
#include "adot/sdk/propagation/trace_context.h"
#include "adot/sdk/trace/processor.h"
#include "adot/sdk/trace/tracer_provider.h"

namespace {

using namespace adot;
namespace otel_httplib = adot::instrumentation::httplib;
namespace curl_otel = adot::instrumentation::curl;

enum Mode : int64_t { kUninstrumented = 0, kNoSdk = 1, kSdk = 2 };
const char* const kModeNames[] = {"uninstrumented", "no_sdk", "sdk"};

// Counts and drops what it is given.
class DroppingSpanExporter final : public sdk::trace::SpanExporter {
 public:
  sdk::ExportResult Export(sdk::trace::SpanBatch spans) noexcept override {
    exported += spans.size();
    return sdk::ExportResult::kSuccess;
  }
  bool Shutdown(std::chrono::milliseconds) noexcept override { return true; }
  uint64_t exported = 0;
};
class DroppingMetricExporter final : public sdk::metrics::MetricExporter {
 public:
  sdk::ExportResult Export(const sdk::metrics::ResourceMetrics&) noexcept override {
    return sdk::ExportResult::kSuccess;
  }
  bool Shutdown(std::chrono::milliseconds) noexcept override { return true; }
};

// The SDK (traces and metrics) installed globally while it lives, as Autoconfigure would.
class Sdk {
 public:
  Sdk() {
    sdk::trace::TracerProviderOptions trace_options;
    trace_options.processors.push_back(std::make_shared<sdk::trace::BatchSpanProcessor>(
        std::make_unique<DroppingSpanExporter>(), sdk::trace::BatchSpanProcessorOptions{}));
    tracer_provider_ = std::make_shared<sdk::trace::TracerProvider>(std::move(trace_options));
    sdk::metrics::MeterProviderOptions metric_options;
    metric_options.readers = {std::make_shared<sdk::metrics::PeriodicExportingMetricReader>(
        std::make_unique<DroppingMetricExporter>())};
    meter_provider_ = std::make_shared<sdk::metrics::MeterProvider>(std::move(metric_options));
    api::trace::SetTracerProvider(tracer_provider_);
    api::metrics::SetMeterProvider(meter_provider_);
    api::propagation::SetGlobalPropagator(
        std::make_shared<sdk::propagation::TraceContextPropagator>());
  }
  ~Sdk() {
    api::trace::SetTracerProvider(nullptr);
    api::metrics::SetMeterProvider(nullptr);
    api::propagation::SetGlobalPropagator(nullptr);
    tracer_provider_->Shutdown();
    meter_provider_->Shutdown();
  }

 private:
  std::shared_ptr<sdk::trace::TracerProvider> tracer_provider_;
  std::shared_ptr<sdk::metrics::MeterProvider> meter_provider_;
};

// A cpp-httplib server on 127.0.0.1 answering GET /api/pets/<id> with a small JSON body.
class PetServer {
 public:
  explicit PetServer(bool instrumented) {
    auto handler = [](const httplib::Request& req, httplib::Response& res) {
      res.set_content("{\"id\":" + std::string(req.matches[1]) + ",\"name\":\"rex\"}",
                      "application/json");
    };
    if (instrumented) {
      otel_httplib::Instrument(server_);
      otel_httplib::Get(server_, R"(/api/pets/(\d+))", handler);
    } else {
      server_.Get(R"(/api/pets/(\d+))", handler);
    }
    // One connection carries every request of a run. Without TCP_NODELAY the response's header
    // and body writes meet the client's delayed ACK: 40 ms per request.
    server_.set_tcp_nodelay(true);
    server_.set_keep_alive_max_count(1u << 30);
    server_.set_keep_alive_timeout(60);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 5000 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~PetServer() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  bool ok() const { return port_ > 0 && server_.is_running(); }

 private:
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
};

PetServer* plain_server = nullptr;
PetServer* instrumented_server = nullptr;

// A run that takes longer than this stops with an error (the iteration counts are fixed).
constexpr std::chrono::seconds kRunTimeLimit(30);

size_t Discard(char*, size_t size, size_t count, void*) { return size * count; }

CURL* NewEasy(const std::string& url) {
  CURL* easy = curl_easy_init();
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, Discard);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 5000L);  // nothing can hang a run
  return easy;
}

void BM_Loopback(benchmark::State& state) {
  const auto mode = static_cast<Mode>(state.range(0));
  state.SetLabel(kModeNames[mode]);
  PetServer& server = mode == kUninstrumented ? *plain_server : *instrumented_server;
  std::unique_ptr<Sdk> sdk;
  if (mode == kSdk) sdk = std::make_unique<Sdk>();
  CURL* easy = NewEasy("http://127.0.0.1:" + std::to_string(server.port()) + "/api/pets/42");
  curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  auto perform = [&] {
    return mode == kUninstrumented ? curl_easy_perform(easy) : curl_otel::Perform(easy, headers);
  };
  // Connects, and creates the instruments and the thread's state.
  for (int i = 0; i < 20; ++i) perform();
  uint64_t failures = 0;
  const auto deadline = std::chrono::steady_clock::now() + kRunTimeLimit;
  for (auto _ : state) {
    long status = 0;
    if (perform() != CURLE_OK ||
        curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status != 200)
      ++failures;
    if (failures > 0 || std::chrono::steady_clock::now() > deadline) {
      state.SkipWithError(failures > 0 ? "requests failed" : "over the time limit");
      break;
    }
  }
  curl_easy_cleanup(easy);
  curl_slist_free_all(headers);
}
BENCHMARK(BM_Loopback)
    ->ArgName("mode")
    ->Arg(kUninstrumented)
    ->Arg(kNoSdk)
    ->Arg(kSdk)
    ->Iterations(4000)
    ->UseRealTime()
    ->MeasureProcessCPUTime()  // CPU: every thread of the process (client, server, SDK)
    ->ComputeStatistics("min", [](const std::vector<double>& v) {
      return *std::min_element(v.begin(), v.end());
    })
    ->Unit(benchmark::kMicrosecond);

// The RequestInfo the httplib adapter builds for GET /api/pets/42.
void BM_ServerSpan(benchmark::State& state) {
  const auto mode = static_cast<Mode>(state.range(0));
  state.SetLabel(kModeNames[mode]);
  std::unique_ptr<Sdk> sdk;
  if (mode == kSdk) sdk = std::make_unique<Sdk>();
  api::propagation::MapCarrier headers{{"Host", "127.0.0.1:8080"},
                                       {"Accept", "application/json"},
                                       {"User-Agent", "curl/7.88.1"}};
  instrumentation::http_server::RequestInfo info;
  info.method = "GET";
  info.target = "/api/pets/42";
  info.route = R"(/api/pets/(\d+))";
  info.protocol_version = "1.1";
  info.headers = &headers;
  info.peer_address = "127.0.0.1";
  info.peer_port = 40000;
  info.local_address = "127.0.0.1";
  info.local_port = 8080;
  for (auto _ : state) {
    auto span = instrumentation::http_server::ServerSpan::Start("bench", info);
    {
      auto scope = span.Activate();
      benchmark::DoNotOptimize(scope);
    }
    span.End(200);
  }
}
BENCHMARK(BM_ServerSpan)->ArgName("mode")->Arg(kNoSdk)->Arg(kSdk)->Iterations(200000);

// A transfer that never touches the network: the instrumentation's own client-side cost.
void BM_CurlFile(benchmark::State& state) {
  const auto mode = static_cast<Mode>(state.range(0));
  state.SetLabel(kModeNames[mode]);
  char path[] = "/tmp/adot-bench-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0 || write(fd, "{\"id\":42}", 9) != 9) {
    state.SkipWithError("cannot create the file");
    return;
  }
  close(fd);
  std::unique_ptr<Sdk> sdk;
  if (mode == kSdk) sdk = std::make_unique<Sdk>();
  CURL* easy = NewEasy(std::string("file://") + path);
  const auto deadline = std::chrono::steady_clock::now() + kRunTimeLimit;
  for (auto _ : state) {
    CURLcode rc =
        mode == kUninstrumented ? curl_easy_perform(easy) : curl_otel::Perform(easy, nullptr);
    if (rc != CURLE_OK || std::chrono::steady_clock::now() > deadline) {
      state.SkipWithError(rc != CURLE_OK ? "transfers failed" : "over the time limit");
      break;
    }
  }
  curl_easy_cleanup(easy);
  unlink(path);
}
BENCHMARK(BM_CurlFile)
    ->ArgName("mode")
    ->Arg(kUninstrumented)
    ->Arg(kNoSdk)
    ->Arg(kSdk)
    ->Iterations(100000);

// A transfer libcurl refuses at once (a scheme it does not support): what is left is the
// wrapper's own work, without the file I/O that blurs BM_CurlFile's difference.
void BM_CurlWrapper(benchmark::State& state) {
  const auto mode = static_cast<Mode>(state.range(0));
  state.SetLabel(kModeNames[mode]);
  CURL* easy = NewEasy("adot-unsupported://127.0.0.1/");
  for (auto _ : state) {
    CURLcode rc =
        mode == kUninstrumented ? curl_easy_perform(easy) : curl_otel::Perform(easy, nullptr);
    benchmark::DoNotOptimize(rc);
  }
  curl_easy_cleanup(easy);
}
BENCHMARK(BM_CurlWrapper)->ArgName("mode")->Arg(kUninstrumented)->Arg(kNoSdk)->Iterations(1000000);

// Prints the usual table, and remembers the loopback figures for the summary.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  explicit SummaryReporter(OutputOptions options) : ConsoleReporter(options) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& run : runs) {
      if (run.error_occurred) continue;
      Figures& f = figures_[run.run_name.function_name + "/" + run.run_name.args];
      if (run.run_type == Run::RT_Aggregate) {
        if (run.aggregate_name == "median") f.median.Set(run);
        if (run.aggregate_name == "min") f.min.Set(run);
      } else if (!f.single.set) {
        f.single.Set(run);  // without repetitions: the only run
      }
    }
  }

  void PrintSummary() const {
    auto find = [&](int mode) -> const Figures* {
      auto it = figures_.find("BM_Loopback/mode:" + std::to_string(mode));
      return it == figures_.end() ? nullptr : &it->second;
    };
    const Figures* base = find(kUninstrumented);
    if (!base) return;
    const bool repeated = base->median.set;
    std::printf("\nLoopback request/response with a server span and a client span, %s per "
                "request%s:\n",
                base->single.set ? base->single.unit.c_str() : base->median.unit.c_str(),
                repeated ? " (median of the repetitions; minimum in brackets)" : "");
    std::printf("  %-16s %30s %30s\n", "", "wall time (overhead)", "process CPU (overhead)");
    for (int mode = kUninstrumented; mode <= kSdk; ++mode) {
      const Figures* f = find(mode);
      if (!f) continue;
      std::printf("  %-16s", kModeNames[mode]);
      for (bool cpu : {false, true}) {
        auto cell = [&](const Figure& x, const Figure& b) {
          const double value = cpu ? x.cpu : x.real;
          const double extra = value - (cpu ? b.cpu : b.real);
          const double base_value = cpu ? b.cpu : b.real;
          char text[64];
          if (mode == kUninstrumented) {
            std::snprintf(text, sizeof(text), "%.1f", value);
          } else {
            std::snprintf(text, sizeof(text), "%.1f (%+.1f, %+.1f %%)", value, extra,
                          100.0 * extra / base_value);
          }
          return std::string(text);
        };
        std::string text = repeated ? cell(f->median, base->median) + " [" +
                                          cell(f->min, base->min) + "]"
                                    : cell(f->single, base->single);
        std::printf("  %s", text.c_str());
      }
      std::printf("\n");
    }
  }

 private:
  struct Figure {
    double real = 0;
    double cpu = 0;
    std::string unit;
    bool set = false;
    void Set(const Run& run) {
      real = run.GetAdjustedRealTime();
      cpu = run.GetAdjustedCPUTime();
      unit = benchmark::GetTimeUnitString(run.time_unit);
      set = true;
    }
  };
  struct Figures {
    Figure single, median, min;
  };
  std::map<std::string, Figures> figures_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = 0;
  {
    PetServer plain(false);
    PetServer instrumented(true);
    if (!plain.ok() || !instrumented.ok()) {
      std::fprintf(stderr, "cannot start the servers on 127.0.0.1\n");
      rc = 1;
    } else {
      plain_server = &plain;
      instrumented_server = &instrumented;
      SummaryReporter reporter(isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_Defaults
                                                     : benchmark::ConsoleReporter::OO_Tabular);
      benchmark::RunSpecifiedBenchmarks(&reporter);
      reporter.PrintSummary();
    }
  }
  benchmark::Shutdown();
  curl_global_cleanup();
  return rc;
}
