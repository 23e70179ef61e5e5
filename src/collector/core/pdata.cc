#include "collector/core/pdata.h"

#include <google/protobuf/arena.h>

#include <algorithm>
#include <atomic>
#include <cassert>

#include "collector/core/otlp_json.h"
#include "common/proto_writer.h"

namespace adot::collector {

namespace pb = google::protobuf;
using adot::common::proto::ProtoReader;
using adot::common::proto::WireType;

const char* SignalName(Signal s) {
  switch (s) {
    case Signal::kTraces: return "traces";
    case Signal::kMetrics: return "metrics";
    case Signal::kLogs: return "logs";
  }
  return "?";
}

bool ParseSignal(std::string_view t, Signal& s) {
  if (t == "traces") s = Signal::kTraces;
  else if (t == "metrics") s = Signal::kMetrics;
  else if (t == "logs") s = Signal::kLogs;
  else return false;
  return true;
}

namespace {

// Walks length-delimited fields `path` levels deep and counts the leaves.
bool CountPath(std::string_view bytes, const uint32_t* path, size_t depth, uint64_t& count) {
  ProtoReader r(bytes);
  ProtoReader::Field f;
  while (r.Next(f)) {
    if (f.number != path[0]) continue;
    if (f.type != WireType::kLengthDelimited) return false;
    if (depth == 1) ++count;
    else if (!CountPath(f.bytes, path + 1, depth - 1, count)) return false;
  }
  return r.ok();
}

// Metric: data points live in gauge(5)/sum(7)/histogram(9)/exponential_histogram(10)/summary(11),
// each with data_points = 1.
bool CountMetricPoints(std::string_view metric, uint64_t& count) {
  ProtoReader r(metric);
  ProtoReader::Field f;
  while (r.Next(f)) {
    if (f.number == 5 || f.number == 7 || f.number == 9 || f.number == 10 || f.number == 11) {
      if (f.type != WireType::kLengthDelimited) return false;
      static const uint32_t kPoints[] = {1};
      if (!CountPath(f.bytes, kPoints, 1, count)) return false;
    }
  }
  return r.ok();
}

bool CountMetrics(std::string_view bytes, int level, uint64_t& count) {
  ProtoReader r(bytes);
  ProtoReader::Field f;
  const uint32_t want = level == 0 ? 1 : 2;  // resource_metrics=1, scope_metrics=2, metrics=2
  while (r.Next(f)) {
    if (f.number != want) continue;
    if (f.type != WireType::kLengthDelimited) return false;
    bool ok = level == 2 ? CountMetricPoints(f.bytes, count) : CountMetrics(f.bytes, level + 1, count);
    if (!ok) return false;
  }
  return r.ok();
}

uint64_t CountMessage(Signal s, const pb::Message& m) {
  uint64_t n = 0;
  switch (s) {
    case Signal::kTraces:
      for (const auto& rs : static_cast<const TracesRequest&>(m).resource_spans())
        for (const auto& ss : rs.scope_spans()) n += ss.spans_size();
      break;
    case Signal::kLogs:
      for (const auto& rl : static_cast<const LogsRequest&>(m).resource_logs())
        for (const auto& sl : rl.scope_logs()) n += sl.log_records_size();
      break;
    case Signal::kMetrics:
      for (const auto& rm : static_cast<const MetricsRequest&>(m).resource_metrics())
        for (const auto& sm : rm.scope_metrics())
          for (const auto& metric : sm.metrics()) {
            if (metric.has_gauge()) n += metric.gauge().data_points_size();
            else if (metric.has_sum()) n += metric.sum().data_points_size();
            else if (metric.has_histogram()) n += metric.histogram().data_points_size();
            else if (metric.has_exponential_histogram())
              n += metric.exponential_histogram().data_points_size();
            else if (metric.has_summary()) n += metric.summary().data_points_size();
          }
      break;
  }
  return n;
}

pb::Message* NewMessage(Signal s, pb::Arena* arena) {
  switch (s) {
    case Signal::kTraces: return pb::Arena::CreateMessage<TracesRequest>(arena);
    case Signal::kMetrics: return pb::Arena::CreateMessage<MetricsRequest>(arena);
    case Signal::kLogs: return pb::Arena::CreateMessage<LogsRequest>(arena);
  }
  return nullptr;
}

}  // namespace

bool CountItemsOnWire(Signal signal, std::string_view bytes, uint64_t& items) {
  items = 0;
  switch (signal) {
    case Signal::kTraces: {
      static const uint32_t kPath[] = {1, 2, 2};  // resource_spans, scope_spans, spans
      return CountPath(bytes, kPath, 3, items);
    }
    case Signal::kLogs: {
      static const uint32_t kPath[] = {1, 2, 2};  // resource_logs, scope_logs, log_records
      return CountPath(bytes, kPath, 3, items);
    }
    case Signal::kMetrics:
      return CountMetrics(bytes, 0, items);
  }
  return false;
}

namespace {
std::atomic<int64_t> g_live_bytes{0};  // what every batch in the process holds (PData::LiveBytes)
}  // namespace

int64_t PData::LiveBytes() { return g_live_bytes.load(std::memory_order_relaxed); }

struct PData::Impl {
  Signal signal = Signal::kTraces;
  std::mutex mu;
  std::string bytes;
  bool bytes_valid = false;
  std::unique_ptr<pb::Arena> arena;
  pb::Message* msg = nullptr;
  bool decode_failed = false;
  uint64_t items = 0;
  bool read_only = false;
  size_t accounted = 0;  // this batch's share of g_live_bytes

