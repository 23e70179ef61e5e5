#include "collector/processors/batch/batch_processor.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "collector/core/logger.h"

namespace adot::collector {
namespace {

struct BatchConfig : ComponentConfig {
  std::chrono::milliseconds timeout{200};
  int64_t send_batch_size = 8192;
  int64_t send_batch_max_size = 0;
};

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<BatchConfig>();
  c->timeout = r.Duration("timeout", c->timeout);
  c->send_batch_size = r.Int("send_batch_size", c->send_batch_size, 0);
  c->send_batch_max_size = r.Int("send_batch_max_size", c->send_batch_max_size, 0);
  if (c->send_batch_max_size > 0 && c->send_batch_max_size < c->send_batch_size)
    r.Error("send_batch_max_size", "must be 0 (no limit) or at least send_batch_size (" +
                                       std::to_string(c->send_batch_size) + "), got " +
                                       std::to_string(c->send_batch_max_size));
  if (!r.StringList("metadata_keys").empty())
    r.Error("metadata_keys", "batching by client metadata is not supported yet");
  r.Int("metadata_cardinality_limit", 1000, 0);
  r.Finish();
  return c;
}

class BatchProcessor : public Processor {
 public:
  BatchProcessor(const BatchConfig& cfg, std::string name, std::shared_ptr<Consumer> next)
      : cfg_(cfg), name_(std::move(name)), next_(std::move(next)) {}
  ~BatchProcessor() override { StopTimer(); }

  Status Start() override {
    if (cfg_.timeout.count() > 0) timer_ = std::thread([this] { TimerLoop(); });
    return Status::Ok();
  }

  Status Consume(PData data) override {
    std::vector<PData> ready;
    if (cfg_.timeout.count() == 0 && cfg_.send_batch_size == 0) {
      ready.push_back(std::move(data));
      return Flush(ready, false);
    }
    data.Encode();  // waits as bytes: a fraction of the memory of decoded messages
    bool late = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) {
        // Late data after shutdown: pass it straight on (split if needed).
        ready.push_back(std::move(data));
        late = true;
      } else {
        bool first = pending_.empty();
        if (first) first_at_ = Clock::now();
        pending_items_ += data.ItemCount();
        pending_.push_back(std::move(data));
        if (HasTimer() && pending_items_ < static_cast<uint64_t>(cfg_.send_batch_size)) {
          // Only the first pending batch starts a timeout; waking the timer thread for every
          // request cost a context switch each.
          if (first) cv_.notify_one();
          return Status::Ok();
        }
        ready.swap(pending_);
        pending_items_ = 0;
      }
    }
    if (late) return Flush(ready, false);
    // As in Go: with a timer, what is left after splitting (less than send_batch_size) waits.
    // Export errors are logged, not returned (as in Go).
    Flush(ready, /*keep_remainder=*/HasTimer());
    return Status::Ok();
  }

  void Shutdown(Deadline deadline) override {
    StopTimer();
    std::vector<PData> ready;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ready.swap(pending_);
      pending_items_ = 0;
    }
    if (!ready.empty()) Flush(ready, false);
  }

 private:
  // Go starts a timer only when both timeout and send_batch_size are set; otherwise every batch
  // is sent at once.
  bool HasTimer() const { return cfg_.timeout.count() > 0 && cfg_.send_batch_size > 0; }

  Status Forward(PData data) {
    Status s = next_->Consume(std::move(data));
    if (!s.ok()) Log(LogLevel::kWarn, "processor " + name_, "sender failed: " + s.message());
    return s;
  }

  // Joins the batches and sends them, in pieces of at most send_batch_max_size items. With
  // keep_remainder, a last piece smaller than send_batch_size goes back to the pending batches.
  Status Flush(std::vector<PData>& batches, bool keep_remainder) {
    Signal signal = batches.front().signal();
    PData joined = MergeBatches(signal, batches);
    const uint64_t max = static_cast<uint64_t>(cfg_.send_batch_max_size);
    if (max == 0 || joined.ItemCount() <= max) return Forward(std::move(joined));
    std::vector<PData> pieces = SplitBatch(joined, max);
    if (keep_remainder && !pieces.empty() &&
        pieces.back().ItemCount() < static_cast<uint64_t>(cfg_.send_batch_size)) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopped_) {
        if (pending_.empty()) first_at_ = Clock::now();
        pending_items_ += pieces.back().ItemCount();
        pending_.insert(pending_.begin(), std::move(pieces.back()));
        pieces.pop_back();
        cv_.notify_one();
      }
    }
    Status result = Status::Ok();
    for (auto& p : pieces) {
      Status st = Forward(std::move(p));
      if (!st.ok() && result.ok()) result = st;
    }
    return result;
  }

  void TimerLoop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopped_) {
      if (pending_.empty()) {
        cv_.wait(lock);
        continue;
      }
      auto due = first_at_ + cfg_.timeout;
      if (Clock::now() < due) {
        cv_.wait_until(lock, due);
        continue;
      }
      std::vector<PData> ready;
      ready.swap(pending_);
      pending_items_ = 0;
      lock.unlock();
      Flush(ready, false);
      lock.lock();
    }
  }

  void StopTimer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
    if (timer_.joinable()) timer_.join();
  }

  BatchConfig cfg_;
  std::string name_;
  std::shared_ptr<Consumer> next_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<PData> pending_;
  uint64_t pending_items_ = 0;
  Clock::time_point first_at_;
  bool stopped_ = false;
  std::thread timer_;
};

}  // namespace

