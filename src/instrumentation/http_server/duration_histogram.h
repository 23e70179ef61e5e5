// The request-duration histogram of an HTTP instrumentation (http.server.request.duration,
// http.client.request.duration), taken from the global meter provider. Header-only and private
// to the instrumentation libraries (the HTTP server core and the libcurl instrumentation include
// it); it needs nothing but the API.
//
// The instrument is created on first use and kept, so the steady state costs no meter or
// instrument lookup. A provider installed later (SetMeterProvider after the first request, as an
// application that starts serving before its SDK is configured does) is noticed at the next
// request: the cache remembers which provider the instrument came from and creates it again from
// the new one. While the global provider is the API's no-op provider, Get() returns nullptr and
// the caller builds no attributes; the only cost is the global provider read.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "adot/api/metrics/meter.h"

namespace adot::instrumentation::http_metrics {

// The stable HTTP semantic conventions' advice for both duration histograms (seconds).
inline const std::vector<double>& HttpDurationBoundaries() {
  static const std::vector<double>* boundaries = new std::vector<double>{
      0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10};
  return *boundaries;
}

class DurationHistogram {
 public:
  // May throw (allocation).
  DurationHistogram(std::string_view scope_name, std::string_view scope_version,
                    std::string_view name, std::string_view description)
      : scope_name_(scope_name),
        scope_version_(scope_version),
        name_(name),
        description_(description) {}
  DurationHistogram(const DurationHistogram&) = delete;
  DurationHistogram& operator=(const DurationHistogram&) = delete;

  // The histogram to record into (unit "s"); nullptr while no SDK meter provider is installed.
  std::shared_ptr<api::metrics::Histogram<double>> Get() noexcept {
    std::shared_ptr<api::metrics::MeterProvider> provider = api::metrics::GetMeterProvider();
    if (!provider || typeid(*provider) == typeid(api::metrics::NoopMeterProvider)) {
      // The SDK was removed: let go of its instrument (once; later calls see no entry).
      if (has_entry_.load(std::memory_order_relaxed)) {
        has_entry_.store(false, std::memory_order_relaxed);
        entry_.store(nullptr, std::memory_order_release);
      }
      return nullptr;
    }
    std::shared_ptr<const Entry> entry = entry_.load(std::memory_order_acquire);
    // Compared by control block: the weak_ptr keeps the old provider's block allocated, so a new
    // provider can never be mistaken for it.
    if (entry && !entry->provider.owner_before(provider) && !provider.owner_before(entry->provider))
      return entry->histogram;
    try {
      std::shared_ptr<api::metrics::Meter> meter = provider->GetMeter(scope_name_, scope_version_);
      if (!meter) return nullptr;
      api::metrics::HistogramAdvice advice;
      advice.explicit_bucket_boundaries = HttpDurationBoundaries();
      auto fresh = std::make_shared<Entry>();
      fresh->provider = provider;
      fresh->histogram = meter->CreateDoubleHistogram(name_, description_, "s", advice);
      // Two threads may both get here: the SDK hands both the same instrument.
      entry_.store(fresh, std::memory_order_release);
      has_entry_.store(true, std::memory_order_relaxed);
      return fresh->histogram;
    } catch (...) {
      return nullptr;  // out of memory: this request goes unmeasured
    }
  }

 private:
  struct Entry {
    std::weak_ptr<api::metrics::MeterProvider> provider;
    std::shared_ptr<api::metrics::Histogram<double>> histogram;
  };

  const std::string scope_name_;
  const std::string scope_version_;
  const std::string name_;
  const std::string description_;
  std::atomic<std::shared_ptr<const Entry>> entry_;
  std::atomic<bool> has_entry_{false};
};

}  // namespace adot::instrumentation::http_metrics
