// Attribute actions shared by the resource and attributes processors (the Go collector's
// "attraction" config): insert, update, upsert, delete, hash (SHA-1, hex), extract, convert.
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "collector/core/config.h"
#include "opentelemetry/proto/common/v1/common.pb.h"

namespace adot::collector {

using KeyValues = google::protobuf::RepeatedPtrField<opentelemetry::proto::common::v1::KeyValue>;

// A Go (RE2) regular expression compiled with std::regex (ECMAScript). Translated: named groups
// (?P<name>...) / (?<name>...) become plain capturing groups (names kept, numbering unchanged),
// a leading (?i) becomes case-insensitive matching, \A and \z become ^ and $, a literal ']' first
// in a bracket expression is escaped. Rejected with an error: other inline flags, lookaround
// (not RE2), \p{...}/\pL classes, \Q...\E, \C.
struct GoRegex {
  std::regex re;
  std::vector<std::string> group_names;  // group_names[i] names group i+1 ("" when unnamed)
};
// Returns false with `error` set when the pattern cannot be used.
bool CompileGoRegex(const std::string& pattern, GoRegex& out, std::string& error);

struct AttrAction {
  enum class Type { kInsert, kUpdate, kUpsert, kDelete, kHash, kExtract, kConvert };
  Type type = Type::kUpsert;
  std::string key;
  // delete / hash: every key the pattern matches (a search, as Go's MatchString);
  // extract: applied to the string value of `key`, each named group upserted.
  std::optional<GoRegex> pattern;
  std::optional<opentelemetry::proto::common::v1::AnyValue> value;
  std::string from_attribute;
  std::string converted_type;  // int, double, string
};

// Parses a list of actions at reader.key; errors carry paths like "processors.resource.attributes[0].action".
std::vector<AttrAction> ParseAttrActions(ConfigReader& reader, std::string_view key);
void ApplyAttrActions(const std::vector<AttrAction>& actions, KeyValues& attributes);

// A YAML scalar as an attribute value: plain scalars are typed (bool, int, double), quoted ones are strings.
opentelemetry::proto::common::v1::AnyValue AnyValueFromYaml(const YAML::Node& node);

}  // namespace adot::collector
