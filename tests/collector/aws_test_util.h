// AWS helpers of the collector component tests: every SigV4 signature a loopback server received
// checked three ways (the OpenSSL-only verifier of sigv4_verifier.h, adot_aws's signer, and the aws4
// npm package when installed), and environment set-up.
#pragma once

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include "adot/aws/credentials.h"
#include "adot/aws/sigv4.h"
#include "collector/sigv4_verifier.h"
#include "support/http_test_server.h"

namespace adot::collector::testing {

// The same request signed again by adot_aws's signer at the request's X-Amz-Date.
inline std::string SignerSignature(const RecordedRequest& r, const Authorization& a, const aws::Credentials& credentials) {
  aws::SigningRequest s;
  s.method = r.method;
  s.path = r.target;
  for (const auto& [k, v] : r.headers) {
    std::string name = Lower(k);
    if (name == "x-amz-date" || name == "x-amz-security-token" || name == "authorization") continue;
    if (std::find(a.signed_headers.begin(), a.signed_headers.end(), name) != a.signed_headers.end())
      s.headers.emplace_back(k, v);
  }
  s.body = r.raw_body;
  aws::SigningOptions o;
  o.region = a.region;
  o.service = a.service;
  std::tm tm{};
  std::string date(r.Header("x-amz-date"));
  strptime(date.c_str(), "%Y%m%dT%H%M%SZ", &tm);
  o.time = std::chrono::system_clock::from_time_t(timegm(&tm));
  aws::SignedRequest out;
  std::string error;
  EXPECT_TRUE(aws::SignRequest(s, credentials, o, out, &error)) << error;
  return out.signature;
}

// The aws4 npm package (tests/interop/sigv4-js, installed by scripts/install-deps.sh), a third
// signer: false when node or its node_modules is missing.
inline bool Aws4Available() {
  static const bool available = std::system("node --version > /dev/null 2>&1") == 0 &&
                                std::ifstream(ADOT_SIGV4_JS_DIR "/node_modules/aws4/aws4.js").good();
  return available;
}

inline std::string JsonString(std::string_view in) {
  std::string out = "\"";
  for (char c : in) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      continue;
    }
    out += c;
  }
  return out + "\"";
}

// The Authorization header aws4 computes for the request as received (Content-Length left out:
// it is not signed).
inline std::string Aws4Authorization(const RecordedRequest& r, const aws::Credentials& c, const std::string& region,
                              const std::string& service) {
  std::string body(4 * ((r.raw_body.size() + 2) / 3) + 1, '\0');
  body.resize(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(body.data()),
                              reinterpret_cast<const unsigned char*>(r.raw_body.data()), static_cast<int>(r.raw_body.size())));
  std::string headers;
  for (const auto& [k, v] : r.headers) {
    if (Lower(k) == "content-length" || Lower(k) == "authorization") continue;
    headers += (headers.empty() ? "[" : ",[") + JsonString(k) + "," + JsonString(v) + "]";
  }
  std::string json = "{\"method\":" + JsonString(r.method) + ",\"path\":" + JsonString(r.target) + ",\"headers\":[" +
                     headers + "],\"body_base64\":" + JsonString(body) + ",\"region\":" + JsonString(region) +
                     ",\"service\":" + JsonString(service) + ",\"credentials\":{\"accessKeyId\":" +
                     JsonString(c.access_key_id) + ",\"secretAccessKey\":" + JsonString(c.secret_access_key) +
                     ",\"sessionToken\":" + JsonString(c.session_token) + "}}";
  char path[] = "/tmp/adot-sigv4-js-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return "mkstemp failed";
  std::ofstream(path) << json;
  close(fd);
  std::string output;
  if (FILE* p = popen(("node " ADOT_SIGV4_JS_DIR "/verify.js " + std::string(path) + " 2>&1").c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) output.append(buf, n);
    pclose(p);
  }
  unlink(path);
  while (!output.empty() && output.back() == '\n') output.pop_back();
  return output;
}

// Checks r's Authorization for credentials, region and service with every verifier.
inline void ExpectSigned(const RecordedRequest& r, const aws::Credentials& credentials, const std::string& region,
                  const std::string& service) {
  Authorization a;
  ASSERT_TRUE(ParseAuthorization(r.Header("authorization"), a)) << r.Header("authorization");
  EXPECT_EQ(a.access_key_id, credentials.access_key_id);
  EXPECT_EQ(a.region, region);
  EXPECT_EQ(a.service, service);
  EXPECT_EQ(a.date, std::string(r.Header("x-amz-date")).substr(0, 8));
  EXPECT_EQ(ExpectedSignature(r, a, credentials.secret_access_key), a.signature);
  EXPECT_EQ(SignerSignature(r, a, credentials), a.signature);
  if (Aws4Available()) {
    EXPECT_EQ(Aws4Authorization(r, credentials, region, service), r.Header("authorization"));
  }
  if (!credentials.session_token.empty()) {
    EXPECT_EQ(r.Header("x-amz-security-token"), credentials.session_token);
    EXPECT_NE(std::find(a.signed_headers.begin(), a.signed_headers.end(), "x-amz-security-token"), a.signed_headers.end());
  }
}

inline aws::EnvLookup EnvOf(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// Provider options that look only at env (credentials, region): no HOME files, instance metadata at
// a loopback port that refuses connections (imds), short timeouts.
inline aws::ProviderOptions LoopbackProviderOptions(const adot::test::ClosedPort& imds,
                                                    std::map<std::string, std::string> env) {
  aws::ProviderOptions o;
  o.env = EnvOf(std::move(env));
  o.home = "/nonexistent";
  o.imds_endpoint = imds.Url("");
  o.metadata_timeout = std::chrono::milliseconds(200);
  return o;
}

// Sets AWS_* in the process environment for one test.
class ScopedEnv {
 public:
  explicit ScopedEnv(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {
    for (const auto& [k, v] : vars_) setenv(k.c_str(), v.c_str(), 1);
  }
  ~ScopedEnv() {
    for (const auto& [k, v] : vars_) unsetenv(k.c_str());
  }

 private:
  std::map<std::string, std::string> vars_;
};

}  // namespace adot::collector::testing
