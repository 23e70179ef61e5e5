#include "collector/receivers/otlp/otlp_receiver.h"

#include <atomic>
#include <mutex>
#include <thread>

#include "collector/core/grpc_wire.h"
#include "collector/core/http_server.h"
#include "collector/core/logger.h"
#include "collector/core/telemetry.h"
#include "common/gzip.h"
#include "google/rpc/status.pb.h"

namespace adot::collector {
namespace {

struct GrpcConfig {
  bool enabled = false;
  std::string endpoint = "localhost:4317";
  int64_t max_recv_msg_size_mib = 4;
  TlsServerOptions tls;
};

struct HttpConfig {
  bool enabled = false;
  std::string endpoint = "localhost:4318";
  int64_t max_request_body_size = 20 * 1024 * 1024;
  std::string paths[3] = {"/v1/traces", "/v1/metrics", "/v1/logs"};
  TlsServerOptions tls;
};

struct OtlpReceiverConfig : ComponentConfig {
  GrpcConfig grpc;
  HttpConfig http;
};

// configtls.ServerConfig: cert_file and key_file (both or neither), client_ca_file for mTLS,
// min_version. The files are read at Start, so a bad file is a start-up error naming it.
TlsServerOptions ParseTls(ConfigReader& r) {
  TlsServerOptions tls;
  if (!r.Has("tls")) return tls;
  ConfigReader t = r.Child("tls");
  tls.cert_file = t.String("cert_file");
  tls.key_file = t.String("key_file");
  tls.client_ca_file = t.String("client_ca_file");
  std::string min = t.String("min_version", "1.2");
  if (min != "1.2" && min != "1.3") t.Error("min_version", "must be 1.2 or 1.3, got \"" + min + "\"");
  tls.min_version = min;
  if (tls.cert_file.empty() != tls.key_file.empty())
    t.Error(tls.cert_file.empty() ? "cert_file" : "key_file", "cert_file and key_file must be set together");
  if (tls.cert_file.empty() && !tls.client_ca_file.empty())
    t.Error("client_ca_file", "needs cert_file and key_file");
  t.Finish();
  return tls;
}

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto cfg = std::make_unique<OtlpReceiverConfig>();
  ConfigReader protocols = r.Child("protocols");
  if (protocols.Has("grpc")) {
    cfg->grpc.enabled = true;
    ConfigReader g = protocols.Child("grpc");
    cfg->grpc.endpoint = g.String("endpoint", cfg->grpc.endpoint);
    cfg->grpc.max_recv_msg_size_mib = g.Int("max_recv_msg_size_mib", 4, 1, 1024);
    std::string transport = g.String("transport", "tcp");
    if (transport != "tcp") g.Error("transport", "only tcp is supported, got \"" + transport + "\"");
    cfg->grpc.tls = ParseTls(g);
    g.Finish();
  }
  if (protocols.Has("http")) {
    cfg->http.enabled = true;
    ConfigReader h = protocols.Child("http");
    cfg->http.endpoint = h.String("endpoint", cfg->http.endpoint);
    cfg->http.max_request_body_size =
        h.Int("max_request_body_size", cfg->http.max_request_body_size, 1, int64_t(1) << 32);
    const char* keys[3] = {"traces_url_path", "metrics_url_path", "logs_url_path"};
    for (int i = 0; i < 3; ++i) {
      cfg->http.paths[i] = h.String(keys[i], cfg->http.paths[i]);
      if (cfg->http.paths[i].empty() || cfg->http.paths[i][0] != '/')
        h.Error(keys[i], "must start with /");
    }
    cfg->http.tls = ParseTls(h);
    h.Finish();
  }
  protocols.Finish();
  if (!cfg->grpc.enabled && !cfg->http.enabled)
    r.Error("protocols", "must enable at least one protocol (grpc or http)");
  std::string host;
  uint16_t port;
  if (cfg->grpc.enabled && !SplitHostPort(cfg->grpc.endpoint, host, port))
    r.Error("protocols.grpc.endpoint", "must be host:port, got \"" + cfg->grpc.endpoint + "\"");
  if (cfg->http.enabled && !SplitHostPort(cfg->http.endpoint, host, port))
    r.Error("protocols.http.endpoint", "must be host:port, got \"" + cfg->http.endpoint + "\"");
  r.Finish();
  return cfg;
}

// The delay asked of senders for a retryable refusal: the component's, at least one second.
int64_t RetryAfterSeconds(const Status& s) { return std::max<int64_t>(1, (s.retry_after().count() + 999) / 1000); }

int HttpStatusFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kRetryable: return 503;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kPermanent: return 500;
  }
  return 500;
}

