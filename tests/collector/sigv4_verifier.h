// An independent SigV4 verifier for the collector's tests: recomputes the signature of a request
// as a loopback server received it (RecordedRequest), with OpenSSL and nothing of adot_aws.
#pragma once

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "support/http_test_server.h"

namespace adot::collector::testing {

using adot::test::RecordedRequest;

inline std::string Hex(const unsigned char* data, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 15];
  }
  return out;
}

inline std::string Sha256(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), md, &n, EVP_sha256(), nullptr);
  return Hex(md, n);
}

inline std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &n);
  return std::string(reinterpret_cast<char*>(md), n);
}

inline std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](char c) { return static_cast<char>(::tolower(c)); });
  return s;
}

// "AWS4-HMAC-SHA256 Credential=AKID/20261128/us-west-2/xray/aws4_request, SignedHeaders=a;b, Signature=hex"
struct Authorization {
  std::string access_key_id, date, region, service;
  std::vector<std::string> signed_headers;
  std::string signature;
};

inline bool ParseAuthorization(std::string_view header, Authorization& a) {
  const std::string_view prefix = "AWS4-HMAC-SHA256 ";
  if (header.substr(0, prefix.size()) != prefix) return false;
  std::map<std::string, std::string> parts;
  std::string rest(header.substr(prefix.size()));
  size_t start = 0;
  while (start < rest.size()) {
    size_t end = rest.find(", ", start);
    std::string part = rest.substr(start, end == std::string::npos ? std::string::npos : end - start);
    size_t eq = part.find('=');
    if (eq == std::string::npos) return false;
    parts[part.substr(0, eq)] = part.substr(eq + 1);
    if (end == std::string::npos) break;
    start = end + 2;
  }
  std::vector<std::string> scope;
  for (size_t s = 0, e; s <= parts["Credential"].size(); s = e + 1) {
    e = parts["Credential"].find('/', s);
    if (e == std::string::npos) e = parts["Credential"].size();
    scope.push_back(parts["Credential"].substr(s, e - s));
  }
  if (scope.size() != 5 || scope[4] != "aws4_request") return false;
  a.access_key_id = scope[0];
  a.date = scope[1];
  a.region = scope[2];
  a.service = scope[3];
  for (size_t s = 0, e; s <= parts["SignedHeaders"].size(); s = e + 1) {
    e = parts["SignedHeaders"].find(';', s);
    if (e == std::string::npos) e = parts["SignedHeaders"].size();
    a.signed_headers.push_back(parts["SignedHeaders"].substr(s, e - s));
  }
  a.signature = parts["Signature"];
  return !a.signature.empty();
}

// The signature of a received request with no query and a path of unreserved characters, computed
// from the bytes as they arrived.
inline std::string ExpectedSignature(const RecordedRequest& r, const Authorization& a, const std::string& secret) {
  std::string canonical = r.method + "\n" + r.target + "\n\n";
  for (const auto& name : a.signed_headers) {
    std::string value;
    for (const auto& [k, v] : r.headers) {
      if (Lower(k) != name) continue;
      if (!value.empty()) value += ",";
      value += v;
    }
    canonical += name + ":" + value + "\n";
  }
  std::string signed_list;
  for (const auto& name : a.signed_headers) signed_list += (signed_list.empty() ? "" : ";") + name;
  canonical += "\n" + signed_list + "\n" + Sha256(r.raw_body);
  std::string scope = a.date + "/" + a.region + "/" + a.service + "/aws4_request";
  std::string to_sign = "AWS4-HMAC-SHA256\n" + std::string(r.Header("x-amz-date")) + "\n" + scope + "\n" + Sha256(canonical);
  std::string key = Hmac(Hmac(Hmac(Hmac("AWS4" + secret, a.date), a.region), a.service), "aws4_request");
  std::string sig = Hmac(key, to_sign);
  return Hex(reinterpret_cast<const unsigned char*>(sig.data()), sig.size());
}

}  // namespace adot::collector::testing
