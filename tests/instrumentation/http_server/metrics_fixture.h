// An SDK meter provider with a manual reader (delta temporality: each collection holds what was
// measured since the previous one), installed as the global meter provider while it lives, and
// readers for the HTTP duration histograms. Shared by the HTTP server and libcurl tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "adot/api/metrics.h"
#include "adot/sdk/metrics/meter_provider.h"
#include "adot/sdk/metrics/reader.h"

namespace adot::instrumentation::testing {

// One histogram metric as collected, with its scope.
struct CollectedHistogram {
  bool found = false;
  std::string scope_name;
  std::string unit;
  std::string description;
  std::vector<sdk::metrics::HistogramPoint> points;
};

class MetricsSdk {
 public:
  MetricsSdk() {
    reader_ = std::make_shared<sdk::metrics::ManualReader>(sdk::metrics::TemporalityPreference::kDelta);
    sdk::metrics::MeterProviderOptions options;
    options.readers = {reader_};
    provider_ = std::make_shared<sdk::metrics::MeterProvider>(std::move(options));
    api::metrics::SetMeterProvider(provider_);
  }
  ~MetricsSdk() {
    api::metrics::SetMeterProvider(nullptr);
    provider_->Shutdown();
  }
  MetricsSdk(const MetricsSdk&) = delete;
  MetricsSdk& operator=(const MetricsSdk&) = delete;

  // Collects, and returns the histogram called name (what was measured since the last Collect).
  CollectedHistogram Collect(std::string_view name) {
    CollectedHistogram out;
    sdk::metrics::ResourceMetrics metrics;
    EXPECT_TRUE(reader_->Collect(metrics));
    for (const auto& scope : metrics.scope_metrics) {
      for (const auto& metric : scope.metrics) {
        if (metric.name != name) continue;
        const auto* histogram = std::get_if<sdk::metrics::HistogramData>(&metric.data);
        EXPECT_NE(histogram, nullptr) << name << " is not an explicit-bucket histogram";
        if (!histogram) continue;
        EXPECT_FALSE(out.found) << name << " collected twice";
        out.found = true;
        out.scope_name = scope.scope ? scope.scope->name : "";
        out.unit = metric.unit;
        out.description = metric.description;
        out.points.insert(out.points.end(), histogram->points.begin(), histogram->points.end());
      }
    }
    return out;
  }

  std::shared_ptr<sdk::metrics::MeterProvider> provider() const { return provider_; }

 private:
  std::shared_ptr<sdk::metrics::ManualReader> reader_;
  std::shared_ptr<sdk::metrics::MeterProvider> provider_;
};

// The stable HTTP semantic conventions' bucket boundaries advice for the duration histograms.
inline const std::vector<double>& ExpectedBoundaries() {
  static const std::vector<double> boundaries = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                                 0.5,   0.75, 1,     2.5,  5,     7.5, 10};
  return boundaries;
}

inline const sdk::OwnedAttributeValue* PointAttr(const sdk::metrics::HistogramPoint& point,
                                                 std::string_view key) {
  for (const auto& kv : point.attributes)
    if (kv.key == key) return &kv.value;
  return nullptr;
}
// A string attribute of the point, or "<absent>" / "<not a string>".
inline std::string PointStr(const sdk::metrics::HistogramPoint& point, std::string_view key) {
  const auto* v = PointAttr(point, key);
  if (!v) return "<absent>";
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  return "<not a string>";
}
// An int attribute of the point, or -1.
inline int64_t PointInt(const sdk::metrics::HistogramPoint& point, std::string_view key) {
  const auto* v = PointAttr(point, key);
  if (const auto* i = v ? std::get_if<int64_t>(v) : nullptr) return *i;
  return -1;
}
// The attribute keys of the point, sorted, comma-separated.
inline std::string PointKeys(const sdk::metrics::HistogramPoint& point) {
  std::vector<std::string> keys;
  for (const auto& kv : point.attributes) keys.push_back(kv.key);
  std::sort(keys.begin(), keys.end());
  std::string out;
  for (const auto& k : keys) out.append(out.empty() ? "" : ",").append(k);
  return out;
}

// The point whose attribute key has the given string value (nullptr when none).
inline const sdk::metrics::HistogramPoint* PointWith(const CollectedHistogram& histogram,
                                                     std::string_view key, std::string_view value) {
  for (const auto& p : histogram.points)
    if (PointStr(p, key) == value) return &p;
  return nullptr;
}
inline const sdk::metrics::HistogramPoint* PointWith(const CollectedHistogram& histogram,
                                                     std::string_view key, int64_t value) {
  for (const auto& p : histogram.points)
    if (PointInt(p, key) == value) return &p;
  return nullptr;
}

}  // namespace adot::instrumentation::testing
