#include "exporters/otlp/retry.h"

#include <algorithm>
#include <cmath>

#include "common/proto_writer.h"
#include "sdk/common/random.h"

namespace adot::exporters::otlp {
namespace {

using std::chrono::milliseconds;

// Keeps huge server delays from overflowing the millisecond count.
constexpr int64_t kMaxDelaySeconds = int64_t{1} << 31;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Takes min_width to max_width digits from the front of s.
bool TakeNumber(std::string_view& s, size_t min_width, size_t max_width, int& out) {
  size_t n = 0;
  int value = 0;
  while (n < s.size() && n < max_width && IsDigit(s[n])) value = value * 10 + (s[n++] - '0');
  if (n < min_width) return false;
  s.remove_prefix(n);
  out = value;
  return true;
}

bool TakeLiteral(std::string_view& s, std::string_view literal) {
  if (!s.starts_with(literal)) return false;
  s.remove_prefix(literal.size());
  return true;
}

bool TakeSpaces(std::string_view& s) {
  if (s.empty() || s.front() != ' ') return false;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return true;
}

// Month names are case-sensitive in RFC 9110, but being lenient costs nothing.
bool TakeMonth(std::string_view& s, unsigned& month) {
  static constexpr std::string_view kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                                 "jul", "aug", "sep", "oct", "nov", "dec"};
  if (s.size() < 3) return false;
  std::string lower;
  for (char c : s.substr(0, 3))
    lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (unsigned i = 0; i < 12; ++i) {
    if (lower == kMonths[i]) {
      month = i + 1;
      s.remove_prefix(3);
      return true;
    }
  }
  return false;
}

bool TakeTime(std::string_view& s, int& hour, int& minute, int& second) {
  return TakeNumber(s, 2, 2, hour) && TakeLiteral(s, ":") && TakeNumber(s, 2, 2, minute) &&
         TakeLiteral(s, ":") && TakeNumber(s, 2, 2, second);
}

// The three HTTP-date forms of RFC 9110 §5.6.7, after the day name:
//   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
//   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"
//   asctime      "Sun Nov  6 08:49:37 1994"
std::optional<std::chrono::system_clock::time_point> ParseHttpDate(std::string_view s) {
  size_t name_end = 0;
  while (name_end < s.size() &&
         ((s[name_end] >= 'a' && s[name_end] <= 'z') || (s[name_end] >= 'A' && s[name_end] <= 'Z')))
    ++name_end;
  if (name_end < 3) return std::nullopt;
  s.remove_prefix(name_end);
  int day = 0, year = 0, hour = 0, minute = 0, second = 0;
  unsigned month = 0;
  if (TakeLiteral(s, ",")) {
    if (!TakeSpaces(s) || !TakeNumber(s, 1, 2, day)) return std::nullopt;
    if (TakeLiteral(s, "-")) {  // RFC 850
      if (!TakeMonth(s, month) || !TakeLiteral(s, "-") || !TakeNumber(s, 2, 2, year))
        return std::nullopt;
      // Two-digit year: 70..99 → 19xx, 00..69 → 20xx (close to RFC 9110's "not more than 50
      // years in the future" for any date this code will see).
      year += year < 70 ? 2000 : 1900;
    } else {  // IMF-fixdate
      if (!TakeSpaces(s) || !TakeMonth(s, month) || !TakeSpaces(s) || !TakeNumber(s, 4, 4, year))
        return std::nullopt;
    }
    if (!TakeSpaces(s) || !TakeTime(s, hour, minute, second) || !TakeSpaces(s) ||
        !TakeLiteral(s, "GMT"))
      return std::nullopt;
  } else {  // asctime
    if (!TakeSpaces(s) || !TakeMonth(s, month) || !TakeSpaces(s) || !TakeNumber(s, 1, 2, day) ||
        !TakeSpaces(s) || !TakeTime(s, hour, minute, second) || !TakeSpaces(s) ||
        !TakeNumber(s, 4, 4, year))
      return std::nullopt;
  }
  if (!Trim(s).empty() || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(month),
                                   std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  return std::chrono::sys_days(date) + std::chrono::hours(hour) + std::chrono::minutes(minute) +
         std::chrono::seconds(second);
}

}  // namespace

std::chrono::milliseconds RetryDelay(const RetryOptions& options, uint32_t attempt,
                                     std::optional<std::chrono::milliseconds> server_delay) {
  if (server_delay) return std::max(*server_delay, milliseconds(0));
  double initial = static_cast<double>(std::max<int64_t>(options.initial_backoff.count(), 0));
  double cap = static_cast<double>(std::max<int64_t>(options.max_backoff.count(), 0));
  double multiplier =
      std::isfinite(options.multiplier) && options.multiplier >= 1.0 ? options.multiplier : 1.0;
  uint32_t exponent = attempt > 0 ? attempt - 1 : 0;
  // pow() may overflow to infinity for large attempts; min() brings it back to the cap.
  double base = std::min(initial * std::pow(multiplier, static_cast<double>(exponent)), cap);
  // Uniform in [0.5, 1.5): 53 random bits → [0, 1).
  double unit = static_cast<double>(sdk::internal::Random64() >> 11) * 0x1.0p-53;
  return milliseconds(static_cast<int64_t>(base * (0.5 + unit)));
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), IsDigit)) {
    int64_t seconds = 0;
    for (char c : value) {
      seconds = seconds * 10 + (c - '0');
      if (seconds > kMaxDelaySeconds) {
        seconds = kMaxDelaySeconds;
        break;
      }
    }
    return milliseconds(seconds * 1000);
  }
  auto date = ParseHttpDate(value);
  if (!date) return std::nullopt;
  auto delay = std::chrono::duration_cast<milliseconds>(*date - std::chrono::system_clock::now());
  // A date in the past means "now".
  return std::clamp(delay, milliseconds(0), milliseconds(kMaxDelaySeconds * 1000));
}

