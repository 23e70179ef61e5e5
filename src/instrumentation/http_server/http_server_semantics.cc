// The pure parts of the HTTP server instrumentation: method normalisation, span names, request
// target / Host / Forwarded parsing and query redaction.
#include <array>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "adot/instrumentation/http_server.h"

namespace adot::instrumentation::http_server {

namespace {

constexpr std::array<std::string_view, 9> kDefaultMethods = {
    "CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"};

std::string_view Trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS, split; empty when unset or blank.
std::vector<std::string> KnownMethodsFromEnvironment() {
  std::vector<std::string> methods;
  const char* env = std::getenv("OTEL_INSTRUMENTATION_HTTP_KNOWN_METHODS");
  std::string_view list = env ? env : "";
  while (!list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = Trim(list.substr(0, comma));
    if (!item.empty()) methods.emplace_back(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return methods;
}

Options MakeDefaultOptions() {
  Options options;
  try {
    options.known_methods = KnownMethodsFromEnvironment();
  } catch (...) {
  }
  return options;
}

bool IsDigits(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

const Options& DefaultOptions() noexcept {
  // Never destroyed: adapters may read it during static destruction.
  static const Options* options = new Options(MakeDefaultOptions());
  return *options;
}

namespace internal {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  return api::propagation::internal::EqualsIgnoreCase(a, b);
}

std::string_view NormalizeMethod(std::string_view method,
                                 const std::vector<std::string>& known) noexcept {
  if (known.empty()) {
    for (std::string_view m : kDefaultMethods)
      if (m == method) return m;
    return "_OTHER";
  }
  for (const std::string& m : known)
    if (m == method) return m;
  return "_OTHER";
}

std::string SpanName(std::string_view normalized_method, std::string_view route) {
  std::string name(normalized_method == "_OTHER" ? std::string_view("HTTP") : normalized_method);
  if (!route.empty()) name.append(" ").append(route);
  return name;
}

TargetParts SplitTarget(std::string_view target) noexcept {
  TargetParts parts;
  if (target.empty()) return parts;
  if (target == "*") {
    parts.path = target;
    return parts;
  }
  std::string_view rest = target;
  if (target.front() != '/') {
    size_t colon_slashes = target.find("://");
    if (colon_slashes != std::string_view::npos && colon_slashes > 0 &&
        target.find_first_of("/?#") > colon_slashes) {
      // absolute-form: scheme://authority/path?query
      parts.scheme = target.substr(0, colon_slashes);
      rest = target.substr(colon_slashes + 3);
      size_t end = rest.find_first_of("/?#");
      parts.authority = rest.substr(0, end);
      rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    } else if (target.find_first_of("/?#") == std::string_view::npos) {
      // authority-form (CONNECT host:port): no path.
      parts.authority = target;
      return parts;
    }
  }
  size_t hash = rest.find('#');  // never sent, but a broken client might
  if (hash != std::string_view::npos) rest = rest.substr(0, hash);
  size_t question = rest.find('?');
  parts.path = rest.substr(0, question);
  if (question != std::string_view::npos) {
    parts.has_query = true;
    parts.query = rest.substr(question + 1);
  }
  return parts;
}

bool ParseHostPort(std::string_view value, std::string_view& host, int& port) noexcept {
  value = Trim(value);
  host = {};
  port = -1;
  if (value.empty()) return false;
  std::string_view port_part;
  if (value.front() == '[') {
    size_t close = value.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    host = value.substr(1, close - 1);
    std::string_view after = value.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return false;
      port_part = after.substr(1);
    }
  } else {
    size_t colon = value.rfind(':');
    if (colon != std::string_view::npos && value.find(':') != colon) {
      // A bare IPv6 address (not valid in Host, seen in X-Forwarded-For style values).
      bool hex_digit = false;
      for (char c : value) {
        bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex && c != ':' && c != '.') return false;
        hex_digit = hex_digit || hex;
      }
      if (!hex_digit) return false;
      host = value;
    } else {
      host = value.substr(0, colon);
      if (colon != std::string_view::npos) port_part = value.substr(colon + 1);
    }
    if (host.empty()) return false;
  }
  for (char c : host)
    if (c == ' ' || c == '/' || c == '@' || static_cast<unsigned char>(c) < 0x21) return false;
  if (!port_part.empty()) {
    if (!IsDigits(port_part) || port_part.size() > 5) return false;
    int p = std::atoi(std::string(port_part).c_str());
    if (p > 65535) return false;
    port = p;
  }
  return true;
}

std::string_view FirstForwardedFor(std::string_view value) noexcept {
  return Trim(value.substr(0, value.find(',')));
}

std::string_view ForwardedParameter(std::string_view value, std::string_view name) noexcept {
  // Only the first element (the original client's hop), up to the first ',' outside quotes.
  size_t i = 0;
  while (i < value.size()) {
    // One "name=value" pair.
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t' || value[i] == ';')) ++i;
    size_t eq = value.find('=', i);
    if (eq == std::string_view::npos) return {};
    std::string_view key = Trim(value.substr(i, eq - i));
    size_t j = eq + 1;
    std::string_view v;
    if (j < value.size() && value[j] == '"') {
      size_t close = j + 1;
      while (close < value.size() && value[close] != '"') close += value[close] == '\\' ? 2 : 1;
      if (close >= value.size()) return {};  // unterminated quote
      v = value.substr(j + 1, close - j - 1);
      j = close + 1;
    } else {
      size_t end = value.find_first_of(";,", j);
      v = Trim(value.substr(j, end == std::string_view::npos ? std::string_view::npos : end - j));
      j = end == std::string_view::npos ? value.size() : end;
    }
    if (EqualsIgnoreCase(key, name)) return v;
    while (j < value.size() && (value[j] == ' ' || value[j] == '\t')) ++j;
    if (j >= value.size() || value[j] == ',') return {};
    i = j;  // at ';'
  }
  return {};
}

std::string_view RedactQuery(std::string_view query, std::string& storage) {
  static constexpr std::array<std::string_view, 7> kSecret = {
      "AWSAccessKeyId",  "Signature",        "sig",
      "X-Goog-Signature", "X-Amz-Signature", "X-Amz-Credential",
      "X-Amz-Security-Token"};
  auto is_secret = [](std::string_view key) {
    for (std::string_view s : kSecret)
      if (s == key) return true;
    return false;
  };
  // First pass without allocating: most queries carry no secret.
  bool any = false;
  for (std::string_view rest = query; !rest.empty();) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && eq + 1 < pair.size() && is_secret(pair.substr(0, eq))) {
      any = true;
      break;
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  if (!any) return query;
  storage.clear();
  storage.reserve(query.size());
  bool first = true;
  for (std::string_view rest = query;;) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    if (!first) storage.push_back('&');
    first = false;
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && eq + 1 < pair.size() && is_secret(pair.substr(0, eq))) {
      storage.append(pair.substr(0, eq + 1)).append("REDACTED");
    } else {
      storage.append(pair);
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return storage;
}

}  // namespace internal

}  // namespace adot::instrumentation::http_server
