// Writes collected metrics to a stream in a readable form, one block per metric and one entry per
// data point, for development.
#include <atomic>
#include <charconv>
#include <cinttypes>
#include <mutex>
#include <string>

#include "adot/exporters/console/console_exporter.h"
#include "exporters/console/console_format.h"

namespace adot::exporters::console {

namespace {

using internal::AppendAttributes;
using namespace sdk::metrics;

// Shortest text that reads back as the same double.
void AppendDouble(std::string& out, double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, ec == std::errc() ? end : buf);
}

void AppendPointValue(std::string& out, const PointValue& value) {
  if (const int64_t* i = std::get_if<int64_t>(&value)) {
    out += std::to_string(*i);
  } else {
    AppendDouble(out, std::get<double>(value));
  }
}

const char* TemporalityName(AggregationTemporality temporality) {
  return temporality == AggregationTemporality::kDelta ? "delta" : "cumulative";
}

void AppendTimes(std::string& out, uint64_t start, uint64_t time) {
  out += "  point start " + std::to_string(start) + "  time " + std::to_string(time);
}

void AppendExemplars(std::string& out, const std::vector<Exemplar>& exemplars) {
  for (const auto& e : exemplars) {
    out += "    exemplar ";
    AppendPointValue(out, e.value);
    out += " at " + std::to_string(e.time_unix_nano);
    if (e.trace_id.IsValid()) out += "  trace_id " + e.trace_id.ToHex() + "  span_id " + e.span_id.ToHex();
    out += '\n';
    AppendAttributes(out, "      ", e.filtered_attributes, 0);
  }
}

void AppendMinMax(std::string& out, bool has_min_max, double min, double max) {
  if (!has_min_max) return;
  out += "  min ";
  AppendDouble(out, min);
  out += "  max ";
  AppendDouble(out, max);
}

void FormatNumberPoints(std::string& out, const std::vector<NumberPoint>& points) {
  for (const auto& p : points) {
    AppendTimes(out, p.start_time_unix_nano, p.time_unix_nano);
    out += "  value ";
    AppendPointValue(out, p.value);
    out += '\n';
    AppendAttributes(out, "    ", p.attributes, 0);
    AppendExemplars(out, p.exemplars);
  }
}

void FormatHistogramPoints(std::string& out, const std::vector<HistogramPoint>& points) {
  for (const auto& p : points) {
    AppendTimes(out, p.start_time_unix_nano, p.time_unix_nano);
    out += "  count " + std::to_string(p.count) + "  sum ";
    AppendDouble(out, p.sum);
    AppendMinMax(out, p.has_min_max, p.min, p.max);
    out += '\n';
    AppendAttributes(out, "    ", p.attributes, 0);
    // "(-inf, 1]: 0  (1, 5]: 2  (5, +inf): 1"
    out += "    buckets";
    for (size_t i = 0; i < p.bucket_counts.size(); ++i) {
      out += i == 0 ? " (-inf, " : "  (";
      if (i > 0) {
        AppendDouble(out, i - 1 < p.boundaries.size() ? p.boundaries[i - 1] : 0);
        out += ", ";
      }
      if (i < p.boundaries.size()) {
        AppendDouble(out, p.boundaries[i]);
        out += "]";
      } else {
        out += "+inf)";
      }
      out += ": " + std::to_string(p.bucket_counts[i]);
    }
    out += '\n';
    AppendExemplars(out, p.exemplars);
  }
}

void AppendBuckets(std::string& out, const char* name, const ExponentialBuckets& buckets) {
  if (buckets.counts.empty()) return;
  out += std::string("    ") + name + " offset " + std::to_string(buckets.offset) + " counts [";
  for (size_t i = 0; i < buckets.counts.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(buckets.counts[i]);
  }
  out += "]\n";
}

void FormatExponentialPoints(std::string& out, const std::vector<ExponentialHistogramPoint>& points) {
  for (const auto& p : points) {
    AppendTimes(out, p.start_time_unix_nano, p.time_unix_nano);
    out += "  count " + std::to_string(p.count) + "  sum ";
    AppendDouble(out, p.sum);
    AppendMinMax(out, p.has_min_max, p.min, p.max);
    out += "  scale " + std::to_string(p.scale) + "  zero_count " + std::to_string(p.zero_count);
    out += '\n';
    AppendAttributes(out, "    ", p.attributes, 0);
    AppendBuckets(out, "positive", p.positive);
    AppendBuckets(out, "negative", p.negative);
    AppendExemplars(out, p.exemplars);
  }
}

void FormatMetric(std::string& out, const MetricData& m, const sdk::InstrumentationScope* scope) {
  out += "metric \"" + m.name + "\" ";
  std::visit(
      [&](const auto& data) {
        using T = std::decay_t<decltype(data)>;
        if constexpr (std::is_same_v<T, SumData>) {
          out += std::string(data.is_monotonic ? "sum monotonic " : "sum non-monotonic ") +
                 TemporalityName(data.temporality);
        } else if constexpr (std::is_same_v<T, GaugeData>) {
          out += "gauge";
        } else if constexpr (std::is_same_v<T, HistogramData>) {
          out += std::string("histogram ") + TemporalityName(data.temporality);
        } else {
          out += std::string("exponential_histogram ") + TemporalityName(data.temporality);
        }
      },
      m.data);
  if (!m.unit.empty()) out += "  unit \"" + m.unit + "\"";
  out += '\n';
  if (!m.description.empty()) out += "  description \"" + m.description + "\"\n";
  if (scope != nullptr) {
    out += "  scope " + scope->name;
    if (!scope->version.empty()) out += " " + scope->version;
    out += '\n';
  }
  std::visit(
      [&](const auto& data) {
        using T = std::decay_t<decltype(data)>;
        if constexpr (std::is_same_v<T, HistogramData>) {
          FormatHistogramPoints(out, data.points);
        } else if constexpr (std::is_same_v<T, ExponentialHistogramData>) {
          FormatExponentialPoints(out, data.points);
        } else {
          FormatNumberPoints(out, data.points);
        }
      },
      m.data);
}

class ConsoleMetricExporter final : public MetricExporter {
 public:
  ConsoleMetricExporter(std::FILE* out, TemporalityPreference preference)
      : out_(out), preference_(preference) {}

