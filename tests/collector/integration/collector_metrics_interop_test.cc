// End to end for metrics: the project's SDK (counter, histogram, up-down counter, gauge,
// observables, with attributes) → its OTLP/HTTP metric exporter → the real adot-collector binary
// (otlp receiver → otlp and otlphttp exporters) → tests/interop/js/otlp_sink.js, which decodes
// with the official OpenTelemetry JS generated code. Every data point must arrive through both
// collector exporters exactly as the SDK exported it (values, attributes, bucket counts and
// bounds, temporality, timestamps, resource, scope), and over two exports the timestamps must
// move forward the way the temporality says. Run for cumulative and delta. Skipped without node
// or the sink's node_modules (`npm ci --prefix tests/interop/js`, done by scripts/install-deps.sh).
#include <gtest/gtest.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>

#include "adot/exporters/otlp/otlp_http_exporter.h"
#include "adot/sdk/metrics/meter_provider.h"
#include "collector/test_util.h"
#include "collector_process.h"
#include "common/json_reader.h"
#include "interop/node_sink.h"
#include "support/metrics_sample.h"

namespace adot::collector {
namespace {

using namespace std::chrono_literals;
using namespace sdk::metrics;
using common::JsonValue;
using testing::CollectorProcess;
using testing::FreePort;
using testing::WaitHealthy;

// Hands each collection to the OTLP exporter and keeps a copy: the expected data is exactly what
// was exported.
class RecordingExporter final : public MetricExporter {
 public:
  explicit RecordingExporter(std::unique_ptr<MetricExporter> inner) : inner_(std::move(inner)) {}
  sdk::ExportResult Export(const ResourceMetrics& metrics) noexcept override {
    sdk::ExportResult result = inner_->Export(metrics);
    std::lock_guard<std::mutex> lock(mutex_);
    exported_.push_back(metrics);
    results_.push_back(result);
    return result;
  }
  bool Shutdown(std::chrono::milliseconds timeout) noexcept override { return inner_->Shutdown(timeout); }
  AggregationTemporality GetTemporality(InstrumentKind kind) const noexcept override {
    return inner_->GetTemporality(kind);
  }
  std::vector<ResourceMetrics> exported() {
    std::lock_guard<std::mutex> lock(mutex_);
    return exported_;
  }
  std::vector<sdk::ExportResult> results() {
    std::lock_guard<std::mutex> lock(mutex_);
    return results_;
  }

