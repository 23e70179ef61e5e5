#include "common/json_reader.h"

#include <bit>
#include <charconv>
#include <cstdint>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "common/json_writer.h"

namespace adot::common {

namespace internal {
bool IsJsonNumber(std::string_view s) noexcept {
  size_t i = 0;
  auto digit = [&](size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
  if (i < s.size() && s[i] == '-') ++i;
  if (!digit(i)) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == s.size();
}

namespace {
// The common case of a JSON number, read in one pass: an optional '-', an integer part without
// leading zeros and an optional fraction, no exponent, at most 19 digits. Sets the digits as an
// integer, the number of fraction digits and the sign, and returns where the number stopped;
// nullptr for anything else (the caller falls back to the general route, which also rejects what
// is not JSON). What follows is the caller's to check.
// Reads the run of decimal digits at p into v (v = 10 v + digit for each) and returns its end:
// eight at a time while eight digits follow (a timestamp's 10 + 6 take three steps, not 16).
// v is only meaningful when the caller's total count stays within 19 digits.
const char* ReadDigits(const char* p, const char* end, uint64_t& v) noexcept {
  constexpr uint64_t kZeros = 0x3030303030303030ull, kHighs = 0x8080808080808080ull;
  while (end - p >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    // A byte above '9' gets its high bit from + 0x46, one below '0' from - '0' (or a borrow,
    // which only follows a byte already flagged).
    if ((((w + 0x4646464646464646ull) | (w - kZeros)) & kHighs) != 0) break;
    w -= kZeros;  // eight digit values, the first in the lowest byte (little-endian)
    if constexpr (std::endian::native == std::endian::big) w = __builtin_bswap64(w);
    w = (w * 10 + (w >> 8)) & 0x00FF00FF00FF00FFull;           // pairs: 10 a + b
    w = (w * 100 + (w >> 16)) & 0x0000FFFF0000FFFFull;         // quads
    w = (w * 10000 + (w >> 32)) & 0x00000000FFFFFFFFull;       // all eight
    v = v * 100000000 + w;
    p += 8;
  }
  for (; p != end && *p >= '0' && *p <= '9'; ++p) v = v * 10 + static_cast<uint64_t>(*p - '0');
  return p;
}

const char* ScanPlainDecimal(const char* p, const char* end, uint64_t& digits, int& fraction_digits,
                             bool& negative) noexcept {
  negative = p != end && *p == '-';
  if (negative) ++p;
  if (p == end || *p < '0' || *p > '9' || (*p == '0' && p + 1 != end && p[1] >= '0' && p[1] <= '9'))
    return nullptr;
  uint64_t v = 0;
  const char* start = p;
  p = ReadDigits(p, end, v);
  int count = static_cast<int>(p - start);
  fraction_digits = 0;
  if (p != end && *p == '.') {
    const char* first = ++p;
    p = ReadDigits(p, end, v);
    fraction_digits = static_cast<int>(p - first);
    count += fraction_digits;
    if (fraction_digits == 0) return nullptr;
  }
  if (count > 19) return nullptr;
  digits = v;
  return p;
}

// The whole of s is a plain decimal.
bool ScanPlainDecimal(std::string_view s, uint64_t& digits, int& fraction_digits, bool& negative) noexcept {
  return ScanPlainDecimal(s.data(), s.data() + s.size(), digits, fraction_digits, negative) == s.data() + s.size();
}

// A byte that would continue a number (the general grammar's characters).
bool ContinuesNumber(char c) noexcept {
  return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-';
}

// Exact fast path (Clinger): digits and 10^fraction_digits are both exactly representable, so
// one correctly rounded division gives the correctly rounded value, as from_chars would.
bool PlainDecimalToDouble(uint64_t digits, int fraction_digits, bool negative, double& out) noexcept {
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (digits > (uint64_t{1} << 53)) return false;
  const double v = static_cast<double>(digits) / kPow10[fraction_digits];
  out = negative ? -v : v;
  return true;
}
}  // namespace

bool ReadPlainDecimal(const char*& p, const char* end, double& out) noexcept {
  uint64_t digits;
  int fraction_digits;
  bool negative;
  const char* stop = ScanPlainDecimal(p, end, digits, fraction_digits, negative);
  if (stop == nullptr || (stop != end && ContinuesNumber(*stop)) ||
      !PlainDecimalToDouble(digits, fraction_digits, negative, out))
    return false;
  p = stop;
  return true;
}

bool ReadPlainInteger(const char*& p, const char* end, int64_t& out) noexcept {
  uint64_t digits;
  int fraction_digits;
  bool negative;
  const char* stop = ScanPlainDecimal(p, end, digits, fraction_digits, negative);
  // Up to 18 digits fit int64_t without overflow checks.
  if (stop == nullptr || fraction_digits != 0 || stop - p - negative > 18 || (stop != end && ContinuesNumber(*stop)))
    return false;
  out = negative ? -static_cast<int64_t>(digits) : static_cast<int64_t>(digits);
  p = stop;
  return true;
}

bool ParseJsonDouble(std::string_view s, double& out) noexcept {
  uint64_t digits;
  int fraction_digits;
  bool negative;
  if (ScanPlainDecimal(s, digits, fraction_digits, negative) &&
      PlainDecimalToDouble(digits, fraction_digits, negative, out))
    return true;
  if (!IsJsonNumber(s)) return false;
  double v;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return false;
  out = v;
  return true;
}

namespace {
// Integer text, or a number whose value is integral ("1e3"); the double route is exact only up
// to 2^53, which is fine for the forms that need it.
template <class T>
bool ParseInteger(std::string_view s, T& out) noexcept {
  uint64_t digits;
  int fraction_digits;
  bool negative;
  static_assert(sizeof(T) == 8, "the fast path below relies on 18 digits fitting T");
  // Up to 18 digits fit int64_t and uint64_t without overflow checks.
  if (ScanPlainDecimal(s, digits, fraction_digits, negative) && fraction_digits == 0 &&
      s.size() - negative <= 18 && (!negative || std::is_signed_v<T>)) {
    out = static_cast<T>(negative ? -static_cast<int64_t>(digits) : static_cast<int64_t>(digits));
    return true;
  }
  T v;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc() && ptr == s.data() + s.size() && IsJsonNumber(s)) {
    out = v;
    return true;
  }
  if (ec == std::errc::result_out_of_range) return false;
  double d;
  if (!ParseJsonDouble(s, d) || d != std::trunc(d)) return false;
  constexpr double kMax = std::is_signed_v<T> ? 9223372036854775808.0 : 18446744073709551616.0;
  constexpr double kMin = std::is_signed_v<T> ? -9223372036854775808.0 : 0.0;
  if (d < kMin || d >= kMax) return false;
  out = static_cast<T>(d);
  return true;
}
}  // namespace

bool ParseJsonInt64(std::string_view s, int64_t& out) noexcept { return ParseInteger(s, out); }
}  // namespace internal

class JsonParser {
 public:
  JsonParser(std::string_view text, std::string* error) noexcept
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()), error_(error) {}

