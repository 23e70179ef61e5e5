// The detectors' test fixture: a fake file-system root (a temp dir), a fake environment, a real
// HTTP server on loopback, and a guard that no detector ever reaches a non-loopback address
// (169.254.169.254, 169.254.170.2, kubernetes.default.svc): every endpoint is injected, checked
// to be 127.0.0.1, and every HTTP call goes through a transport that refuses anything else.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "adot/sdk/resource/detectors.h"
#include "support/http_test_server.h"

namespace adot::sdk::resource::testing {

inline bool IsLoopbackUrl(std::string_view url) {
  return url.rfind("http://127.0.0.1:", 0) == 0 || url.rfind("https://127.0.0.1:", 0) == 0;
}

// Every call must target 127.0.0.1; anything else fails the test and is never sent.
inline HttpSend LoopbackOnlyHttp() {
  HttpSend real = DefaultHttpSend();
  return [real](const HttpCall& call) {
    if (!IsLoopbackUrl(call.url)) {
      ADD_FAILURE() << "a detector tried to reach a non-loopback address: " << call.url;
      HttpResult refused;
      refused.error = "refused by the test guard";
      return refused;
    }
    return real(call);
  };
}

inline std::string StringAttr(const Resource& r, std::string_view key) {
  auto* v = r.Find(key);
  return v && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v) : "<absent>";
}

inline std::vector<std::string> StringsAttr(const Resource& r, std::string_view key) {
  auto* v = r.Find(key);
  return v && std::holds_alternative<std::vector<std::string>>(*v)
             ? std::get<std::vector<std::string>>(*v)
             : std::vector<std::string>{"<absent>"};
}

inline int64_t IntAttr(const Resource& r, std::string_view key) {
  auto* v = r.Find(key);
  return v && std::holds_alternative<int64_t>(*v) ? std::get<int64_t>(*v) : -1;
}

inline std::string Base64Url(std::string_view in) {
  static const char* kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

// An unsigned-looking JWT with the given payload (detectors only read "iss").
inline std::string FakeJwt(std::string_view payload_json) {
  return Base64Url(R"({"alg":"RS256","kid":"k"})") + "." + Base64Url(payload_json) + ".c2ln";
}

class DetectorTest : public ::testing::Test {
 protected:
  DetectorTest() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "adot-detectors-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = tmpl;
  }
  ~DetectorTest() override {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  // Writes root + path (path is absolute, e.g. "/proc/self/cgroup").
  void WriteFile(const std::string& path, const std::string& content) {
    std::filesystem::path p = root_ / std::filesystem::path(path).relative_path();
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << content;
  }

  void SetEnv(const std::string& name, const std::string& value) { env_[name] = value; }

  // Options whose every endpoint is the loopback server; asserts so before returning them.
  DetectorOptions Options(std::chrono::milliseconds timeout = std::chrono::milliseconds(2000)) {
    DetectorOptions o;
    o.root = root_.string();
    o.env = [env = env_](const char* name) -> std::optional<std::string> {
      auto it = env.find(name);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
    o.http = LoopbackOnlyHttp();
    o.imds_endpoint = server_.Url("");
    o.kubernetes_endpoint = server_.Url("");
    o.timeout = timeout;
    AssertLoopback(o);
    return o;
  }

  // The guard: no configured endpoint may leave the machine.
  static void AssertLoopback(const DetectorOptions& o) {
    EXPECT_TRUE(IsLoopbackUrl(o.imds_endpoint)) << o.imds_endpoint;
    EXPECT_TRUE(IsLoopbackUrl(o.kubernetes_endpoint)) << o.kubernetes_endpoint;
    if (!o.ecs_metadata_uri.empty()) {
      EXPECT_TRUE(IsLoopbackUrl(o.ecs_metadata_uri)) << o.ecs_metadata_uri;
    }
    for (const char* name : {"ECS_CONTAINER_METADATA_URI_V4", "ECS_CONTAINER_METADATA_URI",
                             "OTEL_AWS_IMDS_ENDPOINT_OVERRIDE"}) {
      if (auto v = o.env(name)) {
        EXPECT_TRUE(IsLoopbackUrl(*v)) << name << "=" << *v;
      }
    }
    EXPECT_FALSE(o.env("KUBERNETES_SERVICE_HOST").has_value());
  }

  std::filesystem::path root_;
  std::map<std::string, std::string> env_;
  adot::test::HttpTestServer server_;
};

}  // namespace adot::sdk::resource::testing
