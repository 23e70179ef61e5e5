#include "aws/xray_segment.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

#include "adot/api/propagation/text_map.h"
#include "common/json_writer.h"

namespace adot::aws::xray {
namespace {

using common::JsonValue;

bool IsHex(std::string_view s) {
  for (char c : s) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

bool IsSegmentId(std::string_view s) { return s.size() == 16 && IsHex(s); }

// "1-" + 8 hex digits (epoch seconds) + "-" + 24 hex digits.
bool IsTraceId(std::string_view s) {
  return s.size() == 35 && s.substr(0, 2) == "1-" && s[10] == '-' && IsHex(s.substr(2, 8)) &&
         IsHex(s.substr(11));
}

using api::propagation::internal::EqualsIgnoreCase;

bool IsBlank(std::string_view s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  }
  return true;
}

// ---- the document's fields
// -------------------------------------------------------------------------

// Members read in a special way, named by a tag wrapping the member.
struct IntOrString {  // an integer, or a string holding one
  std::optional<int64_t>& value;
};
struct SegmentIds {  // an array of strings of 16 hex digits
  std::vector<std::string>& value;
};

// The struct member read from the JSON member `name`.
template <class T, class M, class Tag>
struct FieldDef {
  std::string_view name;
  M T::*member;
};

template <class Tag = void, class T, class M>
constexpr FieldDef<T, M, Tag> Field(std::string_view name, M T::*member) {
  return {name, member};
}

template <class T, class M>
M& Ref(T& out, const FieldDef<T, M, void>& f) {
  return out.*f.member;
}
template <class T, class M, class Tag>
requires(!std::is_void_v<Tag>) Tag Ref(T& out, const FieldDef<T, M, Tag>& f) {
  return Tag{out.*f.member};
}

// Each struct's fields in check order: when several are wrong, the error reported is that of the
// first one in this order whatever the document's order (as when a whole JSON tree was read first
// and its fields checked in this order).
template <class T>
struct Schema;

template <>
struct Schema<StackFrame> {
  static constexpr auto kFields =
      std::make_tuple(Field("path", &StackFrame::path), Field("line", &StackFrame::line),
                      Field("label", &StackFrame::label));
};
template <>
struct Schema<Exception> {
  static constexpr auto kFields = std::make_tuple(
      Field("id", &Exception::id), Field("message", &Exception::message),
      Field("type", &Exception::type), Field("remote", &Exception::remote),
      Field("truncated", &Exception::truncated), Field("skipped", &Exception::skipped),
      Field("cause", &Exception::cause), Field("stack", &Exception::stack));
};
// The object form of "cause" (Reader::ReadField(Cause&) handles the string form).
template <>
struct Schema<Cause> {
  static constexpr auto kFields =
      std::make_tuple(Field("working_directory", &Cause::working_directory),
                      Field("paths", &Cause::paths), Field("exceptions", &Cause::exceptions));
};
template <>
struct Schema<HttpRequest> {
  static constexpr auto kFields = std::make_tuple(
      Field("method", &HttpRequest::method), Field("url", &HttpRequest::url),
      Field("user_agent", &HttpRequest::user_agent), Field("client_ip", &HttpRequest::client_ip),
      Field("x_forwarded_for", &HttpRequest::x_forwarded_for),
      Field("traced", &HttpRequest::traced));
};
template <>
struct Schema<HttpResponse> {
  static constexpr auto kFields =
      std::make_tuple(Field("status", &HttpResponse::status),
                      Field<IntOrString>("content_length", &HttpResponse::content_length));
};
template <>
struct Schema<Http> {
  static constexpr auto kFields =
      std::make_tuple(Field("request", &Http::request), Field("response", &Http::response));
};
template <>
struct Schema<AwsEc2> {
  static constexpr auto kFields = std::make_tuple(
      Field("instance_id", &AwsEc2::instance_id),
      Field("availability_zone", &AwsEc2::availability_zone),
      Field("instance_size", &AwsEc2::instance_size), Field("ami_id", &AwsEc2::ami_id));
};
template <>
struct Schema<AwsEcs> {
  static constexpr auto kFields = std::make_tuple(
      Field("container", &AwsEcs::container), Field("container_id", &AwsEcs::container_id),
      Field("task_arn", &AwsEcs::task_arn), Field("task_family", &AwsEcs::task_family),
      Field("cluster_arn", &AwsEcs::cluster_arn), Field("container_arn", &AwsEcs::container_arn),
      Field("availability_zone", &AwsEcs::availability_zone),
      Field("launch_type", &AwsEcs::launch_type));
};
template <>
struct Schema<AwsElasticBeanstalk> {
  static constexpr auto kFields =
      std::make_tuple(Field("environment_name", &AwsElasticBeanstalk::environment_name),
                      Field("version_label", &AwsElasticBeanstalk::version_label),
                      Field("deployment_id", &AwsElasticBeanstalk::deployment_id));
};
template <>
struct Schema<AwsEks> {
  static constexpr auto kFields =
      std::make_tuple(Field("cluster_name", &AwsEks::cluster_name), Field("pod", &AwsEks::pod),
                      Field("container_id", &AwsEks::container_id));
};
template <>
struct Schema<AwsLogGroup> {
  static constexpr auto kFields =
      std::make_tuple(Field("log_group", &AwsLogGroup::log_group), Field("arn", &AwsLogGroup::arn));
};
template <>
struct Schema<AwsXRay> {
  static constexpr auto kFields =
      std::make_tuple(Field("sdk", &AwsXRay::sdk), Field("sdk_version", &AwsXRay::sdk_version),
                      Field("auto_instrumentation", &AwsXRay::auto_instrumentation));
};
template <>
struct Schema<Aws> {
  static constexpr auto kFields =
      std::make_tuple(Field("account_id", &Aws::account_id), Field("operation", &Aws::operation),
                      Field("region", &Aws::region), Field("request_id", &Aws::request_id),
                      Field("queue_url", &Aws::queue_url), Field("table_name", &Aws::table_name),
                      Field("table_names", &Aws::table_names), Field("retries", &Aws::retries),
                      Field("ec2", &Aws::ec2), Field("ecs", &Aws::ecs),
                      Field("elastic_beanstalk", &Aws::elastic_beanstalk), Field("eks", &Aws::eks),
                      Field("cloudwatch_logs", &Aws::cloudwatch_logs), Field("xray", &Aws::xray));
};
template <>
struct Schema<Service> {
  static constexpr auto kFields = std::make_tuple(
      Field("version", &Service::version), Field("compiler_version", &Service::compiler_version),
      Field("compiler", &Service::compiler));
};
template <>
struct Schema<Sql> {
  static constexpr auto kFields = std::make_tuple(
      Field("url", &Sql::url), Field("connection_string", &Sql::connection_string),
      Field("preparation", &Sql::preparation), Field("database_type", &Sql::database_type),
      Field("database_version", &Sql::database_version),
      Field("driver_version", &Sql::driver_version), Field("user", &Sql::user),
      Field("sanitized_query", &Sql::sanitized_query));
};
template <>
struct Schema<Link> {
  static constexpr auto kFields =
      std::make_tuple(Field("trace_id", &Link::trace_id), Field("id", &Link::id),
                      Field("attributes", &Link::attributes));
  static constexpr size_t kChecksAt = 2;  // "attributes"
};
template <>
struct Schema<Segment> {
  static constexpr auto kFields = std::make_tuple(
      Field("name", &Segment::name), Field("id", &Segment::id),
      Field("trace_id", &Segment::trace_id), Field("parent_id", &Segment::parent_id),
      Field("type", &Segment::type), Field("namespace", &Segment::namespace_name),
      Field("origin", &Segment::origin), Field("user", &Segment::user),
      Field("resource_arn", &Segment::resource_arn), Field("in_progress", &Segment::in_progress),
      Field("traced", &Segment::traced), Field("fault", &Segment::fault),
      Field("error", &Segment::error), Field("throttle", &Segment::throttle),
      Field("start_time", &Segment::start_time), Field("end_time", &Segment::end_time),
      Field("service", &Segment::service), Field("http", &Segment::http),
      Field("aws", &Segment::aws), Field("sql", &Segment::sql), Field("cause", &Segment::cause),
      Field("annotations", &Segment::annotations),
      Field<SegmentIds>("precursor_ids", &Segment::precursor_ids),
      Field("metadata", &Segment::metadata), Field("links", &Segment::links),
      Field("subsegments", &Segment::subsegments));
  static constexpr size_t kChecksAt = 16;  // "service"
};

// The bit of field `name` in a mask of T's fields.
template <class T>
constexpr uint64_t Bit(std::string_view name) {
  return std::apply(
      [&](const auto&... f) {
        uint64_t bit = 0, i = 0;
        ((bit |= f.name == name ? uint64_t{1} << i : 0, ++i), ...);
        return bit;
      },
      Schema<T>::kFields);
}

// a[0, n) == b[0, n) for short n, with two overlapping loads per side instead of a loop whose
// length varies from key to key (a mispredicted exit each time).
[[gnu::always_inline]] inline bool SameBytes(const char* a, const char* b, size_t n) noexcept {
  auto load = [](const char* p, auto word) {
    std::memcpy(&word, p, sizeof word);
    return word;
  };
  if (n >= 8) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    return ((load(a, uint64_t{}) ^ load(b, uint64_t{})) |
            (load(a + n - 8, uint64_t{}) ^ load(b + n - 8, uint64_t{}))) == 0;
  }
  if (n >= 4) {
    return ((load(a, uint32_t{}) ^ load(b, uint32_t{})) | (load(a + n - 4, uint32_t{}) ^ load(b + n - 4, uint32_t{}))) == 0;
  }
  for (size_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// Finds T's field named by a member key with one hash and one comparison: a slot per hash value
// (7 bits of a seeded mix of the key's length, first, middle and last bytes) holds a field's
// index. The seed is searched at compile time for one that gives T's names distinct slots.
template <class T>
class FieldTable {
 public:
  static constexpr size_t kCount = std::tuple_size_v<std::remove_cvref_t<decltype(Schema<T>::kFields)>>;
  static_assert(kCount < 64, "a field mask is 64 bits");

  // The index of the field named key in Schema<T>::kFields, or -1.
  static int Find(std::string_view key) noexcept {
    if (key.empty()) return -1;
    const int index = kTable.slots[Slot(key, kTable.seed)];
    if (index < 0) return -1;
    const std::string_view name = kNames[static_cast<size_t>(index)];
    return name.size() == key.size() && SameBytes(name.data(), key.data(), key.size()) ? index : -1;
  }

 private:
  [[gnu::always_inline]] static constexpr uint32_t Slot(std::string_view key, uint32_t seed) noexcept {
    const uint32_t mix = static_cast<uint32_t>(key.size()) * 0x9E3779B1u +
                         static_cast<uint8_t>(key.front()) * seed +
                         static_cast<uint8_t>(key.back()) * (seed * 0x85EBCA6Bu + 1) +
                         (static_cast<uint32_t>(static_cast<uint8_t>(key[key.size() / 2])) << 16);
    return ((mix ^ (mix >> 15)) * 0xC2B2AE35u) >> 25;
  }

  static constexpr std::array<std::string_view, kCount> kNames = std::apply(
      [](const auto&... f) { return std::array<std::string_view, kCount>{f.name...}; },
      Schema<T>::kFields);

  struct Table {
    uint32_t seed = 0;
    std::array<int8_t, 128> slots{};
  };

  static constexpr Table Build() {
    for (uint32_t seed = 1; seed < 10000; ++seed) {
      Table t;
      t.seed = seed;
      t.slots.fill(-1);
      bool distinct = true;
      for (size_t i = 0; i < kCount && distinct; ++i) {
        int8_t& slot = t.slots[Slot(kNames[i], seed)];
        distinct = slot < 0;
        slot = static_cast<int8_t>(i);
      }
      if (distinct) return t;
    }
    return Table{};  // seed 0: the static_assert below fails
  }
  static constexpr Table kTable = Build();
  static_assert(kTable.seed != 0, "no seed gives these field names distinct slots");
};

// The checks of values made after reading the fields before Schema<T>::kChecksAt, given the
// fields present (not absent or null): a link's ids.
bool Check(const Link& link, uint64_t /*present*/, bool /*top_level*/, std::string& error) {
  if (!IsTraceId(link.trace_id)) {
    error = "trace_id: expected an X-Ray trace id";
    return false;
  }
  if (!IsSegmentId(link.id)) {
    error = "id: expected 16 hexadecimal digits, got \"" + link.id + "\"";
    return false;
  }
  return true;
}

// A segment's required fields and the formats of its ids.
bool Check(const Segment& s, uint64_t present, bool top_level, std::string& error) {
  constexpr uint64_t kId = Bit<Segment>("id"), kTraceId = Bit<Segment>("trace_id"),
                     kParentId = Bit<Segment>("parent_id"), kStartTime = Bit<Segment>("start_time");
  auto id_error = [&](std::string_view key, const std::string& value) {
    error.assign(key).append(": expected 16 hexadecimal digits, got \"").append(value).append("\"");
    return false;
  };
  if (s.name.empty()) {
    error = "name: required (a non-empty string)";
    return false;
  }
  if (!(present & kId)) {
    error = "id: required";
    return false;
  }
  if (!IsSegmentId(s.id)) return id_error("id", s.id);
  if (!(present & kStartTime)) {
    error = "start_time: required (a number)";
    return false;
  }
  if (top_level && !(present & kTraceId)) {
    error = "trace_id: required";
    return false;
  }
  if ((present & kTraceId) && !IsTraceId(s.trace_id)) {
    error = "trace_id: expected \"1-\" + 8 hex digits + \"-\" + 24 hex digits, got \"" +
            s.trace_id + "\"";
    return false;
  }
  if (top_level && s.IsSubsegment() && !(present & kParentId)) {
    error = "parent_id: required in an independent subsegment";
    return false;
  }
  if ((present & kParentId) && !IsSegmentId(s.parent_id)) return id_error("parent_id", s.parent_id);
  return true;
}

// A field absent or null: back to its default.
void Reset(std::string& v) { v.clear(); }
void Reset(bool& v) { v = false; }
void Reset(double& v) { v = 0; }
template <class V>
void Reset(std::optional<V>& v) {
  v.reset();
}
template <class V>
void Reset(std::vector<V>& v) {
  v.clear();
}
void Reset(JsonValue& v) { v = JsonValue(); }
void Reset(Cause& v) { v = Cause(); }
void Reset(IntOrString v) { v.value.reset(); }
void Reset(SegmentIds v) { v.value.clear(); }

// The field errors of one object by field index. The one reported is that of the lowest index;
// a repeated key drops its earlier error, since only its last occurrence counts.
class FieldErrors {
 public:
  void Clear(size_t field) {
    if (errors_.empty()) return;
    std::erase_if(errors_, [&](const auto& e) { return e.first == field; });
  }
  void Set(size_t field, std::string message) { errors_.emplace_back(field, std::move(message)); }
  // Moves the error of the lowest field below `limit` into out; false when there is none.
  bool TakeFirst(size_t limit, std::string& out) {
    auto first = errors_.end();
    for (auto it = errors_.begin(); it != errors_.end(); ++it) {
      if (it->first < limit && (first == errors_.end() || it->first < first->first)) first = it;
    }
    if (first == errors_.end()) return false;
    out = std::move(first->second);
    return true;
  }

 private:
  std::vector<std::pair<size_t, std::string>> errors_;
};

// A single-pass reader of a segment document straight into a Segment, with the JSON rules and
// error messages of common::ParseJson (same message and offset for a syntax error, which wins over
// any field error, as when the whole tree was parsed first). Members it does not know are checked
// and skipped; annotation values, metadata and link attributes become JsonValues by ParseJson of
// their (already checked) text.
class Reader {
 public:
  explicit Reader(std::string_view text) noexcept
      : begin_(text.data()), p_(text.data()), end_(text.data() + text.size()) {}

  bool Read(Segment& out, std::string& error) {
    SkipWhitespace();
    bool ok;
    if (p_ == end_) {
      ok = Fail("unexpected end of input");
    } else if (*p_ == '{') {
      ok = Struct(out, 1, error, /*top_level=*/true);
    } else {
      ok = Skip(0);
      error = "segment document is not a JSON object";
    }
    SkipWhitespace();
    if (ok && p_ != end_) ok = Fail("unexpected data after the JSON value");
    if (!ok) error = "segment document is not valid JSON: " + syntax_error_;
    return error.empty();
  }

 private:
  // Where a member's value is read: its name (for messages), the depth of the object holding it,
  // and where to put a field error (relative to that object, e.g. "response.status: ...").
  struct Member {
    std::string_view name;
    int depth;
    std::string& error;
  };

  // ---- JSON syntax (as common/json_reader.cc; false after a syntax error) ----

  bool Fail(const char* what) {
    syntax_error_ = std::string(what) + " at offset " + std::to_string(p_ - begin_);
    return false;
  }

  [[gnu::always_inline]] void SkipWhitespace() noexcept {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return Fail("invalid literal");
    }
    p_ += word.size();
    return true;
  }

  bool Number(std::string_view& text) {
    const char* start = p_;
    while (p_ != end_ && ((*p_ >= '0' && *p_ <= '9') || *p_ == '-' || *p_ == '+' || *p_ == '.' ||
                          *p_ == 'e' || *p_ == 'E')) {
      ++p_;
    }
    text = std::string_view(start, static_cast<size_t>(p_ - start));
    if (text.empty()) return Fail("unexpected character");
    if (!common::internal::IsJsonNumber(text)) {
      p_ = start;
      return Fail("invalid number");
    }
    return true;
  }

  // Moves p_ to the first '"', '\\' or control character from p_ on and returns it (-1 at end_),
  // 8 bytes at a time. Sets non_ascii when a byte >= 0x80 was seen (possibly just past the stop):
  // only then is UTF-8 checked. The stop byte comes from the word in a register, not from memory
  // again.
  [[gnu::always_inline]] int ScanStringRun(bool& non_ascii) noexcept {
    constexpr uint64_t kHighs = 0x8080808080808080;
    const char* p = p_;
    while (end_ - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      const uint64_t hits = common::internal::JsonSpecialBytes(w);
      non_ascii |= (w & kHighs) != 0;
      if (hits != 0) {
        const int shift = __builtin_ctzll(hits) & ~7;  // little-endian: the first byte is the lowest
        p_ = p + shift / 8;
        return static_cast<uint8_t>(w >> shift);
      }
      p += 8;
    }
    for (; p != end_; ++p) {
      const uint8_t c = static_cast<uint8_t>(*p);
      if (c == '"' || c == '\\' || c < 0x20) {
        p_ = p;
        return c;
      }
      non_ascii |= c >= 0x80;
    }
    p_ = p;
    return -1;
  }

  // The string at p_, unescaped: a view of the text when it has no escapes (the common case),
  // else of scratch_ (valid until the next string).
  // Inline: called for every member name and string value, and a call's register saving cost
  // as much as the scan of a short string.
  [[gnu::always_inline]] bool String(std::string_view& out) {
    const char* start = ++p_;  // opening quote
    bool non_ascii = false;
    if (ScanStringRun(non_ascii) == '"') {
      out = std::string_view(start, static_cast<size_t>(p_ - start));
      ++p_;
      return !non_ascii || common::IsValidUtf8(out) || Fail("invalid UTF-8 in string");
    }
    return EscapedString(start, non_ascii, out);
  }

  // The rest of String when the string at start has an escape (or a stray byte) before p_.
  [[gnu::noinline]] bool EscapedString(const char* start, bool non_ascii, std::string_view& out) {
    scratch_.assign(start, p_);
    while (true) {
      const char* run = p_;
      const int c = ScanStringRun(non_ascii);
      scratch_.append(run, p_);
      if (c < 0) return Fail("unterminated string");
      if (c == '"') {
        ++p_;
        break;
      }
      if (c != '\\') return Fail("control character in string");
      ++p_;
      if (p_ == end_) return Fail("unterminated string");
      if (const char* error = common::internal::AppendEscape(p_, end_, scratch_)) return Fail(error);
    }
    out = scratch_;
    return common::IsValidUtf8(out) || Fail("invalid UTF-8 in string");
  }

  bool String(std::string& out) {
    std::string_view s;
    if (!String(s)) return false;
    // Not assign(s): that takes the general replace path (s could alias out), twice the work.
    out.clear();
    out.append(s);
    return true;
  }

  // Calls member(key) with p_ at each member's value of the object at p_ (at `depth`); member
  // consumes the value and returns false after a syntax error.
  template <class F>
  bool Members(int depth, F&& member) {
    if (depth > common::kMaxJsonDepth) return Fail("nesting too deep");
    ++p_;  // '{'
    SkipWhitespace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    while (true) {
      SkipWhitespace();
      if (p_ == end_ || *p_ != '"') return Fail("expected a member name");
      std::string_view key;
      if (!String(key)) return false;
      SkipWhitespace();
      if (p_ == end_ || *p_ != ':') return Fail("expected ':'");
      ++p_;
      SkipWhitespace();
      if (p_ == end_) return Fail("unexpected end of input");
      if (!member(key)) return false;
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

  // As Members, element(index) for each element of the array at p_.
  template <class F>
  bool Elements(int depth, F&& element) {
    if (depth > common::kMaxJsonDepth) return Fail("nesting too deep");
    ++p_;  // '['
    SkipWhitespace();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    for (size_t i = 0;; ++i) {
      SkipWhitespace();
      if (p_ == end_) return Fail("unexpected end of input");
      if (!element(i)) return false;
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

  // Checks the value at p_ (in a container at `depth`) and moves past it.
  bool Skip(int depth) {
    switch (*p_) {
      case '{':
        return Members(depth + 1, [&](std::string_view) { return Skip(depth + 1); });
      case '[':
        return Elements(depth + 1, [&](size_t) { return Skip(depth + 1); });
      case '"': {
        std::string_view s;
        return String(s);
      }
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default: {
        std::string_view n;
        return Number(n);
      }
    }
  }

  // ---- fields (p_ at a value that is not null) ----

  // A value of the wrong type: a field error, and the value skipped.
  bool WrongType(const Member& m, std::string_view expected) {
    m.error.assign(m.name).append(": ").append(expected);
    return Skip(m.depth);
  }

  bool ReadField(std::string& v, const Member& m) {
    return *p_ == '"' ? String(v) : WrongType(m, "expected a string");
  }

  bool ReadField(bool& v, const Member& m) {
    if (*p_ == 't') {
      v = true;
      return Literal("true");
    }
    if (*p_ == 'f') {
      v = false;
      return Literal("false");
    }
    return WrongType(m, "expected a boolean");
  }

  bool ReadField(std::optional<bool>& v, const Member& m) { return ReadField(v.emplace(), m); }

  bool Integer(std::optional<int64_t>& v, const Member& m, bool allow_string) {
    const char* expected =
        allow_string ? "expected an integer or a string holding one" : "expected an integer";
    std::string_view text;
    const bool is_string = *p_ == '"';
    if (is_string && allow_string) {
      if (!String(text)) return false;
    } else if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) {
      if (int64_t n; common::internal::ReadPlainInteger(p_, end_, n)) {
        v = n;
        return true;
      }
      if (!Number(text)) return false;
    } else {
      return WrongType(m, expected);
    }
    int64_t n;
    if (common::internal::ParseJsonInt64(text, n)) {
      v = n;
    } else {
      m.error.assign(m.name).append(": ").append(expected);
    }
    return true;
  }

  bool ReadField(std::optional<int64_t>& v, const Member& m) { return Integer(v, m, false); }
  bool ReadField(IntOrString v, const Member& m) { return Integer(v.value, m, true); }

  bool ReadField(double& v, const Member& m) {
    if (*p_ != '-' && (*p_ < '0' || *p_ > '9')) return WrongType(m, "expected a number");
    if (common::internal::ReadPlainDecimal(p_, end_, v)) return true;  // timestamps: one pass
    std::string_view text;
    if (!Number(text)) return false;
    if (!common::internal::ParseJsonDouble(text, v) || !std::isfinite(v))
      m.error.assign(m.name).append(": expected a number");
    return true;
  }

  bool ReadField(std::optional<double>& v, const Member& m) { return ReadField(v.emplace(), m); }

  bool ReadField(std::vector<std::string>& v, const Member& m) {
    constexpr std::string_view kExpected = "expected an array of strings";
    if (*p_ != '[') return WrongType(m, kExpected);
    size_t count = 0;
    bool ok = Elements(m.depth + 1, [&](size_t i) {
      count = i + 1;
      if (*p_ != '"') {
        if (m.error.empty()) m.error.assign(m.name).append(": ").append(kExpected);
        return Skip(m.depth + 1);
      }
      return String(i < v.size() ? v[i] : v.emplace_back());
    });
    v.resize(count);
    return ok;
  }

  bool ReadField(SegmentIds v, const Member& m) {
    if (!ReadField(v.value, m)) return false;
    for (size_t i = 0; i < v.value.size() && m.error.empty(); ++i) {
      if (!IsSegmentId(v.value[i])) {
        m.error.assign(m.name)
            .append(": element ")
            .append(std::to_string(i))
            .append(" is not 16 hexadecimal digits");
      }
    }
    return true;
  }

  // "cause": an object, or a string holding the id of an exception recorded elsewhere.
  bool ReadField(Cause& v, const Member& m) {
    if (*p_ == '"') {
      Reset(v);
      v.kind = Cause::Kind::kExceptionId;
      return String(v.exception_id);
    }
    if (*p_ != '{') return WrongType(m, "expected an object or a string (an exception id)");
    v.kind = Cause::Kind::kObject;
    v.exception_id.clear();
    return Object(v, m);
  }

  // Annotations: every member in order (a repeated key too), each a string, number or boolean.
  bool ReadField(std::vector<common::JsonMember>& v, const Member& m) {
    if (*p_ != '{') return WrongType(m, "expected an object");
    size_t count = 0;
    bool ok = Members(m.depth + 1, [&](std::string_view key) {
      common::JsonMember& annotation = count < v.size() ? v[count] : v.emplace_back();
      ++count;
      annotation.key.assign(key);
      std::string_view text;
      switch (*p_) {
        case '"':
          if (!String(text)) return false;
          annotation.value.SetString(text);
          return true;
        case 't':
          annotation.value.SetBool(true);
          return Literal("true");
        case 'f':
          annotation.value.SetBool(false);
          return Literal("false");
        case 'n':
        case '{':
        case '[':
          break;
        default:
          if (!Number(text)) return false;
          annotation.value.SetNumber(text);
          return true;
      }
      if (!Skip(m.depth + 1)) return false;
      annotation.value = JsonValue();
      if (m.error.empty()) {
        m.error.assign(m.name)
            .append(".")
            .append(annotation.key)
            .append(": expected a string, number or boolean");
      }
      return true;
    });
    v.resize(count);
    return ok;
  }

  // Metadata and link attributes: an object, kept as a JSON tree.
  bool ReadField(JsonValue& v, const Member& m) {
    if (*p_ != '{') return WrongType(m, "expected an object");
    const char* start = p_;
    if (!Skip(m.depth)) return false;
    common::ParseJson(std::string_view(start, static_cast<size_t>(p_ - start)), v);
    return true;
  }

  template <class T>
  bool ReadField(std::optional<T>& v, const Member& m) {
    if (*p_ != '{') return WrongType(m, "expected an object");
    return Object(v ? *v : v.emplace(), m);
  }

  // An array of objects; its items' storage is reused.
  template <class T>
  bool ReadField(std::vector<T>& v, const Member& m) {
    if (*p_ != '[') return WrongType(m, "expected an array");
    size_t count = 0;
    bool ok = Elements(m.depth + 1, [&](size_t i) {
      count = i + 1;
      std::string error;
      if (*p_ != '{') {
        error = ": expected an object";
        if (!Skip(m.depth + 1)) return false;
      } else {
        if (!Struct(i < v.size() ? v[i] : v.emplace_back(), m.depth + 2, error)) return false;
        if (!error.empty()) error.insert(0, ".");
      }
      if (!error.empty() && m.error.empty()) {
        m.error.assign(m.name).append("[").append(std::to_string(i)).append("]").append(error);
      }
      return true;
    });
    v.resize(count);
    return ok;
  }

  // A member object read into v; its field error is put under the member's name.
  template <class T>
  bool Object(T& v, const Member& m) {
    std::string error;
    if (!Struct(v, m.depth + 1, error)) return false;
    if (!error.empty()) m.error.assign(m.name).append(".").append(error);
    return true;
  }

  // Reads the object at p_ (at `depth`) into out, T's fields as Schema<T> lists them: a repeated
  // key's last occurrence wins, absent and null fields are reset, other members skipped. error
  // gets the first field error in check order (empty when none).
  template <class T>
  bool Struct(T& out, int depth, std::string& error, bool top_level = false) {
    constexpr auto& fields = Schema<T>::kFields;
    uint64_t present = 0;
    FieldErrors errors;
    bool ok = Members(depth, [&](std::string_view key) {
      const int index = FieldTable<T>::Find(key);
      if (index < 0) return Skip(depth);
      return (this->*kReaders<T>[index])(out, depth, present, errors);
    });
    if (!ok) return false;
    std::apply(
        [&](const auto&... f) {
          size_t i = 0;
          ((present >> i++ & 1 ? void() : Reset(Ref(out, f))), ...);
        },
        fields);
    if constexpr (requires { Schema<T>::kChecksAt; }) {
      if (!errors.TakeFirst(Schema<T>::kChecksAt, error) && Check(out, present, top_level, error)) {
        errors.TakeFirst(64, error);
      }
    } else {
      errors.TakeFirst(64, error);
    }
    return true;
  }

  // Reads the value of T's field I (Schema<T>::kFields) at p_.
  template <class T, size_t I>
  bool ReadFieldAt(T& out, int depth, uint64_t& present, FieldErrors& errors) {
    const auto& f = std::get<I>(Schema<T>::kFields);
    return ReadMember(Ref(out, f), f.name, I, depth, present, errors);
  }

  template <class T>
  using FieldReader = bool (Reader::*)(T&, int, uint64_t&, FieldErrors&);

  template <class T, size_t... I>
  static constexpr auto MakeReaders(std::index_sequence<I...>) {
    return std::array<FieldReader<T>, sizeof...(I)>{&Reader::ReadFieldAt<T, I>...};
  }

  // ReadFieldAt<T, I> by field index: one indirect call per member instead of a comparison per field.
  template <class T>
  static constexpr auto kReaders = MakeReaders<T>(std::make_index_sequence<FieldTable<T>::kCount>());

  template <class V>
  bool ReadMember(V&& v, std::string_view name, size_t index, int depth, uint64_t& present,
                  FieldErrors& errors) {
    errors.Clear(index);
    if (*p_ == 'n') {  // null: as if absent
      present &= ~(uint64_t{1} << index);
      return Literal("null");
    }
    present |= uint64_t{1} << index;
    std::string error;
    if (!ReadField(v, Member{name, depth, error})) return false;
    if (!error.empty()) errors.Set(index, std::move(error));
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  std::string syntax_error_;
  std::string scratch_;
};

// The header line (without its "\n").
bool CheckHeader(std::string_view line, std::string& error) {
  // What the X-Ray SDKs send, accepted without building a JSON tree.
  if (line == R"({"format":"json","version":1})") return true;
  JsonValue header;
  std::string json_error;
  if (!common::ParseJson(line, header, &json_error)) {
    error = "datagram header is not valid JSON: " + json_error;
    return false;
  }
  if (!header.is_object()) {
    error = "datagram header is not a JSON object";
    return false;
  }
  const JsonValue* format = header.Find("format");
  if (format == nullptr || !format->is_string() || !EqualsIgnoreCase(format->text(), "json")) {
    error = "datagram header: \"format\" must be \"json\"";
    return false;
  }
  // The literal 1, as Go's decoder into an int field takes it (not "1", 1.0 or 1e0).
  const JsonValue* version = header.Find("version");
  if (version == nullptr || !version->is_number() || version->text() != "1") {
    error = "datagram header: \"version\" must be 1";
    return false;
  }
  return true;
}

}  // namespace

bool ParseSegment(std::string_view json, Segment& out, std::string& error) {
  error.clear();
  Reader reader(json);
  if (reader.Read(out, error)) return true;
  out = Segment();
  return false;
}

bool SplitDaemonDatagram(std::string_view datagram, std::string_view& body, std::string& error) {
  error.clear();
  if (datagram.size() > kMaxDatagramSize) {
    error = "datagram of " + std::to_string(datagram.size()) + " bytes exceeds " +
            std::to_string(kMaxDatagramSize);
    return false;
  }
  size_t nl = datagram.find('\n');
  if (nl == std::string_view::npos) {
    error = "datagram has no header line (no \"\\n\")";
    return false;
  }
  if (!CheckHeader(datagram.substr(0, nl), error)) return false;
  body = datagram.substr(nl + 1);
  if (IsBlank(body)) {
    error = "datagram has an empty body";
    return false;
  }
  return true;
}

bool ParseDaemonDatagram(std::string_view datagram, Segment& out, std::string& error) {
  std::string_view body;
  if (!SplitDaemonDatagram(datagram, body, error)) {
    out = Segment();
    return false;
  }
  return ParseSegment(body, out, error);
}

}  // namespace adot::aws::xray
