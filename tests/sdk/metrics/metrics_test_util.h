// Helpers for the metrics SDK tests: a provider with a ManualReader, and lookups in what it
// collects.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string_view>

#include "adot/sdk/metrics/meter_provider.h"
#include "sdk/metrics/attributes.h"

namespace adot::sdk::metrics::testing {

struct Fixture {
  explicit Fixture(TemporalityPreference preference = TemporalityPreference::kCumulative,
                   std::vector<View> views = {}, size_t cardinality_limit = 2000,
                   ExemplarFilter filter = ExemplarFilter::kTraceBased) {
    reader = std::make_shared<ManualReader>(preference);
    MeterProviderOptions options;
    options.resource = std::make_shared<const Resource>(
        Resource(OwnedAttributes{{"service.name", std::string("svc")}}));
    options.readers.push_back(reader);
    options.views = std::move(views);
    options.cardinality_limit = cardinality_limit;
    options.exemplar_filter = filter;
    provider = std::make_shared<MeterProvider>(std::move(options));
    meter = provider->GetMeter("lib", "1.0");
  }
  ResourceMetrics Collect() {
    ResourceMetrics out;
    EXPECT_TRUE(reader->Collect(out));
    return out;
  }
  std::shared_ptr<ManualReader> reader;
  std::shared_ptr<MeterProvider> provider;
  std::shared_ptr<api::metrics::Meter> meter;
};

inline const MetricData* FindMetric(const ResourceMetrics& rm, std::string_view name) {
  for (const auto& sm : rm.scope_metrics)
    for (const auto& m : sm.metrics)
      if (m.name == name) return &m;
  return nullptr;
}

inline size_t CountMetrics(const ResourceMetrics& rm) {
  size_t n = 0;
  for (const auto& sm : rm.scope_metrics) n += sm.metrics.size();
  return n;
}

template <class Point>
const Point* FindPoint(const std::vector<Point>& points, const OwnedAttributes& attributes) {
  for (const auto& p : points)
    if (internal::SetEquals(p.attributes, attributes)) return &p;
  return nullptr;
}

template <class Data>
const Data& Get(const ResourceMetrics& rm, std::string_view name) {
  const MetricData* m = FindMetric(rm, name);
  if (!m) throw std::runtime_error("no metric " + std::string(name));
  return std::get<Data>(m->data);
}

// The point's value of a Sum or Gauge metric for attributes; nullopt when absent.
inline std::optional<PointValue> Value(const ResourceMetrics& rm, std::string_view name,
                                       const OwnedAttributes& attributes = {}) {
  const MetricData* m = FindMetric(rm, name);
  if (!m) return std::nullopt;
  const std::vector<NumberPoint>* points = nullptr;
  if (auto* sum = std::get_if<SumData>(&m->data)) points = &sum->points;
  if (auto* gauge = std::get_if<GaugeData>(&m->data)) points = &gauge->points;
  if (!points) return std::nullopt;
  const NumberPoint* p = FindPoint(*points, attributes);
  if (!p) return std::nullopt;
  return p->value;
}

inline OwnedAttributes Attrs(std::initializer_list<std::pair<const char*, OwnedAttributeValue>> list) {
  OwnedAttributes out;
  for (const auto& [k, v] : list) out.push_back({k, v});
  return out;
}

}  // namespace adot::sdk::metrics::testing
