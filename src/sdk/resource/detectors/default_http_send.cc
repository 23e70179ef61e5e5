// DefaultHttpSend on libcurl (common/http_client.h). In a file of its own: adot-collector builds the
// detectors with its own HTTP client instead (src/collector/sdk_detectors/).
#include "sdk/resource/detectors/http_send_with.h"

namespace adot::sdk::resource {

HttpSend DefaultHttpSend() { return internal::SendWith<common::HttpClient>; }

}  // namespace adot::sdk::resource
