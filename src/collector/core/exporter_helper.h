// exporterhelper: what every exporter gets: a bounded in-memory sending queue drained by
// num_consumers threads, retry with exponential back-off for retryable errors, a per-attempt
// timeout, and drop counting. Defaults are the Go collector's.
//
// Shutdown: new data is refused; retries stop (queued batches get one attempt each); the queue is
// drained until the deadline; then in-flight sends are cancelled and what is left is counted as
// dropped.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "collector/core/component.h"

namespace adot::collector {

struct QueueSettings {
  bool enabled = true;
  int num_consumers = 10;
  int queue_size = 1000;  // requests
};

struct RetrySettings {
  bool enabled = true;
  std::chrono::milliseconds initial_interval{5000};
  double randomization_factor = 0.5;
  double multiplier = 1.5;
  std::chrono::milliseconds max_interval{30000};
  std::chrono::milliseconds max_elapsed_time{300000};  // 0 = retry forever
};

struct ExporterHelperSettings {
  std::chrono::milliseconds timeout{5000};  // per attempt; 0 = none
  QueueSettings queue;
  RetrySettings retry;

  // Reads timeout, sending_queue and retry_on_failure from an exporter's config.
  void Parse(ConfigReader& reader);
};

// The back-off before retry number `retry` (1-based), before jitter and server delays.
std::chrono::milliseconds BackoffInterval(const RetrySettings& s, int retry);

struct ExporterCounters {
  std::atomic<uint64_t> sent_items{0};
  std::atomic<uint64_t> send_failed_items{0};     // dropped after trying
  std::atomic<uint64_t> enqueue_failed_items{0};  // refused: queue full or shutting down
  std::atomic<uint64_t> sent_requests{0};
};

class QueuedExporter : public Exporter {
 public:
  // Sends one batch, honouring timeout (0 = none). Called from several threads at once.
  using PushFn = std::function<Status(const PData& data, std::chrono::milliseconds timeout)>;
  // The same, with state that lives from the batch's first attempt to its last (null at the first):
  // what a sender derived from the batch once (EMF events, whose cumulative-to-delta conversion must
  // not run twice) and how far it got, so a retry sends only what is left.
  using StatefulPushFn =
      std::function<Status(const PData& data, std::chrono::milliseconds timeout, std::shared_ptr<void>& state)>;

  // start_sender runs at Start (e.g. loads TLS files); its error fails the collector's start.
  QueuedExporter(std::string name, ExporterHelperSettings settings, PushFn push,
                 std::function<void()> cancel_in_flight = {}, std::function<Status()> start_sender = {});
  QueuedExporter(std::string name, ExporterHelperSettings settings, StatefulPushFn push,
                 std::function<void()> cancel_in_flight = {}, std::function<Status()> start_sender = {});
  ~QueuedExporter() override;

  Status Consume(PData data) override;
  Status Start() override;
  void Shutdown(Deadline deadline) override;

  const ExporterCounters& counters() const { return counters_; }
  size_t QueueLength() const;
  const std::string& name() const { return name_; }

 private:
  void Worker();
  Status SendWithRetry(const PData& data);
  void Drop(const PData& data, const std::string& why);

  std::string name_;
  ExporterHelperSettings settings_;
  StatefulPushFn push_;
  std::function<void()> cancel_;
  std::function<Status()> start_sender_;
  ExporterCounters counters_;

  mutable std::mutex mu_;
  std::condition_variable cv_;         // queue not empty / stopping
  std::condition_variable retry_cv_;   // wakes back-off waits at shutdown
  std::condition_variable idle_cv_;    // a worker exited
  std::deque<PData> queue_;
  bool stopping_ = false;     // no new data; no more retries
  bool abandon_ = false;      // deadline passed: drop what is left
  bool started_ = false;
  int live_workers_ = 0;
  std::vector<std::thread> workers_;
  std::mt19937_64 rng_{std::random_device{}()};
  int telemetry_id_ = 0;
};

// A sender's short waits between re-sends within one attempt, which Cancel() (the shutdown
// deadline) ends at once.
class CancellableSleep {
 public:
  // False when cancelled (before or during the wait).
  bool Sleep(std::chrono::milliseconds d) {
    std::unique_lock<std::mutex> lock(mu_);
    return !cv_.wait_for(lock, d, [&] { return cancelled_; });
  }
  void Cancel() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;
};

// `compression` (gzip or none; gzip by default, as Go's otlp and otlphttp exporters) and
// `compression_params.level` (1-9). The default level is 1, zlib's fastest: at 10k spans/s level 6
// cost about 4 times the CPU of everything else the collector does, for ~10 % smaller requests.
struct CompressionSettings {
  bool gzip = true;
  int level = 1;
  void Parse(ConfigReader& reader);
};

// The name an exporter instance reports in logs and self-telemetry: "otlphttp/x[traces]".
inline std::string ExporterInstanceName(const CreateSettings& settings) {
  return settings.id + "[" + SignalName(settings.signal) + "]";
}

// A queued exporter over a network sender: batches go out through sender->Push(data, timeout) (or
// Push(data, timeout, state), see StatefulPushFn), sender->Cancel() aborts sends still in flight at
// the shutdown deadline, and sender->Start(), when the sender has one, runs at Start.
template <class Sender>
std::shared_ptr<QueuedExporter> MakeSenderExporter(const CreateSettings& create,
                                                   ExporterHelperSettings settings,
                                                   std::shared_ptr<Sender> sender) {
  return std::make_shared<QueuedExporter>(
      ExporterInstanceName(create), std::move(settings),
      QueuedExporter::StatefulPushFn(
          [sender](const PData& d, std::chrono::milliseconds t, std::shared_ptr<void>& state) {
            if constexpr (requires { sender->Push(d, t, state); }) return sender->Push(d, t, state);
            else return sender->Push(d, t);
          }),
      [sender] { sender->Cancel(); },
      [sender]() -> Status {
        if constexpr (requires { sender->Start(); }) return sender->Start();
        else return Status::Ok();
      });
}

// The factory of a network exporter for every signal: Config (with an ExporterHelperSettings
// `helper`) from `parse`, and a Sender built from (const Config&, const CreateSettings&) behind
// MakeSenderExporter.
template <class Config, class Sender>
Factory SenderExporterFactory(std::string type, std::unique_ptr<ComponentConfig> (*parse)(ConfigReader&)) {
  Factory f;
  f.kind = Kind::kExporter;
  f.type = std::move(type);
  f.stability = "beta";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.parse = parse;
  f.create_exporter = [](const ComponentConfig& c, const CreateSettings& s) -> std::shared_ptr<Exporter> {
    const auto& cfg = static_cast<const Config&>(c);
    return MakeSenderExporter(s, cfg.helper, std::make_shared<Sender>(cfg, s));
  };
  return f;
}

}  // namespace adot::collector