  ~Impl() { g_live_bytes.fetch_sub(static_cast<int64_t>(accounted), std::memory_order_relaxed); }
  size_t Holds() const { return bytes.capacity() + (arena ? arena->SpaceAllocated() : 0); }
  // After the bytes or the arena changed: brings g_live_bytes up to date.
  void Account() {
    const size_t now = Holds();
    g_live_bytes.fetch_add(static_cast<int64_t>(now) - static_cast<int64_t>(accounted), std::memory_order_relaxed);
    accounted = now;
  }
};

namespace {

// An arena whose first block fits a message decoded from `encoded_size` bytes (decoded messages
// take about three times their encoding): one malloc instead of a chain of growing blocks.
std::unique_ptr<pb::Arena> ArenaFor(size_t encoded_size) {
  pb::ArenaOptions o;
  o.start_block_size = std::clamp<size_t>(encoded_size * 3, 4096, 8 << 20);
  o.max_block_size = std::max<size_t>(o.start_block_size, 1 << 20);
  return std::make_unique<pb::Arena>(o);
}

}  // namespace

bool PData::DecodeLocked(Impl& impl) {
  if (impl.msg) return true;
  if (impl.decode_failed) return false;
  impl.arena = ArenaFor(impl.bytes.size());
  pb::Message* m = NewMessage(impl.signal, impl.arena.get());
  const bool ok = m->ParseFromArray(impl.bytes.data(), static_cast<int>(impl.bytes.size()));
  if (ok) impl.msg = m;
  else impl.decode_failed = true;
  impl.Account();
  return ok;
}

Status PData::FromProtoBytes(Signal signal, std::string bytes, PData& out) {
  uint64_t items = 0;
  if (!CountItemsOnWire(signal, bytes, items))
    return Status::Invalid("malformed protobuf request");
  out = FromEncoded(signal, std::move(bytes), items);
  return Status::Ok();
}

PData PData::FromEncoded(Signal signal, std::string bytes, uint64_t items) {
#ifndef NDEBUG
  uint64_t counted = 0;
  assert(CountItemsOnWire(signal, bytes, counted) && counted == items);
#endif
  PData out;
  auto impl = std::make_shared<Impl>();
  impl->signal = signal;
  impl->bytes = std::move(bytes);
  impl->bytes_valid = true;
  impl->items = items;
  impl->Account();
  out.impl_ = std::move(impl);
  return out;
}

Status PData::FromJson(Signal signal, std::string_view json, PData& out) {
  PData p = New(signal);
  std::string error;
  if (!ParseOtlpJson(json, *p.impl_->msg, error)) return Status::Invalid("malformed JSON request: " + error);
  p.impl_->items = CountMessage(signal, *p.impl_->msg);
  p.impl_->Account();
  out = std::move(p);
  return Status::Ok();
}

PData PData::New(Signal signal) {
  PData p;
  p.impl_ = std::make_shared<Impl>();
  p.impl_->signal = signal;
  p.impl_->arena = std::make_unique<pb::Arena>();
  p.impl_->msg = NewMessage(signal, p.impl_->arena.get());
  p.impl_->Account();
  return p;
}

Signal PData::signal() const { return impl_->signal; }
bool PData::read_only() const { return impl_->read_only; }

uint64_t PData::ItemCount() const { return impl_ ? impl_->items : 0; }

bool PData::has_bytes() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->bytes_valid;
}

