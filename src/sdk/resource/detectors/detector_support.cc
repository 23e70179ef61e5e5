#include "sdk/resource/detectors/detector_support.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "adot/sdk/common/env.h"

namespace adot::sdk::resource {

EnvLookup ProcessEnvironment() {
  return [](const char* name) -> std::optional<std::string> {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

namespace internal {

namespace {

std::string WithoutTrailingSlash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

Context Context::From(const DetectorOptions& options, Clock::time_point deadline) {
  Context ctx;
  ctx.root = WithoutTrailingSlash(options.root);
  ctx.env = options.env ? options.env : ProcessEnvironment();
  ctx.http = options.http ? options.http : DefaultHttpSend();
  ctx.deadline = deadline;
  ctx.force_ec2 = options.force_ec2;

  if (!options.imds_endpoint.empty()) {
    ctx.imds_endpoint = WithoutTrailingSlash(options.imds_endpoint);
  } else if (auto v = ctx.Env("OTEL_AWS_IMDS_ENDPOINT_OVERRIDE")) {
    ctx.imds_endpoint = WithoutTrailingSlash(*v);
    ctx.imds_overridden = true;
  } else {
    ctx.imds_endpoint = "http://169.254.169.254";
  }

  if (!options.ecs_metadata_uri.empty()) {
    ctx.ecs_metadata_uri = WithoutTrailingSlash(options.ecs_metadata_uri);
  } else if (auto v4 = ctx.Env("ECS_CONTAINER_METADATA_URI_V4")) {
    ctx.ecs_metadata_uri = WithoutTrailingSlash(*v4);
  } else if (auto v3 = ctx.Env("ECS_CONTAINER_METADATA_URI")) {
    ctx.ecs_metadata_uri = WithoutTrailingSlash(*v3);
    ctx.ecs_v3_only = true;
  }

  if (!options.kubernetes_endpoint.empty()) {
    ctx.kubernetes_endpoint = WithoutTrailingSlash(options.kubernetes_endpoint);
  } else if (auto host = ctx.Env("KUBERNETES_SERVICE_HOST")) {
    // The address kubelet puts in every pod: no DNS look-up needed.
    std::string h = host->find(':') != std::string::npos ? "[" + *host + "]" : *host;
    ctx.kubernetes_endpoint =
        "https://" + h + ":" + ctx.Env("KUBERNETES_SERVICE_PORT").value_or("443");
  } else {
    ctx.kubernetes_endpoint = "https://kubernetes.default.svc";
  }
  return ctx;
}

std::optional<std::string> Context::Env(const char* name) const {
  auto v = env(name);
  if (v && v->empty()) return std::nullopt;
  return v;
}

std::string Context::Path(std::string_view path) const {
  std::string p = root;
  p.append(path);
  return p;
}

bool Context::Exists(std::string_view path) const {
  struct stat st {};
  return ::stat(Path(path).c_str(), &st) == 0;
}

std::optional<std::string> Context::ReadFile(std::string_view path, size_t max_bytes) const {
  int fd = ::open(Path(path).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string data;
  char buf[4096];
  bool ok = true;
  while (data.size() < max_bytes) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      ok = false;
      break;
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (!ok) return std::nullopt;
  if (data.size() > max_bytes) data.resize(max_bytes);
  return data;
}

std::chrono::milliseconds Context::Remaining() const {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() > 0 ? left : std::chrono::milliseconds(0);
}

HttpResult Context::Send(HttpCall call) const {
  call.timeout = Remaining();
  if (call.timeout.count() <= 0) {
    HttpResult out;
    out.error = "no time left in the detection budget";
    return out;
  }
  try {
    return http(call);
  } catch (...) {
    HttpResult out;
    out.error = "the HTTP transport failed";
    return out;
  }
}

void Warn(std::string_view detector, const std::string& message) {
  env::WarnOnce("resource detector " + std::string(detector) + ": " + message);
}

std::string Describe(const HttpResult& result) {
  if (!result.received) return result.error.empty() ? "no response" : result.error;
  return "HTTP " + std::to_string(result.status);
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n' ||
                        s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::optional<std::string> JsonString(const common::JsonValue& object, std::string_view key) {
  const common::JsonValue* v = object.Find(key);
  if (v == nullptr || !(v->is_string() || v->is_number()) || v->text().empty()) return std::nullopt;
  return v->text();
}

std::optional<Arn> ParseArn(std::string_view arn) {
  Arn out;
  std::string* fields[] = {nullptr, &out.partition, &out.service, &out.region, &out.account};
  for (int i = 0; i < 5; ++i) {
    size_t colon = arn.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    if (i == 0 && arn.substr(0, colon) != "arn") return std::nullopt;
    if (fields[i] != nullptr) fields[i]->assign(arn.substr(0, colon));
    arn.remove_prefix(colon + 1);
  }
  out.resource.assign(arn);
  return out;
}

}  // namespace internal
}  // namespace adot::sdk::resource
