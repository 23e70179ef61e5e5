// Building blocks of the X-Ray segment translator, exposed for its unit tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace adot::collector::awsxray::internal {

// JSON text exactly as Go's encoding/json (with HTML escaping, the Encoder default) writes it.
//
// Strings: '"', '\\', \b \f \n \r \t as two-character escapes; other control characters, '<', '>',
// '&', U+2028 and U+2029 as \u00XX / \u20XX; every byte that does not start a well-formed UTF-8
// sequence as \ufffd; everything else as is.
void AppendGoString(std::string_view s, std::string& out);
// The same into a buffer with room for MaxGoStringSize(s.size()) bytes; returns the end.
char* WriteGoString(std::string_view s, char* dst);
constexpr size_t MaxGoStringSize(size_t n) { return 6 * n + 2; }
// float64: shortest round-trip digits; fixed notation for 1e-6 <= |v| < 1e21 (and 0), else
// exponent notation with at least one exponent digit ("1e-7", "1.5e+21"). Go refuses NaN and
// infinities; they are written as null here.
void AppendGoFloat(double v, std::string& out);
void AppendInt(int64_t v, std::string& out);
// 16 lowercase hex digits.
void AppendHex64(uint64_t v, std::string& out);
// The same into a buffer with room for kMaxNumberSize bytes (16 for the hex digits); return the
// end.
inline constexpr size_t kMaxNumberSize = 40;
char* WriteGoFloat(double v, char* dst);
char* WriteInt(int64_t v, char* dst);
char* WriteHex64(uint64_t v, char* dst);

// True for code points above U+007F of general category L (the regexp class \p{L}).
bool IsNonAsciiLetter(uint32_t cp);

// The span name made a valid segment name: characters other than space, digits, letters and
// _ . : / % & # = + - @ removed (invalid UTF-8 bytes too), cut to at most 200 bytes (at a character
// boundary), "span" when nothing is left. Returns `name` itself when it needs no change, else a
// view of `scratch`.
std::string_view FixSegmentName(std::string_view name, std::string& scratch);
// An annotation key made valid: ASCII letters, digits and '.' kept, every other character (or
// invalid byte) replaced by '_'. Appends to out.
void AppendFixedAnnotationKey(std::string_view key, std::string& out);
// True when FixedAnnotationKey would leave key unchanged.
bool IsValidAnnotationKey(std::string_view key);

// The host name of a URL as Go's url.Parse(...).Hostname() finds it ("" when the URL has no
// authority or does not parse).
std::string_view UrlHostname(std::string_view url);

// A random 64-bit id, never zero (per-thread generator).
uint64_t RandomId();
// A non-zero id that is a fixed function of a span's trace and span ids (a 64-bit hash).
uint64_t DerivedSegmentId(std::string_view trace_id, std::string_view span_id);

}  // namespace adot::collector::awsxray::internal
