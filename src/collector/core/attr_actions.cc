#include "collector/core/attr_actions.h"

#include <openssl/sha.h>

#include <cctype>
#include <cstdlib>

namespace adot::collector {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;

AnyValue AnyValueFromYaml(const YAML::Node& n) {
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

namespace {

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

void PutString(KeyValues& attrs, const std::string& key, const std::string& value) {
  KeyValue* kv = Find(attrs, key);
  if (!kv) {
    kv = attrs.Add();
    kv->set_key(key);
  }
  kv->mutable_value()->set_string_value(value);
}

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

}  // namespace

bool CompileGoRegex(const std::string& p, GoRegex& out, std::string& error) {
  std::string t;
  t.reserve(p.size());
  std::vector<std::string> names;
  auto flags = std::regex::ECMAScript;
  size_t i = 0;
  if (p.compare(0, 4, "(?i)") == 0) {
    flags |= std::regex::icase;
    i = 4;
  }
  const size_t n = p.size();
  while (i < n) {
    char c = p[i];
    if (c == '\\') {
      if (i + 1 >= n) {
        error = "trailing backslash";
        return false;
      }
      char e = p[i + 1];
      if (e == 'A') t += '^';
      else if (e == 'z') t += '$';
      else if (e == 'p' || e == 'P') {
        error = "Unicode classes (\\p) are not supported";
        return false;
      } else if (e == 'Q' || e == 'E' || e == 'C') {
        error = std::string("\\") + e + " is not supported";
        return false;
      } else {
        t += c;
        t += e;
      }
      i += 2;
      continue;
    }
    if (c == '[') {  // bracket expression: copied up to its closing ']'
      t += '[';
      ++i;
      if (i < n && p[i] == '^') {
        t += '^';
        ++i;
      }
      if (i < n && p[i] == ']') {  // a leading ']' is literal in RE2
        t += "\\]";
        ++i;
      }
      bool closed = false;
      while (i < n) {
        char d = p[i];
        if (d == '\\' && i + 1 < n) {
          if (p[i + 1] == 'p' || p[i + 1] == 'P') {
            error = "Unicode classes (\\p) are not supported";
            return false;
          }
          t += d;
          t += p[i + 1];
          i += 2;
          continue;
        }
        if (d == '[' && i + 1 < n && p[i + 1] == ':') {  // [:alpha:]
          size_t end = p.find(":]", i + 2);
          if (end != std::string::npos) {
            t.append(p, i, end + 2 - i);
            i = end + 2;
            continue;
          }
        }
        if (d == '[') {
          t += "\\[";
          ++i;
          continue;
        }
        t += d;
        ++i;
        if (d == ']') {
          closed = true;
          break;
        }
      }
      if (!closed) {
        error = "missing closing ]";
        return false;
      }
      continue;
    }
    if (c == '(' && i + 1 < n && p[i + 1] == '?') {
      size_t name_at = 0;
      if (p.compare(i, 4, "(?P<") == 0) name_at = i + 4;
      else if (p.compare(i, 3, "(?<") == 0 && i + 3 < n && p[i + 3] != '=' && p[i + 3] != '!') name_at = i + 3;
      if (name_at) {
        size_t end = name_at;
        while (end < n && IsNameChar(p[end])) ++end;
        if (end == name_at || end >= n || p[end] != '>') {
          error = "invalid named capture group";
          return false;
        }
        std::string name = p.substr(name_at, end - name_at);
        for (const auto& existing : names)
          if (existing == name) {
            error = "duplicate capture group name \"" + name + "\"";
            return false;
          }
        names.push_back(std::move(name));
        t += '(';
        i = end + 1;
        continue;
      }
      if (p.compare(i, 3, "(?:") == 0) {
        t += "(?:";
        i += 3;
        continue;
      }
      if (p.compare(i, 3, "(?=") == 0 || p.compare(i, 3, "(?!") == 0 || p.compare(i, 4, "(?<=") == 0 ||
          p.compare(i, 4, "(?<!") == 0) {
        error = "lookaround assertions are not RE2 syntax";
        return false;
      }
      error = "inline flags (?...) are not supported (only a leading (?i))";
      return false;
    }
    if (c == '(') names.emplace_back();
    t += c;
    ++i;
  }
  try {
    out.re = std::regex(t, flags);
  } catch (const std::regex_error& e) {
    error = e.what();
    return false;
  }
  if (out.re.mark_count() != names.size()) {  // should not happen: every '(' was accounted for
    error = "could not number the capture groups";
    return false;
  }
  out.group_names = std::move(names);
  return true;
}

std::vector<AttrAction> ParseAttrActions(ConfigReader& reader, std::string_view key) {
  using T = AttrAction::Type;
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
    bool known = true;
    if (action == "insert") a.type = T::kInsert;
    else if (action == "update") a.type = T::kUpdate;
    else if (action == "upsert") a.type = T::kUpsert;
    else if (action == "delete") a.type = T::kDelete;
    else if (action == "hash") a.type = T::kHash;
    else if (action == "extract") a.type = T::kExtract;
    else if (action == "convert") a.type = T::kConvert;
    else {
      known = false;
      if (action.empty()) r.Error("action", "must not be empty");
      else r.Error("action", "must be insert, update, upsert, delete, hash, extract or convert, got \"" + action + "\"");
    }
    YAML::Node value = r.Raw("value");
    if (value.IsDefined() && !value.IsNull()) {
      if (value.IsScalar()) a.value = AnyValueFromYaml(value);
      else r.Error("value", "must be a scalar");
    }
    a.from_attribute = r.String("from_attribute");
    a.converted_type = r.String("converted_type");
    if (r.Has("from_context")) {
      r.Raw("from_context");
      r.Error("from_context", "is not supported yet (client metadata / auth context); use value or from_attribute");
    }
    bool pattern_ok = false;
    if (!pattern.empty()) {
      GoRegex re;
      std::string error;
      if (CompileGoRegex(pattern, re, error)) {
        a.pattern = std::move(re);
        pattern_ok = true;
      } else {
        r.Error("pattern", "invalid regular expression: " + error);
      }
    }
    if (known) {
      bool sets = a.type == T::kInsert || a.type == T::kUpdate || a.type == T::kUpsert;
      bool by_pattern = a.type == T::kDelete || a.type == T::kHash;
      if (a.key.empty() && !(by_pattern && !pattern.empty()))
        r.Error("key", by_pattern ? "must not be empty (or set pattern)" : "must not be empty");
      if (sets && a.value.has_value() == !a.from_attribute.empty())
        r.Error("value", "exactly one of value and from_attribute must be set for action " + action);
      if (!sets && (a.value.has_value() || !a.from_attribute.empty()))
        r.Error(a.value.has_value() ? "value" : "from_attribute", "is not used by action " + action);
      if (!pattern.empty() && !by_pattern && a.type != T::kExtract)
        r.Error("pattern", "is not used by action " + action);
      if (a.type == T::kExtract) {
        if (pattern.empty()) {
          r.Error("pattern", "must be set for action extract (a regular expression with named groups)");
        } else if (pattern_ok) {
          const auto& names = a.pattern->group_names;
          if (names.empty())
            r.Error("pattern", "must have at least one named capture group (?P<name>...) for action extract");
          for (const auto& n : names)
            if (n.empty()) {
              r.Error("pattern", "every capture group must be named (?P<name>...) for action extract; use (?:...) "
                                 "for grouping");
              break;
            }
        }
      }
      if (a.type == T::kConvert && a.converted_type != "int" && a.converted_type != "double" &&
          a.converted_type != "string")
        r.Error("converted_type", "must be int, double or string");
    }
    r.Finish();
    out.push_back(std::move(a));
  }
  return out;
}

void ApplyAttrActions(const std::vector<AttrAction>& actions, KeyValues& attrs) {
  using T = AttrAction::Type;
  auto key_matches = [](const AttrAction& a, const std::string& k) {
    return (!a.key.empty() && k == a.key) || (a.pattern && std::regex_search(k, a.pattern->re));
  };
  for (const auto& a : actions) {
    switch (a.type) {
      case T::kInsert:
      case T::kUpdate:
      case T::kUpsert: {
        AnyValue v;
        if (a.value) {
          v = *a.value;
        } else {
          KeyValue* src = Find(attrs, a.from_attribute);
          if (!src) break;
          v = src->value();
        }
        KeyValue* existing = Find(attrs, a.key);
        if (existing && a.type != T::kInsert) *existing->mutable_value() = v;
        else if (!existing && a.type != T::kUpdate) {
          KeyValue* kv = attrs.Add();
          kv->set_key(a.key);
          *kv->mutable_value() = v;
        }
        break;
      }
      case T::kDelete:
        for (int i = attrs.size() - 1; i >= 0; --i)
          if (key_matches(a, attrs.Get(i).key())) attrs.DeleteSubrange(i, 1);
        break;
      case T::kHash:
        for (auto& kv : attrs)
          if (key_matches(a, kv.key())) Hash(*kv.mutable_value());
        break;
      case T::kExtract: {
        // Go: FindStringSubmatch on the string value (a search); non-string values are skipped.
        const KeyValue* src = Find(attrs, a.key);
        if (!src || !src->value().has_string_value() || !a.pattern) break;
        const std::string text = src->value().string_value();
        std::smatch m;
        if (!std::regex_search(text, m, a.pattern->re)) break;
        const auto& names = a.pattern->group_names;
        for (size_t g = 0; g < names.size(); ++g)
          if (!names[g].empty()) PutString(attrs, names[g], m[g + 1].str());
        break;
      }
      case T::kConvert:
        if (KeyValue* kv = Find(attrs, a.key)) Convert(*kv->mutable_value(), a.converted_type);
        break;
    }
  }
}

}  // namespace adot::collector
