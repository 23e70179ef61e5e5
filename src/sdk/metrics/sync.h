// The concurrency primitives of the recording path.
#pragma once

#include <sched.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace adot::sdk::metrics::internal {

inline void CpuRelax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// A lock for a histogram series: held for a few nanoseconds, so spinning beats sleeping.
class SpinLock {
 public:
  void lock() noexcept {
    for (int spins = 0;; ++spins) {
      if (!locked_.exchange(true, std::memory_order_acquire)) [[likely]] return;
      while (locked_.load(std::memory_order_relaxed)) {
        if (++spins > 64) sched_yield();  // the holder may have been preempted
        CpuRelax();
      }
    }
  }
  void unlock() noexcept { locked_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> locked_{false};
};

// Lets recording threads run concurrently while excluding a rare exclusive section (freeing
// series or a replaced table, fork). One per process.
//
// Each thread announces itself in its own thread-local counter, written only by that thread: on
// the recording path Enter and Exit are plain stores, with no atomic read-modify-write and no
// shared cache line. The store -> load ordering Enter needs (announce, then check that no
// exclusive section started) is supplied by Close through membarrier(2), which makes every
// running thread of the process execute a full barrier (the asymmetric Dekker pattern of
// liburcu). Where membarrier is unavailable, Enter uses a fence instead.
// A thread's presence in the RecordGate (at namespace scope: it needs to be complete for the
// gate's constinit thread_local).
struct GateThreadState {
  enum Status : uint8_t { kUnregistered, kRegistered, kExited };
  std::atomic<uint32_t> depth{0};
  Status status = kUnregistered;
};

class RecordGate {
 public:
  static RecordGate& Instance();

  // Returns the token to pass to Exit.
  uint32_t Enter() noexcept {
    ThreadState& t = state_;
    if (t.status != kRegistered) [[unlikely]] return EnterSlow();
    for (;;) {
      t.depth.store(t.depth.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      if (asymmetric_) [[likely]] {
        std::atomic_signal_fence(std::memory_order_seq_cst);
      } else {
        std::atomic_thread_fence(std::memory_order_seq_cst);
      }
      if (!closed_.load(std::memory_order_seq_cst)) [[likely]] return kThreadToken;
      t.depth.store(t.depth.load(std::memory_order_relaxed) - 1, std::memory_order_release);
      while (closed_.load(std::memory_order_acquire)) CpuRelax();
    }
  }
  void Exit(uint32_t token) noexcept {
    if (token == kThreadToken) [[likely]] {
      ThreadState& t = state_;
      t.depth.store(t.depth.load(std::memory_order_relaxed) - 1, std::memory_order_release);
    } else {
      orphans_.fetch_sub(1, std::memory_order_release);
    }
  }

  // Waits until no thread is inside and keeps new ones out until Open. The caller must not be
  // inside itself. Advances the epoch.
  void Close() noexcept;
  void Open() noexcept;
  // In a forked child (between Close in the parent and Open): only the calling thread exists.
  void ResetInChild() noexcept;

  // Changes at every Close (and by AdvanceEpoch): a series pointer remembered outside a stream's
  // table, with the epoch it was seen in, is still valid while the epoch is the same. Read inside
  // the gate.
  uint64_t epoch() const noexcept { return epoch_.load(std::memory_order_relaxed); }
  void AdvanceEpoch() noexcept { epoch_.fetch_add(1, std::memory_order_relaxed); }

 private:
  using ThreadState = GateThreadState;
  using Status = GateThreadState::Status;
  static constexpr Status kUnregistered = GateThreadState::kUnregistered;
  static constexpr Status kRegistered = GateThreadState::kRegistered;
  static constexpr Status kExited = GateThreadState::kExited;
  static constexpr uint32_t kThreadToken = 0;
  static constexpr uint32_t kOrphanToken = 1;

  RecordGate();
  // First use on a thread: registers it. After the thread's exit hooks ran (a measurement made
  // from another thread-local's destructor): a shared counter.
  [[gnu::noinline]] uint32_t EnterSlow() noexcept;
  void Deregister(ThreadState* state) noexcept;

  bool asymmetric_ = false;
  alignas(64) std::atomic<bool> closed_{false};
  std::atomic<uint64_t> epoch_{1};
  std::atomic<uint32_t> orphans_{0};
  std::mutex exclusive_;
  std::mutex registry_mutex_;
  std::vector<ThreadState*> threads_;  // registry_mutex_

  // initial-exec and constinit: a direct TLS access with no initialisation guard.
  static inline __attribute__((tls_model("initial-exec"))) constinit thread_local ThreadState
      state_{};
};

// The series a thread last recorded into, per stream: a small direct-mapped cache indexed by the
// stream's address. Valid while the RecordGate's epoch is the one it was stored with.
struct RecentSeries {
  const void* stream = nullptr;
  void* series = nullptr;
  uint64_t epoch = 0;
};
inline __attribute__((tls_model("initial-exec"))) constinit thread_local RecentSeries
    recent_series[8]{};
inline RecentSeries& RecentSeriesFor(const void* stream) noexcept {
  const uint64_t h = reinterpret_cast<uintptr_t>(stream) * 0x9e3779b97f4a7c15ull;
  return recent_series[h >> 61];
}

}  // namespace adot::sdk::metrics::internal