size_t PData::MemoryBytes() const {
  if (!impl_) return 0;
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->Holds();
}

const pb::Message* PData::Message() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return DecodeLocked(*impl_) ? impl_->msg : nullptr;
}
const TracesRequest* PData::Traces() const {
  return signal() == Signal::kTraces ? static_cast<const TracesRequest*>(Message()) : nullptr;
}
const MetricsRequest* PData::Metrics() const {
  return signal() == Signal::kMetrics ? static_cast<const MetricsRequest*>(Message()) : nullptr;
}
const LogsRequest* PData::Logs() const {
  return signal() == Signal::kLogs ? static_cast<const LogsRequest*>(Message()) : nullptr;
}

pb::Message* PData::MutableMessage() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->read_only || !DecodeLocked(*impl_)) return nullptr;
  impl_->bytes_valid = false;
  impl_->bytes.clear();
  impl_->bytes.shrink_to_fit();
  impl_->Account();
  return impl_->msg;
}
TracesRequest* PData::MutableTraces() {
  return signal() == Signal::kTraces ? static_cast<TracesRequest*>(MutableMessage()) : nullptr;
}
MetricsRequest* PData::MutableMetrics() {
  return signal() == Signal::kMetrics ? static_cast<MetricsRequest*>(MutableMessage()) : nullptr;
}
LogsRequest* PData::MutableLogs() {
  return signal() == Signal::kLogs ? static_cast<LogsRequest*>(MutableMessage()) : nullptr;
}

void PData::MarkModified() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->msg) impl_->items = CountMessage(impl_->signal, *impl_->msg);
  impl_->Account();  // the arena may have grown
}

void PData::Encode() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->bytes_valid || !impl_->msg || impl_.use_count() != 1) return;
  impl_->bytes.clear();
  impl_->msg->SerializeToString(&impl_->bytes);
  impl_->bytes_valid = true;
  impl_->msg = nullptr;
  impl_->arena.reset();
  impl_->Account();
}

std::string_view PData::ProtoBytes(std::string& scratch) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->bytes_valid) return impl_->bytes;
  scratch.clear();
  if (impl_->msg) impl_->msg->SerializeToString(&scratch);
  return scratch;
}

std::string PData::Json() const {
  const pb::Message* m = Message();
  return m ? PrintOtlpJson(*m) : std::string("{}");
}

PData PData::Share() {
  impl_->read_only = true;
  return *this;
}

PData PData::Clone() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  PData p;
  p.impl_ = std::make_shared<Impl>();
  p.impl_->signal = impl_->signal;
  p.impl_->items = impl_->items;
  if (impl_->bytes_valid) {
    p.impl_->bytes = impl_->bytes;
    p.impl_->bytes_valid = true;
  } else if (impl_->msg) {
    p.impl_->arena = std::make_unique<pb::Arena>();
    p.impl_->msg = NewMessage(impl_->signal, p.impl_->arena.get());
    p.impl_->msg->CopyFrom(*impl_->msg);
  }
  p.impl_->Account();
  return p;
}

}  // namespace adot::collector