  sdk::ExportResult Export(const ResourceMetrics& metrics) noexcept override {
    if (shut_down_) return sdk::ExportResult::kFailure;
    try {
      std::string text;
      for (const auto& sm : metrics.scope_metrics)
        for (const auto& m : sm.metrics) FormatMetric(text, m, sm.scope.get());
      if (text.empty()) return sdk::ExportResult::kSuccess;
      if (metrics.resource) {
        text += "resource:\n";
        AppendAttributes(text, "  ", metrics.resource->attributes(), 0);
      }
      std::lock_guard<std::mutex> lock(mutex_);
      std::fwrite(text.data(), 1, text.size(), out_);
      std::fflush(out_);
    } catch (...) {
      return sdk::ExportResult::kFailure;  // allocation failure
    }
    return sdk::ExportResult::kSuccess;
  }
  bool ForceFlush(std::chrono::milliseconds) noexcept override { return std::fflush(out_) == 0; }
  bool Shutdown(std::chrono::milliseconds) noexcept override {
    shut_down_ = true;
    return true;
  }
  AggregationTemporality GetTemporality(InstrumentKind kind) const noexcept override {
    return TemporalityFor(preference_, kind);
  }

 private:
  std::FILE* out_;
  const TemporalityPreference preference_;
  std::mutex mutex_;
  std::atomic<bool> shut_down_{false};
};

}  // namespace

std::unique_ptr<MetricExporter> CreateConsoleMetricExporter(std::FILE* out,
                                                            TemporalityPreference preference) {
  return std::make_unique<ConsoleMetricExporter>(out ? out : stdout, preference);
}

}  // namespace adot::exporters::console
