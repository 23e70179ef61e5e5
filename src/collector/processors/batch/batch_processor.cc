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
  if (c->send_batch_max_size != 0)
    r.Error("send_batch_max_size", "splitting batches is not supported yet; leave it 0");
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
    if (cfg_.timeout.count() == 0 && cfg_.send_batch_size == 0) return Forward(std::move(data));
    std::vector<PData> ready;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) {
        // Late data after shutdown: pass it straight on.
      } else {
        if (pending_.empty()) first_at_ = Clock::now();
        pending_items_ += data.ItemCount();
        pending_.push_back(std::move(data));
        if (cfg_.timeout.count() > 0 && pending_items_ < static_cast<uint64_t>(cfg_.send_batch_size)) {
          cv_.notify_one();
          return Status::Ok();
        }
        ready.swap(pending_);
        pending_items_ = 0;
      }
    }
    if (ready.empty()) return Forward(std::move(data));
    Flush(ready);
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
    if (!ready.empty()) Flush(ready);
  }

 private:
  Status Forward(PData data) {
    Status s = next_->Consume(std::move(data));
    if (!s.ok()) Log(LogLevel::kWarn, "processor " + name_, "sender failed: " + s.message());
    return s;
  }

  void Flush(std::vector<PData>& batches) {
    Signal signal = batches.front().signal();
    Forward(MergeBatches(signal, batches));
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
      Flush(ready);
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
  bool all_bytes = true;
  for (auto& b : batches) all_bytes = all_bytes && b.has_bytes();
  if (all_bytes) {
    std::string joined, scratch;
    size_t n = 0;
    for (auto& b : batches) n += b.ProtoBytes(scratch).size();
    joined.reserve(n);
    for (auto& b : batches) joined.append(b.ProtoBytes(scratch));
    PData out;
    if (PData::FromProtoBytes(signal, std::move(joined), out).ok()) return out;
  }
  PData out = PData::New(signal);
  google::protobuf::Message* m = out.MutableMessage();
  for (auto& b : batches)
    if (const auto* src = b.Message()) m->MergeFrom(*src);
  out.MarkModified();
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
