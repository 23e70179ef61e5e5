#include "collector/exporters/otlp/otlp_exporter.h"

#include <algorithm>

#include "collector/core/exporter_helper.h"
#include "collector/core/grpc_client.h"
#include "collector/core/http_server.h"
#include "collector/core/partial_success.h"
#include "exporters/otlp/retry.h"

namespace adot::collector {
namespace {

struct OtlpGrpcConfig : ComponentConfig {
  std::string endpoint;
  bool insecure = false;
  bool insecure_skip_verify = false;
  std::string ca_file, cert_file, key_file, server_name;
  CompressionSettings compression;
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
  c->compression.Parse(r);
  c->headers = r.StringMap("headers");
  ConfigReader tls = r.Child("tls");
  c->insecure = tls.Bool("insecure", false);
  c->insecure_skip_verify = tls.Bool("insecure_skip_verify", false);
  c->server_name = tls.String("server_name_override");
  c->ca_file = tls.String("ca_file");
  c->cert_file = tls.String("cert_file");
  c->key_file = tls.String("key_file");
  tls.Finish();
  c->helper.Parse(r);
  r.Finish();
  return c;
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
  GrpcSender(const OtlpGrpcConfig& c, const CreateSettings& s)
      : name_(ExporterInstanceName(s)), method_(MethodFor(s.signal)), client_(Options(c)) {}

  static GrpcClientOptions Options(const OtlpGrpcConfig& c) {
    GrpcClientOptions o;
    std::string target = c.endpoint;
    bool https = target.rfind("https://", 0) == 0;
    for (const char* p : {"http://", "https://", "dns:///"})
      if (target.rfind(p, 0) == 0) target = target.substr(std::string(p).size());
    SplitHostPort(target, o.host, o.port);  // checked by Parse
    // As configgrpc: TLS unless tls.insecure (an https:// endpoint always uses TLS).
    o.tls = https || !c.insecure;
    o.tls_options.enabled = o.tls;
    o.tls_options.ca_file = c.ca_file;
    o.tls_options.cert_file = c.cert_file;
    o.tls_options.key_file = c.key_file;
    o.tls_options.insecure_skip_verify = c.insecure_skip_verify;
    o.tls_options.server_name = c.server_name;
    o.gzip = c.compression.gzip;
    o.gzip_level = c.compression.level;
    for (const auto& [k, v] : c.headers) {
      std::string key = k;
      std::transform(key.begin(), key.end(), key.begin(), ::tolower);
      o.metadata.emplace_back(key, v);
    }
    o.user_agent = "adot-collector/0.1.0";
    return o;
  }

  Status Start() { return client_.Init(); }

  Status Push(const PData& data, std::chrono::milliseconds timeout) {
    std::string scratch;
    std::string_view bytes = data.ProtoBytes(scratch);
    GrpcCallResult r = client_.Call(method_, bytes, timeout);
    if (r.code == grpc_wire::Code::kOk) {
      LogPartialSuccess(name_, ReadPartialSuccess(r.response, false));
      return Status::Ok();
    }
    std::string m = "gRPC " + std::to_string(static_cast<int>(r.code)) + ": " + r.message;
    if (r.cancelled) return Status::Permanent(m);
    auto delay = std::chrono::milliseconds(std::max<int64_t>(0, r.retry_delay_ms));
    // OTLP: RESOURCE_EXHAUSTED is retried only when the server sends RetryInfo.
    if (r.code == grpc_wire::Code::kResourceExhausted)
      return r.retry_delay_ms >= 0 ? Status::Exhausted(m, delay) : Status::Permanent(m);
    return exporters::otlp::IsRetryableGrpcCode(static_cast<int>(r.code)) ? Status::Retryable(m, delay)
                                                                          : Status::Permanent(m);
  }

  void Cancel() { client_.CancelAll(); }

 private:
  std::string name_;
  std::string method_;
  GrpcClient client_;
};

}  // namespace

Factory OtlpExporterFactory() { return SenderExporterFactory<OtlpGrpcConfig, GrpcSender>("otlp", Parse); }

}  // namespace adot::collector
