// Metric instruments: the synchronous Counter, UpDownCounter, Histogram and Gauge, and the
// asynchronous (observable) instruments with their callbacks. No-op implementations included.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>

#include "adot/api/attributes.h"
#include "adot/api/context.h"

namespace adot::api::metrics {

// Every Add/Record takes the measurement's attributes (a view: the caller keeps the strings
// alive for the call) and optionally the Context whose active span an exemplar links to; without
// one the thread's current context is used. The methods never throw and are safe to call from
// any thread.

template <class T>
class Counter {
  static_assert(std::is_same_v<T, int64_t> || std::is_same_v<T, double>);

 public:
  virtual ~Counter() = default;
  // value must be non-negative; negative values are ignored by the SDK.
  virtual void Add(T value, AttributeView attributes, const Context* context) noexcept = 0;
  void Add(T value, AttributeView attributes = {}) noexcept { Add(value, attributes, nullptr); }
  void Add(T value, AttributeView attributes, const Context& context) noexcept {
    Add(value, attributes, &context);
  }
};

template <class T>
class UpDownCounter {
  static_assert(std::is_same_v<T, int64_t> || std::is_same_v<T, double>);

 public:
  virtual ~UpDownCounter() = default;
  virtual void Add(T value, AttributeView attributes, const Context* context) noexcept = 0;
  void Add(T value, AttributeView attributes = {}) noexcept { Add(value, attributes, nullptr); }
  void Add(T value, AttributeView attributes, const Context& context) noexcept {
    Add(value, attributes, &context);
  }
};

template <class T>
class Histogram {
  static_assert(std::is_same_v<T, int64_t> || std::is_same_v<T, double>);

 public:
  virtual ~Histogram() = default;
  // value must be non-negative; negative values are ignored by the SDK.
  virtual void Record(T value, AttributeView attributes, const Context* context) noexcept = 0;
  void Record(T value, AttributeView attributes = {}) noexcept {
    Record(value, attributes, nullptr);
  }
  void Record(T value, AttributeView attributes, const Context& context) noexcept {
    Record(value, attributes, &context);
  }
};

template <class T>
class Gauge {
  static_assert(std::is_same_v<T, int64_t> || std::is_same_v<T, double>);

 public:
  virtual ~Gauge() = default;
  virtual void Record(T value, AttributeView attributes, const Context* context) noexcept = 0;
  void Record(T value, AttributeView attributes = {}) noexcept {
    Record(value, attributes, nullptr);
  }
  void Record(T value, AttributeView attributes, const Context& context) noexcept {
    Record(value, attributes, &context);
  }
};

// What an observable instrument's callback reports its observations to. Valid only during the
// callback.
template <class T>
class ObserverResult {
 public:
  virtual ~ObserverResult() = default;
  virtual void Observe(T value, AttributeView attributes = {}) noexcept = 0;
};

// Called at each collection. Observable counters observe totals (not increments), gauges the
// current value. A callback must not block and must not create instruments.
template <class T>
using ObservableCallback = std::function<void(ObserverResult<T>&)>;

// Identifies a registered callback; 0 is never a valid id.
using CallbackId = uint64_t;

// An ObservableCounter, ObservableUpDownCounter or ObservableGauge (which one is set when the
// Meter creates it).
template <class T>
class ObservableInstrument {
  static_assert(std::is_same_v<T, int64_t> || std::is_same_v<T, double>);

 public:
  virtual ~ObservableInstrument() = default;
  // Returns the id to remove the callback with.
  virtual CallbackId AddCallback(ObservableCallback<T> callback) noexcept = 0;
  // After RemoveCallback returns, the callback is not started again (a call in progress on
  // another thread may still be running).
  virtual void RemoveCallback(CallbackId id) noexcept = 0;
};

// The no-op instruments: what the API hands out with no SDK installed.
template <class T>
class NoopCounter final : public Counter<T> {
 public:
  using Counter<T>::Add;
  void Add(T, AttributeView, const Context*) noexcept override {}
};
template <class T>
class NoopUpDownCounter final : public UpDownCounter<T> {
 public:
  using UpDownCounter<T>::Add;
  void Add(T, AttributeView, const Context*) noexcept override {}
};
template <class T>
class NoopHistogram final : public Histogram<T> {
 public:
  using Histogram<T>::Record;
  void Record(T, AttributeView, const Context*) noexcept override {}
};
template <class T>
class NoopGauge final : public Gauge<T> {
 public:
  using Gauge<T>::Record;
  void Record(T, AttributeView, const Context*) noexcept override {}
};
template <class T>
class NoopObservableInstrument final : public ObservableInstrument<T> {
 public:
  CallbackId AddCallback(ObservableCallback<T>) noexcept override { return 1; }
  void RemoveCallback(CallbackId) noexcept override {}
};

namespace internal {
// A pointer to a never-destroyed no-op object that owns no control block: copying it costs no
// atomics, and it stays usable during static destruction.
template <class Interface, class Noop>
std::shared_ptr<Interface> NoopInstance() noexcept {
  static Noop* instance = new Noop();
  return std::shared_ptr<Interface>(std::shared_ptr<Interface>(), instance);
}
}  // namespace internal

}  // namespace adot::api::metrics