  bool ParseDocument(JsonValue& out) {
    SkipWhitespace();
    if (!ParseValue(out, 0)) return false;
    SkipWhitespace();
    if (p_ != end_) return Fail("unexpected data after the JSON value");
    return true;
  }

 private:
  bool Fail(const char* what) {
    if (error_ != nullptr) {
      *error_ = std::string(what) + " at offset " + std::to_string(p_ - begin_);
    }
    return false;
  }

  void SkipWhitespace() noexcept {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return Fail("invalid literal");
    }
    p_ += word.size();
    return true;
  }

  bool ParseValue(JsonValue& out, int depth) {
    if (p_ == end_) return Fail("unexpected end of input");
    switch (*p_) {
      case '{':
        return ParseObject(out, depth + 1);
      case '[':
        return ParseArray(out, depth + 1);
      case '"':
        out.type_ = JsonValue::Type::kString;
        return ParseString(out.text_);
      case 't':
        out.type_ = JsonValue::Type::kBool;
        out.bool_ = true;
        return Literal("true");
      case 'f':
        out.type_ = JsonValue::Type::kBool;
        out.bool_ = false;
        return Literal("false");
      case 'n':
        out.type_ = JsonValue::Type::kNull;
        return Literal("null");
      default:
        return ParseNumber(out);
    }
  }

  bool ParseObject(JsonValue& out, int depth) {
    if (depth > kMaxJsonDepth) return Fail("nesting too deep");
    out.type_ = JsonValue::Type::kObject;
    ++p_;  // '{'
    SkipWhitespace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    while (true) {
      SkipWhitespace();
      if (p_ == end_ || *p_ != '"') return Fail("expected a member name");
      JsonMember& member = out.members_.emplace_back();
      if (!ParseString(member.key)) return false;
      SkipWhitespace();
      if (p_ == end_ || *p_ != ':') return Fail("expected ':'");
      ++p_;
      SkipWhitespace();
      if (!ParseValue(member.value, depth)) return false;
      SkipWhitespace();
      if (p_ == end_) return Fail("unterminated object");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == '}') {
        ++p_;
        return true;
      }
      return Fail("expected ',' or '}'");
    }
  }

  bool ParseArray(JsonValue& out, int depth) {
    if (depth > kMaxJsonDepth) return Fail("nesting too deep");
    out.type_ = JsonValue::Type::kArray;
    ++p_;  // '['
    SkipWhitespace();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    while (true) {
      SkipWhitespace();
      if (!ParseValue(out.array_.emplace_back(), depth)) return false;
      SkipWhitespace();
      if (p_ == end_) return Fail("unterminated array");
      if (*p_ == ',') {
        ++p_;
        continue;
      }
      if (*p_ == ']') {
        ++p_;
        return true;
      }
      return Fail("expected ',' or ']'");
    }
  }

  bool ParseNumber(JsonValue& out) {
    const char* start = p_;
    while (p_ != end_ && ((*p_ >= '0' && *p_ <= '9') || *p_ == '-' || *p_ == '+' || *p_ == '.' ||
                          *p_ == 'e' || *p_ == 'E')) {
      ++p_;
    }
    std::string_view text(start, static_cast<size_t>(p_ - start));
    if (text.empty()) return Fail("unexpected character");
    if (!internal::IsJsonNumber(text)) {
      p_ = start;
      return Fail("invalid number");
    }
    out.type_ = JsonValue::Type::kNumber;
    out.text_.assign(text);
    return true;
  }


  bool ParseString(std::string& out) {
    ++p_;  // opening quote
    out.clear();
    while (true) {
      const char* run = p_;
      while (p_ != end_ && *p_ != '"' && *p_ != '\\' && static_cast<uint8_t>(*p_) >= 0x20) ++p_;
      out.append(run, p_);
      if (p_ == end_) return Fail("unterminated string");
      const char c = *p_;
      if (c == '"') {
        ++p_;
        break;
      }
      if (c != '\\') return Fail("control character in string");
      ++p_;
      if (p_ == end_) return Fail("unterminated string");
      if (const char* error = internal::AppendEscape(p_, end_, out)) return Fail(error);
    }
    if (!IsValidUtf8(out)) return Fail("invalid UTF-8 in string");
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  std::string* error_;
};

