#include <gtest/gtest.h>

#include "adot/api/metrics.h"
#include "adot/sdk/metrics/meter_provider.h"

namespace adot::api::metrics {
namespace {

TEST(MetricsApiTest, GlobalProviderIsNoopByDefault) {
  auto provider = GetMeterProvider();
  ASSERT_NE(provider, nullptr);
  auto meter = provider->GetMeter("lib", "1.0", "https://schema", {{"k", "v"}});
  ASSERT_NE(meter, nullptr);
  auto counter = meter->CreateInt64Counter("requests", "desc", "1");
  counter->Add(1);
  counter->Add(2, {{"route", "/"}, {"code", 200}});
  meter->CreateDoubleHistogram("latency")->Record(1.5, {{"route", "/"}});
  meter->CreateInt64Gauge("temperature")->Record(3);
  meter->CreateDoubleUpDownCounter("queue")->Add(-1.0);
  bool called = false;
  auto observable = meter->CreateInt64ObservableGauge(
      "g", "", "", [&](ObserverResult<int64_t>& r) { called = true; r.Observe(1); });
  const CallbackId id = observable->AddCallback([](ObserverResult<int64_t>&) {});
  observable->RemoveCallback(id);
  EXPECT_FALSE(called);  // nothing collects without an SDK
}

TEST(MetricsApiTest, NoopInstrumentsOwnNoControlBlock) {
  NoopMeterProvider provider;
  auto meter = provider.GetMeter("lib");
  auto a = meter->CreateInt64Counter("a");
  auto b = meter->CreateInt64Counter("b");
  EXPECT_EQ(a.get(), b.get());  // one shared no-op object
  EXPECT_EQ(a.use_count(), 0);  // copying it costs no atomics
}

TEST(MetricsApiTest, SetMeterProviderInstallsAndResets) {
  sdk::metrics::MeterProviderOptions options;
  options.resource = std::make_shared<const sdk::Resource>();
  auto sdk_provider = std::make_shared<sdk::metrics::MeterProvider>(std::move(options));
  SetMeterProvider(sdk_provider);
  EXPECT_EQ(GetMeterProvider().get(), sdk_provider.get());
  SetMeterProvider(nullptr);  // back to a no-op provider
  EXPECT_NE(GetMeterProvider().get(), sdk_provider.get());
  EXPECT_NE(dynamic_cast<NoopMeterProvider*>(GetMeterProvider().get()), nullptr);
}

}  // namespace
}  // namespace adot::api::metrics
