#include "collector/extensions/health_check/health_check.h"

#include <ctime>

#include "collector/core/http_server.h"
#include "collector/core/logger.h"

namespace adot::collector {
namespace {

struct HealthCheckConfig : ComponentConfig {
  std::string endpoint = "localhost:13133";
  std::string path = "/";
};

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<HealthCheckConfig>();
  c->endpoint = r.String("endpoint", c->endpoint);
  c->path = r.String("path", c->path);
  std::string host;
  uint16_t port;
  if (!SplitHostPort(c->endpoint, host, port)) r.Error("endpoint", "must be host:port, got \"" + c->endpoint + "\"");
  if (c->path.empty() || c->path[0] != '/') r.Error("path", "must start with /");
  r.Finish();
  return c;
}

class HealthCheck : public Extension {
 public:
  HealthCheck(const HealthCheckConfig& c, std::string id, std::shared_ptr<HostStatus> host)
      : cfg_(c), id_(std::move(id)), host_(std::move(host)), since_(std::time(nullptr)) {}

  Status Start() override {
    HttpServerOptions o;
    o.endpoint = cfg_.endpoint;
    o.threads = 1;
    o.max_request_body = 64 * 1024;
    server_ = std::make_unique<HttpServer>(o, [this](const HttpServerRequest& q, HttpServerResponse& s) {
      std::string path = q.target.substr(0, q.target.find('?'));
      if (path != cfg_.path) {
        s.status = 404;
        s.body = "404 page not found";
        return;
      }
      s.content_type = "application/json";
      char since[32];
      std::tm tm{};
      gmtime_r(&since_, &tm);
      std::strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
      bool ready = host_->pipelines_ready.load();
      s.status = ready ? 200 : 503;
      s.body = std::string("{\"status\":\"") + (ready ? "Server available" : "Server not available") +
               "\",\"upSince\":\"" + since + "\",\"uptime\":\"" +
               std::to_string(std::time(nullptr) - since_) + "s\"}";
    });
    Status st = server_->Start();
    if (st.ok()) Log(LogLevel::kInfo, "extension " + id_, "health check on " + cfg_.endpoint + cfg_.path);
    return st;
  }
  void Shutdown(Deadline deadline) override {
    if (server_) server_->Stop(deadline);
  }

 private:
  HealthCheckConfig cfg_;
  std::string id_;
  std::shared_ptr<HostStatus> host_;
  std::time_t since_;
  std::unique_ptr<HttpServer> server_;
};

}  // namespace

Factory HealthCheckExtensionFactory() {
  Factory f;
  f.kind = Kind::kExtension;
  f.type = "health_check";
  f.stability = "beta";
  f.parse = Parse;
  f.create_extension = [](const ComponentConfig& c, const CreateSettings& s,
                          std::shared_ptr<HostStatus> host) -> std::shared_ptr<Extension> {
    return std::make_shared<HealthCheck>(static_cast<const HealthCheckConfig&>(c), s.id, std::move(host));
  };
  return f;
}

}  // namespace adot::collector