PData MergeBatches(Signal signal, std::vector<PData>& batches) {
  if (batches.size() == 1) return std::move(batches[0]);
  // Concatenated encodings of Export*ServiceRequests are their merge (repeated fields append):
  // cheaper than MergeFrom on decoded messages, and the result goes out as it is.
  std::string joined, scratch;
  size_t n = 0;
  uint64_t items = 0;
  for (auto& b : batches) {
    if (b.has_bytes()) n += b.ProtoBytes(scratch).size();
    else if (const auto* m = b.Message()) n += m->ByteSizeLong();
    items += b.ItemCount();
  }
  joined.reserve(n);
  for (auto& b : batches) joined.append(b.ProtoBytes(scratch));
  return PData::FromEncoded(signal, std::move(joined), items);
}

namespace {

using opentelemetry::proto::metrics::v1::Metric;

// A resource-level or scope-level message without its children: resource/scope and schema_url.
template <typename R>
void CopyResourceHeader(const R& src, R* dst) {
  *dst->mutable_resource() = src.resource();
  dst->set_schema_url(src.schema_url());
}
template <typename S>
void CopyScopeHeader(const S& src, S* dst) {
  *dst->mutable_scope() = src.scope();
  dst->set_schema_url(src.schema_url());
}

struct TracesShape {
  using Req = TracesRequest;
  static constexpr Signal kSignal = Signal::kTraces;
  static const auto& Resources(const Req& r) { return r.resource_spans(); }
  static auto* AddResource(Req& r) { return r.add_resource_spans(); }
  template <typename R> static const auto& Scopes(const R& r) { return r.scope_spans(); }
  template <typename R> static auto* AddScope(R& r) { return r.add_scope_spans(); }
  template <typename S> static const auto& Items(const S& s) { return s.spans(); }
  template <typename S> static auto* AddItem(S& s) { return s.add_spans(); }
};

struct LogsShape {
  using Req = LogsRequest;
  static constexpr Signal kSignal = Signal::kLogs;
  static const auto& Resources(const Req& r) { return r.resource_logs(); }
  static auto* AddResource(Req& r) { return r.add_resource_logs(); }
  template <typename R> static const auto& Scopes(const R& r) { return r.scope_logs(); }
  template <typename R> static auto* AddScope(R& r) { return r.add_scope_logs(); }
  template <typename S> static const auto& Items(const S& s) { return s.log_records(); }
  template <typename S> static auto* AddItem(S& s) { return s.add_log_records(); }
};

// Collects the pieces; a new piece is started lazily, when an item does not fit any more.
template <typename Req>
struct Pieces {
  Signal signal;
  uint64_t max;
  std::vector<PData> out;
  PData cur;
  Req* req = nullptr;
  uint64_t n = 0;

