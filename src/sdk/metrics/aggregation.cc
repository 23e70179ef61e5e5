#include "sdk/metrics/aggregation.h"

#include <cstring>
#include <mutex>

namespace adot::sdk::metrics::internal {

int32_t MapToIndex(double v, int32_t scale) noexcept {
  int exp;
  const double frac = std::frexp(v, &exp);  // v = frac * 2^exp, frac in [0.5, 1)
  const bool power_of_two = frac == 0.5;
  if (scale <= 0) {
    // At scale 0 the index is ceil(log2(v)) - 1; lower scales merge 2^-scale of those.
    const int32_t index = power_of_two ? exp - 2 : exp - 1;
    return index >> -scale;
  }
  // Exact powers of two sit on a bucket's upper bound; the logarithm could round them up.
  if (power_of_two) return ((exp - 1) << scale) - 1;
  return static_cast<int32_t>(std::ceil(std::log2(v) * std::ldexp(1.0, scale))) - 1;
}

void Downscale(ExponentialBuckets& buckets, int32_t change) {
  if (change <= 0 || buckets.counts.empty()) return;
  const int32_t first = buckets.offset >> change;
  const int32_t last = (buckets.offset + static_cast<int32_t>(buckets.counts.size()) - 1) >> change;
  std::vector<uint64_t> counts(static_cast<size_t>(last - first + 1));
  for (size_t i = 0; i < buckets.counts.size(); ++i)
    counts[((buckets.offset + static_cast<int32_t>(i)) >> change) - first] += buckets.counts[i];
  buckets.offset = first;
  buckets.counts = std::move(counts);
}

namespace {

PointValue Add(const PointValue& a, const PointValue& b) noexcept {
  if (std::holds_alternative<int64_t>(a))
    return static_cast<int64_t>(static_cast<uint64_t>(std::get<int64_t>(a)) +
                                static_cast<uint64_t>(std::get<int64_t>(b)));
  return std::get<double>(a) + std::get<double>(b);
}

// The change that makes the union of a's and b's index ranges fit max_size buckets.
int32_t ChangeToFit(const ExponentialBuckets& a, const ExponentialBuckets& b, int32_t max_size) {
  if (a.counts.empty() && b.counts.empty()) return 0;
  int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const auto* x : {&a, &b}) {
    if (x->counts.empty()) continue;
    lo = std::min<int64_t>(lo, x->offset);
    hi = std::max<int64_t>(hi, x->offset + static_cast<int64_t>(x->counts.size()) - 1);
  }
  int32_t change = 0;
  while ((hi >> change) - (lo >> change) + 1 > max_size) ++change;
  return change;
}

void AddBuckets(ExponentialBuckets& into, const ExponentialBuckets& from) {
  if (from.counts.empty()) return;
  if (into.counts.empty()) {
    into = from;
    return;
  }
  const int32_t lo = std::min(into.offset, from.offset);
  const int32_t hi = std::max(into.offset + static_cast<int32_t>(into.counts.size()),
                              from.offset + static_cast<int32_t>(from.counts.size()));
  std::vector<uint64_t> counts(static_cast<size_t>(hi - lo));
  for (size_t i = 0; i < into.counts.size(); ++i) counts[into.offset - lo + i] += into.counts[i];
  for (size_t i = 0; i < from.counts.size(); ++i) counts[from.offset - lo + i] += from.counts[i];
  into.offset = lo;
  into.counts = std::move(counts);
}

void MergeExponential(ExponentialHistogramAccumulation& a, ExponentialHistogramAccumulation b,
                      int32_t max_size) {
  if (b.count == 0) return;
  if (a.count == 0) {
    a = std::move(b);
    return;
  }
  const int32_t scale = std::min(a.scale, b.scale);
  Downscale(a.positive, a.scale - scale);
  Downscale(a.negative, a.scale - scale);
  Downscale(b.positive, b.scale - scale);
  Downscale(b.negative, b.scale - scale);
  const int32_t change = std::max(ChangeToFit(a.positive, b.positive, max_size),
                                  ChangeToFit(a.negative, b.negative, max_size));
  for (auto* buckets : {&a.positive, &a.negative, &b.positive, &b.negative})
    Downscale(*buckets, change);
  a.scale = scale - change;
  AddBuckets(a.positive, b.positive);
  AddBuckets(a.negative, b.negative);
  a.count += b.count;
  a.sum += b.sum;
  a.zero_count += b.zero_count;
  a.min = std::min(a.min, b.min);
  a.max = std::max(a.max, b.max);
}

}  // namespace

PointValue Subtract(const PointValue& a, const PointValue& b) noexcept {
  if (std::holds_alternative<int64_t>(a))
    return static_cast<int64_t>(static_cast<uint64_t>(std::get<int64_t>(a)) -
                                static_cast<uint64_t>(std::get<int64_t>(b)));
  return std::get<double>(a) - std::get<double>(b);
}

