// Internal helpers of the credential providers: resolved options, files, HTTP calls, the JSON
// credential documents, STS's XML, the shared config files.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adot/aws/credentials.h"

namespace adot::aws::internal {

// ProviderOptions with every default filled in.
struct Context {
  EnvLookup env;
  HttpSend http;
  std::string home;
  std::string imds_endpoint;       // no trailing slash
  std::string container_endpoint;  // no trailing slash
  std::string sts_endpoint;        // empty: from the region
  std::chrono::milliseconds metadata_timeout{1000};
  std::chrono::milliseconds sts_timeout{5000};
  std::chrono::milliseconds process_timeout{60000};
  Clock clock;

  static Context From(const ProviderOptions& options);
  std::optional<std::string> Env(const char* name) const;
  std::chrono::system_clock::time_point Now() const { return clock(); }
  // Sends call, or fails at once when no transport is configured.
  HttpResult Send(const HttpCall& call) const;
  // AWS_EC2_METADATA_DISABLED=true.
  bool ImdsDisabled() const;
};

std::string_view Trim(std::string_view s);
std::string Lowercase(std::string_view s);
// The whole file, or nullopt (at most max_bytes are read).
std::optional<std::string> ReadFile(const std::string& path, size_t max_bytes = 1 << 20);
// "timed out after 5 ms", "HTTP 404", ... (never the body: it may hold a secret).
std::string Describe(const HttpResult& result);
// Expands a leading "~/" with home ("" when home is empty, i.e. no file).
std::string ExpandHome(const std::string& path, const std::string& home);

// The credentials of a JSON document with AccessKeyId, SecretAccessKey, Token or SessionToken,
// Expiration (container, IMDS, credential_process). The error never quotes the document.
CredentialsResult CredentialsFromJson(std::string_view document, std::string_view source,
                                      bool require_version_1);

// A small XML reader for STS responses: the text of every element that has no child element,
// keyed by its path from the root ("AssumeRoleResponse/AssumeRoleResult/Credentials/AccessKeyId").
// Namespaces (xmlns attributes) are ignored, entities and character references decoded, comments,
// processing instructions and CDATA handled; mismatched tags, DOCTYPE and nesting deeper than
// 32 are errors.
bool ParseXmlLeaves(std::string_view xml, std::map<std::string, std::string>& out, std::string* error);

// One profile of the shared files, its keys in lower case.
using Profile = std::map<std::string, std::string>;

// Sections of an INI-style shared file. config_file: "[profile name]" names "name" and
// "[default]" "default" (other section kinds such as [sso-session x] are skipped).
std::map<std::string, Profile> ParseProfileFile(std::string_view text, bool config_file);

// The profile files as the SDKs find them (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE).
struct ProfileFiles {
  std::map<std::string, Profile> config;
  std::map<std::string, Profile> credentials;
  // The merged profile (credentials file wins key by key), or nullopt when neither file has it.
  std::optional<Profile> Find(const std::string& name) const;
};
ProfileFiles LoadProfileFiles(const Context& ctx);
// profile_name, else AWS_PROFILE, else "default".
std::string ProfileName(const Context& ctx, const std::string& profile_name);

// The host part of "scheme://host[:port]/..." ("" when malformed).
std::string UrlHost(std::string_view url);
// The host without port and brackets.
std::string UrlHostName(std::string_view url);

// STS, as used by the profile and web identity providers.
struct AssumeRoleRequest {
  std::string role_arn;
  std::string session_name;
  std::string external_id;         // AssumeRole's ExternalId, when the role's trust policy asks for one
  std::string web_identity_token;  // AssumeRoleWithWebIdentity when set (unsigned)
  std::string region;              // for the endpoint and the signature; empty: us-east-1
};
// source: the credentials that sign AssumeRole (unused for web identity).
CredentialsResult AssumeRole(const Context& ctx, const AssumeRoleRequest& request, const Credentials& source);

}  // namespace adot::aws::internal
