#include "collector/core/auth.h"

#include "collector/core/http_client.h"
#include "common/gzip.h"

namespace adot::collector {

std::string ParseClientAuth(ConfigReader& reader, ComponentConfig& config) {
  if (!reader.Has("auth")) return {};
  ConfigReader auth = reader.Child("auth");
  std::string id = auth.String("authenticator");
  if (id.empty()) auth.Error("authenticator", "must name an extension");
  else config.http_client_authenticators.push_back({auth.KeyPath("authenticator"), id});
  auth.Finish();
  return id;
}

std::shared_ptr<HttpClientAuthenticator> FindClientAuthenticator(const CreateSettings& settings,
                                                                 const std::string& id) {
  if (!settings.extensions) return nullptr;
  return std::dynamic_pointer_cast<HttpClientAuthenticator>(settings.extensions->Find(id));
}

Status AuthenticateRequest(HttpClientAuthenticator& auth, const common::HttpClientOptions& client_options,
                           common::HttpRequest& request, std::string& body_buffer) {
  if (request.gzip) {
    if (!common::GzipCompress(request.body, body_buffer, request.gzip_level)) return Status::Permanent("gzip failed");
    request.body = body_buffer;
    request.gzip = false;
    request.headers.emplace_back("Content-Encoding", "gzip");
  }
  HttpAuthRequest r;
  r.method = request.method;
  r.url = request.url;
  std::string target, error;
  if (!HttpClient::HostAndTarget(request.url, r.host, target, error)) return Status::Permanent(error);
  size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = target.substr(q + 1);
  // The headers in the order Send() writes them, without those it leaves out.
  const common::HttpHeaders* lists[] = {&client_options.headers, &request.headers};
  for (const common::HttpHeaders* list : lists)
    for (const auto& [k, v] : *list)
      if (HttpClient::SendableHeader(k, v)) r.headers.emplace_back(k, v);
  r.body = request.body;
  common::HttpHeaders add;
  Status st = auth.Authenticate(r, add);
  if (!st.ok()) return st;
  for (auto& header : add) request.headers.push_back(std::move(header));
  return Status::Ok();
}

}  // namespace adot::collector
