// HTTP client instrumentation for libcurl: one CLIENT span per transfer, with the trace context
// injected as request headers. Link adot::instrumentation_curl (adot_api and libcurl only).
//
// Easy interface: call Perform instead of curl_easy_perform.
//
//   curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
//   curl_easy_setopt(easy, CURLOPT_URL, "https://example.com/items");
//   curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);     // optional: Perform sets it anyway
//   CURLcode rc = adot::instrumentation::curl::Perform(easy, headers);
//
// Multi interface: AddHandle instead of curl_multi_add_handle, InfoRead instead of
// curl_multi_info_read (it ends the span of every CURLMSG_DONE message it returns), and
// RemoveHandle instead of curl_multi_remove_handle (it ends the span of a transfer removed before
// it completed). A program that reads messages some other way calls Done(easy, result) instead.
//
// Request headers. libcurl has no getter for CURLOPT_HTTPHEADER, so every call that starts a
// transfer takes the header list the application uses for it (nullptr: none). For the transfer the
// handle's CURLOPT_HTTPHEADER is a private copy of that list plus the propagation headers
// (traceparent, X-Amzn-Trace-Id, ... as the global propagator writes them; a header of the same
// name in the application's list is replaced), and when the transfer ends it is set back to the
// application's list and the copy is freed. So the list passed must be the one the application
// wants sent: passing nullptr for a handle that has its own list drops that list. The same list
// is read to recognise AWS API calls (SigV4 Authorization, X-Amz-Target).
//
// A handle can be reused for any number of requests: each call starts a new span and nothing
// stays attached to the handle after the transfer ends. Every function accepts null handles
// (they are passed to libcurl, which reports the error) and never throws.
//
// Each transfer that ran is also measured in the http.client.request.duration histogram (seconds)
// of the global meter provider, under the same instrumentation scope as the spans; the tracer and
// meter providers are independent.
//
// With no SDK installed nothing is recorded: no attributes or measurements are built, and headers are injected
// only when the current context carries a span context to pass on (or the propagator writes
// something else, e.g. baggage).
#pragma once

#include <curl/curl.h>

#include <cstddef>
#include <string_view>

namespace adot::instrumentation::curl {

// The instrumentation scope name of the spans.
inline constexpr std::string_view kInstrumentationName = "adot.instrumentation.curl";

// What a transfer needs that libcurl cannot report.
struct Request {
  // The list the application wants sent as CURLOPT_HTTPHEADER (nullptr: none). Must stay valid
  // until the transfer ends (as for CURLOPT_HTTPHEADER itself).
  const curl_slist* headers = nullptr;
  // Optional: the request body (as given to CURLOPT_POSTFIELDS). Only read, while the call that
  // takes it runs, to find the operation (Action=...) of AWS query-protocol APIs.
  std::string_view body;
};

// curl_easy_perform with a span around it.
CURLcode Perform(CURL* easy, const Request& request) noexcept;
inline CURLcode Perform(CURL* easy, const curl_slist* headers) noexcept {
  return Perform(easy, Request{headers, {}});
}

// curl_multi_add_handle: starts the span (child of the current context) and sets the headers.
// If libcurl refuses the handle the span ends with error.type set to the CURLMcode name and the
// handle's header list is set back.
CURLMcode AddHandle(CURLM* multi, CURL* easy, const Request& request) noexcept;
inline CURLMcode AddHandle(CURLM* multi, CURL* easy, const curl_slist* headers) noexcept {
  return AddHandle(multi, easy, Request{headers, {}});
}

// curl_multi_info_read; for a CURLMSG_DONE message it first calls Done(easy, result).
CURLMsg* InfoRead(CURLM* multi, int* msgs_in_queue) noexcept;

// Ends the span of a transfer started with AddHandle with its result, sets the handle's
// CURLOPT_HTTPHEADER back to the application's list and frees the copy. Does nothing for a
// handle with no transfer of ours. Call it for each CURLMSG_DONE message (InfoRead does).
void Done(CURL* easy, CURLcode result) noexcept;

// curl_multi_remove_handle; a transfer of ours that had not completed ends here (its span gets
// error.type "canceled" unless a response had already arrived).
CURLMcode RemoveHandle(CURLM* multi, CURL* easy) noexcept;

// curl_easy_cleanup, ending first any transfer of ours still open on the handle.
void Cleanup(CURL* easy) noexcept;

// Transfers started with AddHandle and not yet ended (for tests and leak checks).
size_t OpenTransfers() noexcept;

}  // namespace adot::instrumentation::curl
