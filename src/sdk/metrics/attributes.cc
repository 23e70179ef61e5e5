#include "sdk/metrics/attributes.h"

#include <variant>

namespace adot::sdk::metrics::internal {

uint64_t HashValue(const OwnedAttributeValue& v) noexcept {
  uint64_t h = v.index() + kSeed0;  // the variant's order is api::AttributeValue::Type's
  switch (v.index()) {
    case 0: return HashWord(std::get<0>(v), h);
    case 1: return HashWord(static_cast<uint64_t>(std::get<1>(v)), h);
    case 2: return HashWord(std::bit_cast<uint64_t>(std::get<2>(v)), h);
    case 3: return HashBytes(std::get<3>(v), h);
    case 4:
      for (bool b : std::get<4>(v)) h = HashWord(b, h);
      return h;
    case 5:
      for (int64_t i : std::get<5>(v)) h = HashWord(static_cast<uint64_t>(i), h);
      return h;
    case 6:
      for (double d : std::get<6>(v)) h = HashWord(std::bit_cast<uint64_t>(d), h);
      return h;
    case 7:
      for (const std::string& s : std::get<7>(v)) h = HashBytes(s, h);
      return h;
  }
  return h;
}

uint64_t HashAttributes(const OwnedAttributes& attributes) noexcept {
  uint64_t h = 0;
  for (const auto& kv : attributes) h += HashKeyValue(kv.key, HashValue(kv.value));
  return h;
}

namespace {
template <class A, class B>
bool RangeEquals(const A& a, const B& b) {
  if (a.size() != b.size()) return false;
  auto i = a.begin();
  for (const auto& x : b) {
    if (!(*i == x)) return false;
    ++i;
  }
  return true;
}
bool DoubleRangeEquals(std::span<const double> a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::bit_cast<uint64_t>(a[i]) != std::bit_cast<uint64_t>(b[i])) return false;
  return true;
}
}  // namespace

bool ValueEquals(const api::AttributeValue& v, const OwnedAttributeValue& o) noexcept {
  using Type = api::AttributeValue::Type;
  if (static_cast<size_t>(v.type()) != o.index()) return false;
  switch (v.type()) {
    case Type::kBool: return v.GetBool() == std::get<0>(o);
    case Type::kInt64: return v.GetInt64() == std::get<1>(o);
    case Type::kDouble:
      return std::bit_cast<uint64_t>(v.GetDouble()) == std::bit_cast<uint64_t>(std::get<2>(o));
    case Type::kString: return v.GetString() == std::get<3>(o);
    case Type::kBoolArray: return RangeEquals(v.GetBoolArray(), std::get<4>(o));
    case Type::kInt64Array: return RangeEquals(v.GetInt64Array(), std::get<5>(o));
    case Type::kDoubleArray: return DoubleRangeEquals(v.GetDoubleArray(), std::get<6>(o));
    case Type::kStringArray: return RangeEquals(v.GetStringArray(), std::get<7>(o));
  }
  return false;
}

bool ValueEquals(const OwnedAttributeValue& a, const OwnedAttributeValue& b) noexcept {
  if (a.index() != b.index()) return false;
  if (a.index() == 2)
    return std::bit_cast<uint64_t>(std::get<2>(a)) == std::bit_cast<uint64_t>(std::get<2>(b));
  if (a.index() == 6) return DoubleRangeEquals(std::get<6>(a), std::get<6>(b));
  return a == b;
}

bool MatchesUnordered(const OwnedAttributes& set, api::AttributeView view) noexcept {
  // set has at most view.size() entries, and a bit per entry catches a key given twice.
  if (set.size() > 64) {
    for (const auto& kv : view) {
      size_t found = 0;
      for (const auto& o : set) found += KeyValueEquals(kv, o);
      if (found != 1) return false;
    }
    return Deduplicated(view).size() == set.size();
  }
  uint64_t seen = 0;
  for (const auto& kv : view) {
    size_t i = 0;
    while (i < set.size() && set[i].key != kv.key) ++i;
    if (i == set.size() || (seen >> i & 1) || !ValueEquals(kv.value, set[i].value)) return false;
    seen |= uint64_t(1) << i;
  }
  return true;
}

bool SetEquals(const OwnedAttributes& a, const OwnedAttributes& b) noexcept {
  if (a.size() != b.size()) return false;
  for (const auto& x : a) {
    bool found = false;
    for (const auto& y : b) {
      if (x.key == y.key) {
        if (!ValueEquals(x.value, y.value)) return false;
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

std::vector<api::KeyValue> Deduplicated(api::AttributeView view) {
  std::vector<api::KeyValue> out;
  out.reserve(view.size());
  for (const auto& kv : view) {
    bool replaced = false;
    for (auto& o : out) {
      if (o.key == kv.key) {
        o.value = kv.value;
        replaced = true;
        break;
      }
    }
    if (!replaced) out.push_back(kv);
  }
  return out;
}

OwnedAttributes ToOwnedAttributes(api::AttributeView view) {
  OwnedAttributes out;
  out.reserve(view.size());
  for (const auto& kv : view) out.push_back({std::string(kv.key), ToOwned(kv.value)});
  return out;
}

const SeriesKey& OverflowKey() {
  static const SeriesKey* key = [] {
    auto attributes = std::make_shared<const OwnedAttributes>(
        OwnedAttributes{{"otel.metric.overflow", true}});
    return new SeriesKey{attributes, HashAttributes(*attributes)};
  }();
  return *key;
}

}  // namespace adot::sdk::metrics::internal
