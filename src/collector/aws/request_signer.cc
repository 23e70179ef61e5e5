#include "collector/aws/request_signer.h"

#include <algorithm>
#include <vector>

#include "adot/aws/sigv4.h"

namespace adot::collector {
namespace {

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

}  // namespace

AwsRequestSigner::AwsRequestSigner(std::string who, AwsSignerConfig config, aws::ProviderOptions options)
    : who_(std::move(who)), config_(std::move(config)), options_(std::move(options)) {
  if (!options_.http) options_.http = sdk::resource::DefaultHttpSend();
}

std::string AwsRequestSigner::Start() {
  credentials_ = aws::CreateDefaultCredentialsProvider(options_);
  std::string how = "default credentials chain";
  if (!config_.role_arn.empty()) {
    std::string sts_region = !config_.sts_region.empty() ? config_.sts_region : config_.region;
    credentials_ = aws::CreateCachingCredentialsProvider(
        aws::CreateAssumeRoleCredentialsProvider(credentials_, config_.role_arn, config_.session_name, sts_region,
                                                 options_, config_.external_id),
        options_.clock);
    how = "role " + config_.role_arn + " assumed through STS (" + (sts_region.empty() ? "us-east-1" : sts_region) +
          ") with the default credentials chain";
  }
  return "region " + (config_.region.empty() ? std::string("from the endpoint") : config_.region) + ", service " +
         (config_.service.empty() ? std::string("from the endpoint") : config_.service) + ", " + how;
}

Status AwsRequestSigner::Authenticate(const HttpAuthRequest& request, common::HttpHeaders& add) {
  if (!credentials_) return Status::Retryable(who_ + ": not started");
  std::string service = config_.service, region = config_.region;
  std::string inferred_service, inferred_region;
  if ((service.empty() || region.empty()) && InferServiceAndRegion(request.host, inferred_service, inferred_region)) {
    if (service.empty()) service = inferred_service;
    if (region.empty()) region = inferred_region;
  }
  if (service.empty())
    return Status::Permanent(who_ + ": no service to sign for " + request.host +
                             ": set service (the endpoint is not <service>.<region>.amazonaws.com)");
  if (region.empty()) {
    std::string error;
    region = Region(&error);
    if (region.empty()) return Status::Permanent(who_ + ": no region to sign for " + request.host + ": set region (" + error + ")");
  }

  aws::CredentialsResult credentials = credentials_->GetCredentials();
  if (!credentials.ok()) return Status::Retryable(who_ + ": " + credentials.error);

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
    return Status::Permanent(who_ + ": cannot sign the request to " + request.host + ": " + error);
  for (auto& header : signed_request.headers) add.push_back(std::move(header));
  return Status::Ok();
}

std::string AwsRequestSigner::Region(std::string* error) {
  if (!config_.region.empty()) return config_.region;
  // Resolved once: it may ask instance metadata.
  std::call_once(region_once_, [this] {
    aws::ProviderOptions options = options_;
    if (!config_.region_from_imds) {
      // local_mode: the environment and profile only.
      auto env = options.env;
      if (!env) env = sdk::resource::ProcessEnvironment();
      options.env = [env](const char* name) -> std::optional<std::string> {
        if (std::string_view(name) == "AWS_EC2_METADATA_DISABLED") return std::string("true");
        return env(name);
      };
    }
    aws::RegionResult r = aws::ResolveRegion(options);
    if (r.ok()) region_ = r.region;
    else region_error_ = r.error;
  });
  if (region_.empty() && error) *error = region_error_;
  return region_;
}

void ParseAwsClientSettings(ConfigReader& r, std::string service, AwsClientSettings& out) {
  out.endpoint = r.String("endpoint");
  if (!out.endpoint.empty() && out.endpoint.find("://") == std::string::npos) out.endpoint = "https://" + out.endpoint;
  if (!out.endpoint.empty() && out.endpoint.rfind("http://", 0) != 0 && out.endpoint.rfind("https://", 0) != 0)
    r.Error("endpoint", "must be an http:// or https:// URL, got \"" + out.endpoint + "\"");
  while (!out.endpoint.empty() && out.endpoint.back() == '/') out.endpoint.pop_back();
  AwsSignerConfig& s = out.signer;
  s.service = std::move(service);
  s.region = r.String("region");
  if (!s.region.empty() && !IsAwsRegionLike(s.region))
    r.Error("region", "must be an AWS region such as us-west-2, got \"" + s.region + "\"");
  s.role_arn = r.String("role_arn");
  if (!s.role_arn.empty() && !IsIamRoleArn(s.role_arn))
    r.Error("role_arn", "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>), got \"" + s.role_arn + "\"");
  s.external_id = r.String("external_id");
  if (!s.external_id.empty() && s.role_arn.empty()) r.Error("external_id", "needs role_arn");
  s.region_from_imds = !r.Bool("local_mode", false);
  out.proxy_address = r.String("proxy_address");
  if (!out.proxy_address.empty() && out.proxy_address.find("://") == std::string::npos)
    out.proxy_address = "http://" + out.proxy_address;
  if (!out.proxy_address.empty() && out.proxy_address.rfind("http://", 0) != 0)
    r.Error("proxy_address", "must be an http:// proxy URL, got \"" + out.proxy_address + "\"");
  out.no_verify_ssl = r.Bool("no_verify_ssl", false);
}

common::HttpClientOptions AwsClientOptions(const AwsClientSettings& settings) {
  common::HttpClientOptions o;
  o.insecure_skip_verify = settings.no_verify_ssl;
  o.proxy = settings.proxy_address;
  return o;
}

bool IsAwsRegionLike(std::string_view s) {
  if (s.empty() || s.find('-') == std::string_view::npos || s.back() < '0' || s.back() > '9') return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

bool IsIamRoleArn(std::string_view s) {
  return s.rfind("arn:", 0) == 0 && s.find(":iam::") != std::string_view::npos &&
         s.find(":role/") != std::string_view::npos;
}

bool IsStsSessionName(std::string_view s) {
  if (s.size() < 2 || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_+=,.@-").find(c) != std::string_view::npos;
  });
}

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
  if (IsAwsRegionLike(b) && !a.empty()) {  // xray.us-west-2.amazonaws.com
    service = a == "aps-workspaces" ? "aps" : std::string(a);
    region = b;
    return true;
  }
  if (IsAwsRegionLike(a) && !b.empty()) {  // search-x.us-west-2.es.amazonaws.com
    service = b;
    region = a;
    return true;
  }
  return false;
}

std::string AwsDnsSuffix(std::string_view region) {
  return region.rfind("cn-", 0) == 0 ? "amazonaws.com.cn" : "amazonaws.com";
}

}  // namespace adot::collector
