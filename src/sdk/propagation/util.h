// Small parsing helpers shared by the propagators.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "adot/api/propagation/text_map.h"
#include "adot/api/trace/span.h"

namespace adot::sdk::propagation::internal {

inline bool IsOws(char c) noexcept { return c == ' ' || c == '\t'; }

inline std::string_view TrimOws(std::string_view s) noexcept {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

// Character classes as lookup tables: the parsers run on every request.
struct CharTables {
  int8_t lower_hex[256];  // value of 0-9 a-f, else -1
  int8_t any_hex[256];    // value of 0-9 a-f A-F, else -1
  bool token[256];        // RFC 7230 tchar
  bool baggage_octet[256];
  constexpr CharTables() : lower_hex(), any_hex(), token(), baggage_octet() {
    for (int c = 0; c < 256; ++c) {
      int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      lower_hex[c] = static_cast<int8_t>(v);
      any_hex[c] = static_cast<int8_t>(v >= 0 ? v : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1);
      bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      token[c] = alnum || c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' ||
                 c == '*' || c == '+' || c == '-' || c == '.' || c == '^' || c == '_' ||
                 c == '`' || c == '|' || c == '~';
      // W3C baggage-octet: %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
      baggage_octet[c] = c == 0x21 || (c >= 0x23 && c <= 0x2B) || (c >= 0x2D && c <= 0x3A) ||
                         (c >= 0x3C && c <= 0x5B) || (c >= 0x5D && c <= 0x7E);
    }
  }
};
inline constexpr CharTables kChars{};

inline bool IsLowerHex(char c) noexcept { return kChars.lower_hex[static_cast<unsigned char>(c)] >= 0; }
inline bool IsHex(char c) noexcept { return kChars.any_hex[static_cast<unsigned char>(c)] >= 0; }

inline bool AllLowerHex(std::string_view s) noexcept {
  for (char c : s)
    if (!IsLowerHex(c)) return false;
  return true;
}
inline bool AllHex(std::string_view s) noexcept {
  for (char c : s)
    if (!IsHex(c)) return false;
  return true;
}

// Two lowercase hex digits per byte value, for writing ids.
struct HexPairs {
  char pairs[256][2];
  constexpr HexPairs() : pairs() {
    constexpr char kDigits[] = "0123456789abcdef";
    for (int b = 0; b < 256; ++b) {
      pairs[b][0] = kDigits[b >> 4];
      pairs[b][1] = kDigits[b & 0xf];
    }
  }
};
inline constexpr HexPairs kHexPairs{};

// Writes the 2*N lowercase hex digits of id at out.
template <size_t N>
inline void EncodeHexId(const api::trace::Id<N>& id, char* out) noexcept {
  const uint8_t* b = id.data();
  for (size_t i = 0; i < N; ++i) std::memcpy(out + 2 * i, kHexPairs.pairs[b[i]], 2);
}

// Decodes 2*N hex digits at s with table (kChars.lower_hex or kChars.any_hex) into an id, in one
// branch-free pass. False on any invalid digit (the id is then unspecified).
template <size_t N>
bool DecodeHexId(const char* s, const int8_t* table, api::trace::Id<N>& id) noexcept {
  uint8_t* out = id.data();
  int bad = 0;
  for (size_t i = 0; i < N; ++i) {
    int hi = table[static_cast<unsigned char>(s[2 * i])];
    int lo = table[static_cast<unsigned char>(s[2 * i + 1])];
    bad |= hi | lo;
    out[i] = static_cast<uint8_t>((hi & 0xf) << 4 | (lo & 0xf));
  }
  return bad >= 0;
}

// Parses up to 2*N hex digits (either case) into an id, left-padded with zeros. Invalid (all-zero)
// id on a bad digit or a too long input.
template <size_t N>
api::trace::Id<N> PaddedIdFromHex(std::string_view hex) noexcept {
  if (hex.empty() || hex.size() > 2 * N || !AllHex(hex)) return {};
  char buf[2 * N];
  size_t pad = 2 * N - hex.size();
  for (size_t i = 0; i < pad; ++i) buf[i] = '0';
  for (size_t i = 0; i < hex.size(); ++i) buf[pad + i] = hex[i];
  return api::trace::Id<N>::FromHex(std::string_view(buf, 2 * N));
}

// The span context of the span in context (invalid when none).
inline const api::trace::SpanContext& SpanContextOf(const api::Context& context) noexcept {
  static const api::trace::SpanContext kInvalid;
  const api::trace::Span* span = context.GetValuePtr<api::trace::Span>(api::trace::SpanContextKey());
  return span ? span->GetContext() : kInvalid;
}

// context with a remote, non-recording span for span_context.
inline api::Context WithRemoteSpan(const api::Context& context,
                                   const api::trace::SpanContext& span_context) {
  return api::trace::ContextWithSpan(
      context, std::make_shared<api::trace::NonRecordingSpan>(span_context));
}

// Percent-decodes s into out. A '%' not followed by two hex digits is kept as is. Invalid UTF-8 in
// the result is replaced by U+FFFD, one per maximal invalid subpart.
void PercentDecodeUtf8(std::string_view s, std::string& out);
// Appends s, percent-encoding every byte outside keep (and '%').
void PercentEncode(std::string_view s, const bool (&keep)[256], std::string& out);

inline bool IsTokenChar(unsigned char c) noexcept { return kChars.token[c]; }
inline bool IsToken(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!IsTokenChar(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace adot::sdk::propagation::internal
