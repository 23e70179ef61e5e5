// What resource detection costs at start-up:
//   1. off AWS (this machine, real root and environment), Autoconfigure() with the ADOT default
//      list (AWS detectors on) against the same with only env,host,os,process: the cheap checks
//      say no, nothing is called;
//   2. platform hints faked (fake root with EC2 DMI files and a service-account token, ECS
//      variable) but every endpoint a loopback port that accepts and never answers: bounded by
//      the budget (DetectorOptions::timeout, 1000 ms by default);
//   3. a responsive fake IMDS (and ECS / Kubernetes API) on loopback.
// Every HTTP call goes through a transport that refuses any non-loopback address.
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "adot/sdk/autoconfigure.h"
#include "adot/sdk/resource/detectors.h"
#include "support/http_test_server.h"

namespace {

using adot::sdk::resource::DetectorOptions;
using adot::sdk::resource::HttpCall;
using adot::sdk::resource::HttpResult;

std::atomic<int64_t> http_calls{0};

adot::sdk::resource::HttpSend LoopbackOnly() {
  auto real = adot::sdk::resource::DefaultHttpSend();
  return [real](const HttpCall& call) {
    http_calls.fetch_add(1);
    if (call.url.rfind("http://127.0.0.1:", 0) != 0) {
      std::fprintf(stderr, "refused a non-loopback call: %s\n", call.url.c_str());
      std::abort();
    }
    return real(call);
  };
}

// A loopback port that accepts connections (kernel backlog) and never answers.
class SilentPort {
 public:
  SilentPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        listen(fd_, 1024) != 0 || getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
      std::abort();
    url_ = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  }
  ~SilentPort() { close(fd_); }
  const std::string& url() const { return url_; }

 private:
  int fd_ = -1;
  std::string url_;
};

class FakeRoot {
 public:
  FakeRoot() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "adot-bench-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~FakeRoot() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  void Write(const std::string& file, const std::string& content) {
    auto p = path_ / std::filesystem::path(file).relative_path();
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << content;
  }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

adot::sdk::resource::EnvLookup MapEnv(std::map<std::string, std::string> env) {
  return [env = std::move(env)](const char* name) -> std::optional<std::string> {
    auto it = env.find(name);
    return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
  };
}

const std::vector<std::string> kAwsNames = {"aws_ec2", "aws_ecs", "aws_eks", "aws_lambda",
                                            "aws_elastic_beanstalk"};

// Off AWS: the real root and environment; endpoints pointed at a silent loopback port so that even
// a wrong cheap check could not leave the machine (it would show as http_calls > 0).
DetectorOptions OffAwsOptions(const SilentPort& port) {
  for (const char* v : {"ECS_CONTAINER_METADATA_URI_V4", "ECS_CONTAINER_METADATA_URI",
                        "OTEL_AWS_IMDS_ENDPOINT_OVERRIDE", "KUBERNETES_SERVICE_HOST"}) {
    if (std::getenv(v) != nullptr) {
      std::fprintf(stderr, "unset %s to run the off-AWS benchmarks\n", v);
      std::abort();
    }
  }
  DetectorOptions o;
  o.http = LoopbackOnly();
  o.imds_endpoint = o.kubernetes_endpoint = port.url();
  return o;
}

void BM_DetectResources_OffAws_AwsDetectors(benchmark::State& state) {
  SilentPort port;
  DetectorOptions options = OffAwsOptions(port);
  http_calls = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(adot::sdk::resource::DetectResources(kAwsNames, options));
  }
  state.counters["http_calls"] = static_cast<double>(http_calls.load());
}
BENCHMARK(BM_DetectResources_OffAws_AwsDetectors)->Unit(benchmark::kMicrosecond);

// Autoconfigure() end to end (no exporter), with and without the AWS detectors.
void RunAutoconfigure(benchmark::State& state, const char* detectors) {
  SilentPort port;
  adot::sdk::resource::SetAutoconfigureDetectorOptions(OffAwsOptions(port));
  setenv("OTEL_TRACES_EXPORTER", "none", 1);
  setenv("OTEL_RESOURCE_DETECTORS", detectors, 1);
  adot::sdk::AutoconfigureOptions options;
  options.install_globals = false;
  http_calls = 0;
  for (auto _ : state) {
    auto configured = adot::sdk::Autoconfigure(options);
    benchmark::DoNotOptimize(configured.tracer_provider().get());
  }
  state.counters["http_calls"] = static_cast<double>(http_calls.load());
  unsetenv("OTEL_RESOURCE_DETECTORS");
  unsetenv("OTEL_TRACES_EXPORTER");
}
void BM_Autoconfigure_OffAws_EnvHostOsProcess(benchmark::State& state) {
  RunAutoconfigure(state, "env,host,os,process");
}
void BM_Autoconfigure_OffAws_AdotDefault(benchmark::State& state) {
  RunAutoconfigure(state,
                   "env,host,os,process,aws_ec2,aws_ecs,aws_eks,aws_lambda,aws_elastic_beanstalk");
}
void BM_Autoconfigure_OffAws_AdotDefaultPlusContainer(benchmark::State& state) {
  RunAutoconfigure(state,
                   "env,host,os,process,container,aws_ec2,aws_ecs,aws_eks,aws_lambda,"
                   "aws_elastic_beanstalk");
}
BENCHMARK(BM_Autoconfigure_OffAws_EnvHostOsProcess)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Autoconfigure_OffAws_AdotDefault)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Autoconfigure_OffAws_AdotDefaultPlusContainer)->Unit(benchmark::kMicrosecond);

