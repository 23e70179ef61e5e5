// Internal helpers shared by the resource detectors: resolved options, files under the root,
// HTTP calls against a deadline, JSON fields, ARNs.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "adot/sdk/resource/detectors.h"
#include "common/json_reader.h"

namespace adot::sdk::resource::internal {

using Clock = std::chrono::steady_clock;

// DetectorOptions with every default filled in.
struct Context {
  std::string root;  // no trailing slash; "" for "/"
  EnvLookup env;
  HttpSend http;
  std::string imds_endpoint;        // no trailing slash
  std::string ecs_metadata_uri;     // no trailing slash; empty when unset
  bool ecs_v3_only = false;         // only ECS_CONTAINER_METADATA_URI (v3) is set
  std::string kubernetes_endpoint;  // no trailing slash
  bool force_ec2 = false;
  bool imds_overridden = false;  // OTEL_AWS_IMDS_ENDPOINT_OVERRIDE was set
  Clock::time_point deadline;

  static Context From(const DetectorOptions& options, Clock::time_point deadline);
  static Context From(const DetectorOptions& options) {
    return From(options, Clock::now() + options.timeout);
  }

  std::optional<std::string> Env(const char* name) const;
  // root + path (path is absolute).
  std::string Path(std::string_view path) const;
  bool Exists(std::string_view path) const;
  // The whole file, or nullopt when it cannot be read (at most max_bytes are read).
  std::optional<std::string> ReadFile(std::string_view path, size_t max_bytes = 1 << 20) const;

  std::chrono::milliseconds Remaining() const;
  // Sends call with the time left before the deadline (or fails at once when none is left).
  HttpResult Send(HttpCall call) const;
};

// "resource detector <name>: <message>" once on stderr.
void Warn(std::string_view detector, const std::string& message);
// A short description of a failed exchange: "timed out after 5 ms", "HTTP 404", ...
std::string Describe(const HttpResult& result);

std::string_view Trim(std::string_view s);
std::string Lowercase(std::string_view s);

// The string (or number literal) at key of a JSON object, or nullopt.
std::optional<std::string> JsonString(const common::JsonValue& object, std::string_view key);

// The fields of "arn:partition:service:region:account:resource".
struct Arn {
  std::string partition, service, region, account, resource;
};
std::optional<Arn> ParseArn(std::string_view arn);

// The per-detector implementations, without their cheap checks (detectors.cc adds them).
Resource DetectContainer(const Context& ctx);
std::optional<std::string> ReadContainerId(const Context& ctx);
bool MayBeOnAwsEc2(const Context& ctx);
Resource DetectAwsEc2(const Context& ctx);
bool MayBeOnAwsEcs(const Context& ctx);
Resource DetectAwsEcs(const Context& ctx);
bool MayBeOnAwsEks(const Context& ctx);
Resource DetectAwsEks(const Context& ctx);
bool IsOnAwsLambda(const Context& ctx);
Resource DetectAwsLambda(const Context& ctx);
bool MayBeOnAwsElasticBeanstalk(const Context& ctx);
Resource DetectAwsElasticBeanstalk(const Context& ctx);

}  // namespace adot::sdk::resource::internal
