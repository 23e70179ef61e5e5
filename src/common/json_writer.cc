#include "common/json_writer.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace adot::common {
namespace {

// 0: copied as is; 1: needs an escape; 2: first byte of a multi-byte (or invalid) UTF-8 sequence.
constexpr auto kCharClass = [] {
  struct Table {
    uint8_t v[256];
  } t{};
  for (int c = 0; c < 256; ++c) {
    if (c < 0x20 || c == '"' || c == '\\') {
      t.v[c] = 1;
    } else if (c >= 0x80) {
      t.v[c] = 2;
    }
  }
  return t;
}();

// Length (2..4) of the well-formed UTF-8 sequence starting at p, or 0 (Unicode table 3-7).
size_t Utf8SequenceLength(const uint8_t* p, const uint8_t* end) noexcept {
  const uint8_t b0 = p[0];
  size_t len;
  uint8_t lo = 0x80, hi = 0xbf;  // range of the second byte
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3;
    if (b0 == 0xe0) lo = 0xa0;  // overlong
    if (b0 == 0xed) hi = 0x9f;  // surrogates
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4;
    if (b0 == 0xf0) lo = 0x90;  // overlong
    if (b0 == 0xf4) hi = 0x8f;  // above U+10FFFF
  } else {
    return 0;
  }
  if (static_cast<size_t>(end - p) < len) return 0;
  if (p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < len; ++i) {
    if (p[i] < 0x80 || p[i] > 0xbf) return 0;
  }
  return len;
}

// Length of the prefix of [p, end) that can be copied without escaping or UTF-8 checks: checks
// eight bytes at a time for control characters, '"', '\\' and non-ASCII bytes.
size_t PlainPrefix(const uint8_t* p, const uint8_t* end) noexcept {
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  const uint8_t* start = p;
  while (end - p >= 8) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    // Any high bit of x is a non-ASCII byte.
    if ((internal::JsonSpecialBytes(x) | (x & kHigh)) != 0) break;
    p += 8;
  }
  while (p != end && kCharClass.v[*p] == 0) ++p;
  return static_cast<size_t>(p - start);
}

constexpr char kHex[] = "0123456789abcdef";
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

namespace internal {
bool IsValidUtf8From(const char* begin, const char* end_char) noexcept {
  auto* p = reinterpret_cast<const uint8_t*>(begin);
  auto* end = reinterpret_cast<const uint8_t*>(end_char);
  while (p < end) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    size_t len = Utf8SequenceLength(p, end);
    if (len == 0) return false;
    p += len;
  }
  return true;
}
}  // namespace internal

void AppendSanitizedUtf8(std::string_view s, std::string& out) {
  out.reserve(out.size() + s.size());
  auto* p = reinterpret_cast<const uint8_t*>(s.data());
  auto* end = p + s.size();
  while (p < end) {
    const uint8_t* run = p;
    while (p < end && *p < 0x80) ++p;
    out.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
    if (p == end) break;
    size_t len = Utf8SequenceLength(p, end);
    if (len == 0) {
      out.append("\xEF\xBF\xBD");
      ++p;
    } else {
      out.append(reinterpret_cast<const char*>(p), len);
      p += len;
    }
  }
}

void AppendJsonString(std::string_view s, std::string& out) {
  out.reserve(out.size() + s.size() + 2);
  out.push_back('"');
  auto* p = reinterpret_cast<const uint8_t*>(s.data());
  auto* end = p + s.size();
  while (p < end) {
    // Copy the longest run of bytes that need no attention in one append.
    const uint8_t* run = p;
    p += PlainPrefix(p, end);
    if (p != run) out.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p - run));
    if (p == end) break;
    const uint8_t c = *p;
    if (kCharClass.v[c] == 1) {
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        case '\b':
          out.append("\\b");
          break;
        case '\f':
          out.append("\\f");
          break;
        default: {
          const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
          out.append(esc, 6);
        }
      }
      ++p;
      continue;
    }
    size_t len = Utf8SequenceLength(p, end);
    if (len == 0) {
      out.append("\xEF\xBF\xBD");  // U+FFFD for the offending byte; resynchronise after it
      ++p;
    } else {
      out.append(reinterpret_cast<const char*>(p), len);
      p += len;
    }
  }
  out.push_back('"');
}

