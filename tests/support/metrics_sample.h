// Instruments of every kind on one meter, and a fixed set of measurements for them: what the
// metric exporter, Autoconfigure and interop tests send.
//
//   adot::test::SampleInstruments sample(*meter);
//   sample.Record();   // every call adds the same measurements again
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "adot/api/metrics.h"
#include "adot/sdk/metrics/meter_provider.h"

namespace adot::test {

struct SampleInstruments {
  explicit SampleInstruments(api::metrics::Meter& meter)
      : requests(meter.CreateInt64Counter("http.server.requests", "requests served", "{request}")),
        bytes(meter.CreateDoubleCounter("http.server.bytes", "", "By")),
        latency(meter.CreateDoubleHistogram("http.server.duration", "request latency", "ms",
                                            {std::vector<double>{1, 5, 10, 50}})),
        sizes(meter.CreateInt64Histogram("http.server.size", "", "By")),
        active(meter.CreateInt64UpDownCounter("http.server.active", "", "{request}")),
        temperature(meter.CreateDoubleGauge("room.temperature", "", "Cel")),
        queue(meter.CreateInt64ObservableGauge(
            "queue.depth", "items waiting", "{item}",
            [this](api::metrics::ObserverResult<int64_t>& observer) {
              const int64_t depth = observed_depth.load();
              observer.Observe(depth, {{"queue", "adoptions"}});
              observer.Observe(depth * 2, {{"queue", "returns"}});
            })),
        cpu(meter.CreateDoubleObservableCounter(
            "process.cpu.time", "", "s",
            [this](api::metrics::ObserverResult<double>& observer) {
              observer.Observe(observed_cpu.load(), {{"cpu.mode", "user"}});
            })) {}

  // The same measurements each time; the observables report values that grow per call.
  void Record() {
    requests->Add(1, {{"http.route", "/api/search"}, {"http.response.status_code", int64_t{200}}});
    requests->Add(2, {{"http.route", "/api/search"}, {"http.response.status_code", int64_t{200}}});
    requests->Add(1, {{"http.route", "/api/adopt"}, {"http.response.status_code", int64_t{500}}});
    bytes->Add(1.5, {{"direction", "in"}});
    bytes->Add(0.25, {{"direction", "in"}});
    for (double v : {0.5, 3.0, 7.5, 12.0, 75.0, 5.0}) latency->Record(v, {{"http.route", "/api/search"}});
    latency->Record(2.0, {{"http.route", "/api/adopt"}, {"cached", true}});
    sizes->Record(1024, {});
    sizes->Record(70000, {});
    active->Add(3, {{"pool", "main"}});
    active->Add(-1, {{"pool", "main"}});
    active->Add(-2, {{"pool", "spare"}});
    temperature->Record(21.5, {{"room", "lab"}, {"floor", int64_t{2}}});
    temperature->Record(19.25, {{"room", "office"}, {"floor", int64_t{1}}});
    observed_depth += 7;
    observed_cpu = observed_cpu.load() + 0.125;
  }

  std::shared_ptr<api::metrics::Counter<int64_t>> requests;
  std::shared_ptr<api::metrics::Counter<double>> bytes;
  std::shared_ptr<api::metrics::Histogram<double>> latency;
  std::shared_ptr<api::metrics::Histogram<int64_t>> sizes;
  std::shared_ptr<api::metrics::UpDownCounter<int64_t>> active;
  std::shared_ptr<api::metrics::Gauge<double>> temperature;
  std::atomic<int64_t> observed_depth{0};
  std::atomic<double> observed_cpu{0};
  std::shared_ptr<api::metrics::ObservableInstrument<int64_t>> queue;
  std::shared_ptr<api::metrics::ObservableInstrument<double>> cpu;
};

// A provider with a ManualReader of the given temporality and the sample recorded once (or
// rounds times): Collect() gives what an exporter would be handed.
struct SampleMetrics {
  explicit SampleMetrics(
      sdk::metrics::TemporalityPreference preference = sdk::metrics::TemporalityPreference::kCumulative,
      int rounds = 1) {
    reader = std::make_shared<sdk::metrics::ManualReader>(preference);
    sdk::metrics::MeterProviderOptions options;
    options.resource = std::make_shared<const sdk::Resource>(sdk::OwnedAttributes{
        {"service.name", std::string("metrics-test")}, {"host.cpus", int64_t{8}}});
    options.readers.push_back(reader);
    provider = std::make_shared<sdk::metrics::MeterProvider>(std::move(options));
    instruments = std::make_unique<SampleInstruments>(*provider->GetMeter("metrics.test", "1.2.3"));
    for (int i = 0; i < rounds; ++i) instruments->Record();
  }
  sdk::metrics::ResourceMetrics Collect() {
    sdk::metrics::ResourceMetrics out;
    reader->Collect(out);
    return out;
  }
  std::shared_ptr<sdk::metrics::ManualReader> reader;
  std::shared_ptr<sdk::metrics::MeterProvider> provider;
  std::unique_ptr<SampleInstruments> instruments;
};

}  // namespace adot::test
