// A minimal JSON (RFC 8259) parser into a small tree, for response bodies and tests. It is strict
// (no comments, trailing commas, NaN literals or invalid UTF-8) and safe on any input: errors are
// reported, nesting is limited, nothing is read past the end. Meant for small documents; a
// high-volume path (e.g. a collector's OTLP/JSON receiver) should use simdjson.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace adot::common {

struct JsonMember;

class JsonValue {
 public:
  enum class Type : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

  Type type() const noexcept { return type_; }
  bool is_null() const noexcept { return type_ == Type::kNull; }
  bool is_bool() const noexcept { return type_ == Type::kBool; }
  bool is_number() const noexcept { return type_ == Type::kNumber; }
  bool is_string() const noexcept { return type_ == Type::kString; }
  bool is_array() const noexcept { return type_ == Type::kArray; }
  bool is_object() const noexcept { return type_ == Type::kObject; }

  bool bool_value() const noexcept { return bool_; }
  // The unescaped string of a kString, or the literal text of a kNumber (e.g. "1.5e3").
  const std::string& text() const noexcept { return text_; }
  const std::vector<JsonValue>& array() const noexcept { return array_; }
  const std::vector<JsonMember>& members() const noexcept { return members_; }

  // The value of the last member named key (JSON leaves duplicates open; last wins, as in
  // most parsers), or nullptr when absent or this is not an object.
  const JsonValue* Find(std::string_view key) const noexcept;

  // A number, or a string holding one (proto3 JSON writes 64-bit integers as strings), as an
  // exact integer. False when not an integer or out of range ("1e3" and "5.0" are accepted).
  bool GetInt64(int64_t& out) const noexcept;
  bool GetUint64(uint64_t& out) const noexcept;
  // A number, or a string holding a number or "NaN" / "Infinity" / "-Infinity".
  bool GetDouble(double& out) const noexcept;

  // Make this a scalar, reusing its storage. A number's text must be a valid JSON number.
  void SetString(std::string_view text);
  void SetNumber(std::string_view text);
  void SetBool(bool value);

 private:
  void ResetTo(Type type);

  friend class JsonParser;

  Type type_ = Type::kNull;
  bool bool_ = false;
  std::string text_;
  std::vector<JsonValue> array_;
  std::vector<JsonMember> members_;
};

struct JsonMember {
  std::string key;
  JsonValue value;
};

inline constexpr int kMaxJsonDepth = 256;

// Parses text (one JSON value, surrounding whitespace allowed) into out. On failure returns
// false and, when error is given, sets it to a message naming the problem and its byte offset.
bool ParseJson(std::string_view text, JsonValue& out, std::string* error = nullptr);

// Lexing pieces shared with the one-pass X-Ray segment parser (src/aws/xray_segment.cc), so both
// read \u escapes the same way.
namespace internal {
// The RFC 8259 number grammar on the whole of s.
bool IsJsonNumber(std::string_view s) noexcept;
// JsonValue::GetDouble / GetInt64 of number text: false when s is not a JSON number or out of range
// (an integral value written as "1e3" or "5.0" is an integer).
bool ParseJsonDouble(std::string_view s, double& out) noexcept;
bool ParseJsonInt64(std::string_view s, int64_t& out) noexcept;
// The common numbers in one pass, for a parser at p: a plain decimal (an optional '-', no leading
// zeros, an optional fraction, no exponent, at most 19 digits whose value a double holds exactly)
// or, for ReadPlainInteger, a plain integer of at most 18 digits, not followed by a byte that
// would continue a number. Sets out and moves p past it; false (p unmoved) for anything else,
// which the caller reads by the general route.
bool ReadPlainDecimal(const char*& p, const char* end, double& out) noexcept;
bool ReadPlainInteger(const char*& p, const char* end, int64_t& out) noexcept;
// Decodes the escape sequence whose backslash is just before p (p < end) and appends its
// character to out (a \u escape as UTF-8, surrogate pairs joined, unpaired surrogates U+FFFD),
// advancing p past it. Returns nullptr, or the error message with p where it applies.
const char* AppendEscape(const char*& p, const char* end, std::string& out);
// Reads the 4 hex digits of a \u escape at p (4 bytes must be there), advancing p past each digit
// read; false at the first non-hex one (p is then just past it).
bool ReadHex4(const char*& p, uint32_t& out) noexcept;
// Appends code point cp (at most U+10FFFF) as UTF-8.
void AppendUtf8(uint32_t cp, std::string& out);
}  // namespace internal

}  // namespace adot::common
