// The OTLP/gRPC transport shared by the span and metric exporters: one channel (plaintext or TLS),
// validated metadata, gzip, unary calls through grpc::GenericStub with the project's own encoding
// (no generated protobuf code), retries with backoff or the server's RetryInfo within a bounded
// export time, partial-success handling, and Shutdown that cancels a call or ends a backoff wait.
#pragma once

#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "adot/exporters/otlp/otlp_options.h"
#include "adot/sdk/trace/exporter.h"  // ExportResult
#include "exporters/otlp/export_gate.h"
#include "exporters/otlp/otlp_http_transport.h"  // TransportLabels

namespace adot::exporters::otlp {

class OtlpGrpcTransport {
 public:
  // method: the full gRPC method, "/opentelemetry.proto.collector.trace.v1.TraceService/Export".
  // options.protocol is not consulted: using this transport is the choice of gRPC.
  OtlpGrpcTransport(OtlpExporterOptions options, const char* method, TransportLabels labels);
  OtlpGrpcTransport(const OtlpGrpcTransport&) = delete;
  OtlpGrpcTransport& operator=(const OtlpGrpcTransport&) = delete;

  // Calls encode(std::string& body), which appends one protobuf request to the empty body, then
  // sends it. With nothing_to_send it sends nothing and succeeds (unless shut down). Never throws.
  template <class Encode>
  sdk::ExportResult Export(Encode&& encode, bool nothing_to_send = false) noexcept {
    if (!gate_.Begin()) return sdk::ExportResult::kFailure;
    sdk::ExportResult result = sdk::ExportResult::kSuccess;
    if (!nothing_to_send) {
      try {
        if (!stub_) {
          Warn(std::string("not configured (see the earlier message); ") + labels_.items +
               " dropped");
          result = sdk::ExportResult::kFailure;
        } else {
          std::string body;
          encode(body);
          result = SendBody(std::move(body));
        }
      } catch (...) {
        // Only allocation failures can get here; the batch is dropped.
        result = sdk::ExportResult::kFailure;
      }
    }
    gate_.End();
    return result;
  }

  bool Shutdown(std::chrono::milliseconds timeout) noexcept;

 private:
  std::shared_ptr<grpc::ChannelCredentials> MakeCredentials(bool tls);
  sdk::ExportResult SendBody(std::string body);
  sdk::ExportResult SendWithRetries(const grpc::ByteBuffer& request);
  std::optional<grpc::Status> Call(const grpc::ByteBuffer& request, std::chrono::milliseconds timeout,
                                   grpc::ByteBuffer& response);
  void HandleResponse(const grpc::ByteBuffer& response);
  void Warn(const std::string& message);

  const OtlpExporterOptions options_;
  const std::string method_;
  const TransportLabels labels_;
  std::string display_endpoint_;
  std::vector<std::pair<std::string, std::string>> metadata_;  // validated, lowercase keys
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::GenericStub> stub_;  // null when the configuration is unusable

  ExportGate gate_;
  // Taken before the gate's lock (shut_down()) where both are held.
  std::mutex call_mutex_;
  grpc::ClientContext* active_call_ = nullptr;  // guarded by call_mutex_
};

}  // namespace adot::exporters::otlp
