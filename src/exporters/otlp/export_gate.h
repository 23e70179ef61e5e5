// The export lifecycle the OTLP transports (HTTP and gRPC) share: exports run between Begin and
// End; Shutdown refuses exports from then on, ends a backoff wait, lets the transport interrupt a
// request in flight and waits, within a timeout, for a running export to return.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace adot::exporters::otlp {

class ExportGate {
 public:
  // False after Shutdown; otherwise an export runs until End().
  bool Begin() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (shutdown_) return false;
    exporting_ = true;
    return true;
  }

  void End() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      exporting_ = false;
    }
    cv_.notify_all();
  }

  bool shut_down() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return shutdown_;
  }

  // Waits delay (a backoff); false when Shutdown came first or ended the wait.
  bool WaitUnlessShutdown(std::chrono::milliseconds delay) {
    std::unique_lock<std::mutex> lock(mutex_);
    return !cv_.wait_for(lock, delay, [this] { return shutdown_; });
  }

  // Refuses exports from now on and ends a backoff wait, then calls interrupt() (without the
  // gate's lock) to stop a request in flight, then waits up to timeout for a running export to
  // return; false when it did not. shut_down() is true before interrupt() runs, so a transport
  // that checks it before starting a request, under the lock interrupt() takes, never misses one.
  template <class Interrupt>
  bool Shutdown(std::chrono::milliseconds timeout, Interrupt&& interrupt) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      shutdown_ = true;
    }
    cv_.notify_all();
    interrupt();
    std::unique_lock<std::mutex> lock(mutex_);
    return cv_.wait_for(lock, timeout, [this] { return !exporting_; });
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  bool shutdown_ = false;   // guarded by mutex_
  bool exporting_ = false;  // guarded by mutex_
};

}  // namespace adot::exporters::otlp
