// Attribute values as the SDK stores them: owned copies of what the API passed in.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "adot/api/attributes.h"

namespace adot::sdk {

// Alternatives in the order of api::AttributeValue::Type.
using OwnedAttributeValue =
    std::variant<bool, int64_t, double, std::string, std::vector<bool>, std::vector<int64_t>,
                 std::vector<double>, std::vector<std::string>>;

struct OwnedKeyValue {
  std::string key;
  OwnedAttributeValue value;

  friend bool operator==(const OwnedKeyValue&, const OwnedKeyValue&) = default;
};

using OwnedAttributes = std::vector<OwnedKeyValue>;

inline constexpr size_t kNoLengthLimit = SIZE_MAX;

// Copies value, truncating strings (and each string in an array) to max_length bytes.
OwnedAttributeValue ToOwned(const api::AttributeValue& value, size_t max_length = kNoLengthLimit);

// Sets key to value in attributes, replacing an existing entry with the same key. When the key is
// new and attributes already hold max_count entries the value is not stored and false is returned.
bool SetOwnedAttribute(OwnedAttributes& attributes, std::string_view key,
                       const api::AttributeValue& value, size_t max_count = SIZE_MAX,
                       size_t max_length = kNoLengthLimit);

}  // namespace adot::sdk
