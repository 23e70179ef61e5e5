// Carriers and propagators: how a Context crosses a process boundary as text key/value pairs
// (HTTP headers, message attributes, environment variables).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "adot/api/context.h"
#include "adot/api/export.h"

namespace adot::api::propagation {

// A non-owning reference to a callable: no allocation, valid only during the call it is passed to.
template <class Fn>
class FunctionRef;
template <class R, class... Args>
class FunctionRef<R(Args...)> {
 public:
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, FunctionRef>>>
  FunctionRef(F&& f) noexcept  // NOLINT(google-explicit-constructor)
      : object_(const_cast<void*>(static_cast<const void*>(&f))),
        call_([](void* o, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(o))(std::forward<Args>(args)...);
        }) {}
  R operator()(Args... args) const { return call_(object_, std::forward<Args>(args)...); }

 private:
  void* object_;
  R (*call_)(void*, Args...);
};

// Called with each value (or key); return false to stop.
using StringVisitor = FunctionRef<bool(std::string_view)>;

// Reads a carrier. HTTP header carriers match keys ASCII case-insensitively.
class TextMapGetter {
 public:
  virtual ~TextMapGetter() = default;
  // The first value of key, or nullopt when the carrier has none.
  virtual std::optional<std::string_view> Get(std::string_view key) const noexcept = 0;
  // Every value of key in order: a header sent several times (or several fields combined in one
  // header line by the transport) is seen as several values. The default reports Get's value.
  virtual void GetAll(std::string_view key, StringVisitor visit) const noexcept {
    if (auto v = Get(key)) visit(*v);
  }
  // Every key of the carrier (once per occurrence), for prefixed fields such as uberctx-*.
  // The default reports none.
  virtual void Keys(StringVisitor visit) const noexcept {}
};

// Writes a carrier. Set replaces any earlier value of key.
class TextMapSetter {
 public:
  virtual ~TextMapSetter() = default;
  virtual void Set(std::string_view key, std::string_view value) noexcept = 0;
};

// Injects a Context into a carrier and extracts one from it. Implementations never throw: a
// malformed carrier leaves the context unchanged.
class TextMapPropagator {
 public:
  virtual ~TextMapPropagator() = default;
  virtual void Inject(const Context& context, TextMapSetter& carrier) const noexcept = 0;
  // Returns context plus what the carrier holds (or context itself when nothing valid is found).
  virtual Context Extract(const Context& context, const TextMapGetter& carrier) const noexcept = 0;
  // The keys Inject may set (views of static strings or of this propagator's own storage).
  virtual std::vector<std::string_view> Fields() const = 0;
};

// Runs several propagators: Extract in order, each seeing the previous one's result (so a later one
// wins where two write the same thing); Inject runs them all. No propagators = no propagation.
class CompositePropagator final : public TextMapPropagator {
 public:
  CompositePropagator() = default;
  explicit CompositePropagator(std::vector<std::shared_ptr<TextMapPropagator>> propagators) {
    for (auto& p : propagators)
      if (p) propagators_.push_back(std::move(p));
  }
  void Inject(const Context& context, TextMapSetter& carrier) const noexcept override {
    for (const auto& p : propagators_) p->Inject(context, carrier);
  }
  Context Extract(const Context& context, const TextMapGetter& carrier) const noexcept override {
    Context result = context;
    for (const auto& p : propagators_) result = p->Extract(result, carrier);
    return result;
  }
  std::vector<std::string_view> Fields() const override {
    std::vector<std::string_view> fields;
    for (const auto& p : propagators_) {
      for (std::string_view f : p->Fields()) {
        bool seen = false;
        for (std::string_view g : fields) seen = seen || g == f;
        if (!seen) fields.push_back(f);
      }
    }
    return fields;
  }
  const std::vector<std::shared_ptr<TextMapPropagator>>& propagators() const noexcept {
    return propagators_;
  }

 private:
  std::vector<std::shared_ptr<TextMapPropagator>> propagators_;
};

// The process-wide propagator (held in libadot_api). Until one is set it is an empty
// CompositePropagator, which propagates nothing. Setting nullptr restores that default.
ADOT_API_EXPORT std::shared_ptr<TextMapPropagator> GetGlobalPropagator() noexcept;
ADOT_API_EXPORT void SetGlobalPropagator(std::shared_ptr<TextMapPropagator> propagator) noexcept;

namespace internal {
// The B3 "debug" sampling state of an extracted context (kept so B3 inject can send it on).
// Defined in libadot_api so every shared object shares it.
ADOT_API_EXPORT const ContextKey& B3DebugContextKey() noexcept;

inline char AsciiLower(char c) noexcept { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  return true;
}
}  // namespace internal

}  // namespace adot::api::propagation
