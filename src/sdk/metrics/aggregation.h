// Aggregations: the per-series cells measurements are recorded into, and the accumulations a
// collection takes out of them and merges across collections.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <variant>
#include <vector>

#include "adot/sdk/metrics/data.h"
#include "adot/sdk/metrics/view.h"
#include "sdk/metrics/sync.h"

namespace adot::sdk::metrics::internal {

// A stream's aggregation, resolved (never kDefault, never kDrop).
struct AggregationConfig {
  AggregationType type = AggregationType::kSum;
  InstrumentValueType value_type = InstrumentValueType::kInt64;
  bool monotonic = false;
  std::shared_ptr<const std::vector<double>> boundaries;  // explicit histogram
  bool record_min_max = true;
  int32_t max_size = 160;
  int32_t max_scale = 20;
};

struct SumAccumulation {
  PointValue value;
};
struct LastValueAccumulation {
  PointValue value;
};
struct HistogramAccumulation {
  uint64_t count = 0;
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::vector<uint64_t> counts;
};
struct ExponentialHistogramAccumulation {
  uint64_t count = 0;
  double sum = 0;
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  int32_t scale = 0;
  uint64_t zero_count = 0;
  ExponentialBuckets positive;  // trimmed: counts[0] and counts.back() are non-zero
  ExponentialBuckets negative;
};
using Accumulation = std::variant<SumAccumulation, LastValueAccumulation, HistogramAccumulation,
                                  ExponentialHistogramAccumulation>;

// Folds newer into into (both of the same alternative): sums add, last values are replaced,
// histograms add bucket by bucket (exponential ones at the coarser scale that fits max_size).
void Merge(Accumulation& into, const Accumulation& newer, const AggregationConfig& config);

// a - b for sums (the delta between two observed totals).
PointValue Subtract(const PointValue& a, const PointValue& b) noexcept;

// The bucket index of v > 0 at scale: bucket i covers (2^(i/2^scale), 2^((i+1)/2^scale)].
int32_t MapToIndex(double v, int32_t scale) noexcept;

// Rescales buckets by 2^-change (each index i goes to i >> change).
void Downscale(ExponentialBuckets& buckets, int32_t change);

// ---- Cells: one per series, written by recording threads, read (and reset) by collection. ----

// The stripe a thread adds to in a contended SumCell.
inline uint32_t ThreadStripe() noexcept {
  static std::atomic<uint32_t> next{0};
  static __attribute__((tls_model("initial-exec"))) constinit thread_local uint32_t stripe = 0;
  if (stripe == 0) [[unlikely]] stripe = next.fetch_add(1, std::memory_order_relaxed) % 8 + 1;
  return stripe - 1;
}

// A sum in one atomic, until two threads collide on it: the first failed update then spreads
// the cell over per-thread stripes (in separate cache lines), so threads sharing a series stop
// bouncing one line between cores (as Java's LongAdder does). The stripes are allocated once
// per contended series.
template <class T>
class SumCell {
 public:
  explicit SumCell(const AggregationConfig&) {}
  ~SumCell() { delete stripes_.load(std::memory_order_relaxed); }

  size_t Record(T v) noexcept {
    if (Stripes* stripes = stripes_.load(std::memory_order_acquire)) [[unlikely]] {
      stripes->cells[ThreadStripe()].value.fetch_add(v, std::memory_order_relaxed);
    } else {
      T old = value_.load(std::memory_order_relaxed);
      if (!value_.compare_exchange_strong(old, old + v, std::memory_order_relaxed)) [[unlikely]]
        Spread(v);
    }
    if (!touched_.load(std::memory_order_relaxed)) touched_.store(true, std::memory_order_release);
    return 0;
  }
  // Moves what was recorded since the last Take into out; false when nothing was.
  bool Take(Accumulation& out) noexcept {
    bool touched = touched_.exchange(false, std::memory_order_acq_rel);
    T v = value_.exchange(0, std::memory_order_acq_rel);
    if (Stripes* stripes = stripes_.load(std::memory_order_acquire))
      for (auto& c : stripes->cells) v += c.value.exchange(0, std::memory_order_acq_rel);
    if (!touched && v == 0) return false;
    out = SumAccumulation{PointValue(v)};
    return true;
  }
  // Exact only while no thread records (inside a closed RecordGate).
  bool Empty() const noexcept {
    if (touched_.load(std::memory_order_relaxed) || value_.load(std::memory_order_relaxed) != 0)
      return false;
    if (Stripes* stripes = stripes_.load(std::memory_order_acquire))
      for (auto& c : stripes->cells)
        if (c.value.load(std::memory_order_relaxed) != 0) return false;
    return true;
  }