void AppendJsonDouble(double v, std::string& out) {
  if (std::isnan(v)) {
    out.append("\"NaN\"");
    return;
  }
  if (std::isinf(v)) {
    out.append(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    return;
  }
  char buf[32];
  // Shortest round-trip form; its exponent syntax ("1e+300") is valid JSON.
  auto result = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, result.ptr);
}

void JsonWriter::Int64(int64_t v) {
  Separate();
  char buf[24];
  out_.append(buf, std::to_chars(buf, buf + sizeof(buf), v).ptr);
  need_comma_ = true;
}

void JsonWriter::Uint64(uint64_t v) {
  Separate();
  char buf[24];
  out_.append(buf, std::to_chars(buf, buf + sizeof(buf), v).ptr);
  need_comma_ = true;
}

void JsonWriter::Int64String(int64_t v) {
  Separate();
  char buf[24];
  buf[0] = '"';
  char* p = std::to_chars(buf + 1, buf + sizeof(buf) - 1, v).ptr;
  *p++ = '"';
  out_.append(buf, p);
  need_comma_ = true;
}

void JsonWriter::Uint64String(uint64_t v) {
  Separate();
  char buf[24];
  buf[0] = '"';
  char* p = std::to_chars(buf + 1, buf + sizeof(buf) - 1, v).ptr;
  *p++ = '"';
  out_.append(buf, p);
  need_comma_ = true;
}

void JsonWriter::Base64String(const void* data, size_t size) {
  Separate();
  out_.push_back('"');
  Base64Encode(data, size, out_);
  out_.push_back('"');
  need_comma_ = true;
}

void JsonWriter::HexString(const void* data, size_t size) {
  Separate();
  const size_t start = out_.size();
  out_.resize(start + 2 * size + 2);
  char* p = out_.data() + start;
  *p++ = '"';
  auto* bytes = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; ++i) {
    *p++ = kHex[bytes[i] >> 4];
    *p++ = kHex[bytes[i] & 0xf];
  }
  *p = '"';
  need_comma_ = true;
}

void Base64Encode(const void* data, size_t size, std::string& out) {
  auto* in = static_cast<const uint8_t*>(data);
  const size_t start = out.size();
  out.resize(start + (size + 2) / 3 * 4);
  char* p = out.data() + start;
  size_t i = 0;
  for (; i + 3 <= size; i += 3) {
    const uint32_t v = uint32_t{in[i]} << 16 | uint32_t{in[i + 1]} << 8 | in[i + 2];
    *p++ = kBase64[v >> 18];
    *p++ = kBase64[(v >> 12) & 63];
    *p++ = kBase64[(v >> 6) & 63];
    *p++ = kBase64[v & 63];
  }
  if (size - i == 1) {
    const uint32_t v = uint32_t{in[i]} << 16;
    *p++ = kBase64[v >> 18];
    *p++ = kBase64[(v >> 12) & 63];
    *p++ = '=';
    *p++ = '=';
  } else if (size - i == 2) {
    const uint32_t v = uint32_t{in[i]} << 16 | uint32_t{in[i + 1]} << 8;
    *p++ = kBase64[v >> 18];
    *p++ = kBase64[(v >> 12) & 63];
    *p++ = kBase64[(v >> 6) & 63];
    *p++ = '=';
  }
}

bool Base64Decode(std::string_view in, std::string& out) {
  static constexpr auto kDecode = [] {
    struct Table {
      int8_t v[256];
    } t{};
    for (auto& x : t.v) x = -1;
    for (int i = 0; i < 64; ++i) t.v[static_cast<uint8_t>(kBase64[i])] = static_cast<int8_t>(i);
    t.v[static_cast<uint8_t>('-')] = 62;  // URL-safe alphabet
    t.v[static_cast<uint8_t>('_')] = 63;
    return t;
  }();
  // Up to two trailing '=' (only where padding belongs).
  size_t padding = 0;
  while (!in.empty() && in.back() == '=' && padding < 2) {
    in.remove_suffix(1);
    ++padding;
  }
  if (padding != 0 && (in.size() + padding) % 4 != 0) return false;
  if (in.size() % 4 == 1) return false;
  out.reserve(out.size() + in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : in) {
    const int8_t d = kDecode.v[static_cast<uint8_t>(ch)];
    if (d < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

}  // namespace adot::common
