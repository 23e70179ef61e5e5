// Attribute sets as metric series keys: an order-independent hash computed straight from the
// API's attribute views, equality between a view and a stored set, and the owned canonical form.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "adot/api/attributes.h"
#include "adot/sdk/common/attribute_value.h"

namespace adot::sdk::metrics::internal {

// A 64x64->128 multiply folded to 64 bits: the mixing step of wyhash.
inline uint64_t Mum(uint64_t a, uint64_t b) noexcept {
  const __uint128_t r = static_cast<__uint128_t>(a) * b;
  return static_cast<uint64_t>(r) ^ static_cast<uint64_t>(r >> 64);
}

inline constexpr uint64_t kSeed0 = 0xa0761d6478bd642full;
inline constexpr uint64_t kSeed1 = 0xe7037ed1a0b428dbull;
inline constexpr uint64_t kSeed2 = 0x8ebc6af09c88c6e3ull;

inline uint64_t Load64(const char* p) noexcept {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}
inline uint64_t Load32(const char* p) noexcept {
  uint32_t w;
  std::memcpy(&w, p, 4);
  return w;
}

// wyhash-style: attribute keys and values are mostly under 16 bytes, which take two
// (overlapping) loads and one multiply.
[[gnu::always_inline]] inline uint64_t HashBytes(std::string_view s, uint64_t seed) noexcept {
  const char* p = s.data();
  const size_t n = s.size();
  uint64_t a, b;
  if (n <= 16) [[likely]] {
    if (n >= 8) {
      a = Load64(p);
      b = Load64(p + n - 8);
    } else if (n >= 4) {
      a = Load32(p);
      b = Load32(p + n - 4);
    } else if (n > 0) {
      a = (uint64_t(static_cast<uint8_t>(p[0])) << 16) |
          (uint64_t(static_cast<uint8_t>(p[n >> 1])) << 8) | static_cast<uint8_t>(p[n - 1]);
      b = 0;
    } else {
      a = b = 0;
    }
  } else {
    size_t i = n;
    for (; i > 16; i -= 16, p += 16) seed = Mum(Load64(p) ^ kSeed1, Load64(p + 8) ^ seed);
    a = Load64(p + i - 16);
    b = Load64(p + i - 8);
  }
  return Mum(a ^ kSeed1 ^ (n * kSeed2), b ^ seed);
}

inline uint64_t HashWord(uint64_t w, uint64_t h) noexcept { return Mum(w ^ kSeed1, h ^ kSeed2); }

// The hash of one value; arrays hash element by element so that a view and its owned copy agree
// (std::vector<bool> has no contiguous storage to view).
[[gnu::always_inline]] inline uint64_t HashValue(const api::AttributeValue& v) noexcept {
  using Type = api::AttributeValue::Type;
  uint64_t h = static_cast<uint64_t>(v.type()) + kSeed0;
  switch (v.type()) {
    case Type::kBool: return HashWord(v.GetBool(), h);
    case Type::kInt64: return HashWord(static_cast<uint64_t>(v.GetInt64()), h);
    case Type::kDouble: return HashWord(std::bit_cast<uint64_t>(v.GetDouble()), h);
    case Type::kString: return HashBytes(v.GetString(), h);
    case Type::kBoolArray:
      for (bool b : v.GetBoolArray()) h = HashWord(b, h);
      return h;
    case Type::kInt64Array:
      for (int64_t i : v.GetInt64Array()) h = HashWord(static_cast<uint64_t>(i), h);
      return h;
    case Type::kDoubleArray:
      for (double d : v.GetDoubleArray()) h = HashWord(std::bit_cast<uint64_t>(d), h);
      return h;
    case Type::kStringArray:
      for (std::string_view s : v.GetStringArray()) h = HashBytes(s, h);
      return h;
  }
  return h;
}

uint64_t HashValue(const OwnedAttributeValue& v) noexcept;

[[gnu::always_inline]] inline uint64_t HashKeyValue(std::string_view key, uint64_t value_hash) noexcept {
  return Mum(HashBytes(key, kSeed0) ^ kSeed2, value_hash ^ kSeed0);
}

// Order-independent: the sum of the pairs' hashes. A list with a repeated key hashes differently
// from its deduplicated form, so such lists miss the fast lookup and are canonicalised first.
inline uint64_t HashAttributes(api::AttributeView attributes) noexcept {
  uint64_t h = 0;
  for (const auto& kv : attributes) h += HashKeyValue(kv.key, HashValue(kv.value));
  return h;
}
uint64_t HashAttributes(const OwnedAttributes& attributes) noexcept;

// String equality without a library call for the short strings attributes mostly are.
[[gnu::always_inline]] inline bool BytesEqual(std::string_view a, std::string_view b) noexcept {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  if (n >= 8 && n <= 16)
    return ((Load64(p) ^ Load64(q)) | (Load64(p + n - 8) ^ Load64(q + n - 8))) == 0;
  if (n >= 4 && n < 8)
    return ((Load32(p) ^ Load32(q)) | (Load32(p + n - 4) ^ Load32(q + n - 4))) == 0;
  if (n < 4) {
    for (size_t i = 0; i < n; ++i)
      if (p[i] != q[i]) return false;
    return true;
  }
  return std::memcmp(p, q, n) == 0;
}

// Exact equality of values (doubles compared bit for bit, so NaN matches itself).
bool ValueEquals(const api::AttributeValue& v, const OwnedAttributeValue& o) noexcept;
bool ValueEquals(const OwnedAttributeValue& a, const OwnedAttributeValue& b) noexcept;

[[gnu::always_inline]] inline bool KeyValueEquals(const api::KeyValue& kv, const OwnedKeyValue& o) noexcept {
  if (!BytesEqual(kv.key, o.key)) return false;
  // The common scalar cases inline; the rest out of line.
  using Type = api::AttributeValue::Type;
  if (static_cast<size_t>(kv.value.type()) != o.value.index()) return false;
  switch (kv.value.type()) {
    case Type::kString: return BytesEqual(kv.value.GetString(), *std::get_if<std::string>(&o.value));
    case Type::kInt64: return kv.value.GetInt64() == *std::get_if<int64_t>(&o.value);
    case Type::kBool: return kv.value.GetBool() == *std::get_if<bool>(&o.value);
    default: return ValueEquals(kv.value, o.value);
  }
}

// MatchesView's slow path: each pair of view found in set, no key twice.
bool MatchesUnordered(const OwnedAttributes& set, api::AttributeView view) noexcept;

// True when view holds exactly the pairs of set (whose keys are unique), in any order. The
// common case, the same order as when the series was created, is a positional comparison.
inline bool MatchesView(const OwnedAttributes& set, api::AttributeView view) noexcept {
  if (set.size() != view.size()) return false;
  size_t i = 0;
  for (const auto& kv : view) {
    if (!KeyValueEquals(kv, set[i])) break;
    ++i;
  }
  if (i == set.size()) [[likely]] return true;
  return MatchesUnordered(set, view);
}

// MatchesView's positional comparison alone: true means the same set, false may be a miss.
inline bool MatchesInOrder(const OwnedAttributes& set, api::AttributeView view) noexcept {
  if (set.size() != view.size()) return false;
  const OwnedKeyValue* o = set.data();
  for (const auto& kv : view)
    if (!KeyValueEquals(kv, *o++)) return false;
  return true;
}

// Set equality of two owned canonical sets (unique keys, any order).
bool SetEquals(const OwnedAttributes& a, const OwnedAttributes& b) noexcept;

// The view without repeated keys (the last value of a key wins, at the key's first position).
std::vector<api::KeyValue> Deduplicated(api::AttributeView view);

OwnedAttributes ToOwnedAttributes(api::AttributeView view);

// A set's key for the collection-time maps: shared attributes with their hash.
struct SeriesKey {
  std::shared_ptr<const OwnedAttributes> attributes;
  uint64_t hash = 0;
  friend bool operator==(const SeriesKey& a, const SeriesKey& b) noexcept {
    return a.hash == b.hash &&
           (a.attributes == b.attributes || SetEquals(*a.attributes, *b.attributes));
  }
};
struct SeriesKeyHash {
  size_t operator()(const SeriesKey& k) const noexcept { return k.hash; }
};

// The attribute set of the overflow series.
const SeriesKey& OverflowKey();

}  // namespace adot::sdk::metrics::internal
