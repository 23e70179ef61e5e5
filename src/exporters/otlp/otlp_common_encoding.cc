#include "exporters/otlp/otlp_common_encoding.h"

#include <variant>
#include <vector>

namespace adot::exporters::otlp::internal {
namespace {

using common::JsonWriter;
using common::proto::ProtoWriter;
using common::proto::VarintSize;
using common::proto::WireType;
using sdk::OwnedAttributes;
using sdk::OwnedAttributeValue;
using sdk::OwnedKeyValue;

// Field numbers (opentelemetry-proto v1).
namespace field {
// Resource, InstrumentationScope
constexpr uint32_t kResourceAttributes = 1;
constexpr uint32_t kScopeName = 1, kScopeVersion = 2, kScopeAttributes = 3;
// KeyValue, AnyValue, ArrayValue
constexpr uint32_t kKey = 1, kValue = 2;
constexpr uint32_t kStringValue = 1, kBoolValue = 2, kIntValue = 3, kDoubleValue = 4,
                   kArrayValue = 5;
constexpr uint32_t kArrayValues = 1;
}  // namespace field

// Protobuf. Attribute sizes are computed up front (cheap arithmetic), so KeyValue and AnyValue
// need no backpatching.

// A length-delimited field with a one-byte tag (all field numbers below 16).
constexpr size_t SmallFieldSize(size_t payload) noexcept {
  return 1 + VarintSize(payload) + payload;
}

size_t AnyValueSize(const OwnedAttributeValue& v) noexcept;

template <class T, class ElementSize>
size_t ArrayValueSize(const std::vector<T>& values, ElementSize element_size) noexcept {
  size_t size = 0;
  for (const auto& x : values) size += SmallFieldSize(element_size(x));
  return size;
}

// ArrayValue payload size for an array alternative of an attribute value.
size_t ArrayPayloadSize(const OwnedAttributeValue& v) noexcept {
  switch (v.index()) {
    case 4:
      return std::get<4>(v).size() * SmallFieldSize(2);
    case 5:
      return ArrayValueSize(std::get<5>(v),
                            [](int64_t x) { return 1 + VarintSize(static_cast<uint64_t>(x)); });
    case 6:
      return std::get<6>(v).size() * SmallFieldSize(9);
    case 7:
      return ArrayValueSize(std::get<7>(v),
                            [](const std::string& x) { return SmallFieldSize(x.size()); });
    default:
      return 0;
  }
}

// AnyValue payload size.
size_t AnyValueSize(const OwnedAttributeValue& v) noexcept {
  switch (v.index()) {
    case 0:
      return 2;
    case 1:
      return 1 + VarintSize(static_cast<uint64_t>(std::get<1>(v)));
    case 2:
      return 9;
    case 3:
      return SmallFieldSize(std::get<3>(v).size());
    default:
      return SmallFieldSize(ArrayPayloadSize(v));
  }
}

void WriteAnyValuePayload(ProtoWriter& w, const OwnedAttributeValue& v) {
  switch (v.index()) {
    case 0:
      w.WriteBool(field::kBoolValue, std::get<0>(v));
      return;
    case 1:
      w.WriteInt64(field::kIntValue, std::get<1>(v));
      return;
    case 2:
      w.WriteDouble(field::kDoubleValue, std::get<2>(v));
      return;
    case 3:
      w.WriteString(field::kStringValue, std::get<3>(v));
      return;
    default:
      break;
  }
  // Every element is an AnyValue message inside ArrayValue.values.
  w.WriteLengthDelimitedHeader(field::kArrayValue, ArrayPayloadSize(v));
  switch (v.index()) {
    case 4:
      for (bool x : std::get<4>(v)) {
        w.WriteLengthDelimitedHeader(field::kArrayValues, 2);
        w.WriteBool(field::kBoolValue, x);
      }
      break;
    case 5:
      for (int64_t x : std::get<5>(v)) {
        w.WriteLengthDelimitedHeader(field::kArrayValues, 1 + VarintSize(static_cast<uint64_t>(x)));
        w.WriteInt64(field::kIntValue, x);
      }
      break;
    case 6:
      for (double x : std::get<6>(v)) {
        w.WriteLengthDelimitedHeader(field::kArrayValues, 9);
        w.WriteDouble(field::kDoubleValue, x);
      }
      break;
    case 7:
      for (const std::string& x : std::get<7>(v)) {
        w.WriteLengthDelimitedHeader(field::kArrayValues, SmallFieldSize(x.size()));
        w.WriteString(field::kStringValue, x);
      }
      break;
  }
}

// See WriteText: keys and string values must be valid UTF-8.
bool IsValidUtf8KeyValue(const OwnedKeyValue& kv) noexcept {
  if (!common::IsValidUtf8(kv.key)) return false;
  if (const auto* s = std::get_if<std::string>(&kv.value)) return common::IsValidUtf8(*s);
  if (const auto* a = std::get_if<std::vector<std::string>>(&kv.value)) {
    for (const auto& s : *a) {
      if (!common::IsValidUtf8(s)) return false;
    }
  }
  return true;
}

OwnedKeyValue SanitizedKeyValue(const OwnedKeyValue& kv) {
  OwnedKeyValue copy{SanitizedUtf8(kv.key), kv.value};
  if (auto* s = std::get_if<std::string>(&copy.value)) *s = SanitizedUtf8(*s);
  if (auto* a = std::get_if<std::vector<std::string>>(&copy.value)) {
    for (auto& s : *a) s = SanitizedUtf8(s);
  }
  return copy;
}

void WriteKeyValue(ProtoWriter& w, uint32_t fieldno, const OwnedKeyValue& kv) {
  if (!IsValidUtf8KeyValue(kv)) [[unlikely]] {
    WriteKeyValue(w, fieldno, SanitizedKeyValue(kv));
    return;
  }
  const size_t value_size = AnyValueSize(kv.value);
  const size_t key_size = kv.key.empty() ? 0 : SmallFieldSize(kv.key.size());
  const size_t kv_size = key_size + SmallFieldSize(value_size);
  if (const std::string* s = std::get_if<std::string>(&kv.value)) {
    // The common case (string attribute): one capacity check, then unchecked stores.
    w.Reserve(SmallFieldSize(kv_size) + 5);
    w.PutVarint(common::proto::MakeTag(fieldno, WireType::kLengthDelimited));
    w.PutVarint(kv_size);
    if (key_size != 0) {
      w.PutVarint(common::proto::MakeTag(field::kKey, WireType::kLengthDelimited));
      w.PutVarint(kv.key.size());
      w.PutRaw(kv.key.data(), kv.key.size());
    }
    w.PutVarint(common::proto::MakeTag(field::kValue, WireType::kLengthDelimited));
    w.PutVarint(value_size);
    w.PutVarint(common::proto::MakeTag(field::kStringValue, WireType::kLengthDelimited));
    w.PutVarint(s->size());
    w.PutRaw(s->data(), s->size());
    return;
  }
  w.WriteLengthDelimitedHeader(fieldno, kv_size);
  if (key_size != 0) w.WriteString(field::kKey, kv.key);
  w.WriteLengthDelimitedHeader(field::kValue, value_size);
  WriteAnyValuePayload(w, kv.value);
}

void WriteJsonAnyValue(JsonWriter& w, const OwnedAttributeValue& v) {
  w.BeginObject();
  switch (v.index()) {
    case 0:
      w.Key("boolValue");
      w.Bool(std::get<0>(v));
      break;
    case 1:
      w.Key("intValue");
      w.Int64String(std::get<1>(v));
      break;
    case 2:
      w.Key("doubleValue");
      w.Double(std::get<2>(v));
      break;
    case 3:
      w.Key("stringValue");
      w.String(std::get<3>(v));
      break;
    default: {
      w.Key("arrayValue");
      w.BeginObject();
      // proto3 JSON omits an empty repeated field: an empty array is {"arrayValue":{}}.
      auto values = [&w](const auto& vec, auto&& write_one) {
        if (vec.empty()) return;
        w.Key("values");
        w.BeginArray();
        for (const auto& x : vec) {
          w.BeginObject();
          write_one(x);
          w.EndObject();
        }
        w.EndArray();
      };
      switch (v.index()) {
        case 4:
          values(std::get<4>(v), [&w](bool x) {
            w.Key("boolValue");
            w.Bool(x);
          });
          break;
        case 5:
          values(std::get<5>(v), [&w](int64_t x) {
            w.Key("intValue");
            w.Int64String(x);
          });
          break;
        case 6:
          values(std::get<6>(v), [&w](double x) {
            w.Key("doubleValue");
            w.Double(x);
          });
          break;
        case 7:
          values(std::get<7>(v), [&w](const std::string& x) {
            w.Key("stringValue");
            w.String(x);
          });
          break;
      }
      w.EndObject();
    }
  }
  w.EndObject();
}

}  // namespace

std::string SanitizedUtf8(std::string_view s) {
  std::string out;
  common::AppendSanitizedUtf8(s, out);
  return out;
}

void WriteAttributes(ProtoWriter& w, uint32_t fieldno, const OwnedAttributes& attributes) {
  for (const auto& kv : attributes) WriteKeyValue(w, fieldno, kv);
}

void WriteResource(ProtoWriter& w, uint32_t fieldno, const sdk::Resource* resource) {
  const auto mark = w.BeginMessage(fieldno, 2);
  if (resource != nullptr) WriteAttributes(w, field::kResourceAttributes, resource->attributes());
  w.EndMessage(mark);
}

void WriteScope(ProtoWriter& w, uint32_t fieldno, const sdk::InstrumentationScope* scope) {
  const auto mark = w.BeginMessage(fieldno, 1);
  if (scope != nullptr) {
    if (!scope->name.empty()) WriteText(w, field::kScopeName, scope->name);
    if (!scope->version.empty()) WriteText(w, field::kScopeVersion, scope->version);
    WriteAttributes(w, field::kScopeAttributes, scope->attributes);
  }
  w.EndMessage(mark);
}

void WriteJsonAttributes(JsonWriter& w, const OwnedAttributes& attributes, std::string_view key) {
  if (attributes.empty()) return;
  w.Key(key);
  w.BeginArray();
  for (const auto& kv : attributes) {
    w.BeginObject();
    w.Key("key");
    w.String(kv.key);
    w.Key("value");
    WriteJsonAnyValue(w, kv.value);
    w.EndObject();
  }
  w.EndArray();
}

void WriteJsonResource(JsonWriter& w, const sdk::Resource* resource) {
  w.Key("resource");
  w.BeginObject();
  if (resource != nullptr) WriteJsonAttributes(w, resource->attributes());
  w.EndObject();
}

void WriteJsonScope(JsonWriter& w, const sdk::InstrumentationScope* scope) {
  w.Key("scope");
  w.BeginObject();
  if (scope != nullptr) {
    if (!scope->name.empty()) {
      w.Key("name");
      w.String(scope->name);
    }
    if (!scope->version.empty()) {
      w.Key("version");
      w.String(scope->version);
    }
    WriteJsonAttributes(w, scope->attributes);
  }
  w.EndObject();
}

}  // namespace adot::exporters::otlp::internal
