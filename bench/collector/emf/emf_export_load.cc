// emf_export_load: the awsemf exporter under a steady metrics load, end to end. Starts the real
// adot-collector (OTLP/HTTP in → batch → awsemf) against a fake CloudWatch Logs on loopback, sends
// OTLP/HTTP metrics at a fixed rate of data points for a fixed time, and prints the collector's CPU
// (% of one core, from /proc/<pid>/stat over the load) and what reached CloudWatch Logs.
//
//   emf_export_load --collector build/release/src/collector/adot-collector --rate 5000 --duration 20
//                   [--cpu 0]   (pin the collector to this CPU)
//
// Each request carries 100 gauge data points: 10 metrics × 10 series (a "route" label), one
// request per 20 ms at 5,000 points/s.
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "common/http_client.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "support/http_test_server.h"

namespace {

using namespace std::chrono_literals;
namespace mpb = opentelemetry::proto::metrics::v1;

[[noreturn]] void Usage(const std::string& why) {
  std::fprintf(stderr, "emf_export_load: %s\nusage: emf_export_load --collector PATH --rate POINTS_PER_S --duration SECONDS [--cpu N]\n",
               why.c_str());
  std::exit(2);
}

uint16_t FreePort() {
  adot::test::ClosedPort p;  // bound, not listening: free once it goes
  return p.port();
}

double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), {});
  std::istringstream rest(text.substr(text.rfind(')') + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i)
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string Request(int64_t time_ns, double value) {
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest req;
  auto* rm = req.add_resource_metrics();
  auto* attr = rm->mutable_resource()->add_attributes();
  attr->set_key("service.name");
  attr->mutable_value()->set_string_value("petsearch");
  auto* sm = rm->add_scope_metrics();
  sm->mutable_scope()->set_name("petsearch.metrics");
  for (int m = 0; m < 10; ++m) {
    auto* metric = sm->add_metrics();
    metric->set_name("pets_searched_" + std::to_string(m));
    metric->set_unit("1");
    for (int s = 0; s < 10; ++s) {
      auto* p = metric->mutable_gauge()->add_data_points();
      p->set_time_unix_nano(time_ns);
      p->set_as_double(value + s);
      auto* a = p->add_attributes();
      a->set_key("route");
      a->mutable_value()->set_string_value("/api/search/" + std::to_string(s));
    }
  }
  return req.SerializeAsString();
}

}  // namespace

int main(int argc, char** argv) {
  std::string collector;
  double rate = 0, duration = 0;
  int cpu = -1;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) Usage("missing value for " + a);
    std::string v = argv[++i];
    if (a == "--collector") collector = v;
    else if (a == "--rate") rate = std::atof(v.c_str());
    else if (a == "--duration") duration = std::atof(v.c_str());
    else if (a == "--cpu") cpu = std::atoi(v.c_str());
    else Usage("unknown option " + a);
  }
  if (collector.empty()) Usage("--collector is required");
  if (rate < 100 || rate > 1e6) Usage("--rate (100 <= points/s <= 1000000) is required");
  if (duration <= 0 || duration > 600) Usage("--duration (0 < s <= 600) is required");

  // The fake CloudWatch Logs: accepts every call and counts the events.
  std::atomic<uint64_t> events{0}, calls{0};
  adot::test::HttpTestServer logs;
  logs.SetHandler([&](const adot::test::RecordedRequest& r) {
    ++calls;
    for (size_t at = 0; (at = r.body.find("\"timestamp\":", at)) != std::string::npos; ++at) ++events;
    return adot::test::TestResponse::Status(200, "{}");
  });

  const uint16_t otlp = FreePort(), health = FreePort();
  char dir[] = "/tmp/adot-emf-bench-XXXXXX";
  if (!mkdtemp(dir)) Usage("mkdtemp failed");
  const std::string config = std::string(dir) + "/config.yaml";
  std::ofstream(config) << "receivers: {otlp: {protocols: {http: {endpoint: '127.0.0.1:" << otlp << "'}}}}\n"
                        << "processors: {batch: {timeout: 1s}}\n"
                        << "exporters: {awsemf: {endpoint: '" << logs.Url("") << "', region: us-west-2, "
                        << "log_group_name: /bench/metrics, log_stream_name: bench}}\n"
                        << "extensions: {health_check: {endpoint: '127.0.0.1:" << health << "'}}\n"
                        << "service:\n  extensions: [health_check]\n  telemetry: {logs: {level: warn}, metrics: {level: none}}\n"
                        << "  pipelines: {metrics: {receivers: [otlp], processors: [batch], exporters: [awsemf]}}\n";
  setenv("AWS_ACCESS_KEY_ID", "AKIDBENCH", 1);
  setenv("AWS_SECRET_ACCESS_KEY", "bench-secret", 1);
  setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
  pid_t pid = fork();
  if (pid == 0) {
    if (cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpu, &set);
      sched_setaffinity(0, sizeof set, &set);
    }
    execl(collector.c_str(), collector.c_str(), "--config", config.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  adot::common::HttpClient client;
  bool healthy = false;
  for (int i = 0; i < 500 && !healthy; ++i) {
    adot::common::HttpRequest req;
    req.method = "GET";
    req.url = "http://127.0.0.1:" + std::to_string(health) + "/";
    req.timeout = 200ms;
    adot::common::HttpResponse resp;
    client.Send(req, resp);
    healthy = resp.status == 200;
    if (!healthy) std::this_thread::sleep_for(10ms);
  }
  if (!healthy) {
    kill(pid, SIGKILL);
    Usage("the collector did not become healthy");
  }

  const double per_request = 100;
  const auto interval = std::chrono::duration<double>(per_request / rate);
  const uint64_t requests = static_cast<uint64_t>(rate * duration / per_request);
  const double cpu0 = CpuSeconds(pid);
  const auto start = std::chrono::steady_clock::now();
  uint64_t sent = 0, failed = 0;
  for (uint64_t i = 0; i < requests; ++i) {
    std::this_thread::sleep_until(start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval * i));
    adot::common::HttpRequest req;
    req.url = "http://127.0.0.1:" + std::to_string(otlp) + "/v1/metrics";
    req.headers.emplace_back("Content-Type", "application/x-protobuf");
    const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
    std::string body = Request(now_ns, static_cast<double>(i));
    req.body = body;
    req.timeout = 5s;
    adot::common::HttpResponse resp;
    client.Send(req, resp);
    (resp.status == 200 ? sent : failed) += static_cast<uint64_t>(per_request);
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double cpu_used = CpuSeconds(pid) - cpu0;
  // Drain: the batch timeout and the export.
  for (int i = 0; i < 300 && events.load() < sent; ++i) std::this_thread::sleep_for(10ms);
  kill(pid, SIGTERM);
  waitpid(pid, nullptr, 0);
  std::remove(config.c_str());
  rmdir(dir);
  std::printf("awsemf: %.0f data points/s for %.1f s (%llu sent, %llu refused)\n", sent / elapsed, elapsed,
              (unsigned long long)sent, (unsigned long long)failed);
  std::printf("  collector CPU: %.2f %% of one core (target <= 1 %%)\n", cpu_used / elapsed * 100);
  std::printf("  CloudWatch Logs: %llu EMF events in %llu PutLogEvents calls\n", (unsigned long long)events.load(),
              (unsigned long long)calls.load());
  return failed == 0 && events.load() >= sent ? 0 : 1;
}
