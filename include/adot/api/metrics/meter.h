// Meter, MeterProvider, their no-op implementations and the global provider.
#pragma once

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "adot/api/attributes.h"
#include "adot/api/export.h"
#include "adot/api/metrics/instruments.h"

namespace adot::api::metrics {

// Advice for a histogram: the bucket boundaries the SDK uses unless a View sets others.
struct HistogramAdvice {
  std::optional<std::vector<double>> explicit_bucket_boundaries;
};

// Creates instruments. Names must match [A-Za-z][A-Za-z0-9_./-]{0,254}; an invalid name gets a
// no-op instrument (and a warning from the SDK). Creating an instrument with the identity of an
// existing one (name, kind, value type, unit, description) returns the existing instrument.
// Observable instruments may be given their first callback at creation.
class Meter {
 public:
  virtual ~Meter() = default;

  virtual std::shared_ptr<Counter<int64_t>> CreateInt64Counter(
      std::string_view name, std::string_view description = {},
      std::string_view unit = {}) noexcept = 0;
  virtual std::shared_ptr<Counter<double>> CreateDoubleCounter(
      std::string_view name, std::string_view description = {},
      std::string_view unit = {}) noexcept = 0;
  virtual std::shared_ptr<UpDownCounter<int64_t>> CreateInt64UpDownCounter(
      std::string_view name, std::string_view description = {},
      std::string_view unit = {}) noexcept = 0;
  virtual std::shared_ptr<UpDownCounter<double>> CreateDoubleUpDownCounter(
      std::string_view name, std::string_view description = {},
      std::string_view unit = {}) noexcept = 0;
  virtual std::shared_ptr<Histogram<int64_t>> CreateInt64Histogram(
      std::string_view name, std::string_view description = {}, std::string_view unit = {},
      const HistogramAdvice& advice = {}) noexcept = 0;
  virtual std::shared_ptr<Histogram<double>> CreateDoubleHistogram(
      std::string_view name, std::string_view description = {}, std::string_view unit = {},
      const HistogramAdvice& advice = {}) noexcept = 0;
  virtual std::shared_ptr<Gauge<int64_t>> CreateInt64Gauge(
      std::string_view name, std::string_view description = {},
      std::string_view unit = {}) noexcept = 0;
  virtual std::shared_ptr<Gauge<double>> CreateDoubleGauge(
      std::string_view name, std::string_view description = {},
      std::string_view unit = {}) noexcept = 0;

