// Attribute actions shared by the resource and attributes processors (the Go collector's
// "attraction" config): insert, update, upsert, delete, hash (SHA-1, hex), convert.
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "collector/core/config.h"
#include "opentelemetry/proto/common/v1/common.pb.h"

namespace adot::collector {

using KeyValues = google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;

struct AttrAction {
  enum class Type { kInsert, kUpdate, kUpsert, kDelete, kHash, kConvert };
  Type type = Type::kUpsert;
  std::string key;
  std::optional<std::regex> pattern;  // delete / hash: every matching key
  std::optional<opentelemetry::proto::common::v1::AnyValue> value;
  std::string from_attribute;
  std::string converted_type;  // int, double, string
};

// Parses a list of actions at reader.key; errors carry paths like "processors.resource.attributes[0].action".
std::vector<AttrAction> ParseAttrActions(ConfigReader& reader, std::string_view key);
void ApplyAttrActions(const std::vector<AttrAction>& actions, KeyValues& attributes);

}  // namespace adot::collector
