#include "collector/exporters/awsemf/emf_json.h"

#include <cmath>
#include <cstring>

namespace adot::collector::awsemf {
namespace {

// Bytes AppendJsonString escapes: control characters, quote, backslash.
constexpr auto kNeedsEscape = [] {
  struct Table {
    bool v[256];
  } t{};
  for (int c = 0; c < 256; ++c) t.v[c] = c < 0x20 || c == '"' || c == '\\';
  return t;
}();

// Length of the prefix of [p, end) with no byte to escape, eight bytes at a time. The input is
// well-formed UTF-8 (checked before), so bytes >= 0x80 are copied like any other: the zero-byte
// tests below flag no such byte, and a borrow only follows a byte that was flagged itself.
size_t PlainPrefix(const uint8_t* p, const uint8_t* end) noexcept {
  const uint8_t* start = p;
  while (end - p >= 8) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    if (common::internal::JsonSpecialBytes(x) != 0) break;
    p += 8;
  }
  while (p != end && !kNeedsEscape.v[*p]) ++p;
  return static_cast<size_t>(p - start);
}

constexpr char kHex[] = "0123456789abcdef";

// The bytes of w that are not ASCII or need escaping, flagged by their high bits.
uint64_t NotPlain(uint64_t w) noexcept {
  return common::internal::JsonSpecialBytes(w) | (w & 0x8080808080808080ull);
}

// True when s is ASCII with no byte to escape: copied as it is, between escaped quotes. Word
// loads, the last one overlapping (as common::IsValidUtf8).
bool IsPlainAscii(std::string_view s) noexcept {
  const char* p = s.data();
  const size_t n = s.size();
  uint64_t flags = 0, x;
  if (n >= 8) {
    for (size_t i = 0; i + 8 <= n; i += 8) {
      std::memcpy(&x, p + i, 8);
      flags |= NotPlain(x);
    }
    std::memcpy(&x, p + n - 8, 8);
    flags |= NotPlain(x);
  } else if (n >= 4) {
    uint32_t head, tail;
    std::memcpy(&head, p, 4);
    std::memcpy(&tail, p + n - 4, 4);
    flags = NotPlain(static_cast<uint64_t>(tail) << 32 | head);
  } else {
    for (size_t i = 0; i < n; ++i)
      flags |= NotPlain(static_cast<uint8_t>(p[i]) * 0x0101010101010101ull);
  }
  return flags == 0;
}

// AppendJsonStringEscaped for strings with bytes to escape or check: apart, so that the common
// case is a light call.
[[gnu::noinline]] size_t AppendEscaped(std::string_view s, std::string& out) {
  if (!common::IsValidUtf8(s)) {
    // Rare: escape once (replacing what is malformed), then escape that text's quotes and
    // backslashes.
    std::string once;
    common::AppendJsonString(s, once);
    size_t extra = 0;
    out.reserve(out.size() + once.size() + once.size() / 4);
    for (char c : once) {
      if (c == '"' || c == '\\') {
        out.push_back('\\');
        ++extra;
      }
      out.push_back(c);
    }
    return extra;
  }
  size_t extra = 2;  // the quotes' backslashes
  out.reserve(out.size() + s.size() + 4);
  out.append("\\\"", 2);
  auto* p = reinterpret_cast<const uint8_t*>(s.data());
  auto* end = p + s.size();
  while (p < end) {
    const uint8_t* run = p;
    p += PlainPrefix(p, end);
    if (p != run) out.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
    if (p == end) break;
    const uint8_t c = *p++;
    // Once: \" \\ \n ... \u00XX; twice: \\\" \\\\ \\n ... \\u00XX.
    switch (c) {
      case '"':
        out.append("\\\\\\\"", 4);
        extra += 2;
        break;
      case '\\':
        out.append("\\\\\\\\", 4);
        extra += 2;
        break;
      case '\n':
        out.append("\\\\n", 3);
        ++extra;
        break;
      case '\r':
        out.append("\\\\r", 3);
        ++extra;
        break;
      case '\t':
        out.append("\\\\t", 3);
        ++extra;
        break;
      case '\b':
        out.append("\\\\b", 3);
        ++extra;
        break;
      case '\f':
        out.append("\\\\f", 3);
        ++extra;
        break;
      default: {
        const char esc[7] = {'\\', '\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        out.append(esc, 7);
        ++extra;
      }
    }
  }
  out.append("\\\"", 2);
  return extra;
}

}  // namespace

char* WriteShortestDouble(double v, char* buf) {
  constexpr double kLimit = 1e15;  // |n| < 10^15: at most 15 significant digits
  constexpr double kScale[] = {1, 10, 100, 1000};
  if (v > -kLimit && v < kLimit && v != 0) {
    for (int k = 0; k <= 3; ++k) {
      const double scaled = v * kScale[k];
      if (!(scaled > -kLimit && scaled < kLimit)) break;
      // Rounded to an integer inline (|scaled| < 2^51: adding and taking away 1.5 * 2^52 leaves
      // no fraction bits); ties go to even instead of away from zero as llround's, but a tie is
      // no integer n with n / 10^k == v either way.
      const int64_t n = static_cast<int64_t>((scaled + 0x1.8p52) - 0x1.8p52);
      if (static_cast<double>(n) / kScale[k] != v) continue;
      // v is the double nearest n / 10^k (the division is correctly rounded).
      char* p = buf;
      uint64_t u = n < 0 ? 0 - static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
      if (n < 0) *p++ = '-';
      char digits[20];  // reversed
      int d = 0;
      do {
        digits[d++] = static_cast<char>('0' + u % 10);
        u /= 10;
      } while (u != 0);
      if (k == 0) {
        int zeros = 0;
        while (zeros < d - 1 && digits[zeros] == '0') ++zeros;
        const int significant = d - zeros;
        // d.ddde+XX (exponent d - 1 < 100: two digits) against d digits.
        if (significant + (significant > 1 ? 1 : 0) + 4 < d) {
          *p++ = digits[d - 1];
          if (significant > 1) {
            *p++ = '.';
            for (int i = d - 2; i >= zeros; --i) *p++ = digits[i];
          }
          const int exponent = d - 1;
          *p++ = 'e';
          *p++ = '+';
          *p++ = static_cast<char>('0' + exponent / 10);
          *p++ = static_cast<char>('0' + exponent % 10);
        } else {
          for (int i = d - 1; i >= 0; --i) *p++ = digits[i];
        }
        return p;
      }
      // A last decimal 0 would have matched with k - 1, but for the rounding of v * 10^(k-1):
      // leave such values to to_chars. With k <= 3 decimals the fixed form is never longer
      // than the scientific one (0.005 and 5e-03 tie, and a tie is written fixed).
      if (digits[0] == '0') break;
      if (d > k) {
        for (int i = d - 1; i >= k; --i) *p++ = digits[i];
        *p++ = '.';
        for (int i = k - 1; i >= 0; --i) *p++ = digits[i];
      } else {
        *p++ = '0';
        *p++ = '.';
        for (int i = k; i > d; --i) *p++ = '0';
        for (int i = d - 1; i >= 0; --i) *p++ = digits[i];
      }
      return p;
    }
  }
  return std::to_chars(buf, buf + 32, v).ptr;
}

size_t AppendJsonStringEscaped(std::string_view s, std::string& out) {
  // Most strings (names, keys, label values) need no escaping: one append. Short ones go through
  // a buffer, as three appends cost more than the copy.
  if (!IsPlainAscii(s)) return AppendEscaped(s, out);
  char buf[128];
  if (s.size() + 4 > sizeof buf) {
    out.append("\\\"", 2).append(s).append("\\\"", 2);
  } else {
    std::memcpy(buf, "\\\"", 2);
    std::memcpy(buf + 2, s.data(), s.size());
    std::memcpy(buf + 2 + s.size(), "\\\"", 2);
    out.append(buf, s.size() + 4);
  }
  return 2;
}

}  // namespace adot::collector::awsemf
