// Propagator costs: one inject plus one extract per iteration, through carriers that do not
// allocate (a fixed set of reusable header slots), so the figures are the propagators' own.
//
//   build/release/bench/bench_propagation
#include <benchmark/benchmark.h>

#include <array>
#include <string>

#include "adot/api/baggage.h"
#include "adot/api/propagation/carriers.h"
#include "adot/api/trace/span.h"
#include "adot/sdk/propagation/baggage.h"
#include "adot/sdk/propagation/propagators.h"
#include "adot/sdk/propagation/trace_context.h"
#include "adot/sdk/propagation/xray.h"

namespace {

using namespace adot;
using api::propagation::StringVisitor;

// A header map with reusable storage: after the first round, Set only copies bytes.
class SlotCarrier final : public api::propagation::TextMapGetter,
                          public api::propagation::TextMapSetter {
 public:
  SlotCarrier() {
    for (auto& s : slots_) {
      s.key.reserve(64);
      s.value.reserve(1024);
    }
  }
  void Clear() noexcept { used_ = 0; }
  void Set(std::string_view key, std::string_view value) noexcept override {
    for (size_t i = 0; i < used_; ++i) {
      if (api::propagation::internal::EqualsIgnoreCase(slots_[i].key, key)) {
        slots_[i].value.assign(value);
        return;
      }
    }
    if (used_ == slots_.size()) return;
    slots_[used_].key.assign(key);
    slots_[used_].value.assign(value);
    ++used_;
  }
  std::optional<std::string_view> Get(std::string_view key) const noexcept override {
    for (size_t i = 0; i < used_; ++i)
      if (api::propagation::internal::EqualsIgnoreCase(slots_[i].key, key)) return slots_[i].value;
    return std::nullopt;
  }
  void GetAll(std::string_view key, StringVisitor visit) const noexcept override {
    for (size_t i = 0; i < used_; ++i)
      if (api::propagation::internal::EqualsIgnoreCase(slots_[i].key, key) && !visit(slots_[i].value))
        return;
  }
  void Keys(StringVisitor visit) const noexcept override {
    for (size_t i = 0; i < used_; ++i)
      if (!visit(slots_[i].key)) return;
  }

 private:
  struct Slot {
    std::string key, value;
  };
  std::array<Slot, 8> slots_;
  size_t used_ = 0;
};

api::Context SpanContextOf(uint8_t flags, std::shared_ptr<const api::trace::TraceState> state = nullptr) {
  return api::trace::ContextWithSpan(
      api::Context(),
      std::make_shared<api::trace::NonRecordingSpan>(api::trace::SpanContext(
          api::trace::TraceId::FromHex("5759e988bd862e3fe1be46a994272793"),
          api::trace::SpanId::FromHex("53995c3f42cd8ad8"), api::trace::TraceFlags(flags), true,
          std::move(state))));
}

void RunInjectExtract(benchmark::State& state, const api::propagation::TextMapPropagator& p,
                      const api::Context& ctx) {
  SlotCarrier carrier;
  for (auto _ : state) {
    carrier.Clear();
    p.Inject(ctx, carrier);
    api::Context out = p.Extract(api::Context(), carrier);
    benchmark::DoNotOptimize(out);
  }
}

void BM_W3CTraceContextInjectExtract(benchmark::State& state) {
  RunInjectExtract(state, sdk::propagation::TraceContextPropagator(), SpanContextOf(0x01));
}
BENCHMARK(BM_W3CTraceContextInjectExtract);

void BM_W3CTraceContextWithTraceStateInjectExtract(benchmark::State& state) {
  RunInjectExtract(state, sdk::propagation::TraceContextPropagator(),
                   SpanContextOf(0x01, api::trace::TraceState::FromHeader(
                                           "xrsr=rule1,congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")));
}
BENCHMARK(BM_W3CTraceContextWithTraceStateInjectExtract);

void BM_XrayInjectExtract(benchmark::State& state) {
  RunInjectExtract(state, sdk::propagation::XrayPropagator(), SpanContextOf(0x01));
}
BENCHMARK(BM_XrayInjectExtract);

std::shared_ptr<const api::baggage::Baggage> TenEntries() {
  auto b = api::baggage::Baggage::Empty();
  for (int i = 0; i < 10; ++i)
    b = b->Set("key" + std::to_string(i), "value" + std::to_string(i) + (i % 3 == 0 ? " x" : ""),
               i == 5 ? "ttl=30" : "");
  return b;
}

// Parse + serialize of a 10-entry baggage header (the opentelemetry-cpp comparison).
void BM_Baggage10ParseSerialize(benchmark::State& state) {
  std::string header;
  sdk::propagation::BaggagePropagator::Serialize(*TenEntries(), header);
  std::vector<api::baggage::Baggage::Entry> entries;
  std::string out;
  out.reserve(1024);
  for (auto _ : state) {
    entries.clear();
    size_t total = 0;
    sdk::propagation::BaggagePropagator::Parse(header, entries, total);
    api::baggage::Baggage baggage(std::move(entries));
    out.clear();
    sdk::propagation::BaggagePropagator::Serialize(baggage, out);
    benchmark::DoNotOptimize(out.data());
    entries = std::vector<api::baggage::Baggage::Entry>();
  }
}
BENCHMARK(BM_Baggage10ParseSerialize);

// The same through the propagator interface: Extract builds the Baggage in a new Context.
void BM_Baggage10InjectExtract(benchmark::State& state) {
  RunInjectExtract(state, sdk::propagation::BaggagePropagator(),
                   api::baggage::ContextWithBaggage(api::Context(), TenEntries()));
}
BENCHMARK(BM_Baggage10InjectExtract);

// ADOT's default composite (baggage,xray,tracecontext) with a span and no baggage.
void BM_AdotDefaultCompositeInjectExtract(benchmark::State& state) {
  auto p = sdk::propagation::CreatePropagatorFromList("baggage,xray,tracecontext");
  RunInjectExtract(state, *p, SpanContextOf(0x01));
}
BENCHMARK(BM_AdotDefaultCompositeInjectExtract);

}  // namespace

BENCHMARK_MAIN();