  Pieces(Signal s, uint64_t m) : signal(s), max(m) { Start(); }
  void Start() {
    cur = PData::New(signal);
    req = static_cast<Req*>(cur.MutableMessage());
    n = 0;
  }
  void Finish() {
    cur.MarkModified();
    out.push_back(std::move(cur));
  }
  // True when a new piece was started (the caller's resource/scope/metric copies are stale).
  bool MakeRoom() {
    if (n < max) return false;
    Finish();
    Start();
    return true;
  }
};

template <typename Shape>
std::vector<PData> SplitResourceScopeItems(const typename Shape::Req& src, uint64_t max) {
  Pieces<typename Shape::Req> p(Shape::kSignal, max);
  for (const auto& rs : Shape::Resources(src)) {
    decltype(Shape::AddResource(*p.req)) drs = nullptr;
    if (Shape::Scopes(rs).empty()) {
      *Shape::AddResource(*p.req) = rs;
      continue;
    }
    for (const auto& ss : Shape::Scopes(rs)) {
      decltype(Shape::AddScope(*drs)) dss = nullptr;
      auto ensure_parents = [&] {
        if (!drs) {
          drs = Shape::AddResource(*p.req);
          CopyResourceHeader(rs, drs);
        }
        if (!dss) {
          dss = Shape::AddScope(*drs);
          CopyScopeHeader(ss, dss);
        }
      };
      if (Shape::Items(ss).empty()) {  // an empty scope goes along with the current piece
        if (!drs) {
          drs = Shape::AddResource(*p.req);
          CopyResourceHeader(rs, drs);
        }
        *Shape::AddScope(*drs) = ss;
        continue;
      }
      for (const auto& item : Shape::Items(ss)) {
        if (p.MakeRoom()) drs = nullptr, dss = nullptr;
        ensure_parents();
        *Shape::AddItem(*dss) = item;
        ++p.n;
      }
    }
  }
  p.Finish();
  return std::move(p.out);
}

int PointCount(const Metric& m) {
  switch (m.data_case()) {
    case Metric::kGauge: return m.gauge().data_points_size();
    case Metric::kSum: return m.sum().data_points_size();
    case Metric::kHistogram: return m.histogram().data_points_size();
    case Metric::kExponentialHistogram: return m.exponential_histogram().data_points_size();
    case Metric::kSummary: return m.summary().data_points_size();
    default: return 0;
  }
}

// The metric without its data points: name, description, unit, metadata and the type's settings.
void CopyMetricHeader(const Metric& m, Metric* d) {
  d->set_name(m.name());
  d->set_description(m.description());
  d->set_unit(m.unit());
  *d->mutable_metadata() = m.metadata();
  switch (m.data_case()) {
    case Metric::kGauge: d->mutable_gauge(); break;
    case Metric::kSum:
      d->mutable_sum()->set_aggregation_temporality(m.sum().aggregation_temporality());
      d->mutable_sum()->set_is_monotonic(m.sum().is_monotonic());
      break;
    case Metric::kHistogram:
      d->mutable_histogram()->set_aggregation_temporality(m.histogram().aggregation_temporality());
      break;
    case Metric::kExponentialHistogram:
      d->mutable_exponential_histogram()->set_aggregation_temporality(
          m.exponential_histogram().aggregation_temporality());
      break;
    case Metric::kSummary: d->mutable_summary(); break;
    default: break;
  }
}

void CopyPoint(const Metric& m, int i, Metric* d) {
  switch (m.data_case()) {
    case Metric::kGauge: *d->mutable_gauge()->add_data_points() = m.gauge().data_points(i); break;
    case Metric::kSum: *d->mutable_sum()->add_data_points() = m.sum().data_points(i); break;
    case Metric::kHistogram: *d->mutable_histogram()->add_data_points() = m.histogram().data_points(i); break;
    case Metric::kExponentialHistogram:
      *d->mutable_exponential_histogram()->add_data_points() = m.exponential_histogram().data_points(i);
      break;
    case Metric::kSummary: *d->mutable_summary()->add_data_points() = m.summary().data_points(i); break;
    default: break;
  }
}

std::vector<PData> SplitMetrics(const MetricsRequest& src, uint64_t max) {
  Pieces<MetricsRequest> p(Signal::kMetrics, max);
  for (const auto& rm : src.resource_metrics()) {
    opentelemetry::proto::metrics::v1::ResourceMetrics* drm = nullptr;
    auto ensure_resource = [&] {
      if (!drm) {
        drm = p.req->add_resource_metrics();
        CopyResourceHeader(rm, drm);
      }
    };
    if (rm.scope_metrics().empty()) {
      *p.req->add_resource_metrics() = rm;
      continue;
    }
    for (const auto& sm : rm.scope_metrics()) {
      opentelemetry::proto::metrics::v1::ScopeMetrics* dsm = nullptr;
      auto ensure_scope = [&] {
        ensure_resource();
        if (!dsm) {
          dsm = drm->add_scope_metrics();
          CopyScopeHeader(sm, dsm);
        }
      };
      if (sm.metrics().empty()) {
        ensure_resource();
        *drm->add_scope_metrics() = sm;
        continue;
      }
      for (const auto& m : sm.metrics()) {
        const int points = PointCount(m);
        if (points == 0) {  // no data points: goes along with the current piece
          ensure_scope();
          *dsm->add_metrics() = m;
          continue;
        }
        Metric* dm = nullptr;
        for (int i = 0; i < points; ++i) {
          if (p.MakeRoom()) drm = nullptr, dsm = nullptr, dm = nullptr;
          ensure_scope();
          if (!dm) {
            dm = dsm->add_metrics();
            CopyMetricHeader(m, dm);
          }
          CopyPoint(m, i, dm);
          ++p.n;
        }
      }
    }
  }
  p.Finish();
  return std::move(p.out);
}

}  // namespace

