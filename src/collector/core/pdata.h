// pdata: one batch of telemetry of one signal, as an OTLP Export*ServiceRequest.
//
// A PData is a cheap handle. It holds the bytes as received (protobuf) and/or the decoded
// message, allocated on its own protobuf arena. Components that only forward data never decode:
// the received bytes are sent on unchanged (pass-through). Reading decodes once (lazily, thread-
// safe); mutating drops the kept bytes, so they are re-encoded from the message when needed.
//
// Ownership follows the Go collector: a handle given to a consumer belongs to it. Fan-out to
// several read-only consumers shares one batch (Share() marks it read-only); a consumer that
// mutates gets its own Clone() unless it is the sole owner.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "collector/core/status.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace adot::collector {

enum class Signal { kTraces = 0, kMetrics = 1, kLogs = 2 };
const char* SignalName(Signal s);  // "traces", "metrics", "logs"
bool ParseSignal(std::string_view text, Signal& s);
inline constexpr Signal kAllSignals[] = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};

using TracesRequest = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using MetricsRequest = opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest;
using LogsRequest = opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest;

// Counts spans / metric data points / log records directly on the protobuf wire, checking the
// framing of every level it walks. Returns false if the bytes are malformed.
bool CountItemsOnWire(Signal signal, std::string_view bytes, uint64_t& items);

class PData {
 public:
  PData() = default;

  // From received protobuf bytes. Fails (kInvalidArgument) when the framing is malformed.
  static Status FromProtoBytes(Signal signal, std::string bytes, PData& out);
  // From bytes the collector encoded itself, with the number of items they hold: nothing is
  // re-read (a receiver that wrote the request, a batch joined from counted parts).
  static PData FromEncoded(Signal signal, std::string bytes, uint64_t items);
  // From OTLP/JSON. Decodes at once (there are no protobuf bytes to keep).
  static Status FromJson(Signal signal, std::string_view json, PData& out);
  // An empty, decoded, mutable request.
  static PData New(Signal signal);

  bool valid() const { return impl_ != nullptr; }
  Signal signal() const;
  uint64_t ItemCount() const;
  bool read_only() const;
  bool has_bytes() const;  // the received bytes are still current (pass-through possible)
  // The memory this batch holds: its bytes and its decoded message's arena.
  size_t MemoryBytes() const;
  // What all batches alive in the process hold (as MemoryBytes, brought up to date when a batch is
  // created, decoded, changed, encoded or freed): the memory_limiter's view between its checks.
  static int64_t LiveBytes();

  // Read access (decodes if needed). Null if the bytes do not decode.
  const google::protobuf::Message* Message() const;
  const TracesRequest* Traces() const;
  const MetricsRequest* Metrics() const;
  const LogsRequest* Logs() const;
  // Write access; null when read-only or undecodable. Invalidates kept bytes.
  google::protobuf::Message* MutableMessage();
  TracesRequest* MutableTraces();
  MetricsRequest* MutableMetrics();
  LogsRequest* MutableLogs();
  // Call after changing the message through MutableMessage() so the item count is recomputed.
  void MarkModified();

  // Replaces a changed, decoded batch by its encoding (kept bytes; the arena is freed): what the
  // batch processor holds while it waits. Does nothing when the bytes are current or the batch is
  // shared (another handle may be reading the message).
  void Encode();

  // The protobuf encoding: the kept bytes if still current, else serialized into scratch.
  std::string_view ProtoBytes(std::string& scratch) const;
  // OTLP/JSON (hex ids, enums as integers, 64-bit integers as strings).
  std::string Json() const;

  // Another handle to the same batch; both become read-only.
  PData Share();
  // A deep, mutable copy (copies the bytes if only bytes are held).
  PData Clone() const;
  // Number of handles sharing this batch.
  long use_count() const { return impl_.use_count(); }

 private:
  struct Impl;
  static bool DecodeLocked(Impl& impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace adot::collector
