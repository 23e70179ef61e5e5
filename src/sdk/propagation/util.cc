#include "sdk/propagation/util.h"

namespace adot::sdk::propagation::internal {

namespace {

// Appends bytes to out, replacing each maximal invalid UTF-8 subpart with U+FFFD (the Unicode
// "substitution of maximal subparts" practice, as WHATWG decoders do).
void AppendValidUtf8(const unsigned char* s, size_t n, std::string& out) {
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      out.append(kReplacement, 3);
      ++i;
      continue;
    }
    size_t j = 1;
    for (; j <= need && i + j < n; ++j) {
      unsigned char d = s[i + j];
      unsigned char l = j == 1 ? lo : 0x80, h = j == 1 ? hi : 0xBF;
      if (d < l || d > h) break;
    }
    if (j == need + 1) {
      out.append(reinterpret_cast<const char*>(s + i), need + 1);
      i += need + 1;
    } else {
      out.append(kReplacement, 3);
      i += j;  // the lead byte plus the valid continuation bytes seen
    }
  }
}

}  // namespace

void PercentDecodeUtf8(std::string_view s, std::string& out) {
  bool plain_ascii = true;
  for (char c : s) {
    if (c == '%' || static_cast<unsigned char>(c) >= 0x80) {
      plain_ascii = false;
      break;
    }
  }
  if (plain_ascii) {
    out.append(s);
    return;
  }
  unsigned char buf[256];
  std::string heap;
  unsigned char* bytes = buf;
  if (s.size() > sizeof(buf)) {
    heap.resize(s.size());
    bytes = reinterpret_cast<unsigned char*>(heap.data());
  }
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && IsHex(s[i + 1]) && IsHex(s[i + 2])) {
      bytes[n++] = static_cast<unsigned char>(api::trace::internal::HexValue(s[i + 1]) << 4 |
                                              api::trace::internal::HexValue(s[i + 2]));
      i += 2;
    } else {
      bytes[n++] = static_cast<unsigned char>(s[i]);
    }
  }
  AppendValidUtf8(bytes, n, out);
}

void PercentEncode(std::string_view s, const bool (&keep)[256], std::string& out) {
  static constexpr char kUpperHex[] = "0123456789ABCDEF";
  size_t plain = 0;
  while (plain < s.size() && s[plain] != '%' && keep[static_cast<unsigned char>(s[plain])]) ++plain;
  out.append(s.data(), plain);
  for (char ch : s.substr(plain)) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c != '%' && keep[c]) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kUpperHex[c >> 4]);
      out.push_back(kUpperHex[c & 0xf]);
    }
  }
}

}  // namespace adot::sdk::propagation::internal
