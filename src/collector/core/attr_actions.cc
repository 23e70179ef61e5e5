#include "collector/core/attr_actions.h"

#include <openssl/sha.h>

#include <cstdlib>

namespace adot::collector {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;

namespace {

AnyValue FromYaml(const YAML::Node& n) {
  AnyValue v;
  const std::string& s = n.Scalar();
  if (n.Tag() != "!") {  // a plain (unquoted) scalar: infer the type as YAML does
    if (s == "true" || s == "false") {
      v.set_bool_value(s == "true");
      return v;
    }
    char* end = nullptr;
    long long i = std::strtoll(s.c_str(), &end, 10);
    if (!s.empty() && *end == '\0') {
      v.set_int_value(i);
      return v;
    }
    double d = std::strtod(s.c_str(), &end);
    if (!s.empty() && *end == '\0') {
      v.set_double_value(d);
      return v;
    }
  }
  v.set_string_value(s);
  return v;
}

KeyValue* Find(KeyValues& attrs, const std::string& key) {
  for (auto& kv : attrs)
    if (kv.key() == key) return &kv;
  return nullptr;
}

std::string AsString(const AnyValue& v) {
  switch (v.value_case()) {
    case AnyValue::kStringValue: return v.string_value();
    case AnyValue::kBoolValue: return v.bool_value() ? "true" : "false";
    case AnyValue::kIntValue: return std::to_string(v.int_value());
    case AnyValue::kDoubleValue: {
      std::string s = std::to_string(v.double_value());
      return s;
    }
    case AnyValue::kBytesValue: return v.bytes_value();
    default: return v.SerializeAsString();
  }
}

void Hash(AnyValue& v) {
  std::string in = AsString(v);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(in.data()), in.size(), digest);
  static const char k[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : digest) {
    hex += k[c >> 4];
    hex += k[c & 15];
  }
  v.set_string_value(hex);
}

void Convert(AnyValue& v, const std::string& type) {
  if (type == "string") {
    std::string s = AsString(v);
    v.set_string_value(s);
  } else if (type == "int") {
    if (v.has_double_value()) v.set_int_value(static_cast<int64_t>(v.double_value()));
    else if (v.has_bool_value()) v.set_int_value(v.bool_value() ? 1 : 0);
    else if (v.has_string_value()) {
      char* end = nullptr;
      long long i = std::strtoll(v.string_value().c_str(), &end, 10);
      if (!v.string_value().empty() && *end == '\0') v.set_int_value(i);
    }
  } else if (type == "double") {
    if (v.has_int_value()) v.set_double_value(static_cast<double>(v.int_value()));
    else if (v.has_bool_value()) v.set_double_value(v.bool_value() ? 1 : 0);
    else if (v.has_string_value()) {
      char* end = nullptr;
      double d = std::strtod(v.string_value().c_str(), &end);
      if (!v.string_value().empty() && *end == '\0') v.set_double_value(d);
    }
  }
}

}  // namespace

std::vector<AttrAction> ParseAttrActions(ConfigReader& reader, std::string_view key) {
  std::vector<AttrAction> out;
  YAML::Node list = reader.Raw(key);
  std::string path = reader.KeyPath(key);
  if (!list.IsDefined() || list.IsNull()) return out;
  if (!list.IsSequence()) {
    reader.errors()->Add(path, "must be a list of actions");
    return out;
  }
  size_t i = 0;
  for (auto item : list) {
    ConfigReader r(item, path + "[" + std::to_string(i++) + "]", reader.errors());
    AttrAction a;
    a.key = r.String("key");
    std::string pattern = r.String("pattern");
    std::string action = r.String("action");
    if (action == "insert") a.type = AttrAction::Type::kInsert;
    else if (action == "update") a.type = AttrAction::Type::kUpdate;
    else if (action == "upsert") a.type = AttrAction::Type::kUpsert;
    else if (action == "delete") a.type = AttrAction::Type::kDelete;
    else if (action == "hash") a.type = AttrAction::Type::kHash;
    else if (action == "convert") a.type = AttrAction::Type::kConvert;
    else if (action.empty()) r.Error("action", "must not be empty");
    else r.Error("action", "must be insert, update, upsert, delete, hash or convert, got \"" + action + "\"");
    YAML::Node value = r.Raw("value");
    if (value.IsDefined() && !value.IsNull()) {
      if (value.IsScalar()) a.value = FromYaml(value);
      else r.Error("value", "must be a scalar");
    }
    a.from_attribute = r.String("from_attribute");
    a.converted_type = r.String("converted_type");
    if (!pattern.empty()) {
      try {
        a.pattern = std::regex(pattern);
      } catch (const std::regex_error& e) {
        r.Error("pattern", std::string("invalid regular expression: ") + e.what());
      }
    }
    bool known_action = action == "insert" || action == "update" || action == "upsert" ||
                        action == "delete" || action == "hash" || action == "convert";
    bool sets = known_action && (a.type == AttrAction::Type::kInsert || a.type == AttrAction::Type::kUpdate ||
                a.type == AttrAction::Type::kUpsert);
    if (a.key.empty() && !(a.pattern && (a.type == AttrAction::Type::kDelete || a.type == AttrAction::Type::kHash)))
      r.Error("key", "must not be empty");
    if (sets && a.value.has_value() == !a.from_attribute.empty())
      r.Error("value", "exactly one of value and from_attribute must be set for action " + action);
    if (a.type == AttrAction::Type::kConvert && a.converted_type != "int" && a.converted_type != "double" &&
        a.converted_type != "string")
      r.Error("converted_type", "must be int, double or string");
    r.Finish();
    out.push_back(std::move(a));
  }
  return out;
}

void ApplyAttrActions(const std::vector<AttrAction>& actions, KeyValues& attrs) {
  for (const auto& a : actions) {
    switch (a.type) {
      case AttrAction::Type::kInsert:
      case AttrAction::Type::kUpdate:
      case AttrAction::Type::kUpsert: {
        AnyValue v;
        if (a.value) {
          v = *a.value;
        } else {
          KeyValue* src = Find(attrs, a.from_attribute);
          if (!src) break;
          v = src->value();
        }
        KeyValue* existing = Find(attrs, a.key);
        if (existing && a.type != AttrAction::Type::kInsert) *existing->mutable_value() = v;
        else if (!existing && a.type != AttrAction::Type::kUpdate) {
          KeyValue* kv = attrs.Add();
          kv->set_key(a.key);
          *kv->mutable_value() = v;
        }
        break;
      }
      case AttrAction::Type::kDelete:
        for (int i = attrs.size() - 1; i >= 0; --i) {
          const std::string& k = attrs.Get(i).key();
          if ((!a.key.empty() && k == a.key) || (a.pattern && std::regex_match(k, *a.pattern)))
            attrs.DeleteSubrange(i, 1);
        }
        break;
      case AttrAction::Type::kHash:
        for (auto& kv : attrs)
          if ((!a.key.empty() && kv.key() == a.key) || (a.pattern && std::regex_match(kv.key(), *a.pattern)))
            Hash(*kv.mutable_value());
        break;
      case AttrAction::Type::kConvert:
        if (KeyValue* kv = Find(attrs, a.key)) Convert(*kv->mutable_value(), a.converted_type);
        break;
    }
  }
}

}  // namespace adot::collector
