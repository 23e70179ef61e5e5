#include "collector/receivers/otlp/otlp_receiver.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <mutex>
#include <thread>

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
};

struct HttpConfig {
  bool enabled = false;
  std::string endpoint = "localhost:4318";
  int64_t max_request_body_size = 20 * 1024 * 1024;
  std::string paths[3] = {"/v1/traces", "/v1/metrics", "/v1/logs"};
};

struct OtlpReceiverConfig : ComponentConfig {
  GrpcConfig grpc;
  HttpConfig http;
};

void RejectTls(ConfigReader& r) {
  if (r.Has("tls")) {
    r.Raw("tls");
    r.Error("tls", "TLS is not supported yet by this collector");
  }
}

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto cfg = std::make_unique<OtlpReceiverConfig>();
  ConfigReader protocols = r.Child("protocols");
  if (protocols.Has("grpc")) {
    cfg->grpc.enabled = true;
    ConfigReader g = protocols.Child("grpc");
    cfg->grpc.endpoint = g.String("endpoint", cfg->grpc.endpoint);
    cfg->grpc.max_recv_msg_size_mib = g.Int("max_recv_msg_size_mib", 4, 1, 1024);
    g.Raw("transport");
    RejectTls(g);
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
    RejectTls(h);
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

grpc::StatusCode GrpcCodeFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kOk: return grpc::StatusCode::OK;
    case StatusCode::kRetryable: return grpc::StatusCode::UNAVAILABLE;
    case StatusCode::kResourceExhausted: return grpc::StatusCode::RESOURCE_EXHAUSTED;
    case StatusCode::kInvalidArgument: return grpc::StatusCode::INVALID_ARGUMENT;
    case StatusCode::kPermanent: return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::INTERNAL;
}

class OtlpReceiver;

class GrpcService : public grpc::CallbackGenericService {
 public:
  explicit GrpcService(OtlpReceiver* r) : receiver_(r) {}
  grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* ctx) override;

 private:
  OtlpReceiver* receiver_;
};

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
      o.threads = std::max(2u, std::thread::hardware_concurrency());
      http_ = std::make_unique<HttpServer>(
          o, [this](const HttpServerRequest& q, HttpServerResponse& s) { HandleHttp(q, s); });
      Status st = http_->Start();
      if (!st.ok()) return Status::Permanent("otlp http: " + st.message());
      Log(LogLevel::kInfo, "receiver " + id_,
          "OTLP/HTTP listening on " + cfg_.http.endpoint + " (port " + std::to_string(http_->port()) + ")");
    }
    if (cfg_.grpc.enabled) {
      std::string host;
      uint16_t port = 0;
      SplitHostPort(cfg_.grpc.endpoint, host, port);
      grpc_service_ = std::make_unique<GrpcService>(this);
      grpc::ServerBuilder b;
      int bound = 0;
      std::string addr = (host.empty() ? "0.0.0.0" : host) + ":" + std::to_string(port);
      if (host.find(':') != std::string::npos) addr = "[" + host + "]:" + std::to_string(port);
      b.AddListeningPort(addr, grpc::InsecureServerCredentials(), &bound);
      b.SetMaxReceiveMessageSize(static_cast<int>(cfg_.grpc.max_recv_msg_size_mib * 1024 * 1024));
      b.RegisterCallbackGenericService(grpc_service_.get());
      grpc_ = b.BuildAndStart();
      if (!grpc_ || bound == 0) return Status::Permanent("otlp grpc: cannot listen on " + cfg_.grpc.endpoint);
      grpc_port_ = bound;
      Log(LogLevel::kInfo, "receiver " + id_,
          "OTLP/gRPC listening on " + cfg_.grpc.endpoint + " (port " + std::to_string(bound) + ")");
    }
    return Status::Ok();
  }

  void Shutdown(Deadline deadline) override {
    stopping_ = true;
    auto t0 = Clock::now();
    if (grpc_) {
      // Let calls in progress finish (until the deadline), then stop at once: grpc's own
      // Shutdown(deadline) can wait for idle client connections.
      while (grpc_in_flight_.load() > 0 && Clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      grpc_->Shutdown(std::chrono::system_clock::now());
    }
    auto t1 = Clock::now();
    if (http_) http_->Stop(deadline);
    Log(LogLevel::kDebug, "receiver " + id_,
        "grpc stopped in " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(t1 - t0).count()) +
            "ms, http in " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t1).count()) + "ms");
  }

  uint16_t http_port() const { return http_ ? http_->port() : 0; }
  bool Accepts(Signal s) const { return consumers_[static_cast<int>(s)] != nullptr; }
  int grpc_port() const { return grpc_port_; }

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
    st.set_code(static_cast<int>(GrpcCodeFor(s)));
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
    if (s.retryable()) {
      auto secs = std::max<int64_t>(1, (s.retry_after().count() + 999) / 1000);
      resp.headers.emplace_back("Retry-After", std::to_string(secs));
    }
  }

  void HandleHttp(const HttpServerRequest& req, HttpServerResponse& resp) {
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
      body = req.body;
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

  OtlpReceiverConfig cfg_;
  std::string id_;
  std::shared_ptr<Consumer> consumers_[3];
  std::atomic<bool> stopping_{false};
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<GrpcService> grpc_service_;
  std::unique_ptr<grpc::Server> grpc_;
  int grpc_port_ = 0;
  int telemetry_id_ = 0;

 public:
  std::atomic<int> grpc_in_flight_{0};
};

class ExportReactor : public grpc::ServerGenericBidiReactor {
 public:
  ExportReactor(OtlpReceiver* receiver, Signal signal) : receiver_(receiver), signal_(signal) {
    ++receiver_->grpc_in_flight_;
    StartRead(&request_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request message"));
      return;
    }
    std::vector<grpc::Slice> slices;
    std::string bytes;
    if (request_.Dump(&slices).ok()) {
      size_t n = 0;
      for (auto& s : slices) n += s.size();
      bytes.reserve(n);
      for (auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    PData data;
    Status s = PData::FromProtoBytes(signal_, std::move(bytes), data);
    if (s.ok()) s = receiver_->Deliver(signal_, std::move(data));
    if (!s.ok()) {
      Finish(grpc::Status(GrpcCodeFor(s), s.message()));
      return;
    }
    grpc::Slice empty;
    response_ = grpc::ByteBuffer(&empty, 1);
    StartWriteAndFinish(&response_, grpc::WriteOptions(), grpc::Status::OK);
  }
  void OnDone() override {
    --receiver_->grpc_in_flight_;
    delete this;
  }

 private:
  OtlpReceiver* receiver_;
  Signal signal_;
  grpc::ByteBuffer request_, response_;
};

class UnimplementedReactor : public grpc::ServerGenericBidiReactor {
 public:
  explicit UnimplementedReactor(const std::string& method) {
    Finish(grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "unknown method " + method));
  }
  void OnDone() override { delete this; }
};

grpc::ServerGenericBidiReactor* GrpcService::CreateReactor(grpc::GenericCallbackServerContext* ctx) {
  const std::string& m = ctx->method();
  Signal signal;
  if (m == "/opentelemetry.proto.collector.trace.v1.TraceService/Export") signal = Signal::kTraces;
  else if (m == "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export") signal = Signal::kMetrics;
  else if (m == "/opentelemetry.proto.collector.logs.v1.LogsService/Export") signal = Signal::kLogs;
  else return new UnimplementedReactor(m);
  if (!receiver_->Accepts(signal)) return new UnimplementedReactor(m + " (no " + SignalName(signal) + " pipeline)");
  return new ExportReactor(receiver_, signal);
}

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
