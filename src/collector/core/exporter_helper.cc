#include "collector/core/exporter_helper.h"

#include <algorithm>
#include <cmath>

#include "collector/core/logger.h"
#include "collector/core/telemetry.h"

namespace adot::collector {

void ExporterHelperSettings::Parse(ConfigReader& r) {
  timeout = r.Duration("timeout", timeout);
  ConfigReader q = r.Child("sending_queue");
  queue.enabled = q.Bool("enabled", queue.enabled);
  queue.num_consumers = static_cast<int>(q.Int("num_consumers", queue.num_consumers, 1, 1000));
  queue.queue_size = static_cast<int>(q.Int("queue_size", queue.queue_size, 1, 10000000));
  q.Finish();
  ConfigReader rt = r.Child("retry_on_failure");
  retry.enabled = rt.Bool("enabled", retry.enabled);
  retry.initial_interval = rt.Duration("initial_interval", retry.initial_interval);
  retry.randomization_factor = rt.Double("randomization_factor", retry.randomization_factor);
  if (retry.randomization_factor < 0 || retry.randomization_factor > 1)
    rt.Error("randomization_factor", "must be between 0 and 1");
  retry.multiplier = rt.Double("multiplier", retry.multiplier);
  if (retry.multiplier < 1) rt.Error("multiplier", "must be at least 1");
  retry.max_interval = rt.Duration("max_interval", retry.max_interval);
  retry.max_elapsed_time = rt.Duration("max_elapsed_time", retry.max_elapsed_time);
  if (retry.enabled && retry.initial_interval.count() == 0)
    rt.Error("initial_interval", "must be positive");
  if (retry.max_interval < retry.initial_interval)
    rt.Error("max_interval", "must not be less than initial_interval");
  rt.Finish();
}

std::chrono::milliseconds BackoffInterval(const RetrySettings& s, int retry) {
  double v = static_cast<double>(s.initial_interval.count()) * std::pow(s.multiplier, retry - 1);
  v = std::min(v, static_cast<double>(s.max_interval.count()));
  return std::chrono::milliseconds(static_cast<int64_t>(v));
}

QueuedExporter::QueuedExporter(std::string name, ExporterHelperSettings settings, PushFn push,
                               std::function<void()> cancel, std::function<Status()> start_sender)
    : QueuedExporter(
          std::move(name), settings,
          StatefulPushFn([push = std::move(push)](const PData& d, std::chrono::milliseconds t,
                                                  std::shared_ptr<void>&) { return push(d, t); }),
          std::move(cancel), std::move(start_sender)) {}

QueuedExporter::QueuedExporter(std::string name, ExporterHelperSettings settings, StatefulPushFn push,
                               std::function<void()> cancel, std::function<Status()> start_sender)
    : name_(std::move(name)),
      settings_(settings),
      push_(std::move(push)),
      cancel_(std::move(cancel)),
      start_sender_(std::move(start_sender)) {
  // name_ is "<id>[<signal>]".
  std::string id = name_.substr(0, name_.find('['));
  Signal signal = Signal::kTraces;
  size_t open = name_.find('[');
  if (open != std::string::npos) ParseSignal(name_.substr(open + 1, name_.size() - open - 2), signal);
  telemetry_id_ = Telemetry::Global().Register([this, id, signal](std::vector<MetricSample>& out) {
    std::string suffix = ItemSuffix(signal);
    std::vector<std::pair<std::string, std::string>> labels = {{"exporter", id}};
    out.push_back({"otelcol_exporter_sent_" + suffix + "_total", "counter", labels, double(counters_.sent_items)});
    out.push_back({"otelcol_exporter_send_failed_" + suffix + "_total", "counter", labels,
                   double(counters_.send_failed_items)});
    out.push_back({"otelcol_exporter_enqueue_failed_" + suffix + "_total", "counter", labels,
                   double(counters_.enqueue_failed_items)});
    if (settings_.queue.enabled) {
      auto ql = labels;
      ql.emplace_back("data_type", SignalName(signal));
      out.push_back({"otelcol_exporter_queue_size", "gauge", ql, double(QueueLength())});
      out.push_back({"otelcol_exporter_queue_capacity", "gauge", ql, double(settings_.queue.queue_size)});
    }
  });
}

QueuedExporter::~QueuedExporter() {
  Telemetry::Global().Unregister(telemetry_id_);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = abandon_ = true;
  }
  cv_.notify_all();
  retry_cv_.notify_all();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
}

