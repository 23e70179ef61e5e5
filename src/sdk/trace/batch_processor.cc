#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "adot/sdk/common/env.h"
#include "adot/sdk/trace/processor.h"
#include "sdk/common/bounded_queue.h"
#include "sdk/trace/span_data_pool.h"

namespace adot::sdk::trace {

namespace {

using Clock = std::chrono::steady_clock;
// Every live processor, so a forked child can tell each to restart its worker.
std::mutex registry_mutex;
std::vector<std::weak_ptr<BatchSpanProcessor::Impl>>& Registry() {
  static auto* registry = new std::vector<std::weak_ptr<BatchSpanProcessor::Impl>>();
  return *registry;
}

}  // namespace

class BatchSpanProcessor::Impl {
 public:
  Impl(std::unique_ptr<SpanExporter> exporter, BatchSpanProcessorOptions options)
      : exporter_(std::move(exporter)), options_(options), ring_(options.max_queue_size) {
    if (options_.max_export_batch_size == 0) options_.max_export_batch_size = 1;
    if (options_.max_export_batch_size > options_.max_queue_size) {
      options_.max_export_batch_size = std::max<size_t>(options_.max_queue_size, 1);
    }
    batch_.reserve(options_.max_export_batch_size);
  }

  void Start() { worker_ = std::thread([this] { Run(); }); }

  void OnEnd(std::unique_ptr<SpanData> span) noexcept {
    if (needs_restart_.load(std::memory_order_relaxed)) RestartAfterFork();
    if (!span->flags.IsSampled()) return;
    if (stopping_.load(std::memory_order_relaxed) || !ring_.Push(span.get())) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;  // span released last (see SpanProcessor::OnEnd)
    }
    span.release();
    // Wake the worker once per full batch; the flag keeps this off the per-span path.
    if (ring_.Size() >= options_.max_export_batch_size &&
        !batch_ready_.exchange(true, std::memory_order_acq_rel)) {
      std::lock_guard<std::mutex> lock(mutex_);
      wake_.notify_one();
    }
  }

  bool ForceFlush(std::chrono::milliseconds timeout) noexcept {
    if (needs_restart_.load(std::memory_order_relaxed)) RestartAfterFork();
    std::unique_lock<std::mutex> lock(mutex_);
    if (!worker_.joinable()) return false;
    uint64_t ticket = ++flush_requested_;
    wake_.notify_one();
    bool done = flushed_cv_.wait_for(lock, timeout, [&] { return flush_done_ >= ticket; });
    lock.unlock();
    return done && exporter_->ForceFlush(timeout);
  }

  bool Shutdown(std::chrono::milliseconds timeout) noexcept {
    if (needs_restart_.load(std::memory_order_relaxed)) RestartAfterFork();
    auto deadline = Clock::now() + timeout;
    bool drained;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      if (stopping_.exchange(true)) return true;
      wake_.notify_one();
      drained = flushed_cv_.wait_until(lock, deadline, [&] { return worker_done_; });
    }
    // Past the deadline: abort the exporter (it may be waiting on a stalled endpoint).
    if (!drained) exporter_->Shutdown(std::chrono::milliseconds(0));
    if (worker_.joinable()) worker_.join();
    size_t left = 0;
    while (SpanData* span = ring_.Pop()) {
      delete span;
      ++left;
    }
    dropped_.fetch_add(left, std::memory_order_relaxed);
    auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    bool ok = exporter_->Shutdown(std::max(remaining, std::chrono::milliseconds(0)));
    return ok && drained && left == 0;
  }

  std::chrono::milliseconds export_timeout() const noexcept { return options_.export_timeout; }

  BatchSpanProcessorStats Stats() const noexcept {
    return {exported_.load(), export_failed_.load(), dropped_.load()};
  }

  // Called in the child of fork(): the worker thread does not exist there, and the spans queued
  // at the time belong to the parent, which exports them.
  void MarkForkedChild() noexcept { needs_restart_.store(true); }
  void LockForFork() { mutex_.lock(); }
  void UnlockAfterFork() { mutex_.unlock(); }

 private:
  void RestartAfterFork() noexcept {
    std::lock_guard<std::mutex> lock(restart_mutex_);
    if (!needs_restart_.load()) return;
    // The parent's worker does not exist here. Its std::thread object cannot be joined or
    // destroyed (that would terminate), so it is overwritten in place.
    new (&worker_) std::thread();
    ring_.ResetAfterFork([](SpanData* span) { delete span; });
    batch_.clear();  // the parent exports these
    batch_ready_.store(false);
    worker_done_ = false;
    flush_done_ = flush_requested_;
    if (!stopping_.load()) Start();
    needs_restart_.store(false);
  }

  void Run() {
    std::unique_lock<std::mutex> lock(mutex_);
    auto next_export = Clock::now() + options_.schedule_delay;
    for (;;) {
      wake_.wait_until(lock, next_export, [&] {
        return stopping_.load() || flush_requested_ > flush_done_ ||
               batch_ready_.load(std::memory_order_acquire);
      });
      const bool stopping = stopping_.load();
      const uint64_t flush_ticket = flush_requested_;
      const bool timer = Clock::now() >= next_export;
      batch_ready_.store(false, std::memory_order_release);
      lock.unlock();

      // Full batches always go; a partial one only on the timer, a flush or shutdown.
      const bool drain_all = stopping || flush_ticket > flush_done_ || timer;
      while (ring_.Size() >= options_.max_export_batch_size || (drain_all && ring_.Size() > 0)) {
        ExportBatch();
      }
      if (timer) next_export = Clock::now() + options_.schedule_delay;

      lock.lock();
      if (flush_ticket > flush_done_) {
        flush_done_ = flush_ticket;
        flushed_cv_.notify_all();
      }
      if (stopping) {
        worker_done_ = true;
        flushed_cv_.notify_all();
        return;
      }
    }
  }

  void ExportBatch() {
    // Pops in chunks: one claim of the ring's head per chunk rather than per span.
    SpanData* popped[64];
    while (batch_.size() < options_.max_export_batch_size) {
      size_t n = ring_.PopBulk(popped, std::min<size_t>(std::size(popped),
                                                        options_.max_export_batch_size - batch_.size()));
      if (n == 0) break;
      for (size_t i = 0; i < n; ++i) batch_.emplace_back(popped[i]);
    }
    if (batch_.empty()) return;
    ExportResult result = exporter_->Export(SpanBatch(batch_));
    (result == ExportResult::kSuccess ? exported_ : export_failed_)
        .fetch_add(batch_.size(), std::memory_order_relaxed);
    internal::RecycleSpanData(batch_);
  }

  std::unique_ptr<SpanExporter> exporter_;
  BatchSpanProcessorOptions options_;
  sdk::internal::BoundedQueue<SpanData> ring_;
  std::vector<std::unique_ptr<SpanData>> batch_;  // worker thread only

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable flushed_cv_;
  uint64_t flush_requested_ = 0;  // guarded by mutex_
  uint64_t flush_done_ = 0;       // guarded by mutex_
  bool worker_done_ = false;      // guarded by mutex_
  std::atomic<bool> stopping_{false};
  std::atomic<bool> batch_ready_{false};
  std::thread worker_;

  std::mutex restart_mutex_;
  std::atomic<bool> needs_restart_{false};

  std::atomic<uint64_t> exported_{0};
  std::atomic<uint64_t> export_failed_{0};
  std::atomic<uint64_t> dropped_{0};
};