class OtlpReceiver : public Receiver {
 public:
  OtlpReceiver(const OtlpReceiverConfig& cfg, std::string id) : cfg_(cfg), id_(std::move(id)) {
    telemetry_id_ = Telemetry::Global().Register([this](std::vector<MetricSample>& out) {
      for (Signal s : kAllSignals) {
        if (!consumers_[static_cast<int>(s)]) continue;
        std::string suffix = ItemSuffix(s);
        std::vector<std::pair<std::string, std::string>> labels = {{"receiver", id_}};
        out.push_back({"otelcol_receiver_accepted_" + suffix + "_total", "counter", labels,
                       double(accepted_[static_cast<int>(s)])});
        out.push_back({"otelcol_receiver_refused_" + suffix + "_total", "counter", labels,
                       double(refused_[static_cast<int>(s)])});
      }
    });
  }
  ~OtlpReceiver() override { Telemetry::Global().Unregister(telemetry_id_); }

  void SetConsumer(Signal signal, std::shared_ptr<Consumer> next) override {
    consumers_[static_cast<int>(signal)] = std::move(next);
  }

  Status Start() override {
    if (cfg_.http.enabled) {
      HttpServerOptions o;
      o.endpoint = cfg_.http.endpoint;
      o.max_request_body = static_cast<size_t>(cfg_.http.max_request_body_size);
      o.threads = AvailableCpus();
      o.tls = cfg_.http.tls;
      http_ = std::make_unique<HttpServer>(
          o, [this](HttpServerRequest& q, HttpServerResponse& s) { HandleHttp(q, s); });
      Status st = http_->Start();
      if (!st.ok()) return Status::Permanent("otlp http: " + st.message());
      Log(LogLevel::kInfo, "receiver " + id_,
          std::string("OTLP/HTTP") + (o.tls.enabled() ? " (TLS)" : "") + " listening on " + cfg_.http.endpoint +
              " (port " + std::to_string(http_->port()) + ")");
    }
    if (cfg_.grpc.enabled) {
      HttpServerOptions o;
      o.endpoint = cfg_.grpc.endpoint;
      // The whole HTTP/2 body: the framed message (5 bytes more); gzip is bounded again in Unframe.
      o.max_request_body = MaxGrpcMessage() + 5;
      o.threads = AvailableCpus();
      o.tls = cfg_.grpc.tls;
      grpc_ = std::make_unique<HttpServer>(
          o, [this](HttpServerRequest& q, HttpServerResponse& s) { HandleGrpc(q, s); });
      Status st = grpc_->Start();
      if (!st.ok()) return Status::Permanent("otlp grpc: " + st.message());
      Log(LogLevel::kInfo, "receiver " + id_,
          std::string("OTLP/gRPC") + (o.tls.enabled() ? " (TLS)" : "") + " listening on " + cfg_.grpc.endpoint +
              " (port " + std::to_string(grpc_->port()) + ")");
    }
    return Status::Ok();
  }

  void Shutdown(Deadline deadline) override {
    stopping_ = true;
    if (grpc_) grpc_->Stop(deadline);
    if (http_) http_->Stop(deadline);
  }

  uint16_t http_port() const { return http_ ? http_->port() : 0; }
  bool Accepts(Signal s) const { return consumers_[static_cast<int>(s)] != nullptr; }
  uint16_t grpc_port() const { return grpc_ ? grpc_->port() : 0; }