Status QueuedExporter::Start() {
  if (start_sender_) {
    Status st = start_sender_();
    if (!st.ok()) return st;
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (started_ || !settings_.queue.enabled) return Status::Ok();
  started_ = true;
  live_workers_ = settings_.queue.num_consumers;
  for (int i = 0; i < settings_.queue.num_consumers; ++i) workers_.emplace_back([this] { Worker(); });
  return Status::Ok();
}

Status QueuedExporter::Consume(PData data) {
  if (!data.valid() || data.ItemCount() == 0) return Status::Ok();
  if (!settings_.queue.enabled) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) {
        counters_.enqueue_failed_items += data.ItemCount();
        return Status::Retryable("exporter " + name_ + " is shutting down");
      }
    }
    return SendWithRetry(data);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      counters_.enqueue_failed_items += data.ItemCount();
      return Status::Retryable("exporter " + name_ + " is shutting down");
    }
    if (static_cast<int>(queue_.size()) >= settings_.queue.queue_size) {
      counters_.enqueue_failed_items += data.ItemCount();
      Log(LogLevel::kWarn, "exporter " + name_,
          "sending queue is full, dropping items=" + std::to_string(data.ItemCount()));
      return Status::Retryable("sending queue is full");
    }
    queue_.push_back(std::move(data));
  }
  cv_.notify_one();
  return Status::Ok();
}

void QueuedExporter::Worker() {
  for (;;) {
    PData data;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !queue_.empty() || stopping_; });
      if (queue_.empty() || abandon_) break;
      data = std::move(queue_.front());
      queue_.pop_front();
    }
    SendWithRetry(data);
  }
  std::lock_guard<std::mutex> lock(mu_);
  --live_workers_;
  idle_cv_.notify_all();
}

void QueuedExporter::Drop(const PData& data, const std::string& why) {
  counters_.send_failed_items += data.ItemCount();
  Log(LogLevel::kError, "exporter " + name_,
      "dropping data: " + why + " items=" + std::to_string(data.ItemCount()));
}

Status QueuedExporter::SendWithRetry(const PData& data) {
  const auto start = Clock::now();
  std::shared_ptr<void> state;  // the sender's, for this batch's attempts
  for (int retry = 1;; ++retry) {
    Status s = push_(data, settings_.timeout, state);
    if (s.ok()) {
      counters_.sent_items += data.ItemCount();
      counters_.sent_requests += 1;
      return s;
    }
    bool stopping;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping = stopping_;
    }
    if (!s.retryable()) {
      Drop(data, "permanent error: " + s.message());
      return s;
    }
    if (!settings_.retry.enabled || stopping) {
      Drop(data, (stopping ? "shutting down, not retrying: " : "retry disabled: ") + s.message());
      return s;
    }
    auto interval = BackoffInterval(settings_.retry, retry);
    double jitter;
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::uniform_real_distribution<double> dist(-settings_.retry.randomization_factor,
                                                  settings_.retry.randomization_factor);
      jitter = dist(rng_);
    }
    auto wait = std::chrono::milliseconds(static_cast<int64_t>(interval.count() * (1 + jitter)));
    wait = std::max(wait, s.retry_after());
    auto next = Clock::now() + wait;
    if (settings_.retry.max_elapsed_time.count() > 0 &&
        next - start > settings_.retry.max_elapsed_time) {
      Drop(data, "no more retries left (max_elapsed_time): " + s.message());
      return s;
    }
    Log(LogLevel::kInfo, "exporter " + name_,
        "retryable error, retrying in " + std::to_string(wait.count()) + "ms: " + s.message());
    std::unique_lock<std::mutex> lock(mu_);
    if (retry_cv_.wait_until(lock, next, [&] { return stopping_; })) {
      lock.unlock();
      Drop(data, "shutting down during back-off: " + s.message());
      return s;
    }
  }
}

void QueuedExporter::Shutdown(Deadline deadline) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  retry_cv_.notify_all();
  bool drained;
  {
    std::unique_lock<std::mutex> lock(mu_);
    drained = idle_cv_.wait_until(lock, deadline, [&] { return live_workers_ == 0; });
    if (!drained) {
      abandon_ = true;
      for (const auto& d : queue_) counters_.send_failed_items += d.ItemCount();
      if (!queue_.empty())
        Log(LogLevel::kError, "exporter " + name_,
            "shutdown deadline passed, dropping queued requests=" + std::to_string(queue_.size()));
      queue_.clear();
    }
  }
  if (!drained && cancel_) cancel_();
  for (auto& t : workers_)
    if (t.joinable()) t.join();
  workers_.clear();
}

size_t QueuedExporter::QueueLength() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void CompressionSettings::Parse(ConfigReader& r) {
  std::string comp = r.String("compression", "gzip");
  if (comp == "none" || comp.empty()) gzip = false;
  else if (comp != "gzip") r.Error("compression", "must be gzip or none, got \"" + comp + "\"");
  if (r.Has("compression_params")) {
    ConfigReader params = r.Child("compression_params");
    level = static_cast<int>(params.Int("level", level, 1, 9));
    params.Finish();
  }
}

}  // namespace adot::collector
