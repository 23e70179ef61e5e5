// A small streaming JSON writer appending to a std::string, plus base64 (proto3 JSON bytes).
//
// Output is always valid JSON: strings are escaped (quote, backslash, control characters) and
// invalid UTF-8 is replaced by U+FFFD; non-finite doubles become the proto3 JSON strings "NaN",
// "Infinity" and "-Infinity". The writer inserts commas itself; it does not check that
// Begin/End calls and keys are balanced (the callers are encoders with a fixed shape).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace adot::common {

// Appends s as a quoted, escaped JSON string.
void AppendJsonString(std::string_view s, std::string& out);
// Appends v as a JSON number with the shortest text that parses back to the same double, or as
// "NaN" / "Infinity" / "-Infinity" (quoted) when not finite.
void AppendJsonDouble(double v, std::string& out);
namespace internal {
bool IsValidUtf8From(const char* p, const char* end) noexcept;

// The bytes of an 8-byte word (loaded little-endian) that a JSON string cannot hold as they are
// ('"', '\\', control characters), flagged by their high bits: (b - k) & ~b & 0x80 flags b < k,
// and b == c is b ^ c == 0. A borrow can only flag bytes above a true hit, so the lowest flag is
// exact; bytes >= 0x80 are never flagged.
inline uint64_t JsonSpecialBytes(uint64_t w) noexcept {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
  const uint64_t quote = w ^ (kOnes * '"'), backslash = w ^ (kOnes * '\\');
  return (((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) | ((w - kOnes * 0x20) & ~w)) &
         kHighs;
}
}  // namespace internal

// True when s is well-formed UTF-8 (no overlong forms, surrogates or code points > U+10FFFF).
// Inline ASCII fast path (encoders check every string they write): OR all bytes together with
// word loads, the last one overlapping, and look at the high bits once.
inline bool IsValidUtf8(std::string_view s) noexcept {
  const char* p = s.data();
  const size_t n = s.size();
  if (n >= 8) {
    uint64_t acc = 0, x;
    for (size_t i = 0; i + 8 <= n; i += 8) {
      std::memcpy(&x, p + i, 8);
      acc |= x;
    }
    std::memcpy(&x, p + n - 8, 8);
    if (((acc | x) & 0x8080808080808080ull) == 0) return true;
  } else if (n >= 4) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + n - 4, 4);
    if (((a | b) & 0x80808080u) == 0) return true;
  } else {
    unsigned acc = 0;
    for (size_t i = 0; i < n; ++i) acc |= static_cast<unsigned char>(p[i]);
    if ((acc & 0x80u) == 0) return true;
  }
  return internal::IsValidUtf8From(p, p + n);
}
// Appends s with every byte that does not start a well-formed UTF-8 sequence replaced by U+FFFD
// (the same replacement AppendJsonString makes).
void AppendSanitizedUtf8(std::string_view s, std::string& out);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) noexcept : out_(out) {}

  void BeginObject() {
    Separate();
    out_.push_back('{');
    need_comma_ = false;
  }
  void EndObject() {
    out_.push_back('}');
    need_comma_ = true;
  }
  void BeginArray() {
    Separate();
    out_.push_back('[');
    need_comma_ = false;
  }
  void EndArray() {
    out_.push_back(']');
    need_comma_ = true;
  }
  // An object member's key; the value call follows.
  void Key(std::string_view key) {
    Separate();
    AppendJsonString(key, out_);
    out_.push_back(':');
    need_comma_ = false;
  }

  void String(std::string_view v) {
    Separate();
    AppendJsonString(v, out_);
    need_comma_ = true;
  }
  void Bool(bool v) { Raw(v ? std::string_view("true") : std::string_view("false")); }
  void Null() { Raw("null"); }
  void Int64(int64_t v);
  void Uint64(uint64_t v);
  // 64-bit integers as decimal strings, as proto3 JSON writes int64/uint64/fixed64.
  void Int64String(int64_t v);
  void Uint64String(uint64_t v);
  void Double(double v) {
    Separate();
    AppendJsonDouble(v, out_);
    need_comma_ = true;
  }
  // Bytes as a base64 string (proto3 JSON bytes) and as a lowercase hex string (OTLP ids).
  void Base64String(const void* data, size_t size);
  void HexString(const void* data, size_t size);
  // A complete JSON value, written as is.
  void Raw(std::string_view json) {
    Separate();
    out_.append(json);
    need_comma_ = true;
  }

  std::string& out() noexcept { return out_; }

 private:
  void Separate() {
    if (need_comma_) out_.push_back(',');
  }

  std::string& out_;
  bool need_comma_ = false;
};

// Standard base64 (RFC 4648 section 4) with padding, appended to out.
void Base64Encode(const void* data, size_t size, std::string& out);
inline void Base64Encode(std::string_view data, std::string& out) {
  Base64Encode(data.data(), data.size(), out);
}
// Decodes standard or URL-safe base64, padding optional (as proto3 JSON parsers accept it).
// Returns false on any other character or an impossible length; out is then unspecified.
bool Base64Decode(std::string_view in, std::string& out);

}  // namespace adot::common