bool IsRetryableHttpStatus(long status) {
  return status == 429 || status == 502 || status == 503 || status == 504;
}

bool IsRetryableGrpcCode(int code) {
  switch (code) {
    case 1:   // CANCELLED
    case 4:   // DEADLINE_EXCEEDED
    case 10:  // ABORTED
    case 11:  // OUT_OF_RANGE
    case 14:  // UNAVAILABLE
    case 15:  // DATA_LOSS
      return true;
    default:
      return false;
  }
}

namespace {

constexpr std::string_view kRetryInfoType = "google.rpc.RetryInfo";

// google.protobuf.Duration{seconds = 1, nanos = 2} as milliseconds (negative → 0).
std::optional<milliseconds> ParseDuration(std::string_view bytes) {
  common::proto::ProtoReader reader(bytes);
  common::proto::ProtoReader::Field field;
  int64_t seconds = 0, nanos = 0;
  while (reader.Next(field)) {
    if (field.type != common::proto::WireType::kVarint) continue;
    if (field.number == 1) seconds = static_cast<int64_t>(field.value);
    if (field.number == 2) nanos = static_cast<int32_t>(field.value);
  }
  if (!reader.ok()) return std::nullopt;
  // Bounded so the conversion to milliseconds cannot overflow.
  constexpr int64_t kMaxSeconds = int64_t{1} << 31;
  seconds = std::clamp<int64_t>(seconds, 0, kMaxSeconds);
  nanos = std::clamp<int64_t>(nanos, 0, 999'999'999);
  return milliseconds(seconds * 1000 + nanos / 1'000'000);
}

}  // namespace

// Status.details (field 3) are Any{type_url = 1, value = 2}; RetryInfo.retry_delay is field 1.
std::optional<milliseconds> RetryDelayFromGrpcStatusDetails(std::string_view status_details) {
  using common::proto::ProtoReader;
  using common::proto::WireType;
  ProtoReader status(status_details);
  ProtoReader::Field detail;
  while (status.Next(detail)) {
    if (detail.number != 3 || detail.type != WireType::kLengthDelimited) continue;
    ProtoReader any(detail.bytes);
    ProtoReader::Field field;
    std::string_view type_url, value;
    while (any.Next(field)) {
      if (field.type != WireType::kLengthDelimited) continue;
      if (field.number == 1) type_url = field.bytes;
      if (field.number == 2) value = field.bytes;
    }
    // type_url is "<prefix>/google.rpc.RetryInfo"; the prefix is conventionally
    // type.googleapis.com but any is allowed.
    if (!any.ok() || !type_url.ends_with(kRetryInfoType)) continue;
    if (type_url.size() > kRetryInfoType.size() &&
        type_url[type_url.size() - kRetryInfoType.size() - 1] != '/')
      continue;
    ProtoReader retry_info(value);
    ProtoReader::Field delay_field;
    std::optional<milliseconds> delay = milliseconds(0);  // RetryInfo without a delay: retry now
    while (retry_info.Next(delay_field)) {
      if (delay_field.number == 1 && delay_field.type == WireType::kLengthDelimited)
        delay = ParseDuration(delay_field.bytes);
    }
    if (retry_info.ok() && delay) return delay;
  }
  return std::nullopt;
}


}  // namespace adot::exporters::otlp