  // The pipeline call shared by both protocols.
  Status Deliver(Signal signal, PData data) {
    auto& c = consumers_[static_cast<int>(signal)];
    if (!c) return Status::Permanent(std::string(SignalName(signal)) + " are not accepted by this collector");
    if (stopping_) return Status::Retryable("collector is shutting down");
    uint64_t items = data.ItemCount();
    Status s = c->Consume(std::move(data));
    if (s.ok()) accepted_[static_cast<int>(signal)] += items;
    else refused_[static_cast<int>(signal)] += items;
    return s;
  }

  std::atomic<uint64_t> accepted_[3] = {0, 0, 0};
  std::atomic<uint64_t> refused_[3] = {0, 0, 0};

 private:
  static void WriteStatus(const Status& s, bool json, HttpServerResponse& resp) {
    resp.status = HttpStatusFor(s);
    google::rpc::Status st;
    st.set_code(static_cast<int>(grpc_wire::CodeFor(s)));
    st.set_message(s.message());
    if (json) {
      resp.content_type = "application/json";
      std::string msg;
      for (char c : s.message()) {
        if (c == '"' || c == '\\') msg += '\\';
        if (static_cast<unsigned char>(c) < 0x20) continue;
        msg += c;
      }
      resp.body = "{\"code\":" + std::to_string(st.code()) + ",\"message\":\"" + msg + "\"}";
    } else {
      resp.content_type = "application/x-protobuf";
      resp.body = st.SerializeAsString();
    }
    if (s.retryable()) resp.headers.emplace_back("Retry-After", std::to_string(RetryAfterSeconds(s)));
  }

  void HandleHttp(HttpServerRequest& req, HttpServerResponse& resp) {
    std::string path = req.target.substr(0, req.target.find('?'));
    int sig = -1;
    for (int i = 0; i < 3; ++i)
      if (path == cfg_.http.paths[i]) sig = i;
    if (sig < 0) {
      resp.status = 404;
      resp.body = "404 page not found";
      return;
    }
    if (!consumers_[sig]) {
      resp.status = 404;
      resp.body = std::string(SignalName(static_cast<Signal>(sig))) + " are not accepted by this collector";
      return;
    }
    if (req.method != "POST") {
      resp.status = 405;
      resp.body = "405 method not allowed, supported: [POST]";
      resp.headers.emplace_back("Allow", "POST");
      return;
    }
    std::string ct = req.Header("content-type");
    ct = ct.substr(0, ct.find(';'));
    while (!ct.empty() && ct.back() == ' ') ct.pop_back();
    bool json = ct == "application/json";
    if (!json && ct != "application/x-protobuf") {
      resp.status = 415;
      resp.body = "415 unsupported media type, supported: [application/json, application/x-protobuf]";
      return;
    }
    if (req.body_too_large) {  // HTTP/2 (https with ALPN h2): the server leaves the answer to us
      resp.status = 413;
      resp.body = "request body larger than " + std::to_string(cfg_.http.max_request_body_size) + " bytes";
      return;
    }
    std::string encoding = req.Header("content-encoding");
    std::string body;
    if (encoding == "gzip") {
      auto r = common::GzipDecompress(req.body, body, static_cast<size_t>(cfg_.http.max_request_body_size));
      if (r == common::GunzipResult::kTooLarge) {
        resp.status = 413;
        resp.body = "decompressed request body larger than " +
                    std::to_string(cfg_.http.max_request_body_size) + " bytes";
        return;
      }
      if (r != common::GunzipResult::kOk) return WriteStatus(Status::Invalid("malformed gzip body"), json, resp);
    } else if (encoding.empty() || encoding == "identity") {
      body = std::move(req.body);
    } else {
      return WriteStatus(Status::Invalid("unsupported Content-Encoding \"" + encoding + "\""), json, resp);
    }
    Signal signal = static_cast<Signal>(sig);
    PData data;
    Status s = json ? PData::FromJson(signal, body, data) : PData::FromProtoBytes(signal, std::move(body), data);
    if (s.ok()) s = Deliver(signal, std::move(data));
    if (!s.ok()) return WriteStatus(s, json, resp);
    resp.status = 200;
    if (json) {
      resp.content_type = "application/json";
      resp.body = "{}";
    } else {
      resp.content_type = "application/x-protobuf";
      resp.body.clear();  // an empty Export*ServiceResponse: no partial_success
    }
  }