  virtual std::shared_ptr<ObservableInstrument<int64_t>> CreateInt64ObservableCounter(
      std::string_view name, std::string_view description = {}, std::string_view unit = {},
      ObservableCallback<int64_t> callback = nullptr) noexcept = 0;
  virtual std::shared_ptr<ObservableInstrument<double>> CreateDoubleObservableCounter(
      std::string_view name, std::string_view description = {}, std::string_view unit = {},
      ObservableCallback<double> callback = nullptr) noexcept = 0;
  virtual std::shared_ptr<ObservableInstrument<int64_t>> CreateInt64ObservableUpDownCounter(
      std::string_view name, std::string_view description = {}, std::string_view unit = {},
      ObservableCallback<int64_t> callback = nullptr) noexcept = 0;
  virtual std::shared_ptr<ObservableInstrument<double>> CreateDoubleObservableUpDownCounter(
      std::string_view name, std::string_view description = {}, std::string_view unit = {},
      ObservableCallback<double> callback = nullptr) noexcept = 0;
  virtual std::shared_ptr<ObservableInstrument<int64_t>> CreateInt64ObservableGauge(
      std::string_view name, std::string_view description = {}, std::string_view unit = {},
      ObservableCallback<int64_t> callback = nullptr) noexcept = 0;
  virtual std::shared_ptr<ObservableInstrument<double>> CreateDoubleObservableGauge(
      std::string_view name, std::string_view description = {}, std::string_view unit = {},
      ObservableCallback<double> callback = nullptr) noexcept = 0;
};

class MeterProvider {
 public:
  virtual ~MeterProvider() = default;
  // name identifies the instrumentation scope (the library doing the instrumenting).
  virtual std::shared_ptr<Meter> GetMeter(std::string_view name, std::string_view version = {},
                                          std::string_view schema_url = {},
                                          AttributeView attributes = {}) noexcept = 0;
};

class NoopMeter final : public Meter {
 public:
  std::shared_ptr<Counter<int64_t>> CreateInt64Counter(std::string_view, std::string_view,
                                                       std::string_view) noexcept override {
    return internal::NoopInstance<Counter<int64_t>, NoopCounter<int64_t>>();
  }
  std::shared_ptr<Counter<double>> CreateDoubleCounter(std::string_view, std::string_view,
                                                       std::string_view) noexcept override {
    return internal::NoopInstance<Counter<double>, NoopCounter<double>>();
  }
  std::shared_ptr<UpDownCounter<int64_t>> CreateInt64UpDownCounter(
      std::string_view, std::string_view, std::string_view) noexcept override {
    return internal::NoopInstance<UpDownCounter<int64_t>, NoopUpDownCounter<int64_t>>();
  }
  std::shared_ptr<UpDownCounter<double>> CreateDoubleUpDownCounter(
      std::string_view, std::string_view, std::string_view) noexcept override {
    return internal::NoopInstance<UpDownCounter<double>, NoopUpDownCounter<double>>();
  }
  std::shared_ptr<Histogram<int64_t>> CreateInt64Histogram(
      std::string_view, std::string_view, std::string_view,
      const HistogramAdvice&) noexcept override {
    return internal::NoopInstance<Histogram<int64_t>, NoopHistogram<int64_t>>();
  }
  std::shared_ptr<Histogram<double>> CreateDoubleHistogram(
      std::string_view, std::string_view, std::string_view,
      const HistogramAdvice&) noexcept override {
    return internal::NoopInstance<Histogram<double>, NoopHistogram<double>>();
  }
  std::shared_ptr<Gauge<int64_t>> CreateInt64Gauge(std::string_view, std::string_view,
                                                   std::string_view) noexcept override {
    return internal::NoopInstance<Gauge<int64_t>, NoopGauge<int64_t>>();
  }
  std::shared_ptr<Gauge<double>> CreateDoubleGauge(std::string_view, std::string_view,
                                                   std::string_view) noexcept override {
    return internal::NoopInstance<Gauge<double>, NoopGauge<double>>();
  }
  std::shared_ptr<ObservableInstrument<int64_t>> CreateInt64ObservableCounter(
      std::string_view, std::string_view, std::string_view,
      ObservableCallback<int64_t>) noexcept override {
    return NoopObservable<int64_t>();
  }
  std::shared_ptr<ObservableInstrument<double>> CreateDoubleObservableCounter(
      std::string_view, std::string_view, std::string_view,
      ObservableCallback<double>) noexcept override {
    return NoopObservable<double>();
  }
  std::shared_ptr<ObservableInstrument<int64_t>> CreateInt64ObservableUpDownCounter(
      std::string_view, std::string_view, std::string_view,
      ObservableCallback<int64_t>) noexcept override {
    return NoopObservable<int64_t>();
  }
  std::shared_ptr<ObservableInstrument<double>> CreateDoubleObservableUpDownCounter(
      std::string_view, std::string_view, std::string_view,
      ObservableCallback<double>) noexcept override {
    return NoopObservable<double>();
  }
  std::shared_ptr<ObservableInstrument<int64_t>> CreateInt64ObservableGauge(
      std::string_view, std::string_view, std::string_view,
      ObservableCallback<int64_t>) noexcept override {
    return NoopObservable<int64_t>();
  }
  std::shared_ptr<ObservableInstrument<double>> CreateDoubleObservableGauge(
      std::string_view, std::string_view, std::string_view,
      ObservableCallback<double>) noexcept override {
    return NoopObservable<double>();
  }

 private:
  template <class T>
  static std::shared_ptr<ObservableInstrument<T>> NoopObservable() noexcept {
    return internal::NoopInstance<ObservableInstrument<T>, NoopObservableInstrument<T>>();
  }
};

class NoopMeterProvider final : public MeterProvider {
 public:
  std::shared_ptr<Meter> GetMeter(std::string_view, std::string_view = {}, std::string_view = {},
                                  AttributeView = {}) noexcept override {
    return internal::NoopInstance<Meter, NoopMeter>();
  }
};

// The process-wide provider: a no-op provider until SetMeterProvider installs one. Both live in
// libadot_api, so every shared object in the process sees the same provider.
ADOT_API_EXPORT std::shared_ptr<MeterProvider> GetMeterProvider() noexcept;
ADOT_API_EXPORT void SetMeterProvider(std::shared_ptr<MeterProvider> provider) noexcept;

}  // namespace adot::api::metrics
