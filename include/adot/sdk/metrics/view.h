// Views: which instruments a stream is made from and how it is aggregated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "adot/sdk/metrics/data.h"

namespace adot::sdk::metrics {

enum class AggregationType : uint8_t {
  kDefault,  // by instrument kind: Sum for counters, LastValue for gauges, explicit histogram
  kDrop,
  kSum,
  kLastValue,
  kExplicitBucketHistogram,
  kBase2ExponentialHistogram,
};

// The specification's default explicit bucket boundaries.
inline const std::vector<double>& DefaultHistogramBoundaries() {
  static const std::vector<double> boundaries = {0,   5,    10,   25,   50,   75,   100,  250,
                                                 500, 750, 1000, 2500, 5000, 7500, 10000};
  return boundaries;
}

struct Aggregation {
  AggregationType type = AggregationType::kDefault;
  // kExplicitBucketHistogram: strictly increasing boundaries; unset = the instrument's advice,
  // else DefaultHistogramBoundaries().
  std::optional<std::vector<double>> boundaries;
  // Both histogram kinds: report min and max.
  bool record_min_max = true;
  // kBase2ExponentialHistogram: buckets per sign (at least 2) and the starting (highest) scale,
  // in [-10, 20].
  int32_t max_size = 160;
  int32_t max_scale = 20;
};

// Which instruments a View applies to. Every criterion that is set must match; an empty selector
// matches every instrument.
struct InstrumentSelector {
  // Instrument name; '*' matches any run of characters, '?' any one character. Case-insensitive.
  // Empty matches every name.
  std::string name;
  std::optional<InstrumentKind> kind;
  std::string unit;  // exact; empty = any
  std::string meter_name;  // exact; empty = any
  std::string meter_version;
  std::string meter_schema_url;
};

// Each View matching an instrument produces one metric stream from it; an instrument no View
// matches gets one stream with the default configuration.
struct View {
  InstrumentSelector selector;
  // The stream's name; empty keeps the instrument's. A name may only be given when the selector
  // can match one instrument (a name without wildcards); otherwise the View is ignored with a
  // warning.
  std::string name;
  std::string description;  // empty keeps the instrument's
  // When set, only these attribute keys are kept (an allow list); the others are dropped and
  // show up in exemplars as filtered attributes.
  std::optional<std::vector<std::string>> attribute_keys;
  Aggregation aggregation;
  // The maximum number of series of the stream, the overflow series included; 0 = the
  // provider's default.
  size_t cardinality_limit = 0;
};

// True when pattern (with '*' and '?' wildcards) matches name, ignoring ASCII case.
bool WildcardMatch(std::string_view pattern, std::string_view name) noexcept;

}  // namespace adot::sdk::metrics
