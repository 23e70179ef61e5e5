#include "collector/core/config.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace adot::collector {

void ConfigErrors::Add(std::string_view path, std::string_view message) {
  std::string e(path);
  if (!e.empty()) e += ": ";
  e += message;
  errors_.push_back(std::move(e));
}

std::string ConfigErrors::Joined() const {
  std::string out;
  for (const auto& e : errors_) out += e + "\n";
  return out;
}

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

namespace {

bool ValidEnvName(std::string_view n) {
  if (n.empty() || n.size() > 200) return false;
  auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!alpha(n[0])) return false;
  for (char c : n)
    if (!alpha(c) && !(c >= '0' && c <= '9')) return false;
  return true;
}

// Splits "a::b::c" keys into nested maps (the yaml: provider and --set syntax).
YAML::Node NestKeys(const YAML::Node& in) {
  if (!in.IsMap()) return in;
  YAML::Node out(YAML::NodeType::Map);
  for (auto it : in) {
    std::string key = it.first.as<std::string>();
    YAML::Node value = NestKeys(it.second);
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t pos; (pos = key.find("::", start)) != std::string::npos; start = pos + 2)
      parts.push_back(key.substr(start, pos - start));
    parts.push_back(key.substr(start));
    YAML::Node nested = value;
    for (size_t i = parts.size(); i-- > 1;) {
      YAML::Node m(YAML::NodeType::Map);
      m[parts[i]] = nested;
      nested = m;
    }
    YAML::Node single(YAML::NodeType::Map);
    single[parts[0]] = nested;
    out = MergeNodes(out, single);
  }
  return out;
}

bool ParseYaml(const std::string& text, const std::string& source, YAML::Node& out,
               ConfigErrors& errors) {
  try {
    out = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    errors.Add(source, "invalid YAML: " + e.msg + " (line " + std::to_string(e.mark.line + 1) +
                           ", column " + std::to_string(e.mark.column + 1) + ")");
    return false;
  }
  if (out.IsNull()) out = YAML::Node(YAML::NodeType::Map);
  if (!out.IsMap()) {
    errors.Add(source, "the configuration must be a mapping");
    return false;
  }
  return true;
}

bool Retrieve(const std::string& uri, const EnvLookup& env, YAML::Node& out, ConfigErrors& errors) {
  std::string scheme, rest = uri;
  size_t colon = uri.find(':');
  if (colon != std::string::npos && colon > 1) {  // "C:" is not a scheme; "file:" is
    scheme = uri.substr(0, colon);
    rest = uri.substr(colon + 1);
  }
  bool ok_scheme = true;
  for (char c : scheme)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))
      ok_scheme = false;
  if (!ok_scheme) {
    scheme.clear();
    rest = uri;
  }
  std::string source = "config " + uri;
  if (scheme.empty() || scheme == "file") {
    std::ifstream f(rest, std::ios::binary);
    if (!f) {
      errors.Add(source, "cannot read file " + rest);
      return false;
    }
    std::stringstream ss;
    ss << f.rdbuf();
    return ParseYaml(ss.str(), source, out, errors);
  }
  if (scheme == "env") {
    if (!ValidEnvName(rest)) {
      errors.Add(source, "invalid environment variable name");
      return false;
    }
    auto v = env(rest);
    return ParseYaml(v.value_or(""), source, out, errors);
  }
  if (scheme == "yaml") {
    if (!ParseYaml(rest, source, out, errors)) return false;
    out = NestKeys(out);
    return true;
  }
  errors.Add(source, "unsupported URI scheme \"" + scheme + "\" (supported: file, env, yaml)");
  return false;
}

YAML::Node ExpandNode(const YAML::Node& in, const std::string& path, const EnvLookup& env,
                      ConfigErrors& errors) {
  if (in.IsMap()) {
    YAML::Node out(YAML::NodeType::Map);
    for (auto it : in) {
      std::string key = it.first.as<std::string>();
      out[key] = ExpandNode(it.second, path.empty() ? key : path + "." + key, env, errors);
    }
    return out;
  }
  if (in.IsSequence()) {
    YAML::Node out(YAML::NodeType::Sequence);
    size_t i = 0;
    for (auto v : in) out.push_back(ExpandNode(v, path + "[" + std::to_string(i++) + "]", env, errors));
    return out;
  }
  if (!in.IsScalar()) return in;
  const std::string& s = in.Scalar();
  if (s.find('$') == std::string::npos) return in;
  std::string expanded, error;
  if (!ExpandString(s, env, expanded, error)) {
    errors.Add(path, error);
    return in;
  }
  // A value that is one whole ${...} is YAML: a list or a mapping in a variable becomes one.
  if (s.size() > 3 && s.rfind("${", 0) == 0 && s.find('}') == s.size() - 1) {
    try {
      YAML::Node parsed = YAML::Load(expanded);
      if (parsed.IsMap() || parsed.IsSequence()) return parsed;
    } catch (const YAML::Exception&) {
    }
  }
  return YAML::Node(expanded);
}

}  // namespace

