// One detector HTTP call over any client with common/http_client.h's shape (libcurl's
// common::HttpClient in the SDK, collector::HttpClient inside adot-collector): a fresh client per
// call, responses above 1 MiB fail.
#pragma once

#include <utility>

#include "adot/sdk/resource/detectors.h"
#include "common/http_client.h"

namespace adot::sdk::resource::internal {

template <class Client>
HttpResult SendWith(const HttpCall& call) {
  HttpResult result;
  common::HttpClientOptions client_options;
  client_options.ca_file = call.ca_file;
  client_options.max_response_bytes = 1 << 20;
  Client client(std::move(client_options));
  common::HttpRequest request;
  request.method = call.method;
  request.url = call.url;
  request.headers = call.headers;
  request.body = call.body;
  request.timeout = call.timeout;
  common::HttpResponse response;
  client.Send(request, response);
  if (response.error != common::HttpError::kNone) {
    result.error = response.error_message.empty() ? common::HttpErrorName(response.error) : response.error_message;
    return result;
  }
  result.received = true;
  result.status = response.status;
  result.body = std::move(response.body);
  return result;
}

}  // namespace adot::sdk::resource::internal
