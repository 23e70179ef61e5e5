#include "collector/exporters/otlp/otlp_exporter.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <set>
#include <sstream>

#include "collector/core/exporter_helper.h"
#include "collector/core/http_server.h"
#include "exporters/otlp/retry.h"

namespace adot::collector {
namespace {

// OTLP's retryable codes. This exporter does not read RetryInfo yet (docs/collector.md), so
// RESOURCE_EXHAUSTED (back-pressure from the next collector) is always retried, as before.
bool RetryableStatus(grpc::StatusCode code) {
  return exporters::otlp::IsRetryableGrpcCode(code) ||
         code == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

struct OtlpGrpcConfig : ComponentConfig {
  std::string endpoint;
  bool insecure = false;
  std::string ca_file, cert_file, key_file;
  bool gzip = true;
  std::map<std::string, std::string> headers;
  ExporterHelperSettings helper;
};

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<OtlpGrpcConfig>();
  c->endpoint = r.String("endpoint");
  if (c->endpoint.empty()) {
    r.Error("endpoint", "must not be empty");
  } else {
    std::string target = c->endpoint, host;
    for (const char* p : {"http://", "https://", "dns:///"})
      if (target.rfind(p, 0) == 0) target = target.substr(std::string(p).size());
    uint16_t port;
    if (!SplitHostPort(target, host, port)) r.Error("endpoint", "must be host:port, got \"" + c->endpoint + "\"");
  }
  std::string comp = r.String("compression", "gzip");
  if (comp == "none" || comp.empty()) c->gzip = false;
  else if (comp != "gzip") r.Error("compression", "must be gzip or none, got \"" + comp + "\"");
  c->headers = r.StringMap("headers");
  ConfigReader tls = r.Child("tls");
  c->insecure = tls.Bool("insecure", false);
  c->ca_file = tls.String("ca_file");
  c->cert_file = tls.String("cert_file");
  c->key_file = tls.String("key_file");
  tls.Finish();
  c->helper.Parse(r);
  r.Finish();
  return c;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

const char* MethodFor(Signal s) {
  switch (s) {
    case Signal::kTraces: return "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    case Signal::kMetrics: return "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
    case Signal::kLogs: return "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
  }
  return "";
}

class GrpcSender {
 public:
  GrpcSender(const OtlpGrpcConfig& c, Signal s) : cfg_(c), method_(MethodFor(s)) {
    std::string target = c.endpoint;
    bool https = target.rfind("https://", 0) == 0;
    for (const char* p : {"http://", "https://"})
      if (target.rfind(p, 0) == 0) target = target.substr(std::string(p).size());
    std::shared_ptr<grpc::ChannelCredentials> creds;
    if (c.insecure && !https) {
      creds = grpc::InsecureChannelCredentials();
    } else {
      grpc::SslCredentialsOptions o;
      if (!c.ca_file.empty()) o.pem_root_certs = ReadFile(c.ca_file);
      if (!c.cert_file.empty()) o.pem_cert_chain = ReadFile(c.cert_file);
      if (!c.key_file.empty()) o.pem_private_key = ReadFile(c.key_file);
      creds = grpc::SslCredentials(o);
    }
    grpc::ChannelArguments args;
    args.SetInt(GRPC_ARG_MAX_SEND_MESSAGE_LENGTH, -1);
    channel_ = grpc::CreateCustomChannel(target, creds, args);
    stub_ = std::make_unique<grpc::GenericStub>(channel_);
  }

  Status Push(const PData& data, std::chrono::milliseconds timeout) {
    std::string scratch;
    std::string_view bytes = data.ProtoBytes(scratch);
    grpc::Slice slice(bytes.data(), bytes.size());
    grpc::ByteBuffer request(&slice, 1), response;
    grpc::ClientContext ctx;
    if (timeout.count() > 0) ctx.set_deadline(std::chrono::system_clock::now() + timeout);
    if (cfg_.gzip) ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
    for (const auto& [k, v] : cfg_.headers) {
      std::string key = k;
      std::transform(key.begin(), key.end(), key.begin(), ::tolower);
      ctx.AddMetadata(key, v);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_) return Status::Permanent("cancelled");
      in_flight_.insert(&ctx);
    }
    std::mutex done_mu;
    std::condition_variable done_cv;
    bool done = false;
    grpc::Status result;
    stub_->UnaryCall(&ctx, method_, grpc::StubOptions(), &request, &response, [&](grpc::Status st) {
      std::lock_guard<std::mutex> lock(done_mu);
      result = std::move(st);
      done = true;
      done_cv.notify_one();
    });
    {
      std::unique_lock<std::mutex> lock(done_mu);
      done_cv.wait(lock, [&] { return done; });
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      in_flight_.erase(&ctx);
    }
    if (result.ok()) return Status::Ok();
    std::string m = "gRPC " + std::to_string(static_cast<int>(result.error_code())) + ": " + result.error_message();
    if (cancelled_) return Status::Permanent(m);
    if (result.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) return Status::Exhausted(m);
    return RetryableStatus(result.error_code()) ? Status::Retryable(m) : Status::Permanent(m);
  }

  void Cancel() {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    for (auto* c : in_flight_) c->TryCancel();
  }

 private:
  OtlpGrpcConfig cfg_;
  std::string method_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;
  std::mutex mu_;
  std::set<grpc::ClientContext*> in_flight_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace

Factory OtlpExporterFactory() {
  Factory f;
  f.kind = Kind::kExporter;
  f.type = "otlp";
  f.stability = "beta";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.parse = Parse;
  f.create_exporter = [](const ComponentConfig& c, const CreateSettings& s) -> std::shared_ptr<Exporter> {
    const auto& cfg = static_cast<const OtlpGrpcConfig&>(c);
    return MakeSenderExporter(s, cfg.helper, std::make_shared<GrpcSender>(cfg, s.signal));
  };
  return f;
}

}  // namespace adot::collector