std::vector<PData> SplitBatch(const PData& batch, uint64_t max_items) {
  std::vector<PData> out;
  if (max_items == 0 || batch.ItemCount() <= max_items) {
    out.push_back(batch);
    return out;
  }
  switch (batch.signal()) {
    case Signal::kTraces:
      if (const auto* t = batch.Traces()) return SplitResourceScopeItems<TracesShape>(*t, max_items);
      break;
    case Signal::kLogs:
      if (const auto* l = batch.Logs()) return SplitResourceScopeItems<LogsShape>(*l, max_items);
      break;
    case Signal::kMetrics:
      if (const auto* m = batch.Metrics()) return SplitMetrics(*m, max_items);
      break;
  }
  out.push_back(batch);  // undecodable: passed on as it is
  return out;
}

Factory BatchProcessorFactory() {
  Factory f;
  f.kind = Kind::kProcessor;
  f.type = "batch";
  f.stability = "beta";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.parse = Parse;
  f.create_processor = [](const ComponentConfig& c, const CreateSettings& s,
                          std::shared_ptr<Consumer> next) -> std::shared_ptr<Processor> {
    return std::make_shared<BatchProcessor>(static_cast<const BatchConfig&>(c), s.id + "[" + s.pipeline + "]",
                                            std::move(next));
  };
  return f;
}

}  // namespace adot::collector
