#include "collector/processors/memory_limiter/memory_limiter.h"

#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include "collector/core/logger.h"

namespace adot::collector {
namespace {

struct MemoryLimiterConfig : ComponentConfig {
  std::chrono::milliseconds check_interval{0};
  int64_t limit_mib = 0, spike_limit_mib = 0;
  int64_t limit_percentage = 0, spike_limit_percentage = 0;
};

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<MemoryLimiterConfig>();
  c->check_interval = r.Duration("check_interval", c->check_interval);
  c->limit_mib = r.Int("limit_mib", 0, 0);
  c->spike_limit_mib = r.Int("spike_limit_mib", 0, 0);
  c->limit_percentage = r.Int("limit_percentage", 0, 0, 100);
  c->spike_limit_percentage = r.Int("spike_limit_percentage", 0, 0, 100);
  if (c->check_interval.count() <= 0) r.Error("check_interval", "must be greater than zero");
  if (c->limit_mib == 0 && c->limit_percentage == 0)
    r.Error("limit_mib", "limit_mib or limit_percentage must be set");
  if (c->limit_mib > 0 && c->spike_limit_mib >= c->limit_mib)
    r.Error("spike_limit_mib", "must be smaller than limit_mib");
  if (c->limit_percentage > 0 && c->spike_limit_percentage >= c->limit_percentage)
    r.Error("spike_limit_percentage", "must be smaller than limit_percentage");
  r.Finish();
  return c;
}

class MemoryLimiter : public Processor {
 public:
  MemoryLimiter(const MemoryLimiterConfig& c, std::string name, std::shared_ptr<Consumer> next)
      : cfg_(c), name_(std::move(name)), next_(std::move(next)) {
    const uint64_t mib = 1024 * 1024;
    if (c.limit_mib > 0) {
      hard_ = c.limit_mib * mib;
      soft_ = hard_ - (c.spike_limit_mib > 0 ? c.spike_limit_mib * mib : hard_ / 5);
    } else {
      uint64_t total = AvailableMemoryBytes();
      hard_ = total / 100 * c.limit_percentage;
      soft_ = hard_ - total / 100 * c.spike_limit_percentage;
      if (c.spike_limit_percentage == 0) soft_ = hard_ - hard_ / 5;
    }
  }
  ~MemoryLimiter() override { Stop(); }

  Status Start() override {
    Check();
    thread_ = std::thread([this] {
      std::unique_lock<std::mutex> lock(mu_);
      while (!stopped_) {
        cv_.wait_for(lock, cfg_.check_interval);
        if (stopped_) break;
        lock.unlock();
        Check();
        lock.lock();
      }
    });
    return Status::Ok();
  }
  void Shutdown(Deadline) override { Stop(); }

  Status Consume(PData data) override {
    if (refusing_.load(std::memory_order_relaxed)) return Refuse(data);
    // Between checks, how much more the batches in the process hold than at the check counts too:
    // a sender with a backlog can bring in far more than the spike allowance within one interval
    // (and batches that left since make room again).
    const int64_t grown = PData::LiveBytes() - live_at_check_.load(std::memory_order_relaxed);
    if (grown > 0 && heap_at_check_.load(std::memory_order_relaxed) + static_cast<uint64_t>(grown) >= soft_)
      return Refuse(data);
    return next_->Consume(std::move(data));
  }

 private:
  Status Refuse(const PData& data) {
    refused_items_ += data.ItemCount();
    return Status::Retryable("data refused due to high memory usage");
  }

  // Refuses on the live heap rather than RSS: RSS also counts the shared libraries and free memory
  // the allocator keeps, so after a burst it can stay above the soft limit with nothing in flight
  // (and refuse forever). That kept free memory is also what lets RSS outgrow the limit while the
  // heap stays under it (a slow backend: large batches come and go), so it is given back to the
  // system whenever RSS passes the soft limit (as Go's limiter forces a garbage collection), and
  // RSS still above the hard limit after that refuses too.
  void Check() {
    uint64_t used = ProcessHeapInUseBytes();
    uint64_t rss = ProcessRssBytes();
    if (used >= hard_ || rss >= soft_) {
      malloc_trim(0);
      rss = ProcessRssBytes();
    }
    heap_at_check_.store(used, std::memory_order_relaxed);
    live_at_check_.store(PData::LiveBytes(), std::memory_order_relaxed);
    bool refuse = used >= soft_ || rss >= hard_;
    if (refuse != refusing_.exchange(refuse))
      Log(refuse ? LogLevel::kWarn : LogLevel::kInfo, "processor " + name_,
          std::string(refuse ? "memory usage is above the limits, refusing data"
                             : "memory usage is below the limits, accepting data again") +
              " (heap_in_use_mib=" + std::to_string(used >> 20) + " soft_limit_mib=" + std::to_string(soft_ >> 20) +
              " rss_mib=" + std::to_string(rss >> 20) + " limit_mib=" + std::to_string(hard_ >> 20) + ")");
  }
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  MemoryLimiterConfig cfg_;
  std::string name_;
  std::shared_ptr<Consumer> next_;
  uint64_t hard_ = 0, soft_ = 0;
  std::atomic<bool> refusing_{false};
  std::atomic<uint64_t> heap_at_check_{0};  // the heap in use at the last check
  std::atomic<int64_t> live_at_check_{0};   // PData::LiveBytes() then
  std::atomic<uint64_t> refused_items_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
  std::thread thread_;
};

}  // namespace

uint64_t AvailableMemoryBytes() {
  uint64_t phys = static_cast<uint64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  for (const char* path : {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream f(path);
    std::string v;
    if (f >> v && v != "max") {
      uint64_t limit = std::strtoull(v.c_str(), nullptr, 10);
      if (limit > 0 && limit < phys) return limit;
    }
  }
  return phys;
}

Factory MemoryLimiterProcessorFactory() {
  Factory f;
  f.kind = Kind::kProcessor;
  f.type = "memory_limiter";
  f.stability = "beta";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.parse = Parse;
  f.create_processor = [](const ComponentConfig& c, const CreateSettings& s,
                          std::shared_ptr<Consumer> next) -> std::shared_ptr<Processor> {
    return std::make_shared<MemoryLimiter>(static_cast<const MemoryLimiterConfig&>(c),
                                           s.id + "[" + s.pipeline + "]", std::move(next));
  };
  return f;
}

}  // namespace adot::collector