void Merge(Accumulation& into, const Accumulation& newer, const AggregationConfig& config) {
  switch (into.index()) {
    case 0: {
      auto& sum = std::get<SumAccumulation>(into).value;
      sum = Add(sum, std::get<SumAccumulation>(newer).value);
      return;
    }
    case 1:
      into = newer;
      return;
    case 2: {
      auto& a = std::get<HistogramAccumulation>(into);
      const auto& b = std::get<HistogramAccumulation>(newer);
      a.count += b.count;
      a.sum += b.sum;
      a.min = std::min(a.min, b.min);
      a.max = std::max(a.max, b.max);
      for (size_t i = 0; i < a.counts.size() && i < b.counts.size(); ++i) a.counts[i] += b.counts[i];
      return;
    }
    case 3:
      MergeExponential(std::get<ExponentialHistogramAccumulation>(into),
                       std::get<ExponentialHistogramAccumulation>(newer), config.max_size);
      return;
  }
}

bool HistogramCell::Take(Accumulation& out) {
  HistogramAccumulation acc;
  acc.counts.resize(bucket_count_);
  {
    std::lock_guard<SpinLock> lock(lock_);
    if (count_ == 0) return false;
    acc.count = std::exchange(count_, 0);
    acc.sum = std::exchange(sum_, 0);
    acc.min = std::exchange(min_, std::numeric_limits<double>::infinity());
    acc.max = std::exchange(max_, -std::numeric_limits<double>::infinity());
    std::memcpy(acc.counts.data(), counts_.get(), bucket_count_ * sizeof(uint64_t));
    std::memset(counts_.get(), 0, bucket_count_ * sizeof(uint64_t));
  }
  out = std::move(acc);
  return true;
}

ExponentialHistogramCell::ExponentialHistogramCell(const AggregationConfig& config)
    : max_size_(config.max_size), max_scale_(config.max_scale), scale_(config.max_scale) {
  positive_.counts.reset(new uint64_t[max_size_]());
  negative_.counts.reset(new uint64_t[max_size_]());
}

void ExponentialHistogramCell::RecordLocked(double v) noexcept {
  ++count_;
  sum_ += v;
  min_ = std::min(min_, v);
  max_ = std::max(max_, v);
  if (v == 0) {
    ++zero_count_;
    return;
  }
  Window& w = v > 0 ? positive_ : negative_;
  int32_t index = MapToIndex(std::fabs(v), scale_);
  if (!w.empty()) {
    const int64_t lo = std::min(w.lo, index), hi = std::max(w.hi, index);
    if (hi - lo + 1 > max_size_) {
      // Halve the resolution until the new range fits; both signs share the scale.
      int32_t change = 0;
      while ((hi >> change) - (lo >> change) + 1 > max_size_) ++change;
      DownscaleWindow(positive_, change);
      DownscaleWindow(negative_, change);
      scale_ -= change;
      index >>= change;
    }
  }
  Increment(w, index);
}

void ExponentialHistogramCell::Increment(Window& w, int32_t index) noexcept {
  if (w.empty()) {
    w.lo = w.hi = index;
  } else if (index < w.lo) {
    const int32_t shift = w.lo - index;
    std::memmove(w.counts.get() + shift, w.counts.get(), (w.hi - w.lo + 1) * sizeof(uint64_t));
    std::memset(w.counts.get(), 0, shift * sizeof(uint64_t));
    w.lo = index;
  } else if (index > w.hi) {
    w.hi = index;
  }
  ++w.counts[index - w.lo];
}

void ExponentialHistogramCell::DownscaleWindow(Window& w, int32_t change) noexcept {
  if (w.empty() || change == 0) return;
  const int32_t lo = w.lo >> change;
  // Each count moves to a position at or before its own, so one ascending pass is enough.
  for (int32_t i = w.lo; i <= w.hi; ++i) {
    uint64_t n = std::exchange(w.counts[i - w.lo], 0);
    w.counts[(i >> change) - lo] += n;
  }
  w.lo = lo;
  w.hi >>= change;
}

void ExponentialHistogramCell::TakeWindow(Window& w, ExponentialBuckets& out) {
  if (w.empty()) return;
  out.offset = w.lo;
  out.counts.assign(w.counts.get(), w.counts.get() + (w.hi - w.lo + 1));
  std::memset(w.counts.get(), 0, (w.hi - w.lo + 1) * sizeof(uint64_t));
  w.lo = 0;
  w.hi = -1;
}

bool ExponentialHistogramCell::Take(Accumulation& out) {
  ExponentialHistogramAccumulation acc;
  std::lock_guard<SpinLock> lock(lock_);
  if (count_ == 0) return false;
  acc.count = std::exchange(count_, 0);
  acc.sum = std::exchange(sum_, 0);
  acc.min = std::exchange(min_, std::numeric_limits<double>::infinity());
  acc.max = std::exchange(max_, -std::numeric_limits<double>::infinity());
  acc.zero_count = std::exchange(zero_count_, 0);
  acc.scale = std::exchange(scale_, max_scale_);  // each interval starts at full resolution
  TakeWindow(positive_, acc.positive);
  TakeWindow(negative_, acc.negative);
  out = std::move(acc);
  return true;
}

}  // namespace adot::sdk::metrics::internal
