// DefaultHttpSend for the SDK's resource detectors inside adot-collector: the collector's own
// HTTP/1.1 client instead of libcurl (see src/collector/CMakeLists.txt, adot_collector_detectors).
#include "collector/core/http_client.h"
#include "sdk/resource/detectors/http_send_with.h"

namespace adot::sdk::resource {

HttpSend DefaultHttpSend() { return internal::SendWith<collector::HttpClient>; }

}  // namespace adot::sdk::resource
