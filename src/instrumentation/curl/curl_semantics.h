// The pure parts of the libcurl instrumentation: URL parsing and redaction, HTTP method
// normalisation, libcurl error names, and recognising AWS API calls from the request.
#pragma once

#include <curl/curl.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace adot::instrumentation::curl::internal {

// ---- HTTP ----

// The method as http.request.method wants it: one of the known methods (case-sensitive, as the
// semantic conventions require), or "_OTHER".
std::string_view NormalizeMethod(std::string_view method) noexcept;

// The parts of an absolute URL the span needs. Views into the URL.
struct UrlParts {
  std::string_view scheme;  // "https"
  std::string_view host;    // "example.com", "127.0.0.1", "::1" (no brackets)
  int port = -1;            // explicit port, else the scheme's default (80, 443), else -1
  std::string_view path;    // "/a/b" (may be empty)
  std::string_view query;   // without the '?', "" when none
};
// False when the URL has no "scheme://".
bool ParseUrl(std::string_view url, UrlParts& parts) noexcept;

// The URL for url.full: user information replaced by "REDACTED:REDACTED", and the values of query
// parameters that carry secrets (AWSAccessKeyId, Signature, sig, X-Goog-Signature, and SigV4's
// X-Amz-Signature, X-Amz-Credential, X-Amz-Security-Token) replaced by "REDACTED".
std::string RedactUrl(std::string_view url);

// "1.0", "1.1", "2", "3" for a CURLINFO_HTTP_VERSION value; "" for none/unknown.
std::string_view HttpVersionName(long version) noexcept;

// The enum name of a libcurl result, e.g. "CURLE_COULDNT_CONNECT" (error.type of transport
// failures); "CURLE_<number>" is not produced: unknown codes give "_OTHER".
std::string_view CurlCodeName(CURLcode code) noexcept;
std::string_view CurlMultiCodeName(CURLMcode code) noexcept;

// The value of query (or form body) parameter name, undecoded; "" when absent.
std::string_view FindParameter(std::string_view query, std::string_view name) noexcept;

// ---- AWS ----

// What the request shows about an AWS API call, gathered in pieces: the headers before the
// transfer, the URL after it. Owns its strings (the header list may change after the start).
struct AwsHints {
  bool sigv4 = false;          // Authorization: AWS4-... or X-Amz-Credential in the URL
  std::string signing_region;  // from the SigV4 credential scope
  std::string signing_name;    // "dynamodb", "sqs", "s3", ...
  std::string target;          // X-Amz-Target, "DynamoDB_20120810.GetItem"
  std::string action;          // Action= of query-protocol APIs
  int attempt = 0;             // amz-sdk-request: attempt=N (0 when absent)

  // Reads one request header line ("Name: value").
  void AddHeaderLine(std::string_view line);
  // Reads a form-encoded body (query protocol).
  void AddBody(std::string_view body);
};

// The result of recognition.
struct AwsCall {
  bool is_aws = false;
  std::string service;  // rpc.service: "DynamoDB", "SQS", "S3", ...
  std::string method;   // rpc.method: "GetItem" ("" when not known)
  std::string region;   // cloud.region ("" when not known)
};

// Combines the hints with the URL (host, X-Amz-Credential, Action=, Smithy RPC v2 paths).
AwsCall RecognizeAws(const AwsHints& hints, std::string_view url);

// The service name (as the AWS SDKs' service id, e.g. "DynamoDB") for a SigV4 signing name or
// endpoint prefix; "" when not in the table.
std::string_view ServiceForSigningName(std::string_view signing_name) noexcept;

// Splits "Credential=AKID/20240101/us-west-2/dynamodb/aws4_request" style scopes (SigV4a scopes
// have no region). False when it is not a credential scope.
bool ParseCredentialScope(std::string_view credential, std::string& region,
                          std::string& service);

bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept;

}  // namespace adot::instrumentation::curl::internal
