#include "sdk/metrics/sync.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>

namespace adot::sdk::metrics::internal {

namespace {
bool RegisterMembarrier() noexcept {
  const long supported = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
  if (supported < 0 || !(supported & MEMBARRIER_CMD_PRIVATE_EXPEDITED)) return false;
  return syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
}
}  // namespace

RecordGate& RecordGate::Instance() {
  static RecordGate* gate = new RecordGate();  // never destroyed: usable during exit
  return *gate;
}

RecordGate::RecordGate() : asymmetric_(RegisterMembarrier()) {}

uint32_t RecordGate::EnterSlow() noexcept {
  ThreadState& t = state_;
  if (t.status == kUnregistered) {
    // Deregisters the thread's state when the thread exits.
    struct Reaper {
      ~Reaper() { Instance().Deregister(&state_); }
    };
    static thread_local Reaper reaper;
    (void)reaper;
    {
      std::lock_guard<std::mutex> lock(registry_mutex_);
      threads_.push_back(&t);
      t.status = kRegistered;
    }
    return Enter();  // outside the lock: Enter may wait for a Close, which takes it

  }
  for (;;) {
    orphans_.fetch_add(1, std::memory_order_seq_cst);
    if (!closed_.load(std::memory_order_seq_cst)) return kOrphanToken;
    orphans_.fetch_sub(1, std::memory_order_release);
    while (closed_.load(std::memory_order_acquire)) CpuRelax();
  }
}

void RecordGate::Deregister(ThreadState* state) noexcept {
  std::lock_guard<std::mutex> lock(registry_mutex_);
  std::erase(threads_, state);
  state->status = kExited;
}

void RecordGate::Close() noexcept {
  exclusive_.lock();
  closed_.store(true, std::memory_order_seq_cst);
  // Every thread that entered without seeing closed_ has its depth visible after this.
  if (!asymmetric_ || syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0)
    std::atomic_thread_fence(std::memory_order_seq_cst);
  std::lock_guard<std::mutex> lock(registry_mutex_);
  for (ThreadState* t : threads_)
    while (t->depth.load(std::memory_order_acquire) != 0) CpuRelax();
  while (orphans_.load(std::memory_order_acquire) != 0) CpuRelax();
}

void RecordGate::Open() noexcept {
  AdvanceEpoch();  // seen by every thread that enters after the store below
  closed_.store(false, std::memory_order_release);
  exclusive_.unlock();
}

void RecordGate::ResetInChild() noexcept {
  // The other threads' states belong to threads that do not exist here.
  std::lock_guard<std::mutex> lock(registry_mutex_);
  threads_.clear();
  if (state_.status == kRegistered) threads_.push_back(&state_);
  // Registration is per process; a child registers again (or falls back to fences).
  asymmetric_ = asymmetric_ && RegisterMembarrier();
}

}  // namespace adot::sdk::metrics::internal
