// Configuration: resolving --config URIs and --set values into one YAML tree (deep merge in
// order, ${env:VAR} expansion), and ConfigReader, which decodes a component's config with
// defaults while collecting every error with its full key path and rejecting unknown keys.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace adot::collector {

// Every configuration error, each "full.key.path: message".
class ConfigErrors {
 public:
  void Add(std::string_view path, std::string_view message);
  bool empty() const { return errors_.empty(); }
  const std::vector<std::string>& list() const { return errors_; }
  std::string Joined() const;  // one per line

 private:
  std::vector<std::string> errors_;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
// The process environment.
EnvLookup ProcessEnv();

struct ResolveOptions {
  // "file:<path>", "env:<VAR>" (YAML in an environment variable), "yaml:<a::b::c: value>", or a
  // bare path (file). Merged in order: maps deep-merged, everything else replaced.
  std::vector<std::string> uris;
  // "--set a::b::c=value", applied after the URIs in order.
  std::vector<std::string> sets;
  // Used when uris is empty (the embedded default configuration).
  std::string default_yaml;
  EnvLookup env = ProcessEnv();
};

// Retrieves, merges and expands. On failure returns false with the errors.
bool ResolveConfig(const ResolveOptions& options, YAML::Node& out, ConfigErrors& errors);

// Expands ${env:NAME}, ${NAME}, ${env:NAME:-default} and $$ in one string value; errors name path.
bool ExpandString(const std::string& in, const EnvLookup& env, std::string& out,
                  std::string& error);

// Deep merge: src's maps merged into dst's, anything else in src replaces dst's value.
YAML::Node MergeNodes(const YAML::Node& dst, const YAML::Node& src);

// "5s", "200ms", "1m30s", "1.5h", "0" (Go durations).
bool ParseDuration(std::string_view text, std::chrono::nanoseconds& out);
std::string FormatDuration(std::chrono::nanoseconds d);

// Decodes one mapping. Every getter marks its key as known; Finish() reports the others.
class ConfigReader {
 public:
  ConfigReader(YAML::Node node, std::string path, ConfigErrors* errors);

  const std::string& path() const { return path_; }
  std::string KeyPath(std::string_view key) const;
  bool Has(std::string_view key) const;

  std::string String(std::string_view key, std::string def = {});
  bool Bool(std::string_view key, bool def);
  int64_t Int(std::string_view key, int64_t def, int64_t min = INT64_MIN, int64_t max = INT64_MAX);
  double Double(std::string_view key, double def);
  std::chrono::milliseconds Duration(std::string_view key, std::chrono::milliseconds def);
  std::vector<std::string> StringList(std::string_view key);
  std::map<std::string, std::string> StringMap(std::string_view key);
  // A nested mapping (empty if absent or null).
  ConfigReader Child(std::string_view key);
  // The raw node, marked as known.
  YAML::Node Raw(std::string_view key);

  void Error(std::string_view key, std::string_view message);  // key may be empty: this level
  // Reports unknown keys. Call once after reading every key.
  void Finish();
  ConfigErrors* errors() const { return errors_; }

 private:
  YAML::Node Get(std::string_view key);
  YAML::Node node_;
  std::string path_;
  ConfigErrors* errors_;
  std::set<std::string, std::less<>> used_;
  bool valid_map_ = true;
};

}  // namespace adot::collector