const JsonValue* JsonValue::Find(std::string_view key) const noexcept {
  for (auto it = members_.rbegin(); it != members_.rend(); ++it) {
    if (it->key == key) return &it->value;
  }
  return nullptr;
}

bool JsonValue::GetInt64(int64_t& out) const noexcept {
  if (type_ != Type::kNumber && type_ != Type::kString) return false;
  return internal::ParseInteger(text_, out);
}

void JsonValue::ResetTo(Type type) {
  type_ = type;
  bool_ = false;
  array_.clear();
  members_.clear();
}

void JsonValue::SetString(std::string_view text) {
  ResetTo(Type::kString);
  text_.assign(text);
}

void JsonValue::SetNumber(std::string_view text) {
  ResetTo(Type::kNumber);
  text_.assign(text);
}

void JsonValue::SetBool(bool value) {
  ResetTo(Type::kBool);
  bool_ = value;
  text_.clear();
}

bool JsonValue::GetUint64(uint64_t& out) const noexcept {
  if (type_ != Type::kNumber && type_ != Type::kString) return false;
  if (!text_.empty() && text_[0] == '-') {
    // "-0" is still zero; any other negative is out of range.
    int64_t v;
    if (!internal::ParseInteger(text_, v) || v != 0) return false;
    out = 0;
    return true;
  }
  return internal::ParseInteger(text_, out);
}

bool JsonValue::GetDouble(double& out) const noexcept {
  if (type_ == Type::kNumber) return internal::ParseJsonDouble(text_, out);
  if (type_ != Type::kString) return false;
  if (text_ == "NaN") {
    out = std::nan("");
  } else if (text_ == "Infinity") {
    out = HUGE_VAL;
  } else if (text_ == "-Infinity") {
    out = -HUGE_VAL;
  } else {
    return internal::ParseJsonDouble(text_, out);
  }
  return true;
}

bool ParseJson(std::string_view text, JsonValue& out, std::string* error) {
  out = JsonValue();
  JsonParser parser(text, error);
  return parser.ParseDocument(out);
}

namespace internal {

const char* AppendEscape(const char*& p, const char* end, std::string& out) {
  switch (*p++) {
    case '"':
      out.push_back('"');
      return nullptr;
    case '\\':
      out.push_back('\\');
      return nullptr;
    case '/':
      out.push_back('/');
      return nullptr;
    case 'b':
      out.push_back('\b');
      return nullptr;
    case 'f':
      out.push_back('\f');
      return nullptr;
    case 'n':
      out.push_back('\n');
      return nullptr;
    case 'r':
      out.push_back('\r');
      return nullptr;
    case 't':
      out.push_back('\t');
      return nullptr;
    case 'u': {
      auto hex4 = [&](uint32_t& v) -> const char* {
        if (end - p < 4) return "truncated \\u escape";
        return ReadHex4(p, v) ? nullptr : "invalid \\u escape";
      };
      uint32_t cp = 0;
      if (const char* error = hex4(cp)) return error;
      if (cp >= 0xd800 && cp <= 0xdbff) {
        // A high surrogate must pair with a following \uDC00..\uDFFF; unpaired ones become U+FFFD
        // so the result stays valid UTF-8.
        uint32_t low = 0;
        if (end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
          const char* save = p;
          p += 2;
          if (const char* error = hex4(low)) return error;
          if (low >= 0xdc00 && low <= 0xdfff) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          } else {
            p = save;
            cp = 0xfffd;
          }
        } else {
          cp = 0xfffd;
        }
      } else if (cp >= 0xdc00 && cp <= 0xdfff) {
        cp = 0xfffd;
      }
      AppendUtf8(cp, out);
      return nullptr;
    }
    default:
      --p;
      return "invalid escape";
  }
}

bool ReadHex4(const char*& p, uint32_t& out) noexcept {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    const char c = *p++;
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v |= static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v |= static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return false;
    }
  }
  out = v;
  return true;
}

void AppendUtf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xc0 | cp >> 6));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | cp >> 12));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | cp >> 18));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
  }
}

}  // namespace internal

}  // namespace adot::common
