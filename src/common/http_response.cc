// The request/response types of common/http_client.h, apart from the libcurl client itself, so
// another client of the same shape (the collector's, src/collector/core/http_client.h) can use them
// without linking libcurl.
#include <algorithm>

#include "common/http_client.h"

namespace adot::common {

const char* HttpErrorName(HttpError error) {
  switch (error) {
    case HttpError::kNone: return "none";
    case HttpError::kConnection: return "connection failed";
    case HttpError::kTimeout: return "timed out";
    case HttpError::kResponseTooLarge: return "response too large";
    case HttpError::kCancelled: return "cancelled";
    case HttpError::kInvalid: return "request failed";
  }
  return "request failed";
}

std::string_view HttpResponse::Header(std::string_view name) const {
  auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  for (const auto& [key, value] : headers)
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(), [&](char x, char y) { return lower(x) == lower(y); }))
      return value;
  return {};
}

void HttpResponse::Clear() {
  error = HttpError::kNone;
  error_message.clear();
  status = 0;
  headers.clear();
  body.clear();
}

}  // namespace adot::common
