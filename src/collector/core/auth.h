// Client authentication, as the Go collector's configauth / extensionauth: an HTTP client
// component (the otlphttp exporter) names an extension in `auth: {authenticator: <id>}`, and that
// extension signs or otherwise modifies every outgoing request just before it is sent.
//
// The reference is checked when the service creates the components (so `validate` reports it):
// the extension must be configured, listed in service.extensions and an HttpClientAuthenticator.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "collector/core/component.h"
#include "common/http_client.h"

namespace adot::collector {

// An outgoing request exactly as HttpClient::Send() writes it.
struct HttpAuthRequest {
  std::string method;            // "POST"
  std::string url;               // "https://xray.us-west-2.amazonaws.com/v1/traces"
  std::string host;              // the Host header: "xray.us-west-2.amazonaws.com", "127.0.0.1:4318"
  std::string path;              // as sent (percent-encoded), without the query: "/v1/traces"
  std::string query;             // as sent, after "?"; empty when there is none
  common::HttpHeaders headers;   // every header sent but Host and Content-Length, in order
  std::string_view body;         // the bytes sent, after compression
};

// Implemented by extensions (sigv4auth). Called from several sender threads at once.
class HttpClientAuthenticator {
 public:
  virtual ~HttpClientAuthenticator() = default;
  // Appends to add the headers that authenticate request (they are sent after its own). An error
  // is retryable when a later attempt may succeed (credentials not available yet), permanent
  // otherwise. Messages never contain a secret.
  virtual Status Authenticate(const HttpAuthRequest& request, common::HttpHeaders& add) = 0;
};

// Reads `auth: {authenticator: <id>}` from an HTTP client's config and records the reference in
// config.http_client_authenticators. Returns the id ("" when there is no `auth`).
std::string ParseClientAuth(ConfigReader& reader, ComponentConfig& config);

// The authenticator named id: null when settings has no extension directory or the extension is
// missing or of another kind (the service has reported that before creating the component).
std::shared_ptr<HttpClientAuthenticator> FindClientAuthenticator(const CreateSettings& settings,
                                                                 const std::string& id);

// Runs auth on request as HttpClient::Send() with client_options will write it, and adds its
// headers to request.headers. A gzip request is compressed here first (into body_buffer; the
// request then carries Content-Encoding itself), since the signature covers the bytes sent.
Status AuthenticateRequest(HttpClientAuthenticator& auth, const common::HttpClientOptions& client_options,
                           common::HttpRequest& request, std::string& body_buffer);

}  // namespace adot::collector