 private:
  std::unique_ptr<MetricExporter> inner_;
  std::mutex mutex_;
  std::vector<ResourceMetrics> exported_;
  std::vector<sdk::ExportResult> results_;
};

// ---- one neutral text per data point ----------------------------------------------------------

std::string Double(double d) {
  if (std::isnan(d)) return "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

std::string ValueText(const sdk::OwnedAttributeValue& v) {
  if (const bool* b = std::get_if<bool>(&v)) return *b ? "bool:true" : "bool:false";
  if (const int64_t* i = std::get_if<int64_t>(&v)) return "int:" + std::to_string(*i);
  if (const double* d = std::get_if<double>(&v)) return "double:" + Double(*d);
  if (const std::string* s = std::get_if<std::string>(&v)) return "string:" + *s;
  return "array";  // the sample has no array attributes
}

std::string AttributesText(std::vector<std::string> items) {
  std::sort(items.begin(), items.end());  // OTLP does not promise an order
  std::string out = "{";
  for (const auto& item : items) out += item + ";";
  return out + "}";
}

std::string AttributesText(const sdk::OwnedAttributes& attributes) {
  std::vector<std::string> items;
  for (const auto& kv : attributes) items.push_back(kv.key + "=" + ValueText(kv.value));
  return AttributesText(std::move(items));
}

// A series' identity (metric and attributes), then the point's fields.
struct Point {
  Point(std::string type, int temporality = 0) : type(std::move(type)), temporality(temporality) {}
  std::string series;
  std::string type;  // sum-monotonic, sum, gauge, histogram
  int temporality = 0;
  uint64_t start = 0, time = 0;
  std::string text;  // everything, for equality
};

// From what the SDK exported.
std::vector<Point> FromSdk(const ResourceMetrics& rm) {
  std::vector<Point> out;
  const std::string resource = rm.resource ? AttributesText(rm.resource->attributes()) : "{}";
  for (const auto& sm : rm.scope_metrics) {
    const std::string scope = sm.scope ? sm.scope->name + "@" + sm.scope->version : "";
    for (const auto& m : sm.metrics) {
      const std::string metric = m.name + "|" + m.description + "|" + m.unit;
      auto common = [&](Point& p, const sdk::OwnedAttributes& attributes, uint64_t start, uint64_t time) {
        p.series = metric + "|" + AttributesText(attributes);
        p.start = start;
        p.time = time;
        p.text = resource + "|" + scope + "|" + p.series + "|" + p.type + "|t" + std::to_string(p.temporality) +
                 "|" + std::to_string(start) + ".." + std::to_string(time);
      };
      auto value = [](const PointValue& v) {
        return std::holds_alternative<int64_t>(v) ? "int:" + std::to_string(std::get<int64_t>(v))
                                                   : "double:" + Double(std::get<double>(v));
      };
      if (const auto* sum = std::get_if<SumData>(&m.data)) {
        for (const auto& n : sum->points) {
          Point p(sum->is_monotonic ? "sum-monotonic" : "sum", int(sum->temporality));
          common(p, n.attributes, n.start_time_unix_nano, n.time_unix_nano);
          p.text += "|" + value(n.value) + "|exemplars:" + std::to_string(n.exemplars.size());
          out.push_back(p);
        }
      } else if (const auto* gauge = std::get_if<GaugeData>(&m.data)) {
        for (const auto& n : gauge->points) {
          Point p("gauge");
          common(p, n.attributes, n.start_time_unix_nano, n.time_unix_nano);
          p.text += "|" + value(n.value) + "|exemplars:" + std::to_string(n.exemplars.size());
          out.push_back(p);
        }
      } else if (const auto* hist = std::get_if<HistogramData>(&m.data)) {
        for (const auto& h : hist->points) {
          Point p("histogram", int(hist->temporality));
          common(p, h.attributes, h.start_time_unix_nano, h.time_unix_nano);
          p.text += "|count:" + std::to_string(h.count) + "|sum:" + Double(h.sum);
          p.text += h.has_min_max ? "|min:" + Double(h.min) + "|max:" + Double(h.max) : "|min:-|max:-";
          p.text += "|buckets:";
          for (uint64_t c : h.bucket_counts) p.text += std::to_string(c) + ",";
          p.text += "|bounds:";
          for (double b : h.boundaries) p.text += Double(b) + ",";
          p.text += "|exemplars:" + std::to_string(h.exemplars.size());
          out.push_back(p);
        }
      } else {
        ADD_FAILURE() << "the sample has no exponential histograms: " << m.name;
      }
    }
  }
  return out;
}

// From one request line of the Node sink.
const JsonValue& Member(const JsonValue& v, std::string_view key) {
  static const JsonValue kNull;
  const JsonValue* found = v.Find(key);
  return found ? *found : kNull;
}
std::string Str(const JsonValue& v, std::string_view key) { return Member(v, key).text(); }
uint64_t U64(const JsonValue& v, std::string_view key) {
  uint64_t out = 0;
  EXPECT_TRUE(Member(v, key).GetUint64(out)) << key;
  return out;
}
// The sink writes doubles as JS text ("1.5", "NaN", "Infinity"): read back, then as Double().
std::string JsDouble(const JsonValue& v) {
  double d = 0;
  EXPECT_TRUE(v.GetDouble(d)) << v.text();
  return Double(d);
}
std::string JsValue(const JsonValue& any) {
  const std::string type = Str(any, "type");
  if (type == "bool") return Member(any, "value").bool_value() ? "bool:true" : "bool:false";
  if (type == "int") return "int:" + Str(any, "value");
  if (type == "double") return "double:" + JsDouble(Member(any, "value"));
  if (type == "string") return "string:" + Str(any, "value");
  return type;
}
std::string JsAttributes(const JsonValue& list) {
  std::vector<std::string> items;
  for (const auto& kv : list.array()) items.push_back(Str(kv, "key") + "=" + JsValue(Member(kv, "value")));
  return AttributesText(std::move(items));
}

std::vector<Point> FromSink(const JsonValue& request) {
  std::vector<Point> out;
  for (const auto& rm : Member(request, "resource_metrics").array()) {
    const std::string resource = JsAttributes(Member(Member(rm, "resource"), "attributes"));
    for (const auto& sm : Member(rm, "scope_metrics").array()) {
      const std::string scope = Str(Member(sm, "scope"), "name") + "@" + Str(Member(sm, "scope"), "version");
      for (const auto& m : Member(sm, "metrics").array()) {
        const std::string metric = Str(m, "name") + "|" + Str(m, "description") + "|" + Str(m, "unit");
        std::string type = Str(m, "type");
        if (type == "sum" && Member(m, "is_monotonic").bool_value()) type = "sum-monotonic";
        uint64_t temporality = 0;
        Member(m, "aggregation_temporality").GetUint64(temporality);
        for (const auto& dp : Member(m, "data_points").array()) {
          Point p(type, int(temporality));
          p.series = metric + "|" + JsAttributes(Member(dp, "attributes"));
          p.start = U64(dp, "start_time_unix_nano");
          p.time = U64(dp, "time_unix_nano");
          p.text = resource + "|" + scope + "|" + p.series + "|" + p.type + "|t" + std::to_string(p.temporality) +
                   "|" + std::to_string(p.start) + ".." + std::to_string(p.time);
          const size_t exemplars = Member(dp, "exemplars").array().size();
          if (type == "histogram") {
            p.text += "|count:" + Str(dp, "count") + "|sum:" + JsDouble(Member(dp, "sum"));
            const JsonValue& min = Member(dp, "min");
            const JsonValue& max = Member(dp, "max");
            p.text += min.is_null() ? "|min:-" : "|min:" + JsDouble(min);
            p.text += max.is_null() ? "|max:-" : "|max:" + JsDouble(max);
            p.text += "|buckets:";
            for (const auto& c : Member(dp, "bucket_counts").array()) p.text += c.text() + ",";
            p.text += "|bounds:";
            for (const auto& b : Member(dp, "explicit_bounds").array()) p.text += JsDouble(b) + ",";
          } else {
            p.text += "|" + JsValue(Member(dp, "value"));
          }
          p.text += "|exemplars:" + std::to_string(exemplars);
          out.push_back(p);
        }
      }
    }
  }
  return out;
}

std::multiset<std::string> Texts(const std::vector<Point>& points) {
  std::multiset<std::string> out;
  for (const auto& p : points) out.insert(p.text);
  return out;
}

class CollectorMetricsInterop : public ::testing::TestWithParam<TemporalityPreference> {};

TEST_P(CollectorMetricsInterop, SdkMetricsThroughTheCollectorDecodeEqualInOpenTelemetryJs) {
  const TemporalityPreference preference = GetParam();
  const std::string js_dir = ADOT_INTEROP_JS_DIR;
  if (std::string(ADOT_NODE_EXECUTABLE).empty()) GTEST_SKIP() << "node was not found at configure time";
  if (!std::filesystem::exists(js_dir + "/node_modules/@opentelemetry/otlp-transformer"))
    GTEST_SKIP() << "run npm ci --prefix tests/interop/js (scripts/install-deps.sh)";
  test::NodeSink sink(ADOT_NODE_EXECUTABLE, js_dir);

  const uint16_t receiver = FreePort(), health = FreePort();
  const std::string port = std::to_string(receiver);
  CollectorProcess collector(
      "receivers:\n  otlp:\n    protocols: {http: {endpoint: \"127.0.0.1:" + port + "\"}}\n"
      "exporters:\n"
      "  otlp:\n    endpoint: \"127.0.0.1:" + std::to_string(sink.grpc_port()) + "\"\n"
      "    tls: {insecure: true}\n    retry_on_failure: {initial_interval: 50ms}\n"
      "  otlphttp:\n    endpoint: \"" + sink.HttpUrl("") + "\"\n"
      "    retry_on_failure: {initial_interval: 50ms}\n"
      "extensions:\n  health_check: {endpoint: \"127.0.0.1:" + std::to_string(health) + "\"}\n"
      "service:\n  extensions: [health_check]\n  telemetry: {metrics: {level: none}}\n"
      "  pipelines:\n    metrics: {receivers: [otlp], exporters: [otlp, otlphttp]}\n");
  ASSERT_TRUE(WaitHealthy(health)) << collector.Log();

  exporters::otlp::OtlpExporterOptions options =
      exporters::otlp::OtlpExporterOptions::Defaults(exporters::otlp::Signal::kMetrics);
  options.endpoint = "http://127.0.0.1:" + port + "/v1/metrics";
  options.timeout = 5s;
  options.retry.max_attempts = 1;  // a failed export shows as a failure, not as a delay
  options.temporality_preference = preference;
  auto recording = std::make_unique<RecordingExporter>(exporters::otlp::CreateOtlpHttpMetricExporter(options));
  RecordingExporter* recorder = recording.get();
  auto reader = std::make_shared<PeriodicExportingMetricReader>(
      std::move(recording), PeriodicExportingMetricReaderOptions{.export_interval = 1h});
  MeterProviderOptions provider_options;
  provider_options.resource = std::make_shared<const sdk::Resource>(
      sdk::OwnedAttributes{{"service.name", std::string("collector-metrics-interop")},
                           {"deployment.environment", std::string("test")}});
  provider_options.readers.push_back(reader);
  MeterProvider provider(std::move(provider_options));
  test::SampleInstruments sample(*provider.GetMeter("interop.metrics", "4.5.6"));

  sample.Record();
  ASSERT_TRUE(provider.ForceFlush(10s));
  std::this_thread::sleep_for(5ms);  // the second collection's time is later
  sample.Record();
  sample.requests->Add(10, {{"http.route", "/api/new"}, {"http.response.status_code", int64_t{201}}});
  ASSERT_TRUE(provider.ForceFlush(10s));

  const auto exported = recorder->exported();
  ASSERT_EQ(exported.size(), 2u);
  for (auto result : recorder->results()) EXPECT_EQ(result, sdk::ExportResult::kSuccess) << collector.Log();
  std::multiset<std::string> expected;
  std::vector<Point> expected_points;
  for (const auto& rm : exported) {
    for (auto& p : FromSdk(rm)) {
      expected.insert(p.text);
      expected_points.push_back(p);
    }
  }
  ASSERT_EQ(expected.size(), 13u + 14u);

  // Both collector exporters deliver both requests.
  std::map<std::string, std::vector<Point>> received;  // by transport
  for (auto end = std::chrono::steady_clock::now() + 15s; std::chrono::steady_clock::now() < end;) {
    received.clear();
    for (const std::string& line : sink.Lines()) {
      JsonValue record;
      std::string error;
      ASSERT_TRUE(common::ParseJson(line, record, &error)) << error;
      ASSERT_EQ(record.Find("error"), nullptr) << line;
      ASSERT_EQ(Str(record, "signal"), "metrics") << line;
      auto points = FromSink(Member(record, "request"));
      auto& into = received[Str(record, "transport")];
      into.insert(into.end(), points.begin(), points.end());
    }
    if (received["http"].size() >= expected.size() && received["grpc"].size() >= expected.size()) break;
    std::this_thread::sleep_for(20ms);
  }
  for (const char* transport : {"http", "grpc"}) {
    SCOPED_TRACE(std::string("through the collector's ") + (transport == std::string("http") ? "otlphttp" : "otlp") +
                 " exporter");
    const auto got = Texts(received[transport]);
    EXPECT_EQ(got.size(), expected.size());
    for (const auto& e : expected) EXPECT_EQ(got.count(e), expected.count(e)) << "expected: " << e;
    for (const auto& g : got) EXPECT_EQ(expected.count(g), got.count(g)) << "unexpected: " << g;

    // Over the two exports, per series: time moves forward; cumulative points keep their start,
    // delta points start where the previous one ended.
    std::map<std::string, std::vector<const Point*>> series;
    for (const auto& p : received[transport]) series[p.series].push_back(&p);
    size_t checked = 0;
    for (auto& [name, points] : series) {
      std::sort(points.begin(), points.end(), [](auto* a, auto* b) { return a->time < b->time; });
      for (const Point* p : points) {
        if (p->type != "gauge") {
          EXPECT_LE(p->start, p->time) << name;
        }
      }
      for (size_t i = 1; i < points.size(); ++i) {
        const Point& a = *points[i - 1];
        const Point& b = *points[i];
        EXPECT_LT(a.time, b.time) << name;
        if (b.type == "gauge") continue;
        ++checked;
        if (b.temporality == int(AggregationTemporality::kCumulative)) {
          EXPECT_EQ(a.start, b.start) << name;
        } else {
          EXPECT_EQ(b.start, a.time) << name;
        }
      }
    }
    EXPECT_GE(checked, 8u);
  }

  // Temporality on the wire follows the preference.
  size_t deltas = 0;
  for (const auto& p : expected_points) deltas += p.temporality == int(AggregationTemporality::kDelta);
  if (preference == TemporalityPreference::kCumulative) {
    EXPECT_EQ(deltas, 0u);
  } else {
    EXPECT_GT(deltas, 0u);
  }

  EXPECT_TRUE(provider.Shutdown(10s));
  EXPECT_EQ(collector.Terminate(10s), 0) << collector.Log();
}

INSTANTIATE_TEST_SUITE_P(Temporality, CollectorMetricsInterop,
                         ::testing::Values(TemporalityPreference::kCumulative, TemporalityPreference::kDelta),
                         [](const auto& info) {
                           return info.param == TemporalityPreference::kCumulative ? "Cumulative" : "Delta";
                         });

}  // namespace
}  // namespace adot::collector
