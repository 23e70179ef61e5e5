// AWS credentials and region, resolved as the AWS SDKs resolve them.
//
//   adot::aws::ProviderOptions options;
//   options.http = adot::sdk::resource::DefaultHttpSend();  // or the collector's transport
//   auto provider = adot::aws::CreateDefaultCredentialsProvider(options);
//   adot::aws::CredentialsResult r = provider->GetCredentials();
//   if (!r.ok()) { /* r.error names what failed; it never holds a secret */ }
//
// The default chain, first success wins: environment variables; the shared config and credentials
// files (AWS_PROFILE: static keys, credential_process, role_arn + source_profile through STS
// AssumeRole); web identity (AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN through STS
// AssumeRoleWithWebIdentity); container credentials (ECS, EKS Pod Identity); EC2 instance profile
// over IMDSv2. It is wrapped in a cache that refreshes before the credentials expire.
//
// Everything read from outside is injectable (environment, HOME, HTTP transport, every endpoint,
// the clock), so tests run against loopback servers and temporary files. Error messages never
// contain a secret access key, a session token, a web identity token or an authorization token.
//
// adot_aws links no HTTP client: the transport is HttpSend (adot/sdk/resource/detectors.h), given
// in ProviderOptions::http. Link adot::aws (and adot::resource_detectors for DefaultHttpSend()).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adot/sdk/resource/detectors.h"

namespace adot::aws {

using sdk::resource::EnvLookup;
using sdk::resource::HttpCall;
using sdk::resource::HttpResult;
using sdk::resource::HttpSend;

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: long-term credentials
  // nullopt: never expires (static keys).
  std::optional<std::chrono::system_clock::time_point> expiration;
};

struct CredentialsResult {
  Credentials credentials;
  std::string error;  // empty on success; never holds a secret
  bool ok() const { return error.empty(); }

  static CredentialsResult Error(std::string message) {
    CredentialsResult r;
    r.error = std::move(message);
    return r;
  }
};

using Clock = std::function<std::chrono::system_clock::time_point()>;

// Where the providers look. Every empty field has the production default.
struct ProviderOptions {
  // Null: the process environment.
  EnvLookup env;
  // The HTTP transport for STS, container credentials and IMDS. Null: those providers fail with
  // "no HTTP transport configured".
  HttpSend http;
  // Home directory for ~/.aws/credentials and ~/.aws/config. Empty: $HOME.
  std::string home;
  // EC2 instance metadata service. Empty: $AWS_EC2_METADATA_SERVICE_ENDPOINT, else
  // http://169.254.169.254.
  std::string imds_endpoint;
  // Scheme and host that AWS_CONTAINER_CREDENTIALS_RELATIVE_URI is appended to. Empty:
  // http://169.254.170.2.
  std::string container_endpoint;
  // STS. Empty: https://sts.<region>.amazonaws.com (region from the profile or the environment,
  // else us-east-1).
  std::string sts_endpoint;
  // Per HTTP call: instance metadata and container endpoints, and STS.
  std::chrono::milliseconds metadata_timeout{1000};
  std::chrono::milliseconds sts_timeout{5000};
  // A profile's credential_process.
  std::chrono::milliseconds process_timeout{60000};
  // Null: std::chrono::system_clock::now.
  Clock clock;
};

class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // Never throws. Thread-safe.
  virtual CredentialsResult GetCredentials() = 0;
};

// AWS_ACCESS_KEY_ID (or AWS_ACCESS_KEY), AWS_SECRET_ACCESS_KEY (or AWS_SECRET_KEY),
// AWS_SESSION_TOKEN.
std::shared_ptr<CredentialsProvider> CreateEnvironmentCredentialsProvider(ProviderOptions options);

// A profile of the shared files: AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials, sections
// [name]) and AWS_CONFIG_FILE (default ~/.aws/config, sections [profile name] and [default]); the
// credentials file wins key by key. In order: role_arn with source_profile (AssumeRole, chains
// allowed, cycles refused) or with web_identity_token_file; aws_access_key_id +
// aws_secret_access_key (+ aws_session_token); credential_process. Profile: profile_name, else
// AWS_PROFILE, else "default".
std::shared_ptr<CredentialsProvider> CreateProfileCredentialsProvider(ProviderOptions options,
                                                                      std::string profile_name = {});

