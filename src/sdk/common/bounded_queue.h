// A bounded lock-free multi-producer, multi-consumer queue of owned pointers (Dmitry Vyukov's
// sequence-number design). Push and Pop never block; Push fails when `limit` items are queued.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace adot::sdk::internal {

template <class T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t limit)
      : limit_(std::max<size_t>(limit, 1)), mask_(RoundUp(limit_) - 1), cells_(mask_ + 1) {
    Reset();
  }
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  bool Push(T* item) noexcept {
    size_t pos = tail_.load(std::memory_order_relaxed);
    for (;;) {
      if (pos - head_.load(std::memory_order_acquire) >= limit_) return false;
      Cell& cell = cells_[pos & mask_];
      size_t seq = cell.sequence.load(std::memory_order_acquire);
      intptr_t diff = static_cast<intptr_t>(seq) - static_cast<intptr_t>(pos);
      if (diff == 0) {
        if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          cell.item = item;
          cell.sequence.store(pos + 1, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;
      } else {
        pos = tail_.load(std::memory_order_relaxed);
      }
    }
  }

  // nullptr when empty (or when the oldest push is still being written).
  T* Pop() noexcept {
    size_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = cells_[pos & mask_];
      size_t seq = cell.sequence.load(std::memory_order_acquire);
      intptr_t diff = static_cast<intptr_t>(seq) - static_cast<intptr_t>(pos + 1);
      if (diff == 0) {
        if (head_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          T* item = cell.item;
          cell.sequence.store(pos + mask_ + 1, std::memory_order_release);
          return item;
        }
      } else if (diff < 0) {
        return nullptr;
      } else {
        pos = head_.load(std::memory_order_relaxed);
      }
    }
  }

  // Pops up to `max` items with one claim of the head: fewer atomics and fewer cache-line
  // transfers than `max` Pops. Returns how many were popped (0 when empty).
  size_t PopBulk(T** out, size_t max) noexcept {
    size_t pos = head_.load(std::memory_order_relaxed);
    for (;;) {
      size_t n = 0;
      while (n < max && cells_[(pos + n) & mask_].sequence.load(std::memory_order_acquire) ==
                            pos + n + 1) {
        ++n;
      }
      if (n == 0) {
        size_t seq = cells_[pos & mask_].sequence.load(std::memory_order_acquire);
        if (static_cast<intptr_t>(seq) - static_cast<intptr_t>(pos + 1) < 0) return 0;
        pos = head_.load(std::memory_order_relaxed);
        continue;
      }
      // Succeeds only if no other consumer moved the head, so all n cells are ours.
      if (head_.compare_exchange_weak(pos, pos + n, std::memory_order_relaxed)) {
        for (size_t i = 0; i < n; ++i) {
          Cell& cell = cells_[(pos + i) & mask_];
          out[i] = cell.item;
          cell.sequence.store(pos + i + mask_ + 1, std::memory_order_release);
        }
        return n;
      }
    }
  }

  // Pushes up to n items with one claim of the tail. Returns how many were pushed (fewer than n
  // when the queue fills up).
  size_t PushBulk(T* const* items, size_t n) noexcept {
    size_t pushed = 0;
    size_t pos = tail_.load(std::memory_order_relaxed);
    while (pushed < n) {
      const size_t used = pos - head_.load(std::memory_order_acquire);
      if (used >= limit_) break;
      const size_t want = std::min(n - pushed, limit_ - used);
      size_t k = 0;
      while (k < want && cells_[(pos + k) & mask_].sequence.load(std::memory_order_acquire) ==
                             pos + k) {
        ++k;
      }
      if (k == 0) {
        size_t seq = cells_[pos & mask_].sequence.load(std::memory_order_acquire);
        if (static_cast<intptr_t>(seq) - static_cast<intptr_t>(pos) < 0) break;  // full
        pos = tail_.load(std::memory_order_relaxed);
        continue;
      }
      if (tail_.compare_exchange_weak(pos, pos + k, std::memory_order_relaxed)) {
        for (size_t i = 0; i < k; ++i) {
          Cell& cell = cells_[(pos + i) & mask_];
          cell.item = items[pushed + i];
          cell.sequence.store(pos + i + 1, std::memory_order_release);
        }
        pushed += k;
        pos += k;
      }
    }
    return pushed;
  }

  size_t Size() const noexcept {
    size_t tail = tail_.load(std::memory_order_relaxed);
    size_t head = head_.load(std::memory_order_relaxed);
    return tail > head ? tail - head : 0;
  }

  // For a forked child, where a thread of the parent may have claimed a cell and never filled
  // it: hands every published item to dispose, then empties the queue. No other thread may use
  // the queue meanwhile.
  template <class Dispose>
  void ResetAfterFork(Dispose dispose) noexcept {
    for (size_t pos = head_.load(); pos != tail_.load(); ++pos) {
      Cell& cell = cells_[pos & mask_];
      if (cell.sequence.load() == pos + 1) dispose(cell.item);
    }
    Reset();
  }

 private:
  static size_t RoundUp(size_t n) {
    size_t p = 1;
    while (p < n) p <<= 1;
    return p;
  }
  void Reset() noexcept {
    for (size_t i = 0; i <= mask_; ++i) cells_[i].sequence.store(i, std::memory_order_relaxed);
    tail_.store(0, std::memory_order_relaxed);
    head_.store(0, std::memory_order_release);
  }

  struct Cell {
    std::atomic<size_t> sequence;
    T* item = nullptr;
  };
  const size_t limit_;
  const size_t mask_;
  std::vector<Cell> cells_;
  alignas(64) std::atomic<size_t> tail_{0};
  alignas(64) std::atomic<size_t> head_{0};
};

}  // namespace adot::sdk::internal
