#include "adot/sdk/resource.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "adot/sdk/common/env.h"
#include "adot/sdk/version.h"

namespace adot::sdk {

namespace {

void Put(OwnedAttributes& attributes, std::string key, OwnedAttributeValue value) {
  for (auto& kv : attributes) {
    if (kv.key == key) {
      kv.value = std::move(value);
      return;
    }
  }
  attributes.push_back({std::move(key), std::move(value)});
}

std::string ExecutablePath() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::vector<std::string> CommandArgs() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  size_t start = 0;
  while (start < all.size()) {
    size_t end = all.find('\0', start);
    if (end == std::string::npos) end = all.size();
    args.push_back(all.substr(start, end - start));
    start = end + 1;
  }
  return args;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes s; false on a malformed escape.
bool PercentDecode(std::string_view s, std::string& out) {
  out.clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return false;
    int hi = HexDigit(s[i + 1]), lo = HexDigit(s[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi << 4 | lo);
    i += 2;
  }
  return true;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Resource Resource::Default() {
  OwnedAttributes attributes;
  attributes.push_back({"service.name", "unknown_service:" + Basename(ExecutablePath())});
  attributes.push_back({"telemetry.sdk.language", std::string("cpp")});
  attributes.push_back({"telemetry.sdk.name", std::string("opentelemetry")});
  attributes.push_back({"telemetry.sdk.version", std::string(kVersion)});
  attributes.push_back({"telemetry.distro.name", std::string("adot-cpp")});
  attributes.push_back({"telemetry.distro.version", std::string(kVersion)});
  return Resource(std::move(attributes));
}

Resource Resource::Process() {
  OwnedAttributes attributes;
  std::string exe = ExecutablePath();
  attributes.push_back({"process.pid", static_cast<int64_t>(getpid())});
  if (!exe.empty()) {
    attributes.push_back({"process.executable.name", Basename(exe)});
    attributes.push_back({"process.executable.path", exe});
  }
  auto args = CommandArgs();
  if (!args.empty()) attributes.push_back({"process.command_args", std::move(args)});
  attributes.push_back({"process.runtime.name", std::string("cpp")});
  attributes.push_back({"process.runtime.version", std::to_string(__cplusplus)});
  return Resource(std::move(attributes));
}

Resource Resource::Host() {
  OwnedAttributes attributes;
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0') {
    attributes.push_back({"host.name", std::string(host)});
  }
  struct utsname uts {};
  if (uname(&uts) == 0) {
    std::string machine = uts.machine;
    if (machine == "x86_64") machine = "amd64";
    if (machine == "aarch64") machine = "arm64";
    attributes.push_back({"host.arch", machine});
  }
  return Resource(std::move(attributes));
}

Resource Resource::Os() {
  OwnedAttributes attributes;
  attributes.push_back({"os.type", std::string("linux")});
  struct utsname uts {};
  if (uname(&uts) == 0) {
    attributes.push_back(
        {"os.description", std::string(uts.sysname) + " " + uts.release + " " + uts.version});
  }
  return Resource(std::move(attributes));
}

Resource Resource::FromEnvironment() {
  OwnedAttributes attributes;
  if (auto value = env::GetString("OTEL_RESOURCE_ATTRIBUTES")) {
    std::string_view rest = *value;
    bool ok = true;
    while (ok && !rest.empty()) {
      size_t comma = rest.find(',');
      std::string_view pair = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (Trim(pair).empty()) continue;
      size_t eq = pair.find('=');
      std::string key, val;
      if (eq == std::string_view::npos || !PercentDecode(Trim(pair.substr(0, eq)), key) ||
          !PercentDecode(Trim(pair.substr(eq + 1)), val) || key.empty()) {
        ok = false;
        break;
      }
      Put(attributes, std::move(key), std::move(val));
    }
    if (!ok) {
      env::WarnInvalid("OTEL_RESOURCE_ATTRIBUTES", *value, "none of its attributes");
      attributes.clear();
    }
  }
  if (auto name = env::GetString("OTEL_SERVICE_NAME")) Put(attributes, "service.name", *name);
  return Resource(std::move(attributes));
}

Resource Resource::Create(const OwnedAttributes& attributes, std::string schema_url) {
  return Default()
      .Merge(Process())
      .Merge(Host())
      .Merge(Os())
      .Merge(FromEnvironment())
      .Merge(Resource(attributes, std::move(schema_url)));
}

Resource Resource::Merge(const Resource& other) const {
  Resource merged = *this;
  for (const auto& kv : other.attributes_) Put(merged.attributes_, kv.key, kv.value);
  if (merged.schema_url_.empty()) {
    merged.schema_url_ = other.schema_url_;
  } else if (!other.schema_url_.empty() && other.schema_url_ != merged.schema_url_) {
    merged.schema_url_.clear();
  }
  return merged;
}

const OwnedAttributeValue* Resource::Find(std::string_view key) const noexcept {
  for (const auto& kv : attributes_)
    if (kv.key == key) return &kv.value;
  return nullptr;
}

}  // namespace adot::sdk