namespace {

void ForEachProcessor(void (BatchSpanProcessor::Impl::*fn)()) {
  for (auto& weak : Registry())
    if (auto impl = weak.lock()) ((*impl).*fn)();
}

void PrepareFork() {
  registry_mutex.lock();
  ForEachProcessor(&BatchSpanProcessor::Impl::LockForFork);
}
void ParentAfterFork() {
  ForEachProcessor(&BatchSpanProcessor::Impl::UnlockAfterFork);
  registry_mutex.unlock();
}
void ChildAfterFork() {
  ForEachProcessor(&BatchSpanProcessor::Impl::UnlockAfterFork);
  for (auto& weak : Registry())
    if (auto impl = weak.lock()) impl->MarkForkedChild();
  registry_mutex.unlock();
}

void Register(const std::shared_ptr<BatchSpanProcessor::Impl>& impl) {
  static const bool registered = [] {
    pthread_atfork(PrepareFork, ParentAfterFork, ChildAfterFork);
    return true;
  }();
  (void)registered;
  std::lock_guard<std::mutex> lock(registry_mutex);
  auto& registry = Registry();
  std::erase_if(registry, [](const auto& w) { return w.expired(); });
  registry.push_back(impl);
}

size_t EnvSize(const char* name, size_t fallback) {
  auto v = env::GetInt(name);
  return v ? static_cast<size_t>(*v) : fallback;
}

}  // namespace

BatchSpanProcessorOptions BatchSpanProcessorOptions::FromEnvironment() {
  BatchSpanProcessorOptions options;
  if (auto v = env::GetMilliseconds("OTEL_BSP_SCHEDULE_DELAY")) options.schedule_delay = *v;
  if (auto v = env::GetMilliseconds("OTEL_BSP_EXPORT_TIMEOUT")) options.export_timeout = *v;
  options.max_queue_size = EnvSize("OTEL_BSP_MAX_QUEUE_SIZE", options.max_queue_size);
  options.max_export_batch_size =
      EnvSize("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", options.max_export_batch_size);
  if (options.max_queue_size == 0) {
    env::WarnInvalid("OTEL_BSP_MAX_QUEUE_SIZE", "0", "2048");
    options.max_queue_size = 2048;
  }
  if (options.max_export_batch_size == 0) {
    env::WarnInvalid("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "0", "512");
    options.max_export_batch_size = std::min<size_t>(512, options.max_queue_size);
  }
  if (options.max_export_batch_size > options.max_queue_size) {
    env::WarnOnce("OTEL_BSP_MAX_EXPORT_BATCH_SIZE is larger than OTEL_BSP_MAX_QUEUE_SIZE; using " +
                  std::to_string(options.max_queue_size));
    options.max_export_batch_size = options.max_queue_size;
  }
  return options;
}

BatchSpanProcessor::BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter,
                                       BatchSpanProcessorOptions options)
    : impl_(std::make_shared<Impl>(std::move(exporter), options)) {
  Register(impl_);
  impl_->Start();
}

BatchSpanProcessor::~BatchSpanProcessor() { Shutdown(impl_->export_timeout()); }

void BatchSpanProcessor::OnEnd(std::unique_ptr<SpanData> span) noexcept {
  impl_->OnEnd(std::move(span));
}
bool BatchSpanProcessor::ForceFlush(std::chrono::milliseconds timeout) noexcept {
  return impl_->ForceFlush(timeout);
}
bool BatchSpanProcessor::Shutdown(std::chrono::milliseconds timeout) noexcept {
  return impl_->Shutdown(timeout);
}
BatchSpanProcessorStats BatchSpanProcessor::GetStats() const noexcept { return impl_->Stats(); }

}  // namespace adot::sdk::trace
