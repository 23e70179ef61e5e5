#include "adot/sdk/common/env.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <set>

#include "adot/api/propagation/text_map.h"

namespace adot::sdk::env {

std::optional<std::string> GetString(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

namespace {
using api::propagation::internal::EqualsIgnoreCase;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

std::optional<bool> GetBool(const char* name) {
  auto value = GetString(name);
  if (!value) return std::nullopt;
  std::string_view v = Trim(*value);
  if (EqualsIgnoreCase(v, "true")) return true;
  if (!EqualsIgnoreCase(v, "false")) WarnInvalid(name, *value, "false");
  return false;
}

std::optional<int64_t> GetInt(const char* name) {
  auto value = GetString(name);
  if (!value) return std::nullopt;
  std::string_view v = Trim(*value);
  int64_t result = 0;
  bool ok = !v.empty();
  for (char c : v) {
    if (c < '0' || c > '9' || result > (INT64_MAX - 9) / 10) {
      ok = false;
      break;
    }
    result = result * 10 + (c - '0');
  }
  if (!ok) {
    WarnInvalid(name, *value, "the default");
    return std::nullopt;
  }
  return result;
}

std::optional<std::chrono::milliseconds> GetMilliseconds(const char* name) {
  auto ms = GetInt(name);
  if (!ms) return std::nullopt;
  return std::chrono::milliseconds(*ms);
}

void WarnOnce(const std::string& message) {
  // Messages may carry server text that varies (request ids), so the memory of what was said is
  // bounded; past the bound, further distinct warnings are suppressed after one notice.
  constexpr size_t kMaxRemembered = 1000;
  static std::mutex mutex;
  static std::set<std::string> said;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (said.count(message)) return;
    if (said.size() == kMaxRemembered) {
      said.insert(std::string());  // the notice below is given once
      std::fprintf(stderr, "adot: warning: too many distinct warnings; suppressing the rest\n");
      return;
    }
    if (said.size() > kMaxRemembered) return;
    said.insert(message);
  }
  std::fprintf(stderr, "adot: warning: %s\n", message.c_str());
}

void WarnInvalid(const char* name, std::string_view value, std::string_view what_is_used) {
  std::string message = "invalid value \"";
  message.append(value).append("\" for ").append(name).append("; using ").append(what_is_used);
  WarnOnce(message);
}

}  // namespace adot::sdk::env
