// AWS Signature Version 4 (AWS4-HMAC-SHA256), in the Authorization-header form and the
// presigned-URL (query) form.
//
//   adot::aws::SigningRequest request;
//   request.method = "POST";
//   request.path = "/v1/traces";
//   request.headers = {{"Host", "xray.us-west-2.amazonaws.com"},
//                      {"Content-Type", "application/x-protobuf"}};
//   request.body = body;
//   adot::aws::SigningOptions options;
//   options.region = "us-west-2";
//   options.service = "xray";
//   adot::aws::SignedRequest signed_request;
//   std::string error;
//   if (adot::aws::SignRequest(request, credentials, options, signed_request, &error)) {
//     // send to signed_request.target with request.headers + signed_request.headers
//   }
//
// Link adot::aws.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adot/aws/credentials.h"

namespace adot::aws {

using HeaderList = std::vector<std::pair<std::string, std::string>>;
using QueryList = std::vector<std::pair<std::string, std::string>>;

struct SigningRequest {
  std::string method = "GET";
  // The decoded path ("/example space/"); the signer percent-encodes it (once).
  std::string path = "/";
  // Decoded query parameters in any order; names may repeat.
  QueryList query;
  // Must include Host. Names are case-insensitive and may repeat (values are then joined with ",").
  HeaderList headers;
  // The payload; must stay valid during SignRequest().
  std::string_view body;
  // Lower-case hex SHA-256 of the payload, or "UNSIGNED-PAYLOAD"; empty means "hash body".
  std::string payload_hash;
};

enum class SignatureLocation {
  kHeaders,  // X-Amz-Date, Authorization (and X-Amz-Security-Token, X-Amz-Content-Sha256) headers
  kQuery,    // presigned URL: X-Amz-Algorithm, X-Amz-Credential, ..., X-Amz-Signature parameters
};

struct SigningOptions {
  std::string region;   // "us-west-2"
  std::string service;  // "xray", "logs", "monitoring", "sts", ...
  // The signing time; the epoch (default) means "now".
  std::chrono::system_clock::time_point time{};
  SignatureLocation location = SignatureLocation::kHeaders;
  // Remove "." and ".." segments and empty segments ("//") from the path before signing (every
  // service but S3).
  bool normalize_path = true;
  // Header form: add and sign X-Amz-Content-Sha256 with the payload hash.
  bool sign_body = false;
  // Sign without the session token and add it (X-Amz-Security-Token) afterwards, unsigned.
  bool omit_session_token = false;
  // Query form: X-Amz-Expires, 1 s to 7 days.
  std::chrono::seconds expiration{3600};
};

struct SignedRequest {
  // The intermediate results (for tests and for debugging signature mismatches; they contain no
  // secret, but the session token when it is signed).
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // lower-case hex
  // Header form: the headers to add to the request (X-Amz-Date, X-Amz-Security-Token,
  // X-Amz-Content-Sha256, Authorization); the request must not carry them already. Query form:
  // empty.
  HeaderList headers;
  // The request target to send: the percent-encoded path, then "?" and the query (in the query
  // form with the X-Amz-* parameters and the signature).
  std::string target;
};

// Signs request with credentials. False (and *error set, never containing a secret) when the
// credentials have no key, Host is missing, region or service is empty, or the expiration is
// out of range.
bool SignRequest(const SigningRequest& request, const Credentials& credentials,
                 const SigningOptions& options, SignedRequest& out, std::string* error = nullptr);

// Percent-encoding as SigV4 wants it: every byte except A-Z a-z 0-9 - . _ ~ as %XX (upper-case
// hex), and "/" too unless keep_slash.
std::string UriEncode(std::string_view in, bool keep_slash = false);
// Decodes %XX sequences (and leaves malformed ones as they are); "+" stays "+".
std::string UriDecode(std::string_view in);
// "a=1&b=%20" into decoded pairs; a parameter without "=" has an empty value.
QueryList ParseQuery(std::string_view query);

// Lower-case hex SHA-256 of data.
std::string Sha256Hex(std::string_view data);

}  // namespace adot::aws