bool ExpandString(const std::string& in, const EnvLookup& env, std::string& out,
                  std::string& error) {
  out.clear();
  for (size_t i = 0; i < in.size();) {
    char c = in[i];
    if (c != '$' || i + 1 >= in.size()) {
      out += c;
      ++i;
      continue;
    }
    char n = in[i + 1];
    if (n == '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (n != '{') {
      out += c;  // a naked $NAME is left as it is
      ++i;
      continue;
    }
    size_t close = in.find('}', i + 2);
    if (close == std::string::npos) {
      error = "unterminated ${ in \"" + in + "\"";
      return false;
    }
    std::string body = in.substr(i + 2, close - i - 2);
    std::string name = body, def;
    bool has_default = false;
    size_t colon = body.find(':');
    if (colon != std::string::npos) {
      std::string scheme = body.substr(0, colon);
      if (scheme != "env") {
        if (ValidEnvName(scheme) && body.compare(colon, 2, ":-") == 0) {
          // ${NAME:-default}
        } else {
          error = "unsupported expansion ${" + body + "} (use ${env:NAME}; write $$ for a literal $)";
          return false;
        }
      } else {
        name = body.substr(colon + 1);
      }
    }
    size_t dash = name.find(":-");
    if (dash != std::string::npos) {
      def = name.substr(dash + 2);
      name = name.substr(0, dash);
      has_default = true;
    }
    if (!ValidEnvName(name)) {
      error = "invalid environment variable name in ${" + body + "}";
      return false;
    }
    auto v = env(name);
    if (v && !v->empty()) out += *v;
    else if (has_default) out += def;
    i = close + 1;
  }
  return true;
}

YAML::Node MergeNodes(const YAML::Node& dst, const YAML::Node& src) {
  if (!src.IsDefined() || src.IsNull()) return dst.IsDefined() ? YAML::Clone(dst) : src;
  if (!dst.IsDefined() || !dst.IsMap() || !src.IsMap()) return YAML::Clone(src);
  YAML::Node out = YAML::Clone(dst);
  for (auto it : src) {
    std::string key = it.first.as<std::string>();
    out[key] = MergeNodes(out[key], it.second);
  }
  return out;
}

bool ResolveConfig(const ResolveOptions& options, YAML::Node& out, ConfigErrors& errors) {
  YAML::Node merged(YAML::NodeType::Map);
  if (options.uris.empty()) {
    YAML::Node n;
    if (!ParseYaml(options.default_yaml, "embedded default config", n, errors)) return false;
    merged = n;
  }
  for (const auto& uri : options.uris) {
    YAML::Node n;
    if (!Retrieve(uri, options.env, n, errors)) continue;
    merged = MergeNodes(merged, n);
  }
  for (const auto& set : options.sets) {
    size_t eq = set.find('=');
    if (eq == std::string::npos || eq == 0) {
      errors.Add("--set " + set, "expected key=value (keys separated by ::)");
      continue;
    }
    YAML::Node n;
    if (!Retrieve("yaml:" + set.substr(0, eq) + ": " + set.substr(eq + 1), options.env, n, errors))
      continue;
    merged = MergeNodes(merged, n);
  }
  if (!errors.empty()) return false;
  out = ExpandNode(merged, "", options.env, errors);
  return errors.empty();
}

bool ParseDuration(std::string_view t, std::chrono::nanoseconds& out) {
  if (t.empty()) return false;
  if (t == "0") {
    out = std::chrono::nanoseconds(0);
    return true;
  }
  bool all_digits = true;
  for (char c : t)
    if (c < '0' || c > '9') all_digits = false;
  if (all_digits) {  // a bare integer is nanoseconds, as in Go
    out = std::chrono::nanoseconds(std::strtoll(std::string(t).c_str(), nullptr, 10));
    return true;
  }
  double total = 0;
  size_t i = 0;
  bool neg = false;
  if (t[0] == '-' || t[0] == '+') {
    neg = t[0] == '-';
    i = 1;
  }
  if (i >= t.size()) return false;
  while (i < t.size()) {
    size_t start = i;
    while (i < t.size() && ((t[i] >= '0' && t[i] <= '9') || t[i] == '.')) ++i;
    if (start == i) return false;
    double v = std::strtod(std::string(t.substr(start, i - start)).c_str(), nullptr);
    size_t ustart = i;
    while (i < t.size() && !((t[i] >= '0' && t[i] <= '9') || t[i] == '.')) ++i;
    std::string_view unit = t.substr(ustart, i - ustart);
    double mul;
    if (unit == "ns") mul = 1;
    else if (unit == "us" || unit == "\xC2\xB5s") mul = 1e3;
    else if (unit == "ms") mul = 1e6;
    else if (unit == "s") mul = 1e9;
    else if (unit == "m") mul = 60e9;
    else if (unit == "h") mul = 3600e9;
    else return false;
    total += v * mul;
  }
  if (neg) total = -total;
  out = std::chrono::nanoseconds(static_cast<int64_t>(std::llround(total)));
  return true;
}

std::string FormatDuration(std::chrono::nanoseconds d) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

ConfigReader::ConfigReader(YAML::Node node, std::string path, ConfigErrors* errors)
    : node_(node), path_(std::move(path)), errors_(errors) {
  if (node_.IsDefined() && !node_.IsNull() && !node_.IsMap()) {
    errors_->Add(path_, "must be a mapping");
    valid_map_ = false;
  }
}

std::string ConfigReader::KeyPath(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  if (key.empty()) return path_;
  return path_ + "." + std::string(key);
}

bool ConfigReader::Has(std::string_view key) const {
  if (!valid_map_ || !node_.IsMap()) return false;
  YAML::Node n = node_[std::string(key)];
  return n.IsDefined();
}

YAML::Node ConfigReader::Get(std::string_view key) {
  used_.emplace(key);
  if (!valid_map_ || !node_.IsMap()) return YAML::Node();
  return node_[std::string(key)];
}

void ConfigReader::Error(std::string_view key, std::string_view message) {
  errors_->Add(KeyPath(key), message);
}

std::string ConfigReader::String(std::string_view key, std::string def) {
  YAML::Node n = Get(key);
  if (!n.IsDefined() || n.IsNull()) return def;
  if (!n.IsScalar()) {
    Error(key, "must be a string");
    return def;
  }
  return n.Scalar();
}

bool ConfigReader::Bool(std::string_view key, bool def) {
  YAML::Node n = Get(key);
  if (!n.IsDefined() || n.IsNull()) return def;
  const std::string s = n.IsScalar() ? n.Scalar() : "";
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  Error(key, "must be true or false, got \"" + s + "\"");
  return def;
}

int64_t ConfigReader::Int(std::string_view key, int64_t def, int64_t min, int64_t max) {
  YAML::Node n = Get(key);
  if (!n.IsDefined() || n.IsNull()) return def;
  const std::string s = n.IsScalar() ? n.Scalar() : "";
  char* end = nullptr;
  errno = 0;
  long long v = s.empty() ? 0 : std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno == ERANGE) {
    Error(key, "must be an integer, got \"" + s + "\"");
    return def;
  }
  if (v < min || v > max) {
    std::string range = min == 0 && max == INT64_MAX ? "must not be negative"
                        : max == INT64_MAX          ? "must be at least " + std::to_string(min)
                            : "must be between " + std::to_string(min) + " and " + std::to_string(max);
    Error(key, range + ", got " + s);
    return def;
  }
  return v;
}