 private:
  struct Stripes {
    struct alignas(64) Cell {
      std::atomic<T> value{0};
    };
    Cell cells[8];
  };

  [[gnu::noinline]] void Spread(T v) noexcept {
    Stripes* stripes = stripes_.load(std::memory_order_acquire);
    if (!stripes) {
      auto* created = new (std::nothrow) Stripes();
      if (created && !stripes_.compare_exchange_strong(stripes, created, std::memory_order_acq_rel)) {
        delete created;  // another thread installed its stripes first
      } else if (created) {
        stripes = created;
      }
    }
    if (stripes) {
      stripes->cells[ThreadStripe()].value.fetch_add(v, std::memory_order_relaxed);
    } else {
      value_.fetch_add(v, std::memory_order_relaxed);  // out of memory: stay contended
    }
  }

  std::atomic<T> value_{0};
  std::atomic<bool> touched_{false};
  std::atomic<Stripes*> stripes_{nullptr};
};

template <class T>
class LastValueCell {
 public:
  explicit LastValueCell(const AggregationConfig&) {}
  size_t Record(T v) noexcept {
    value_.store(v, std::memory_order_relaxed);
    has_value_.store(true, std::memory_order_release);
    return 0;
  }
  bool Take(Accumulation& out) noexcept {
    if (!has_value_.exchange(false, std::memory_order_acq_rel)) return false;
    out = LastValueAccumulation{PointValue(value_.load(std::memory_order_relaxed))};
    return true;
  }
  bool Empty() const noexcept { return !has_value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<T> value_{0};
  std::atomic<bool> has_value_{false};
};

class HistogramCell {
 public:
  explicit HistogramCell(const AggregationConfig& config)
      : bounds_(config.boundaries->data()),
        bucket_count_(config.boundaries->size() + 1),
        counts_(new uint64_t[bucket_count_]()) {}
  // Returns the bucket, for the aligned exemplar reservoir. Non-finite values are ignored.
  template <class T>
  size_t Record(T value) noexcept {
    const double v = static_cast<double>(value);
    if (!std::isfinite(v)) [[unlikely]] return 0;
    // Bucket i covers (bounds[i-1], bounds[i]]: the first boundary >= v.
    const size_t bucket = std::lower_bound(bounds_, bounds_ + bucket_count_ - 1, v) - bounds_;
    std::lock_guard<SpinLock> lock(lock_);
    ++count_;
    sum_ += v;
    min_ = std::min(min_, v);
    max_ = std::max(max_, v);
    ++counts_[bucket];
    return bucket;
  }
  bool Take(Accumulation& out);
  bool Empty() const noexcept { return count_ == 0; }

 private:
  SpinLock lock_;
  uint64_t count_ = 0;
  double sum_ = 0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
  const double* bounds_;
  size_t bucket_count_;
  std::unique_ptr<uint64_t[]> counts_;
};

class ExponentialHistogramCell {
 public:
  explicit ExponentialHistogramCell(const AggregationConfig& config);
  template <class T>
  size_t Record(T value) noexcept {
    const double v = static_cast<double>(value);
    if (!std::isfinite(v)) [[unlikely]] return 0;
    std::lock_guard<SpinLock> lock(lock_);
    RecordLocked(v);
    return 0;
  }
  bool Take(Accumulation& out);
  bool Empty() const noexcept { return count_ == 0; }

 private:
  // A window of max_size bucket counts; counts[i] is index lo + i. Allocated once, so recording
  // never allocates.
  struct Window {
    std::unique_ptr<uint64_t[]> counts;
    int32_t lo = 0, hi = -1;  // hi < lo: empty
    bool empty() const noexcept { return hi < lo; }
  };
  void RecordLocked(double v) noexcept;
  void Increment(Window& w, int32_t index) noexcept;
  void DownscaleWindow(Window& w, int32_t change) noexcept;
  void TakeWindow(Window& w, ExponentialBuckets& out);

  SpinLock lock_;
  const int32_t max_size_;
  const int32_t max_scale_;
  int32_t scale_;
  uint64_t count_ = 0;
  uint64_t zero_count_ = 0;
  double sum_ = 0;
  double min_ = std::numeric_limits<double>::infinity();
  double max_ = -std::numeric_limits<double>::infinity();
  Window positive_, negative_;
};

}  // namespace adot::sdk::metrics::internal
