// The OTLP/HTTP transport shared by the span and metric exporters: one keep-alive libcurl client,
// the protocol headers, gzip, retries with backoff (Retry-After honoured) within a bounded export
// time, partial-success handling and Shutdown that interrupts a request or a backoff wait. Each
// exporter only encodes its signal into the body.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>

#include "adot/exporters/otlp/otlp_options.h"
#include "adot/sdk/trace/exporter.h"  // ExportResult
#include "common/http_client.h"
#include "exporters/otlp/export_gate.h"

namespace adot::exporters::otlp {

// How one exporter names itself and its items in warnings.
struct TransportLabels {
  const char* exporter;  // "span exporter"
  const char* items;     // "spans" (dropped, accepted)
  const char* rejected;  // "spans": what the partial-success count counts ("data points")
};

class OtlpHttpTransport {
 public:
  // options.protocol picks protobuf or JSON (grpc is reported and treated as protobuf).
  OtlpHttpTransport(OtlpExporterOptions options, TransportLabels labels);
  OtlpHttpTransport(const OtlpHttpTransport&) = delete;
  OtlpHttpTransport& operator=(const OtlpHttpTransport&) = delete;

  bool json() const noexcept { return json_; }

  // Calls encode(std::string& body, bool json), which appends one request to the (cleared,
  // reused) body, then sends it. kFailure after Shutdown, on a permanent error, or when every
  // allowed attempt failed; never throws. With nothing_to_send (OTLP: no empty envelopes) it
  // sends nothing and succeeds, unless shut down.
  template <class Encode>
  sdk::ExportResult Export(Encode&& encode, bool nothing_to_send = false) noexcept {
    if (!gate_.Begin()) return sdk::ExportResult::kFailure;
    sdk::ExportResult result = sdk::ExportResult::kSuccess;
    if (nothing_to_send) {
      gate_.End();
      return result;
    }
    try {
      body_.clear();  // keeps its capacity from the previous batches
      encode(body_, json_);
      result = SendBody();
    } catch (...) {
      // Only allocation failures can get here; the batch is dropped.
      result = sdk::ExportResult::kFailure;
    }
    gate_.End();
    return result;
  }

  // Makes Export fail from now on, interrupts a request in flight or a backoff wait, and waits
  // up to timeout for a running Export to return.
  bool Shutdown(std::chrono::milliseconds timeout) noexcept;

 private:
  sdk::ExportResult SendBody();
  sdk::ExportResult SendWithRetries();
  void HandleSuccess();
  void Warn(const std::string& message);

  const OtlpExporterOptions options_;
  const TransportLabels labels_;
  const bool json_;
  const std::string display_endpoint_;
  common::HttpClient client_;
  // Reused across exports so steady-state exporting does not allocate per batch.
  std::string body_;
  common::HttpRequest request_;
  common::HttpResponse response_;
  ExportGate gate_;
};

}  // namespace adot::exporters::otlp