double ConfigReader::Double(std::string_view key, double def) {
  YAML::Node n = Get(key);
  if (!n.IsDefined() || n.IsNull()) return def;
  const std::string s = n.IsScalar() ? n.Scalar() : "";
  char* end = nullptr;
  double v = s.empty() ? 0 : std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v)) {
    Error(key, "must be a number, got \"" + s + "\"");
    return def;
  }
  return v;
}

std::chrono::milliseconds ConfigReader::Duration(std::string_view key, std::chrono::milliseconds def) {
  YAML::Node n = Get(key);
  if (!n.IsDefined() || n.IsNull()) return def;
  const std::string s = n.IsScalar() ? n.Scalar() : "";
  std::chrono::nanoseconds d;
  if (!ParseDuration(s, d)) {
    Error(key, "must be a duration such as 5s or 200ms, got \"" + s + "\"");
    return def;
  }
  if (d.count() < 0) {
    Error(key, "must not be negative");
    return def;
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

std::vector<std::string> ConfigReader::StringList(std::string_view key) {
  YAML::Node n = Get(key);
  std::vector<std::string> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsSequence()) {
    Error(key, "must be a list");
    return out;
  }
  size_t i = 0;
  for (auto v : n) {
    if (!v.IsScalar()) Error(std::string(key) + "[" + std::to_string(i) + "]", "must be a string");
    else out.push_back(v.Scalar());
    ++i;
  }
  return out;
}

std::map<std::string, std::string> ConfigReader::StringMap(std::string_view key) {
  YAML::Node n = Get(key);
  std::map<std::string, std::string> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsMap()) {
    Error(key, "must be a mapping");
    return out;
  }
  for (auto it : n) {
    std::string k = it.first.as<std::string>();
    if (!it.second.IsScalar() && !it.second.IsNull()) Error(std::string(key) + "." + k, "must be a string");
    else out[k] = it.second.IsNull() ? "" : it.second.Scalar();
  }
  return out;
}

ConfigReader ConfigReader::Child(std::string_view key) { return ConfigReader(Get(key), KeyPath(key), errors_); }

YAML::Node ConfigReader::Raw(std::string_view key) { return Get(key); }

void ConfigReader::Finish() {
  if (!valid_map_ || !node_.IsMap()) return;
  for (auto it : node_) {
    std::string key = it.first.as<std::string>();
    if (!used_.count(key)) Error(key, "unknown key");
  }
}

}  // namespace adot::collector
