// JSON for EMF documents (emf_translator.cc): the text common::JsonWriter writes, written either
// plain or already escaped as the contents of a JSON string, the form a PutLogEvents body carries a
// log event's message in. A document is so written once, straight into its place, instead of
// written and then escaped a second time into the body.
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/json_writer.h"

namespace adot::collector::awsemf {

// Appends what common::AppendJsonString(s, ...) appends (quotes included: quote, backslash and
// control characters escaped, malformed UTF-8 replaced by U+FFFD), escaped once more as the
// contents of a JSON string: its quotes and backslashes preceded by a backslash. Returns the number
// of bytes that second escaping added (the backslashes).
size_t AppendJsonStringEscaped(std::string_view s, std::string& out);

// Writes what std::to_chars(buf, buf + 32, v) writes for a finite v (the shortest text that reads
// back the same; fixed or scientific, whichever is shorter, fixed on a tie) and returns its end.
// Common metric values take a fast path: integers below 2^53 in magnitude, and values that are the
// double nearest a decimal of at most 15 significant digits and 3 decimals (0.5, 12.25, -3.125).
// Such a decimal D is the shortest text of its double: any other decimal of at most 15 digits
// reads back as another double (DBL_DIG), so no shorter one reads back as this one.
char* WriteShortestDouble(double v, char* buf);

// A JSON text known at compile time (punctuation, fixed keys), in both forms.
template <size_t N>
struct JsonLiteral {
  char plain[N] = {};
  char escaped[2 * N] = {};
  size_t plain_size = 0, escaped_size = 0;

  consteval JsonLiteral(const char (&text)[N]) {  // NOLINT: implicit on purpose
    for (size_t i = 0; i + 1 < N; ++i) {
      const char c = text[i];
      plain[plain_size++] = c;
      if (c == '"' || c == '\\') escaped[escaped_size++] = '\\';
      escaped[escaped_size++] = c;
    }
  }
};

// Appends JSON to a string, plain (kEscaped false: byte for byte what common::JsonWriter writes) or
// escaped (kEscaped true: that text escaped once more as a JSON string's contents, without the
// string's own quotes). The caller writes the commas. extra() is the number of bytes the escaping
// added, so the plain text's size is the written size minus extra().
template <bool kEscaped>
class EmfJsonWriter {
 public:
  explicit EmfJsonWriter(std::string& out) noexcept : out_(out) {}

  template <size_t N>
  void Literal(const JsonLiteral<N>& l) {
    if constexpr (kEscaped) {
      out_.append(l.escaped, l.escaped_size);
      extra_ += l.escaped_size - l.plain_size;
    } else {
      out_.append(l.plain, l.plain_size);
    }
  }
  // Punctuation: one of { } [ ] , :
  void Char(char c) { out_.push_back(c); }
  void String(std::string_view s) {
    if constexpr (kEscaped) {
      extra_ += AppendJsonStringEscaped(s, out_);
    } else {
      common::AppendJsonString(s, out_);
    }
  }
  void Key(std::string_view k) {
    String(k);
    out_.push_back(':');
  }
  // As common::AppendJsonDouble: the shortest text that reads back the same, or "NaN",
  // "Infinity", "-Infinity" as strings.
  void Double(double v) {
    if (std::isfinite(v)) {
      char buf[32];
      out_.append(buf, WriteShortestDouble(v, buf));
    } else {
      Quote();
      out_.append(std::isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity");
      Quote();
    }
  }
  void Int64(int64_t v) {
    char buf[24];
    out_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  }
  void Uint64(uint64_t v) {
    char buf[24];
    out_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  }
  // A string of digits: "123".
  void Int64String(int64_t v) {
    Quote();
    Int64(v);
    Quote();
  }

  std::string& out() noexcept { return out_; }
  size_t extra() const noexcept { return extra_; }

 private:
  void Quote() {
    if constexpr (kEscaped) {
      out_.append("\\\"", 2);
      ++extra_;
    } else {
      out_.push_back('"');
    }
  }

  std::string& out_;
  size_t extra_ = 0;
};

}  // namespace adot::collector::awsemf
