// SigV4 signing of the collector's outgoing requests, shared by the AWS components: the sigv4auth
// extension (otlphttp to X-Ray, CloudWatch Logs and Metrics), the awsxray exporter
// (PutTraceSegments) and the awsxray receiver's sampling proxy. Credentials come from the AWS SDKs'
// default chain (adot/aws/credentials.h), cached, optionally through STS AssumeRole.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "adot/aws/credentials.h"
#include "collector/core/auth.h"

namespace adot::collector {

struct AwsSignerConfig {
  std::string region;   // empty: from the request's host, else as the AWS SDKs resolve it
  std::string service;  // empty: from the request's host
  std::string role_arn;  // when set, credentials for this role through STS AssumeRole
  std::string session_name;
  std::string external_id;
  std::string sts_region;  // empty: region, else us-east-1
  // False (the X-Ray components' local_mode): the region never comes from instance metadata.
  bool region_from_imds = true;
};

class AwsRequestSigner : public HttpClientAuthenticator {
 public:
  // who starts every error message ("sigv4auth", "awsxray"). options.http null: the collector's
  // own HTTP client.
  AwsRequestSigner(std::string who, AwsSignerConfig config, aws::ProviderOptions options);

  // Builds the credentials chain (nothing is fetched yet). Returns a description for the log.
  std::string Start();

  // Appends the SigV4 headers (X-Amz-Date, X-Amz-Security-Token, X-Amz-Content-Sha256 when asked,
  // Authorization) for request. Retryable when credentials are not available (yet); permanent
  // when there is no service or region to sign for. Messages never contain a secret.
  Status Authenticate(const HttpAuthRequest& request, common::HttpHeaders& add) override;

  // The configured region, else the one the AWS SDKs would use (environment, profile, instance
  // metadata unless region_from_imds is false). Empty with error set when there is none.
  std::string Region(std::string* error = nullptr);

  const AwsSignerConfig& config() const { return config_; }
  const aws::ProviderOptions& provider_options() const { return options_; }

 private:
  std::string who_;
  AwsSignerConfig config_;
  aws::ProviderOptions options_;
  std::shared_ptr<aws::CredentialsProvider> credentials_;
  std::once_flag region_once_;
  std::string region_, region_error_;
};

// The connection settings of the awsxray and awsemf exporters (the Go exporters' awsutil keys).
struct AwsClientSettings {
  std::string endpoint;  // a base URL without a trailing "/"; empty: the service's regional endpoint
  AwsSignerConfig signer;
  std::string proxy_address;  // an http:// proxy
  bool no_verify_ssl = false;
};
// Reads endpoint ("https://" added when it has no scheme), region, role_arn, external_id,
// local_mode, proxy_address ("http://" added when it has no scheme) and no_verify_ssl; signer.service
// is set to service.
void ParseAwsClientSettings(ConfigReader& r, std::string service, AwsClientSettings& out);
// Client options for those settings (proxy, certificate checks).
common::HttpClientOptions AwsClientOptions(const AwsClientSettings& settings);

// Checks shared by the AWS components' config parsers.
bool IsAwsRegionLike(std::string_view s);  // "us-west-2", "cn-north-1", "us-gov-west-1"
bool IsIamRoleArn(std::string_view s);     // arn:<partition>:iam::<account>:role/<name>
bool IsStsSessionName(std::string_view s); // [\w+=,.@-]{2,64}

// The signing service and region of an AWS endpoint host: "<service>.<region>.amazonaws.com"
// (also ".amazonaws.com.cn", and "<name>.<region>.<service>.amazonaws.com" as OpenSearch's
// search-... hosts), with "aps-workspaces" signing as "aps". A port is ignored. False when the
// host does not have that shape.
bool InferServiceAndRegion(std::string_view host, std::string& service, std::string& region);

// The DNS suffix of a region's partition: "amazonaws.com", "amazonaws.com.cn" for cn-*.
std::string AwsDnsSuffix(std::string_view region);

}  // namespace adot::collector
