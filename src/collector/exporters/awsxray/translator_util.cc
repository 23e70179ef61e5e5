// Go-compatible JSON text, segment-name and annotation-key sanitising, URL host names and random
// ids for the X-Ray segment translator.
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <thread>

#include "collector/exporters/awsxray/translator_internal.h"

namespace adot::collector::awsxray::internal {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// Length (2..4) of the well-formed UTF-8 sequence at p (no overlong forms, surrogates or code
// points above U+10FFFF), or 0. Stores the code point in cp.
size_t DecodeUtf8(const uint8_t* p, const uint8_t* end, uint32_t& cp) {
  const uint8_t b0 = p[0];
  size_t len;
  uint8_t lo = 0x80, hi = 0xbf;  // allowed range of the second byte
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    len = 2;
    cp = b0 & 0x1f;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    len = 3;
    cp = b0 & 0x0f;
    if (b0 == 0xe0) lo = 0xa0;
    if (b0 == 0xed) hi = 0x9f;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    len = 4;
    cp = b0 & 0x07;
    if (b0 == 0xf0) lo = 0x90;
    if (b0 == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (static_cast<size_t>(end - p) < len || p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 1; i < len; ++i) {
    if (p[i] < 0x80 || p[i] > 0xbf) return 0;
    cp = (cp << 6) | (p[i] & 0x3f);
  }
  return len;
}

// Number of leading bytes of [p, end) Go writes unchanged without a closer look: no control
// character, '"', '\\', '<', '>', '&' or non-ASCII byte. Eight bytes at a time.
size_t GoPlainPrefix(const uint8_t* p, const uint8_t* end) {
  constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
  const uint8_t* start = p;
  // (v - 1s) & ~v has the high bit of each zero byte of v set (exact for a yes/no answer).
  auto has_byte = [](uint64_t x, uint8_t c) {
    const uint64_t v = x ^ (kOnes * c);
    return (v - kOnes) & ~v;
  };
  while (end - p >= 8) {
    uint64_t x;
    std::memcpy(&x, p, 8);
    const uint64_t special = has_byte(x, '"') | has_byte(x, '\\') | has_byte(x, '<') |
                             has_byte(x, '>') | has_byte(x, '&') | ((x - kOnes * 0x20) & ~x) | x;
    if (special & kHigh) break;
    p += 8;
  }
  while (p != end) {
    const uint8_t c = *p;
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&') break;
    ++p;
  }
  return static_cast<size_t>(p - start);
}

bool IsAsciiAlnum(uint8_t c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Characters kept in segment names besides letters and digits (the space included).
bool IsSegmentNameSymbol(uint8_t c) {
  switch (c) {
    case ' ':
    case '_':
    case '.':
    case ':':
    case '/':
    case '%':
    case '&':
    case '#':
    case '=':
    case '+':
    case '-':
    case '@':
      return true;
    default:
      return false;
  }
}

constexpr size_t kMaxSegmentNameBytes = 200;

}  // namespace

char* WriteGoString(std::string_view s, char* dst) {
  *dst++ = '"';
  auto* p = reinterpret_cast<const uint8_t*>(s.data());
  auto* end = p + s.size();
  while (p < end) {
    const size_t plain = GoPlainPrefix(p, end);
    std::memcpy(dst, p, plain);
    dst += plain;
    p += plain;
    if (p == end) break;
    const uint8_t c = *p;
    if (c < 0x80) {
      const char* esc;
      switch (c) {
        case '"':
          esc = "\\\"";
          break;
        case '\\':
          esc = "\\\\";
          break;
        case '\b':
          esc = "\\b";
          break;
        case '\f':
          esc = "\\f";
          break;
        case '\n':
          esc = "\\n";
          break;
        case '\r':
          esc = "\\r";
          break;
        case '\t':
          esc = "\\t";
          break;
        default:  // other control characters, '<', '>', '&'
          esc = nullptr;
      }
      if (esc != nullptr) {
        dst[0] = esc[0];
        dst[1] = esc[1];
        dst += 2;
      } else {
        const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
        std::memcpy(dst, u, 6);
        dst += 6;
      }
      ++p;
      continue;
    }
    uint32_t cp;
    const size_t len = DecodeUtf8(p, end, cp);
    if (len == 0) {
      std::memcpy(dst, "\\ufffd", 6);  // Go replaces each offending byte, resynchronising after it
      dst += 6;
      ++p;
    } else if (cp == 0x2028 || cp == 0x2029) {
      std::memcpy(dst, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
      dst += 6;
      p += len;
    } else {
      std::memcpy(dst, p, len);
      dst += len;
      p += len;
    }
  }
  *dst++ = '"';
  return dst;
}

void AppendGoString(std::string_view s, std::string& out) {
  const size_t old = out.size();
  out.resize(old + MaxGoStringSize(s.size()));
  out.resize(static_cast<size_t>(WriteGoString(s, out.data() + old) - out.data()));
}

char* WriteGoFloat(double v, char* dst) {
  if (!std::isfinite(v)) {
    std::memcpy(dst, "null", 4);
    return dst + 4;
  }
  const double abs = std::fabs(v);
  if (abs == 0 || (abs >= 1e-6 && abs < 1e21)) {
    return std::to_chars(dst, dst + kMaxNumberSize, v, std::chars_format::fixed).ptr;
  }
  char* end = std::to_chars(dst, dst + kMaxNumberSize, v, std::chars_format::scientific).ptr;
  // to_chars writes at least two exponent digits ("1e-07"); Go trims a leading zero ("1e-7").
  const size_t n = static_cast<size_t>(end - dst);
  if (n >= 4 && dst[n - 4] == 'e' && dst[n - 3] == '-' && dst[n - 2] == '0') {
    dst[n - 2] = dst[n - 1];
    --end;
  }
  return end;
}

void AppendGoFloat(double v, std::string& out) {
  char buf[kMaxNumberSize];
  out.append(buf, WriteGoFloat(v, buf));
}

char* WriteInt(int64_t v, char* dst) { return std::to_chars(dst, dst + kMaxNumberSize, v).ptr; }

void AppendInt(int64_t v, std::string& out) {
  char buf[kMaxNumberSize];
  out.append(buf, WriteInt(v, buf));
}

char* WriteHex64(uint64_t v, char* dst) {
  for (int i = 15; i >= 0; --i) {
    dst[i] = kHex[v & 0xf];
    v >>= 4;
  }
  return dst + 16;
}

void AppendHex64(uint64_t v, std::string& out) {
  char buf[16];
  out.append(buf, WriteHex64(v, buf));
}

std::string_view FixSegmentName(std::string_view name, std::string& scratch) {
  auto* begin = reinterpret_cast<const uint8_t*>(name.data());
  auto* end = begin + name.size();
  // Fast path: nothing to remove and short enough.
  const uint8_t* p = begin;
  while (p != end && (IsAsciiAlnum(*p) || IsSegmentNameSymbol(*p))) ++p;
  if (p == end && !name.empty() && name.size() <= kMaxSegmentNameBytes) return name;

  scratch.assign(name.data(), static_cast<size_t>(p - begin));
  while (p < end) {
    const uint8_t c = *p;
    if (c < 0x80) {
      if (IsAsciiAlnum(c) || IsSegmentNameSymbol(c)) scratch.push_back(static_cast<char>(c));
      ++p;
      continue;
    }
    uint32_t cp;
    const size_t len = DecodeUtf8(p, end, cp);
    if (len == 0) {
      ++p;  // an invalid byte is U+FFFD to Go's regexp: not a letter, so removed
      continue;
    }
    if (IsNonAsciiLetter(cp)) scratch.append(reinterpret_cast<const char*>(p), len);
    p += len;
  }
  if (scratch.size() > kMaxSegmentNameBytes) {
    // Go cuts at byte 200 even inside a character (which then encodes as \ufffd); cutting at the
    // last character boundary keeps the name valid UTF-8 and within X-Ray's limit.
    size_t cut = kMaxSegmentNameBytes;
    while (cut > 0 && (static_cast<uint8_t>(scratch[cut]) & 0xc0) == 0x80) --cut;
    scratch.resize(cut);
  }
  if (scratch.empty()) return "span";
  return scratch;
}

bool IsValidAnnotationKey(std::string_view key) {
  for (char ch : key) {
    const auto c = static_cast<uint8_t>(ch);
    if (!IsAsciiAlnum(c) && c != '.') return false;
  }
  return true;
}

void AppendFixedAnnotationKey(std::string_view key, std::string& out) {
  auto* p = reinterpret_cast<const uint8_t*>(key.data());
  auto* end = p + key.size();
  while (p < end) {
    const uint8_t c = *p;
    if (IsAsciiAlnum(c) || c == '.') {
      out.push_back(static_cast<char>(c));
      ++p;
      continue;
    }
    out.push_back('_');  // one '_' per character (a multi-byte one too) or invalid byte
    uint32_t cp;
    const size_t len = c < 0x80 ? 1 : DecodeUtf8(p, end, cp);
    p += len == 0 ? 1 : len;
  }
}

std::string_view UrlHostname(std::string_view url) {
  // Go's parser rejects ASCII control characters anywhere.
  for (char ch : url) {
    const auto c = static_cast<uint8_t>(ch);
    if (c < 0x20 || c == 0x7f) return {};
  }
  // Fragment and query are cut off before the authority is looked at.
  url = url.substr(0, url.find('#'));
  // Scheme: a letter, then letters, digits, '+', '-', '.' up to ':'.
  std::string_view rest = url;
  for (size_t i = 0; i < url.size(); ++i) {
    const auto c = static_cast<uint8_t>(url[i]);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;  // not a scheme: the whole text is a path
      continue;
    }
    if (c == ':') {
      if (i == 0) return {};  // "missing protocol scheme"
      rest = url.substr(i + 1);
    }
    break;
  }
  rest = rest.substr(0, rest.find('?'));
  if (rest.substr(0, 2) != "//") return {};
  std::string_view authority = rest.substr(2);
  authority = authority.substr(0, authority.find('/'));
  const size_t at = authority.rfind('@');
  std::string_view host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  auto valid_port = [](std::string_view port) {  // ":" or ":digits" (or nothing)
    if (port.empty()) return true;
    if (port[0] != ':') return false;
    for (char c : port.substr(1)) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if (!host.empty() && host[0] == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos || !valid_port(host.substr(close + 1))) return {};
    return host.substr(1, close - 1);
  }
  const size_t colon = host.rfind(':');
  if (colon == std::string_view::npos) return host;
  if (!valid_port(host.substr(colon))) return {};
  return host.substr(0, colon);
}

uint64_t RandomId() {
  // splitmix64 over a per-thread state seeded from the OS entropy source, the clock and the thread.
  thread_local uint64_t state = [] {
    std::random_device rd;
    uint64_t seed = (static_cast<uint64_t>(rd()) << 32) ^ rd();
    seed ^= static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    seed ^= std::hash<std::thread::id>{}(std::this_thread::get_id()) * 0x9e3779b97f4a7c15ull;
    return seed;
  }();
  for (;;) {
    state += 0x9e3779b97f4a7c15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    if (z != 0) return z;
  }
}

uint64_t DerivedSegmentId(std::string_view trace_id, std::string_view span_id) {
  // FNV-1a over both ids, then splitmix64's finaliser to spread the bits; never 0.
  uint64_t h = 0xcbf29ce484222325ull;
  for (std::string_view part : {trace_id, span_id})
    for (unsigned char c : part) h = (h ^ c) * 0x100000001b3ull;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h != 0 ? h : 1;
}

}  // namespace adot::collector::awsxray::internal
