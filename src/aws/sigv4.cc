#include "adot/aws/sigv4.h"

#include <time.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "aws/crypto.h"

namespace adot::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '.' || c == '_' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Trims the value and collapses every run of spaces and tabs into one space.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// Removes ".", ".." and empty segments; keeps a trailing slash.
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view segment = path.substr(pos, slash - pos);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    pos = slash + 1;
  }
  std::string out;
  for (auto segment : segments) {
    out.push_back('/');
    out.append(segment);
  }
  if (out.empty()) return "/";
  if (path.ends_with('/')) out.push_back('/');
  return out;
}

std::string FormatTime(std::chrono::system_clock::time_point time, const char* format) {
  time_t t = std::chrono::system_clock::to_time_t(time);
  struct tm tm_utc {};
  gmtime_r(&t, &tm_utc);
  char buffer[32];
  size_t n = strftime(buffer, sizeof(buffer), format, &tm_utc);
  return std::string(buffer, n);
}

void SetError(std::string* error, std::string message) {
  if (error != nullptr) *error = std::move(message);
}

}  // namespace

std::string UriEncode(std::string_view in, bool keep_slash) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (char ch : in) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string UriDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%' && i + 2 < in.size()) {
      int hi = HexValue(in[i + 1]);
      int lo = HexValue(in[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(in[i]);
  }
  return out;
}

QueryList ParseQuery(std::string_view query) {
  QueryList out;
  size_t pos = 0;
  while (pos < query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view param = query.substr(pos, amp - pos);
    if (!param.empty()) {
      size_t eq = param.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(UriDecode(param), std::string());
      } else {
        out.emplace_back(UriDecode(param.substr(0, eq)), UriDecode(param.substr(eq + 1)));
      }
    }
    pos = amp + 1;
  }
  return out;
}

std::string Sha256Hex(std::string_view data) { return internal::Hex(internal::Sha256(data)); }

bool SignRequest(const SigningRequest& request, const Credentials& credentials,
                 const SigningOptions& options, SignedRequest& out, std::string* error) {
  out = SignedRequest();
  if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    SetError(error, "SigV4: the credentials have no access key id or secret access key");
    return false;
  }
  if (options.region.empty() || options.service.empty()) {
    SetError(error, "SigV4: region and service must not be empty");
    return false;
  }
  const bool query_form = options.location == SignatureLocation::kQuery;
  if (query_form && (options.expiration < std::chrono::seconds(1) ||
                     options.expiration > std::chrono::seconds(7 * 24 * 3600))) {
    SetError(error, "SigV4: the expiration must be between 1 second and 7 days");
    return false;
  }

  // Headers: lower-case names, canonical values, repeated names joined with ",".
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : request.headers) {
    std::string key = Lower(CanonicalHeaderValue(name));
    if (key == "authorization") continue;
    auto [it, inserted] = headers.emplace(key, CanonicalHeaderValue(value));
    if (!inserted) {
      it->second.push_back(',');
      it->second.append(CanonicalHeaderValue(value));
    }
  }
  if (headers.find("host") == headers.end()) {
    SetError(error, "SigV4: the request has no Host header");
    return false;
  }

  auto time = options.time == std::chrono::system_clock::time_point{} ? std::chrono::system_clock::now()
                                                                       : options.time;
  const std::string amz_date = FormatTime(time, "%Y%m%dT%H%M%SZ");
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = date + "/" + options.region + "/" + options.service + "/aws4_request";
  const std::string payload_hash =
      request.payload_hash.empty() ? Sha256Hex(request.body) : request.payload_hash;
  const bool sign_token = !credentials.session_token.empty() && !options.omit_session_token;

  QueryList query = request.query;
  if (query_form) {
    // Signed headers are the request's own.
    std::string signed_headers;
    for (const auto& [name, value] : headers) {
      if (!signed_headers.empty()) signed_headers.push_back(';');
      signed_headers.append(name);
    }
    query.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
    query.emplace_back("X-Amz-Credential", credentials.access_key_id + "/" + scope);
    query.emplace_back("X-Amz-Date", amz_date);
    query.emplace_back("X-Amz-Expires", std::to_string(options.expiration.count()));
    if (sign_token) query.emplace_back("X-Amz-Security-Token", credentials.session_token);
    query.emplace_back("X-Amz-SignedHeaders", signed_headers);
  } else {
    headers["x-amz-date"] = amz_date;
    if (sign_token) headers["x-amz-security-token"] = credentials.session_token;
    if (options.sign_body) headers["x-amz-content-sha256"] = payload_hash;
    out.headers.emplace_back("X-Amz-Date", amz_date);
    if (sign_token) out.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
    if (options.sign_body) out.headers.emplace_back("X-Amz-Content-Sha256", payload_hash);
  }

  std::vector<std::pair<std::string, std::string>> encoded_query;
  encoded_query.reserve(query.size());
  for (const auto& [name, value] : query) encoded_query.emplace_back(UriEncode(name), UriEncode(value));
  std::sort(encoded_query.begin(), encoded_query.end());
  std::string canonical_query;
  for (const auto& [name, value] : encoded_query) {
    if (!canonical_query.empty()) canonical_query.push_back('&');
    canonical_query.append(name).append("=").append(value);
  }

  std::string canonical_headers;
  std::string signed_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers.append(name).append(":").append(value).append("\n");
    if (!signed_headers.empty()) signed_headers.push_back(';');
    signed_headers.append(name);
  }

  std::string path = request.path.empty() ? "/" : request.path;
  const std::string canonical_path = UriEncode(options.normalize_path ? NormalizePath(path) : path, true);

  out.canonical_request = request.method;
  out.canonical_request.append("\n").append(canonical_path);
  out.canonical_request.append("\n").append(canonical_query);
  out.canonical_request.append("\n").append(canonical_headers);
  out.canonical_request.append("\n").append(signed_headers);
  out.canonical_request.append("\n").append(payload_hash);

  out.string_to_sign = std::string(kAlgorithm);
  out.string_to_sign.append("\n").append(amz_date);
  out.string_to_sign.append("\n").append(scope);
  out.string_to_sign.append("\n").append(Sha256Hex(out.canonical_request));

  using internal::AsBytes;
  using internal::HmacSha256;
  const std::string secret_key = "AWS4" + credentials.secret_access_key;
  auto k_date = HmacSha256(secret_key, date);
  auto k_region = HmacSha256(AsBytes(k_date), options.region);
  auto k_service = HmacSha256(AsBytes(k_region), options.service);
  auto k_signing = HmacSha256(AsBytes(k_service), "aws4_request");
  out.signature = internal::Hex(HmacSha256(AsBytes(k_signing), out.string_to_sign));

  out.target = UriEncode(path, true);
  if (query_form) {
    out.target.append("?").append(canonical_query).append("&X-Amz-Signature=").append(out.signature);
    if (!credentials.session_token.empty() && !sign_token) {
      out.target.append("&X-Amz-Security-Token=").append(UriEncode(credentials.session_token));
    }
  } else {
    if (!canonical_query.empty()) out.target.append("?").append(canonical_query);
    if (!credentials.session_token.empty() && !sign_token) {
      out.headers.emplace_back("X-Amz-Security-Token", credentials.session_token);
    }
    out.headers.emplace_back("Authorization", std::string(kAlgorithm) + " Credential=" +
                                                  credentials.access_key_id + "/" + scope +
                                                  ", SignedHeaders=" + signed_headers +
                                                  ", Signature=" + out.signature);
  }
  return true;
}

}  // namespace adot::aws
