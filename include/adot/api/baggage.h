// W3C Baggage: an immutable set of name/value pairs (each with optional metadata, the W3C
// "properties") carried in the Context and propagated across process boundaries.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "adot/api/context.h"
#include "adot/api/export.h"

namespace adot::api::baggage {

// Immutable: Set and Delete return a new Baggage and leave this one unchanged. Always held by a
// shared pointer, like TraceState, so a Context can carry it without a copy.
class Baggage {
 public:
  struct Entry {
    std::string key;
    std::string value;
    // The W3C properties after the value, e.g. "ttl=30;private", without the leading ';'.
    std::string metadata;
  };

  Baggage() = default;
  explicit Baggage(std::vector<Entry> entries) noexcept : entries_(std::move(entries)) {}

  // The shared empty baggage. It owns no control block, so copying the pointer costs no atomics.
  static std::shared_ptr<const Baggage> Empty() noexcept {
    static const Baggage empty;
    return std::shared_ptr<const Baggage>(std::shared_ptr<const Baggage>(), &empty);
  }

  // The entry for key, or nullptr when absent. Valid as long as this Baggage is alive.
  const Entry* Find(std::string_view key) const noexcept {
    for (const Entry& e : entries_)
      if (e.key == key) return &e;
    return nullptr;
  }
  // The value for key; false when absent.
  bool Get(std::string_view key, std::string_view* value) const noexcept {
    const Entry* e = Find(key);
    if (!e) return false;
    if (value) *value = e->value;
    return true;
  }
  bool Contains(std::string_view key) const noexcept { return Find(key) != nullptr; }

  // A new Baggage with key set to value: an existing entry keeps its position, a new one goes last.
  // An empty key leaves the baggage unchanged (the API has no other restriction; propagators skip
  // what their format cannot carry).
  std::shared_ptr<const Baggage> Set(std::string_view key, std::string_view value,
                                     std::string_view metadata = {}) const {
    auto out = std::make_shared<Baggage>();
    if (key.empty()) {
      out->entries_ = entries_;
      return out;
    }
    out->entries_.reserve(entries_.size() + 1);
    bool replaced = false;
    for (const Entry& e : entries_) {
      if (e.key == key) {
        out->entries_.push_back(Entry{e.key, std::string(value), std::string(metadata)});
        replaced = true;
      } else {
        out->entries_.push_back(e);
      }
    }
    if (!replaced)
      out->entries_.push_back(Entry{std::string(key), std::string(value), std::string(metadata)});
    return out;
  }
  std::shared_ptr<const Baggage> Delete(std::string_view key) const {
    auto out = std::make_shared<Baggage>();
    out->entries_.reserve(entries_.size());
    for (const Entry& e : entries_)
      if (e.key != key) out->entries_.push_back(e);
    return out;
  }

  size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }
  const std::vector<Entry>& entries() const noexcept { return entries_; }
  std::vector<Entry>::const_iterator begin() const noexcept { return entries_.begin(); }
  std::vector<Entry>::const_iterator end() const noexcept { return entries_.end(); }

  friend bool operator==(const Baggage& a, const Baggage& b) noexcept {
    if (a.entries_.size() != b.entries_.size()) return false;
    for (size_t i = 0; i < a.entries_.size(); ++i) {
      const Entry &x = a.entries_[i], &y = b.entries_[i];
      if (x.key != y.key || x.value != y.value || x.metadata != y.metadata) return false;
    }
    return true;
  }

 private:
  std::vector<Entry> entries_;
};

// The key of the baggage in a Context. Defined in libadot_api so every shared object shares it.
ADOT_API_EXPORT const ContextKey& BaggageContextKey() noexcept;

// The baggage in context; the empty baggage when there is none. Never null.
inline std::shared_ptr<const Baggage> GetBaggage(const Context& context) noexcept {
  auto baggage = context.GetValue<Baggage>(BaggageContextKey());
  return baggage ? baggage : Baggage::Empty();
}

// A new Context carrying baggage (a null pointer stores the empty baggage).
inline Context ContextWithBaggage(const Context& context, std::shared_ptr<const Baggage> baggage) {
  if (!baggage) baggage = Baggage::Empty();
  return context.SetValue<Baggage>(BaggageContextKey(), std::move(baggage));
}

}  // namespace adot::api::baggage