// Runs command with /bin/sh -c and reads its standard output: the JSON document of
// credential_process, Version 1. A non-zero exit status, invalid JSON, a missing key or running
// past timeout (the command's process group is then killed) fail.
std::shared_ptr<CredentialsProvider> CreateProcessCredentialsProvider(
    std::string command, std::chrono::milliseconds timeout = std::chrono::minutes(1));

// AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME) through
// AssumeRoleWithWebIdentity (unsigned). The token file is read on every refresh.
std::shared_ptr<CredentialsProvider> CreateWebIdentityCredentialsProvider(ProviderOptions options);

// AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (appended to the container endpoint), else
// AWS_CONTAINER_CREDENTIALS_FULL_URI (https, or http to a loopback address, 169.254.170.2 or
// 169.254.170.23), with the Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
// (read on every refresh) or AWS_CONTAINER_AUTHORIZATION_TOKEN.
std::shared_ptr<CredentialsProvider> CreateContainerCredentialsProvider(ProviderOptions options);

// IMDSv2: PUT /latest/api/token, then GET /latest/meta-data/iam/security-credentials/ and
// .../<role>. Off when AWS_EC2_METADATA_DISABLED=true.
std::shared_ptr<CredentialsProvider> CreateInstanceProfileCredentialsProvider(ProviderOptions options);

// STS AssumeRole of role_arn, signed with the credentials of source (e.g. the default chain), as a
// profile's role_arn + source_profile does. region: STS's (the endpoint
// https://sts.<region>.amazonaws.com and the signing region; empty: us-east-1);
// options.sts_endpoint replaces the endpoint, options.sts_timeout and options.http are used.
// session_name empty: "adot-cpp-<milliseconds since the epoch>"; external_id: sent as ExternalId
// when not empty. Not cached: wrap it in CreateCachingCredentialsProvider.
std::shared_ptr<CredentialsProvider> CreateAssumeRoleCredentialsProvider(std::shared_ptr<CredentialsProvider> source,
                                                                         std::string role_arn,
                                                                         std::string session_name,
                                                                         std::string region,
                                                                         ProviderOptions options,
                                                                         std::string external_id = {});

// The first provider that succeeds; the error lists every provider's reason.
std::shared_ptr<CredentialsProvider> CreateChainCredentialsProvider(
    std::vector<std::pair<std::string, std::shared_ptr<CredentialsProvider>>> named_providers);

// Caches the inner provider's credentials and refreshes them refresh_before expiry (and whenever
// they have expired). When a refresh fails and the cached credentials have not expired yet, they
// are returned. Credentials without an expiration are kept for good. Thread-safe: concurrent
// callers share one refresh.
std::shared_ptr<CredentialsProvider> CreateCachingCredentialsProvider(
    std::shared_ptr<CredentialsProvider> inner, Clock clock = {},
    std::chrono::seconds refresh_before = std::chrono::minutes(5));

// Caching(Chain(environment, profile, web identity, container, instance profile)).
std::shared_ptr<CredentialsProvider> CreateDefaultCredentialsProvider(ProviderOptions options);

struct RegionResult {
  std::string region;
  std::string error;  // empty on success
  bool ok() const { return error.empty(); }
};

// AWS_REGION, AWS_DEFAULT_REGION, region of the profile (profile_name, else AWS_PROFILE, else
// "default") in the config file, else IMDSv2 /latest/meta-data/placement/region (unless
// AWS_EC2_METADATA_DISABLED=true).
RegionResult ResolveRegion(const ProviderOptions& options, std::string profile_name = {});

// "2026-11-28T10:00:00Z", with optional fractional seconds and a "+hh:mm" / "-hh:mm" offset.
std::optional<std::chrono::system_clock::time_point> ParseIso8601(std::string_view text);

}  // namespace adot::aws
