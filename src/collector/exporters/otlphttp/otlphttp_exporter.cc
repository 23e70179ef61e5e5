#include "collector/exporters/otlphttp/otlphttp_exporter.h"

#include "collector/core/auth.h"
#include "collector/core/exporter_helper.h"
#include "collector/core/http_client.h"
#include "collector/core/partial_success.h"
#include "exporters/otlp/retry.h"

namespace adot::collector {
namespace {

struct OtlpHttpConfig : ComponentConfig {
  std::string endpoint;
  std::string signal_endpoints[3];
  bool json = false;
  CompressionSettings compression;
  std::map<std::string, std::string> headers;
  std::string ca_file, cert_file, key_file;
  bool insecure_skip_verify = false;
  std::string authenticator;  // auth.authenticator: an extension id
  ExporterHelperSettings helper;
};

bool ValidUrl(const std::string& u) { return u.rfind("http://", 0) == 0 || u.rfind("https://", 0) == 0; }

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<OtlpHttpConfig>();
  c->helper.timeout = std::chrono::seconds(30);  // confighttp's client timeout
  c->endpoint = r.String("endpoint");
  const char* keys[3] = {"traces_endpoint", "metrics_endpoint", "logs_endpoint"};
  bool any_signal = false;
  for (int i = 0; i < 3; ++i) {
    c->signal_endpoints[i] = r.String(keys[i]);
    if (c->signal_endpoints[i].empty()) continue;
    any_signal = true;
    if (!ValidUrl(c->signal_endpoints[i])) r.Error(keys[i], "must be an http:// or https:// URL");
  }
  // As Go: one endpoint is enough here; a pipeline of a signal without one fails at start.
  if (c->endpoint.empty() && !any_signal)
    r.Error("endpoint", "must not be empty (or set traces_endpoint, metrics_endpoint or logs_endpoint)");
  else if (!c->endpoint.empty() && !ValidUrl(c->endpoint))
    r.Error("endpoint", "must be an http:// or https:// URL, got \"" + c->endpoint + "\"");
  std::string enc = r.String("encoding", "proto");
  if (enc == "json") c->json = true;
  else if (enc != "proto") r.Error("encoding", "must be proto or json, got \"" + enc + "\"");
  c->compression.Parse(r);
  c->headers = r.StringMap("headers");
  for (const auto& [k, v] : c->headers)
    if (!HttpClient::SendableHeader(k, v))
      r.Error("headers", "\"" + k + "\": names must not contain CR, LF or ':', values CR or LF");
  ConfigReader tls = r.Child("tls");
  tls.Bool("insecure", false);
  c->insecure_skip_verify = tls.Bool("insecure_skip_verify", false);
  c->ca_file = tls.String("ca_file");
  c->cert_file = tls.String("cert_file");
  c->key_file = tls.String("key_file");
  tls.Finish();
  c->authenticator = ParseClientAuth(r, *c);
  c->helper.Parse(r);
  r.Finish();
  return c;
}

// Empty when neither the signal's endpoint nor endpoint is set.
std::string SignalUrl(const OtlpHttpConfig& c, Signal s) {
  if (!c.signal_endpoints[static_cast<int>(s)].empty()) return c.signal_endpoints[static_cast<int>(s)];
  if (c.endpoint.empty()) return {};
  std::string base = c.endpoint;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/v1/" + SignalName(s);
}

class OtlpHttpSender {
 public:
  OtlpHttpSender(const OtlpHttpConfig& c, const CreateSettings& s)
      : name_(ExporterInstanceName(s)),
        signal_(s.signal),
        url_(SignalUrl(c, s.signal)),
        cfg_(c),
        client_options_(Options(c)),
        pool_(client_options_),
        auth_(c.authenticator.empty() ? nullptr : FindClientAuthenticator(s, c.authenticator)) {}

  Status Start() {
    if (url_.empty())
      return Status::Permanent(std::string("no endpoint for ") + SignalName(signal_) + ": set endpoint or " +
                               SignalName(signal_) + "_endpoint");
    // The service has checked the reference; this catches a component created without it.
    if (!cfg_.authenticator.empty() && !auth_)
      return Status::Permanent("auth.authenticator: extension \"" + cfg_.authenticator +
                               "\" is not available as an HTTP client authenticator");
    return Status::Ok();
  }

  static common::HttpClientOptions Options(const OtlpHttpConfig& c) {
    common::HttpClientOptions o;
    o.ca_file = c.ca_file;
    o.client_cert_file = c.cert_file;
    o.client_key_file = c.key_file;
    o.insecure_skip_verify = c.insecure_skip_verify;
    for (const auto& [k, v] : c.headers) o.headers.emplace_back(k, v);
    return o;
  }

  Status Push(const PData& data, std::chrono::milliseconds timeout) {
    std::string scratch;
    std::string_view body;
    if (cfg_.json) {
      scratch = data.Json();
      body = scratch;
    } else {
      body = data.ProtoBytes(scratch);
    }
    common::HttpRequest req;
    req.url = url_;
    req.body = body;
    req.gzip = cfg_.compression.gzip;
    req.gzip_level = cfg_.compression.level;
    req.timeout = timeout.count() > 0 ? timeout : std::chrono::milliseconds(24 * 3600 * 1000);
    req.headers.emplace_back("Content-Type", cfg_.json ? "application/json" : "application/x-protobuf");
    req.headers.emplace_back("User-Agent", "adot-collector/0.1.0");
    std::string compressed;
    if (auth_) {
      // Signed last, over the final headers and the compressed body.
      Status st = AuthenticateRequest(*auth_, client_options_, req, compressed);
      if (!st.ok()) return st;
    }
    common::HttpResponse resp;
    pool_.Send(req, resp);
    if (Status st = TransportStatus(resp); !st.ok()) return st;
    if (resp.status >= 200 && resp.status < 300) {
      LogPartialSuccess(name_, ReadPartialSuccess(resp.body, cfg_.json));
      return Status::Ok();
    }
    std::string m = "HTTP " + std::to_string(resp.status) + " from " + url_;
    if (!resp.body.empty()) m += ": " + resp.body.substr(0, 200);
    if (exporters::otlp::IsRetryableHttpStatus(resp.status)) {
      auto after = exporters::otlp::ParseRetryAfter(resp.Header("retry-after"));
      auto delay = after.value_or(std::chrono::milliseconds(0));
      return resp.status == 429 ? Status::Exhausted(m, delay) : Status::Retryable(m, delay);
    }
    return Status::Permanent(m);
  }

  void Cancel() { pool_.CancelAll(); }

 private:
  std::string name_;
  Signal signal_;
  std::string url_;
  OtlpHttpConfig cfg_;
  common::HttpClientOptions client_options_;
  HttpClientPool pool_;
  std::shared_ptr<HttpClientAuthenticator> auth_;
};

}  // namespace

Factory OtlpHttpExporterFactory() {
  return SenderExporterFactory<OtlpHttpConfig, OtlpHttpSender>("otlphttp", Parse);
}

}  // namespace adot::collector
