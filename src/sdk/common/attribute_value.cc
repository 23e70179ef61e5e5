#include "adot/sdk/common/attribute_value.h"

#include <algorithm>
#include <cstring>

namespace adot::sdk {

namespace {
// Truncates at a UTF-8 character boundary at or below max_length bytes.
std::string Truncated(std::string_view s, size_t max_length) {
  if (s.size() <= max_length) return std::string(s);
  size_t n = max_length;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n));
}
}  // namespace

OwnedAttributeValue ToOwned(const api::AttributeValue& value, size_t max_length) {
  using Type = api::AttributeValue::Type;
  switch (value.type()) {
    case Type::kBool:
      return value.GetBool();
    case Type::kInt64:
      return value.GetInt64();
    case Type::kDouble:
      return value.GetDouble();
    case Type::kString:
      return Truncated(value.GetString(), max_length);
    case Type::kBoolArray: {
      auto a = value.GetBoolArray();
      return std::vector<bool>(a.begin(), a.end());
    }
    case Type::kInt64Array: {
      auto a = value.GetInt64Array();
      return std::vector<int64_t>(a.begin(), a.end());
    }
    case Type::kDoubleArray: {
      auto a = value.GetDoubleArray();
      return std::vector<double>(a.begin(), a.end());
    }
    case Type::kStringArray: {
      std::vector<std::string> out;
      out.reserve(value.GetStringArray().size());
      for (std::string_view s : value.GetStringArray()) out.push_back(Truncated(s, max_length));
      return out;
    }
  }
  return false;
}

namespace {

// Stores value into out in place: scalars need no temporary variant.
void AssignOwned(OwnedAttributeValue& out, const api::AttributeValue& value, size_t max_length) {
  using Type = api::AttributeValue::Type;
  switch (value.type()) {
    case Type::kBool:
      out.emplace<bool>(value.GetBool());
      return;
    case Type::kInt64:
      out.emplace<int64_t>(value.GetInt64());
      return;
    case Type::kDouble:
      out.emplace<double>(value.GetDouble());
      return;
    case Type::kString:
      out.emplace<std::string>(Truncated(value.GetString(), max_length));
      return;
    default:
      out = ToOwned(value, max_length);
  }
}

bool SameKey(const std::string& a, std::string_view b) {
  // Keys often share a prefix ("http.request.*"): the last byte tells most of them apart.
  return a.size() == b.size() && (b.empty() || a.back() == b.back()) &&
         std::memcmp(a.data(), b.data(), b.size()) == 0;
}

}  // namespace

bool SetOwnedAttribute(OwnedAttributes& attributes, std::string_view key,
                       const api::AttributeValue& value, size_t max_count, size_t max_length) {
  if (key.empty()) return true;  // an empty key is invalid: ignored, not counted as dropped
  for (auto& kv : attributes) {
    if (SameKey(kv.key, key)) {
      AssignOwned(kv.value, value, max_length);
      return true;
    }
  }
  if (attributes.size() >= max_count) return false;
  if (attributes.capacity() == 0) attributes.reserve(8);
  OwnedKeyValue& kv = attributes.emplace_back();
  kv.key.assign(key);
  AssignOwned(kv.value, value, max_length);
  return true;
}

}  // namespace adot::sdk