  size_t MaxGrpcMessage() const { return static_cast<size_t>(cfg_.grpc.max_recv_msg_size_mib) << 20; }

  // OTLP/gRPC: a unary call per request. Errors are answered trailers-only (grpc-status in the
  // response headers), as gRPC servers do.
  void HandleGrpc(HttpServerRequest& req, HttpServerResponse& resp) {
    using grpc_wire::Code;
    auto fail = [&](Code code, const std::string& message) {
      resp.status = 200;
      resp.content_type = "application/grpc";
      resp.body.clear();
      resp.trailers = {{"grpc-status", std::to_string(static_cast<int>(code))},
                       {"grpc-message", grpc_wire::PercentEncode(message)}};
    };
    if (!req.http2) {
      resp.status = 426;
      resp.body = "OTLP/gRPC needs HTTP/2";
      resp.headers.emplace_back("Upgrade", "h2c");
      return;
    }
    std::string ct = req.Header("content-type");
    if (req.method != "POST" || ct.rfind("application/grpc", 0) != 0) {
      resp.status = 415;
      resp.body = "gRPC requests are POST with content-type application/grpc";
      return;
    }
    Signal signal;
    if (req.target == "/opentelemetry.proto.collector.trace.v1.TraceService/Export") signal = Signal::kTraces;
    else if (req.target == "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export") signal = Signal::kMetrics;
    else if (req.target == "/opentelemetry.proto.collector.logs.v1.LogsService/Export") signal = Signal::kLogs;
    else return fail(Code::kUnimplemented, "unknown method " + req.target);
    if (!Accepts(signal)) return fail(Code::kUnimplemented, req.target + " (no " + SignalName(signal) + " pipeline)");
    if (req.body_too_large)
      return fail(Code::kResourceExhausted,
                  "received message larger than max (" + std::to_string(MaxGrpcMessage()) + " bytes)");
    std::string message, error;
    Code code;
    if (!grpc_wire::Unframe(std::move(req.body), req.Header("grpc-encoding"), MaxGrpcMessage(), message, code, error))
      return fail(code, error);
    PData data;
    Status s = PData::FromProtoBytes(signal, std::move(message), data);
    if (s.ok()) s = Deliver(signal, std::move(data));
    if (!s.ok()) {
      fail(grpc_wire::CodeFor(s), s.message());
      // RetryInfo: OTLP clients retry RESOURCE_EXHAUSTED only when it is there.
      if (s.retryable())
        resp.trailers.emplace_back("grpc-status-details-bin",
                                   grpc_wire::RetryStatusDetails(grpc_wire::CodeFor(s), s.message(), RetryAfterSeconds(s)));
      return;
    }
    resp.status = 200;
    resp.content_type = "application/grpc";
    resp.body = grpc_wire::Frame({}, false);  // an empty Export*ServiceResponse: no partial_success
    resp.trailers = {{"grpc-status", "0"}};
  }

  OtlpReceiverConfig cfg_;
  std::string id_;
  std::shared_ptr<Consumer> consumers_[3];
  std::atomic<bool> stopping_{false};
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<HttpServer> grpc_;
  int telemetry_id_ = 0;
};

}  // namespace

Factory OtlpReceiverFactory() {
  Factory f;
  f.kind = Kind::kReceiver;
  f.type = "otlp";
  f.stability = "beta";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.parse = Parse;
  f.create_receiver = [](const ComponentConfig& c, const CreateSettings& s) -> std::shared_ptr<Receiver> {
    return std::make_shared<OtlpReceiver>(static_cast<const OtlpReceiverConfig&>(c), s.id);
  };
  return f;
}

}  // namespace adot::collector
