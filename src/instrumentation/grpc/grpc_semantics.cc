#include "instrumentation/grpc/grpc_semantics.h"

#include <iterator>

namespace adot::instrumentation::grpc::internal {

namespace {

bool StartsWith(std::string_view s, std::string_view prefix) noexcept {
  return s.substr(0, prefix.size()) == prefix;
}

// A decimal port 1-65535, or 0 when s is not one.
int ParsePort(std::string_view s) noexcept {
  if (s.empty() || s.size() > 5) return 0;
  int port = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    port = port * 10 + (c - '0');
  }
  return port >= 1 && port <= 65535 ? port : 0;
}

// "host", "host:port", "[v6]", "[v6]:port", "v6" (unbracketed: no port).
bool ParseHostPort(std::string_view s, Endpoint& out) noexcept {
  if (s.empty()) return false;
  if (s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    out.address = s.substr(1, close - 1);
    std::string_view rest = s.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    out.port = ParsePort(rest.substr(1));
    return true;
  }
  size_t colon = s.find(':');
  if (colon == std::string_view::npos) {
    out.address = s;
    return true;
  }
  if (s.find(':', colon + 1) != std::string_view::npos) {  // a bare IPv6 address
    out.address = s;
    return true;
  }
  if (colon == 0) return false;
  out.address = s.substr(0, colon);
  out.port = ParsePort(s.substr(colon + 1));
  return true;
}

// The unix-socket forms: "unix:path", "unix:///abs/path", "unix-abstract:name".
bool ParseUnix(std::string_view s, Endpoint& out) noexcept {
  std::string_view path;
  if (StartsWith(s, "unix-abstract:")) {
    path = s.substr(14);
  } else if (StartsWith(s, "unix://")) {
    path = s.substr(7);  // "unix:///tmp/s" -> "/tmp/s" (the authority must be empty)
    if (!StartsWith(path, "/")) return false;
  } else {
    path = s.substr(5);
  }
  if (path.empty()) return false;
  out.address = path;
  out.port = 0;
  out.unix_socket = true;
  return true;
}

}  // namespace

MethodName SplitMethod(std::string_view path) noexcept {
  MethodName name;
  if (path.size() < 2 || path.front() != '/') return name;
  name.full = path.substr(1);
  size_t slash = name.full.rfind('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == name.full.size()) return name;
  name.service = name.full.substr(0, slash);
  name.method = name.full.substr(slash + 1);
  return name;
}

bool ParseTarget(std::string_view target, Endpoint& out) noexcept {
  out = Endpoint();
  if (target.empty()) return false;
  if (StartsWith(target, "unix:") || StartsWith(target, "unix-abstract:"))
    return ParseUnix(target, out);
  if (StartsWith(target, "ipv4:") || StartsWith(target, "ipv6:")) {
    std::string_view list = target.substr(5);
    if (list.find(',') != std::string_view::npos) return false;  // several addresses
    if (StartsWith(list, "//")) {  // "ipv4:///1.2.3.4:5"
      size_t slash = list.find('/', 2);
      if (slash == std::string_view::npos) return false;
      list = list.substr(slash + 1);
    }
    return ParseHostPort(list, out);
  }
  // "scheme://authority/endpoint" (dns, xds, ...) or "dns:endpoint"; anything else is a plain
  // "host:port" (gRPC resolves targets without a registered scheme with dns).
  std::string_view endpoint = target;
  size_t scheme_end = target.find("://");
  if (scheme_end != std::string_view::npos && scheme_end > 0 &&
      target.substr(0, scheme_end).find_first_of(":/[") == std::string_view::npos) {
    std::string_view rest = target.substr(scheme_end + 3);
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return false;
    endpoint = rest.substr(slash + 1);
  } else if (StartsWith(target, "dns:")) {
    endpoint = target.substr(4);
  }
  return ParseHostPort(endpoint, out);
}

bool ParsePeer(std::string_view peer, Endpoint& out) noexcept {
  out = Endpoint();
  if (StartsWith(peer, "unix:") || StartsWith(peer, "unix-abstract:")) return ParseUnix(peer, out);
  if (StartsWith(peer, "ipv4:")) {
    out.network_type = "ipv4";
    return ParseHostPort(peer.substr(5), out) && !out.address.empty();
  }
  if (StartsWith(peer, "ipv6:")) {
    out.network_type = "ipv6";
    std::string_view rest = peer.substr(5);
    if (StartsWith(rest, "%5B") || StartsWith(rest, "%5b")) {
      size_t close = rest.find("%5D");
      if (close == std::string_view::npos) close = rest.find("%5d");
      if (close == std::string_view::npos || close == 3) return false;
      out.address = rest.substr(3, close - 3);
      std::string_view after = rest.substr(close + 3);
      if (!after.empty() && after.front() == ':') out.port = ParsePort(after.substr(1));
      return true;
    }
    return ParseHostPort(rest, out);
  }
  return false;
}

bool IsValidMetadata(std::string_view key, std::string_view value) noexcept {
  if (key.empty()) return false;
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
      return false;
  }
  if (key.size() > 4 && key.substr(key.size() - 4) == "-bin") return true;
  for (char c : value)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

std::string_view StatusCodeName(int code) noexcept {
  static constexpr std::string_view kNames[] = {
      "OK",                  // 0
      "CANCELLED",           // 1
      "UNKNOWN",             // 2
      "INVALID_ARGUMENT",    // 3
      "DEADLINE_EXCEEDED",   // 4
      "NOT_FOUND",           // 5
      "ALREADY_EXISTS",      // 6
      "PERMISSION_DENIED",   // 7
      "RESOURCE_EXHAUSTED",  // 8
      "FAILED_PRECONDITION", // 9
      "ABORTED",             // 10
      "OUT_OF_RANGE",        // 11
      "UNIMPLEMENTED",       // 12
      "INTERNAL",            // 13
      "UNAVAILABLE",         // 14
      "DATA_LOSS",           // 15
      "UNAUTHENTICATED",     // 16
  };
  if (code < 0 || code >= static_cast<int>(std::size(kNames))) return {};
  return kNames[code];
}

bool IsClientError(int code) noexcept { return code != 0; }

bool IsServerError(int code) noexcept {
  switch (code) {
    case 2:   // UNKNOWN
    case 4:   // DEADLINE_EXCEEDED
    case 12:  // UNIMPLEMENTED
    case 13:  // INTERNAL
    case 14:  // UNAVAILABLE
    case 15:  // DATA_LOSS
      return true;
    default:
      return false;
  }
}

}  // namespace adot::instrumentation::grpc::internal
