#include "collector/extensions/sigv4auth/sigv4auth_extension.h"

#include <algorithm>
#include <mutex>
#include <vector>

#include "adot/aws/sigv4.h"
#include "collector/core/auth.h"
#include "collector/core/logger.h"

namespace adot::collector {
namespace {

struct Sigv4AuthConfig : ComponentConfig {
  std::string region;   // empty: from the request's host, else as the AWS SDKs resolve it
  std::string service;  // empty: from the request's host
  std::string role_arn;
  std::string session_name;
  std::string sts_region;  // empty: region, else us-east-1
};

bool IsRegionLike(std::string_view s) {
  // "us-west-2", "cn-north-1", "us-gov-west-1": letters, digits and hyphens, with a hyphen.
  if (s.empty() || s.find('-') == std::string_view::npos || s.back() < '0' || s.back() > '9') return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

bool ValidSessionName(std::string_view s) {
  // STS: [\w+=,.@-]{2,64}
  if (s.size() < 2 || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_+=,.@-").find(c) != std::string_view::npos;
  });
}

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<Sigv4AuthConfig>();
  c->region = r.String("region");
  c->service = r.String("service");
  if (!c->region.empty() && !IsRegionLike(c->region))
    r.Error("region", "must be an AWS region such as us-west-2, got \"" + c->region + "\"");
  if (r.Has("assume_role")) {
    ConfigReader a = r.Child("assume_role");
    c->role_arn = a.String("arn");
    c->session_name = a.String("session_name");
    c->sts_region = a.String("sts_region");
    // arn:<partition>:iam::<account>:role/<path/name>
    if (c->role_arn.empty()) {
      if (!c->session_name.empty() || !c->sts_region.empty())
        a.Error("arn", "must be set when session_name or sts_region is");
    } else if (c->role_arn.rfind("arn:", 0) != 0 || c->role_arn.find(":iam::") == std::string::npos ||
               c->role_arn.find(":role/") == std::string::npos) {
      a.Error("arn", "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got \"" + c->role_arn + "\"");
    }
    if (!c->session_name.empty() && !ValidSessionName(c->session_name))
      a.Error("session_name", "must be 2 to 64 characters of letters, digits and _+=,.@-");
    if (!c->sts_region.empty() && !IsRegionLike(c->sts_region))
      a.Error("sts_region", "must be an AWS region such as us-east-1, got \"" + c->sts_region + "\"");
    a.Finish();
  }
  r.Finish();
  return c;
}

// Not signed, as in the AWS SDKs: proxies and tracing may change them on the way.
bool IgnoredHeader(std::string_view name) {
  static const char* const kIgnored[] = {"authorization", "user-agent", "x-amzn-trace-id", "expect",
                                         "transfer-encoding"};
  return std::any_of(std::begin(kIgnored), std::end(kIgnored), [&](const char* ignored) {
    return name.size() == std::char_traits<char>::length(ignored) &&
           std::equal(name.begin(), name.end(), ignored,
                      [](char a, char b) { return ::tolower(static_cast<unsigned char>(a)) == b; });
  });
}

class Sigv4Auth : public Extension, public HttpClientAuthenticator {
 public:
  Sigv4Auth(const Sigv4AuthConfig& c, std::string id, aws::ProviderOptions options)
      : cfg_(c), name_("extension " + id), options_(std::move(options)) {
    if (!options_.http) options_.http = sdk::resource::DefaultHttpSend();
  }

  Status Start() override {
    credentials_ = aws::CreateDefaultCredentialsProvider(options_);
    std::string how = "default credentials chain";
    if (!cfg_.role_arn.empty()) {
      std::string sts_region = !cfg_.sts_region.empty() ? cfg_.sts_region : cfg_.region;
      credentials_ = aws::CreateCachingCredentialsProvider(
          aws::CreateAssumeRoleCredentialsProvider(credentials_, cfg_.role_arn, cfg_.session_name, sts_region, options_),
          options_.clock);
      how = "role " + cfg_.role_arn + " assumed through STS (" + (sts_region.empty() ? "us-east-1" : sts_region) +
            ") with the default credentials chain";
    }
    Log(LogLevel::kInfo, name_,
        "signing with SigV4, region " + (cfg_.region.empty() ? "from the endpoint" : cfg_.region) + ", service " +
            (cfg_.service.empty() ? "from the endpoint" : cfg_.service) + ", " + how);
    return Status::Ok();
  }