// Hints faked, endpoints silent: EC2 (DMI), ECS (variable) and EKS (token) all wait for the budget,
// in parallel. Arg = budget in ms (1000 = the default).
void BM_DetectResources_SilentEndpoints(benchmark::State& state) {
  SilentPort port;
  FakeRoot root;
  root.Write("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n");
  root.Write("/var/run/secrets/kubernetes.io/serviceaccount/token", "t");
  root.Write("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", "c");
  DetectorOptions o;
  o.root = root.path();
  o.env = MapEnv({{"ECS_CONTAINER_METADATA_URI_V4", port.url() + "/v4/x"}});
  o.http = LoopbackOnly();
  o.imds_endpoint = o.kubernetes_endpoint = port.url();
  o.force_ec2 = true;  // the ECS variable would otherwise skip EC2
  o.timeout = std::chrono::milliseconds(state.range(0));
  std::fprintf(stderr, "(the warnings below are expected: every endpoint is silent)\n");
  for (auto _ : state) {
    benchmark::DoNotOptimize(adot::sdk::resource::DetectResources(kAwsNames, o));
  }
}
BENCHMARK(BM_DetectResources_SilentEndpoints)
    ->Arg(1000)
    ->Arg(200)
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

const char kIdentityDocument[] =
    R"({"accountId":"123456789012","availabilityZone":"mock-west-2a","imageId":"ami-0957cee1854021123",)"
    R"("instanceId":"i-1234ab56cd7e89f01","instanceType":"t2.micro-mock","region":"mock-west-2"})";

// A responsive fake IMDS, ECS endpoint and Kubernetes API on loopback.
void ServeAll(adot::test::HttpTestServer& server) {
  using adot::test::TestResponse;
  server.SetHandler([](const adot::test::RecordedRequest& r) {
    if (r.target == "/latest/api/token") return TestResponse::Status(200, "TOKEN");
    if (r.target == "/latest/dynamic/instance-identity/document")
      return TestResponse::Status(200, kIdentityDocument);
    if (r.target == "/latest/meta-data/hostname")
      return TestResponse::Status(200, "ip-172-12-34-567.mock-west-2.compute.internal");
    if (r.target == "/v4/x")
      return TestResponse::Status(
          200, R"({"DockerId":"abc","ContainerARN":"arn:aws:ecs:us-west-2:1:container/x"})");
    if (r.target == "/v4/x/task")
      return TestResponse::Status(
          200, R"({"Cluster":"default","TaskARN":"arn:aws:ecs:us-west-2:1:task/d/x","LaunchType":"EC2"})");
    if (r.target == "/api/v1/namespaces/amazon-cloudwatch/configmaps/cluster-info")
      return TestResponse::Status(200, R"({"data":{"cluster.name":"c"}})");
    return TestResponse::Status(404);
  });
}

void BM_DetectAwsEc2_LoopbackImds(benchmark::State& state) {
  adot::test::HttpTestServer server;
  ServeAll(server);
  FakeRoot root;
  root.Write("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n");
  DetectorOptions o;
  o.root = root.path();
  o.env = MapEnv({});
  o.http = LoopbackOnly();
  o.imds_endpoint = o.kubernetes_endpoint = server.Url("");
  for (auto _ : state) {
    auto r = adot::sdk::resource::DetectResources(kAwsNames, o);
    if (r.Find("host.id") == nullptr) state.SkipWithError("no host.id");
  }
}
BENCHMARK(BM_DetectAwsEc2_LoopbackImds)->Unit(benchmark::kMicrosecond)->UseRealTime();

void BM_DetectAwsEc2EcsEks_LoopbackEndpoints(benchmark::State& state) {
  adot::test::HttpTestServer server;
  ServeAll(server);
  FakeRoot root;
  root.Write("/sys/class/dmi/id/sys_vendor", "Amazon EC2\n");
  root.Write("/var/run/secrets/kubernetes.io/serviceaccount/token",
             // payload: {"iss":"https://oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"}
             "eyJhbGciOiJSUzI1NiJ9."
             "eyJpc3MiOiJodHRwczovL29pZGMuZWtzLnVzLXdlc3QtMi5hbWF6b25hd3MuY29tL2lkLzAxMjM0NTY3ODlBQkNERUYwMTIzNDU2Nzg5QUJDREVGIn0."
             "c2ln");
  root.Write("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt", "c");
  DetectorOptions o;
  o.root = root.path();
  o.env = MapEnv({{"ECS_CONTAINER_METADATA_URI_V4", server.Url("/v4/x")}});
  o.http = LoopbackOnly();
  o.imds_endpoint = o.kubernetes_endpoint = server.Url("");
  o.force_ec2 = true;
  for (auto _ : state) {
    auto r = adot::sdk::resource::DetectResources(kAwsNames, o);
    if (r.Find("host.id") == nullptr || r.Find("k8s.cluster.name") == nullptr ||
        r.Find("aws.ecs.task.arn") == nullptr)
      state.SkipWithError("missing attributes");
  }
}
BENCHMARK(BM_DetectAwsEc2EcsEks_LoopbackEndpoints)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
