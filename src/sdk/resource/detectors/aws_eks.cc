// EKS: a Kubernetes pod (service-account token and CA present) whose cluster is EKS, the cluster
// name from the configmap amazon-cloudwatch/cluster-info, container.id from the cgroup files.
#include "sdk/resource/detectors/detector_support.h"

namespace adot::sdk::resource::internal {

namespace {

constexpr std::string_view kName = "aws_eks";
constexpr char kTokenPath[] = "/var/run/secrets/kubernetes.io/serviceaccount/token";
constexpr char kCaPath[] = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-' || c == '+') return 62;
  if (c == '_' || c == '/') return 63;
  return -1;
}

std::optional<std::string> DecodeBase64Url(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = Base64UrlValue(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

// ^https://oidc\.eks\.[^.]+\.amazonaws\.com(\.cn)?/id/[A-F0-9]{32}$
bool IsEksIssuer(std::string_view iss) {
  constexpr std::string_view kPrefix = "https://oidc.eks.";
  if (iss.substr(0, kPrefix.size()) != kPrefix) return false;
  iss.remove_prefix(kPrefix.size());
  size_t dot = iss.find('.');
  if (dot == 0 || dot == std::string_view::npos) return false;
  std::string_view region = iss.substr(0, dot);
  if (region.find('/') != std::string_view::npos) return false;
  iss.remove_prefix(dot);
  for (std::string_view domain : {".amazonaws.com.cn/id/", ".amazonaws.com/id/"}) {
    if (iss.substr(0, domain.size()) == domain) {
      std::string_view id = iss.substr(domain.size());
      if (id.size() != 32) return false;
      for (char c : id)
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) return false;
      return true;
    }
  }
  return false;
}

// The "iss" claim of a JWT, without verifying it (it only tells which cluster issued it).
std::optional<std::string> JwtIssuer(std::string_view token) {
  size_t first = token.find('.');
  if (first == std::string_view::npos) return std::nullopt;
  size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  auto payload = DecodeBase64Url(token.substr(first + 1, second - first - 1));
  if (!payload) return std::nullopt;
  common::JsonValue json;
  if (!common::ParseJson(*payload, json) || !json.is_object()) return std::nullopt;
  return JsonString(json, "iss");
}

HttpCall KubernetesGet(const Context& ctx, std::string_view path, std::string_view token) {
  HttpCall call;
  call.url = ctx.kubernetes_endpoint + std::string(path);
  call.headers = {{"Authorization", "Bearer " + std::string(token)}};
  call.ca_file = ctx.Path(kCaPath);
  return call;
}

}  // namespace

bool MayBeOnAwsEks(const Context& ctx) { return ctx.Exists(kTokenPath) && ctx.Exists(kCaPath); }

Resource DetectAwsEks(const Context& ctx) {
  auto token_file = ctx.ReadFile(kTokenPath, 64 * 1024);
  std::string token(token_file ? Trim(*token_file) : std::string_view());
  if (token.empty()) {
    Warn(kName, "cannot read the service-account token " + ctx.Path(kTokenPath) +
                    "; no EKS attributes");
    return {};
  }

  // EKS issues service-account tokens from its OIDC provider: no API call, no RBAC needed.
  // Otherwise (e.g. a legacy secret-based token) ask for the aws-auth configmap, as the Java, Go
  // and JavaScript detectors do.
  auto issuer = JwtIssuer(token);
  if (!issuer || !IsEksIssuer(*issuer)) {
    HttpCall call = KubernetesGet(ctx, "/api/v1/namespaces/kube-system/configmaps/aws-auth", token);
    HttpResult result = ctx.Send(call);
    if (!result.received) {
      Warn(kName, "GET " + call.url + " failed (" + Describe(result) + "); no EKS attributes");
      return {};
    }
    // Any other answer (403, 404, ...): a Kubernetes cluster that is not EKS; nothing to say.
    if (result.status != 200 || Trim(result.body).empty()) return {};
  }

  OwnedAttributes a;
  a.push_back({"cloud.provider", std::string("aws")});
  a.push_back({"cloud.platform", std::string("aws_eks")});
  bool found = false;

  HttpCall call =
      KubernetesGet(ctx, "/api/v1/namespaces/amazon-cloudwatch/configmaps/cluster-info", token);
  HttpResult result = ctx.Send(call);
  common::JsonValue json;
  std::string error;
  if (!result.received || result.status != 200) {
    Warn(kName, "GET " + call.url + " failed (" + Describe(result) + "); no k8s.cluster.name");
  } else if (!common::ParseJson(result.body, json, &error) || !json.is_object()) {
    Warn(kName, "the response of GET " + call.url + " is not a JSON object (" +
                    (error.empty() ? "wrong type" : error) + "); no k8s.cluster.name");
  } else {
    const common::JsonValue* data = json.Find("data");
    auto name = data != nullptr ? JsonString(*data, "cluster.name") : std::nullopt;
    if (name) {
      a.push_back({"k8s.cluster.name", *name});
      found = true;
    } else {
      Warn(kName, "the configmap at " + call.url + " has no data[\"cluster.name\"]");
    }
  }
  if (auto id = ReadContainerId(ctx)) {
    a.push_back({"container.id", *id});
    found = true;
  }
  // As the Python detector: without either, nothing identifies this workload.
  if (!found) return {};
  return Resource(std::move(a));
}

}  // namespace adot::sdk::resource::internal