  Status Authenticate(const HttpAuthRequest& request, common::HttpHeaders& add) override {
    if (!credentials_) return Status::Retryable("sigv4auth: not started");
    std::string service = cfg_.service, region = cfg_.region;
    std::string inferred_service, inferred_region;
    if ((service.empty() || region.empty()) && InferServiceAndRegion(request.host, inferred_service, inferred_region)) {
      if (service.empty()) service = inferred_service;
      if (region.empty()) region = inferred_region;
    }
    if (service.empty())
      return Status::Permanent("sigv4auth: no service to sign for " + request.host +
                               ": set service (the endpoint is not <service>.<region>.amazonaws.com)");
    if (region.empty()) region = FallbackRegion();
    if (region.empty())
      return Status::Permanent("sigv4auth: no region to sign for " + request.host + ": set region (" +
                               fallback_error_ + ")");

    aws::CredentialsResult credentials = credentials_->GetCredentials();
    if (!credentials.ok()) return Status::Retryable("sigv4auth: " + credentials.error);

    aws::SigningRequest to_sign;
    to_sign.method = request.method;
    to_sign.path = aws::UriDecode(request.path);
    to_sign.query = aws::ParseQuery(request.query);
    to_sign.headers.emplace_back("Host", request.host);
    for (const auto& [k, v] : request.headers)
      if (!IgnoredHeader(k)) to_sign.headers.emplace_back(k, v);
    to_sign.body = request.body;
    aws::SigningOptions options;
    options.region = region;
    options.service = service;
    if (options_.clock) options.time = options_.clock();
    aws::SignedRequest signed_request;
    std::string error;
    if (!aws::SignRequest(to_sign, credentials.credentials, options, signed_request, &error))
      return Status::Permanent("sigv4auth: cannot sign the request to " + request.host + ": " + error);
    for (auto& header : signed_request.headers) add.push_back(std::move(header));
    return Status::Ok();
  }

 private:
  // Resolved once, only when an endpoint does not name its region (it may ask instance metadata).
  std::string FallbackRegion() {
    std::call_once(fallback_once_, [this] {
      aws::RegionResult r = aws::ResolveRegion(options_);
      if (r.ok()) fallback_region_ = r.region;
      else fallback_error_ = r.error;
    });
    return fallback_region_;
  }

  Sigv4AuthConfig cfg_;
  std::string name_;
  aws::ProviderOptions options_;
  std::shared_ptr<aws::CredentialsProvider> credentials_;
  std::once_flag fallback_once_;
  std::string fallback_region_, fallback_error_;
};

}  // namespace

bool InferServiceAndRegion(std::string_view host, std::string& service, std::string& region) {
  if (!host.empty() && host[0] == '[') return false;  // an IPv6 address
  host = host.substr(0, host.find(':'));
  std::vector<std::string_view> labels;
  for (size_t start = 0;;) {
    size_t dot = host.find('.', start);
    labels.push_back(host.substr(start, dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  size_t n = labels.size();
  if (n >= 2 && labels[n - 1] == "cn") --n;  // amazonaws.com.cn
  if (n < 4 || labels[n - 1] != "com" || labels[n - 2] != "amazonaws") return false;
  std::string_view a = labels[n - 4], b = labels[n - 3];
  if (IsRegionLike(b) && !a.empty()) {  // xray.us-west-2.amazonaws.com
    service = a == "aps-workspaces" ? "aps" : std::string(a);
    region = b;
    return true;
  }
  if (IsRegionLike(a) && !b.empty()) {  // search-x.us-west-2.es.amazonaws.com
    service = b;
    region = a;
    return true;
  }
  return false;
}

Factory Sigv4AuthExtensionFactory(aws::ProviderOptions options) {
  Factory f;
  f.kind = Kind::kExtension;
  f.type = "sigv4auth";
  f.stability = "beta";
  f.parse = Parse;
  f.create_extension = [options](const ComponentConfig& c, const CreateSettings& s,
                                 std::shared_ptr<HostStatus>) -> std::shared_ptr<Extension> {
    return std::make_shared<Sigv4Auth>(static_cast<const Sigv4AuthConfig&>(c), s.id, options);
  };
  return f;
}

}  // namespace adot::collector
