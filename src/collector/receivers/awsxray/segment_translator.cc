// X-Ray segment document -> OTLP spans. The mapping follows the Go collector's awsxray receiver
// (receiver/awsxrayreceiver/internal/translator) so that users see the attributes they know, and so
// that the awsxray exporter, which reads the same attributes, rebuilds the document:
//
//   Resource (from the top-level document only)
//     name                                 service.name
//     aws block present / absent           cloud.provider "aws" / "unknown"
//     aws.account_id                       cloud.account.id
//     aws.cloudwatch_logs[].arn / log_group  aws.log.group.arns / aws.log.group.names (arrays)
//     aws.ec2.{availability_zone, instance_id, instance_size, ami_id}
//                                          cloud.availability_zone, host.id, host.type, host.image.id
//     aws.ecs.{container, availability_zone, container_id}
//                                          container.name, cloud.availability_zone, container.id
//     aws.ecs.{task_arn, task_family, cluster_arn, container_arn, launch_type}
//                                          aws.ecs.task.arn, aws.ecs.task.family, aws.ecs.cluster.arn,
//                                          aws.ecs.container.arn, aws.ecs.launchtype (*)
//     aws.elastic_beanstalk.{environment_name, deployment_id, version_label}
//                                          service.namespace, service.instance.id (decimal), service.version
//     aws.eks.{container_id, cluster_name, pod}  container.id, k8s.cluster.name, k8s.pod.name
//     aws.xray.{sdk_version, sdk}          telemetry.sdk.version, telemetry.sdk.name,
//                                          telemetry.sdk.language: "java" when the document's cause
//                                          has exceptions (their stack traces are written in Java's
//                                          format, which the exporter parses back for "java"), else
//                                          the text after "for " in sdk ("X-Ray for Go" -> "Go")
//     service.version                      service.version (wins over elastic_beanstalk's)
//     resource_arn                         aws.xray.resource_arn
//     origin                               cloud.platform (+ aws.ecs.launchtype for AWS::ECS::EC2 /
//                                          AWS::ECS::Fargate): the exporter's origin rule inverted (*)
//   Later values win where keys repeat (container.id: eks over ecs; zone: ecs over ec2).
//
//   Span (one per segment / subsegment)
//     trace_id "1-xxxxxxxx-yyyy…"          trace_id, the 32 hex digits as 16 bytes (an embedded
//                                          subsegment without one uses its document's)
//     id                                   span_id (8 bytes)
//     parent_id                            parent_span_id; an embedded subsegment's parent is the
//                                          (sub)segment that contains it
//     name                                 name
//     start_time / end_time (s)            start/end_time_unix_nano (the decimal digits exactly, see
//                                          ToUnixNano) (*); no end_time -> 0
//     kind                                 the top-level segment (not an independent subsegment):
//                                          SERVER; otherwise CLIENT with a namespace, else SERVER
//                                          with http.request.client_ip, else INTERNAL
//     namespace "aws"                      aws.service = name ("remote": nothing; others: rejected)
//     in_progress                          aws.xray.inprogress = true
//     user                                 enduser.id
//     http.request.{method, client_ip, user_agent, url, x_forwarded_for}
//                                          http.method, http.client_ip, http.user_agent, http.url,
//                                          aws.xray.x_forwarded_for
//     http.response.{status, content_length}  http.status_code, http.response_content_length (ints)
//     aws.{account_id, operation, region, request_id, queue_url, table_name, retries}
//                                          aws.account_id, aws.operation, aws.region, aws.request_id,
//                                          aws.queue_url, aws.table_name, aws.xray.retries
//     aws.table_names                      aws.dynamodb.table_names (array) (*)
//     sql.url "<conn>/<db>[?…]"            db.connection_string = <conn>, db.name = <db>
//     sql.{database_type, sanitized_query, user}  db.system, db.statement, db.user
//     traced                               aws.xray.traced
//     annotations {k: v}                   attribute k = v (string, bool, int for an integer
//                                          literal (*), else double), and aws.xray.annotations =
//                                          the list of annotation keys (the exporter indexes them)
//     metadata {ns: v}                     aws.xray.metadata.<ns> = v as JSON text
//     links[]                              links (trace id, span id, attributes) (*)
//     status                               ERROR when http.response.status is outside 100–399, when
//                                          there is a cause, or when fault is true (*); a cause that
//                                          is an exception id becomes the status message
//     cause.exceptions[]                   events "exception": aws.xray.exception.id, exception.message,
//                                          exception.type, aws.xray.exception.{remote, truncated,
//                                          skipped, cause}, exception.stacktrace ("<type>: <message>\n"
//                                          then "\tat <label>(<path>: <line>)\n" per frame, line
//                                          "<unknown>" when absent); time = the span's end time, or its
//                                          start time when it has none (*)
//   (*) beyond or unlike the Go receiver: the exporter's rules read backwards (reference xray.md §3),
//   or a more faithful value (it computes seconds * 1e9 in floating point, reads every annotation
//   number as a double and leaves event times at 0).
//
// Not mapped (no OTel counterpart the exporter reads back): error and throttle (client errors: the
// http status carries them, and the exporter would turn an ERROR status without one into a fault),
// origin values outside the exporter's table, service.compiler / compiler_version,
// http.request.traced, sql.{connection_string, preparation, database_version, driver_version},
// cause.{working_directory, paths}, aws.xray.auto_instrumentation, precursor_ids.
#include "collector/receivers/awsxray/segment_translator.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_writer.h"
#include "common/proto_writer.h"

namespace adot::collector::awsxray {
namespace {

namespace xray = aws::xray;

// ---- ids ---------------------------------------------------------------------------------------

// Decodes the 8 hex digits at in into 4 bytes at out; false on a non-hex digit. SWAR: the digits
// are handled as the bytes of one word (the first digit in the lowest byte), ~25 operations for all
// 8 instead of a table look-up, a check and a branch per digit.
bool DecodeHex8(const char* in, char* out) noexcept {
  constexpr uint64_t k01 = 0x0101010101010101, k80 = 0x80 * k01;
  uint64_t x;
  std::memcpy(&x, in, 8);
  if constexpr (std::endian::native == std::endian::big) x = __builtin_bswap64(x);
  // For bytes below 0x80 (checked too), b + (0x80 - lo) has its top bit set iff b >= lo, and
  // b + (0x7F - hi) iff b > hi; no byte carries into the next.
  auto in_range = [](uint64_t v, uint64_t lo, uint64_t hi) {
    return (v + (0x80 - lo) * k01) & ~(v + (0x7F - hi) * k01);
  };
  const uint64_t digit = in_range(x, '0', '9') | in_range(x | 0x20 * k01, 'a', 'f');  // | 0x20: A-F -> a-f
  if (((x & k80) | (~digit & k80)) != 0) return false;
  // '0'-'9' are 0x3N, 'a'-'f' / 'A'-'F' 0x6N / 0x4N (N = 1..6): bit 6 set means N + 9.
  uint64_t v = (x & 0x0F * k01) + 9 * ((x >> 6) & k01);
  // Pairs of nibbles into bytes (in the even byte lanes), then the 4 bytes together.
  v = ((v << 4) | (v >> 8)) & 0x00FF00FF00FF00FF;
  v = (v | (v >> 8)) & 0x0000FFFF0000FFFF;
  uint32_t bytes = static_cast<uint32_t>(v | (v >> 16));
  if constexpr (std::endian::native == std::endian::big) bytes = __builtin_bswap32(bytes);
  std::memcpy(out, &bytes, 4);
  return true;
}

bool DecodeSpanId(std::string_view id, char (&out)[8]) noexcept {
  return id.size() == 16 && (DecodeHex8(id.data(), out) & DecodeHex8(id.data() + 8, out + 4));
}

// "1-" + 8 hex digits (the epoch seconds) + "-" + 24 hex digits -> the 32 digits as 16 bytes.
bool DecodeTraceId(std::string_view id, char (&out)[16]) noexcept {
  if (id.size() != 35 || id[0] != '1' || id[1] != '-' || id[10] != '-') return false;
  const char* p = id.data();
  return DecodeHex8(p + 2, out) & DecodeHex8(p + 11, out + 4) & DecodeHex8(p + 19, out + 8) &
         DecodeHex8(p + 27, out + 12);
}

// ---- time --------------------------------------------------------------------------------------

// Seconds since the epoch (a double, as the document has it) to nanoseconds. seconds * 1e9 would
// be off by up to ~128 ns (doubles near 1.6e18 are 256 apart); instead the shortest decimal that
// reads back as the same double (what the SDK wrote, e.g. 1596566305.5354965) is converted digit
// by digit, so the span has the document's time to the nanosecond. False when negative, not
// finite or past 2^64 ns.
bool ToUnixNano(double seconds, uint64_t& out) noexcept {
  if (!(seconds >= 0) || seconds >= 18446744073.709552) return false;
  if (seconds < 1) {  // exact enough as a product; avoids long fixed notation for tiny values
    out = static_cast<uint64_t>(std::llround(seconds * 1e9));
    return true;
  }
  // Most SDKs write at most microseconds. Below 2^33 s (year 2242) doubles are less than 1e-6
  // apart, so at most one decimal with 6 fractional digits reads back as `seconds`; when
  // micros / 1e6 (a correctly rounded division of exact values) does, it is the shortest decimal
  // and ns = micros * 1000, without to_chars.
  if (seconds < 8589934592.0) {
    const double micros = std::round(seconds * 1e6);
    if (micros / 1e6 == seconds) {
      out = static_cast<uint64_t>(micros) * 1000;
      return true;
    }
  }
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, seconds, std::chars_format::fixed);
  if (ec != std::errc()) return false;
  const char* p = buf;
  uint64_t whole = 0;
  for (; p < end && *p != '.'; ++p) whole = whole * 10 + static_cast<uint64_t>(*p - '0');
  uint64_t frac = 0;
  int digits = 0;
  bool round_up = false;
  if (p < end) {  // '.'
    for (++p; p < end && digits < 9; ++p, ++digits) frac = frac * 10 + static_cast<uint64_t>(*p - '0');
    round_up = p < end && *p >= '5';
  }
  for (; digits < 9; ++digits) frac *= 10;
  uint64_t ns;
  if (__builtin_mul_overflow(whole, uint64_t{1000000000}, &ns) ||
      __builtin_add_overflow(ns, frac + (round_up ? 1 : 0), &ns)) {
    return false;
  }
  out = ns;
  return true;
}

// ---- attributes --------------------------------------------------------------------------------

namespace proto = common::proto;

// OTLP field numbers (opentelemetry/proto/{common,resource,trace}/v1).
constexpr uint32_t kRequestResourceSpans = 1;
constexpr uint32_t kResourceSpansResource = 1, kResourceSpansScopeSpans = 2;
constexpr uint32_t kResourceAttributes = 1;
constexpr uint32_t kScopeSpansSpans = 2;
constexpr uint32_t kSpanTraceId = 1, kSpanSpanId = 2, kSpanParentSpanId = 4, kSpanName = 5,
                   kSpanKind = 6, kSpanStart = 7, kSpanEnd = 8, kSpanAttributes = 9,
                   kSpanEvents = 11, kSpanLinks = 13, kSpanStatus = 15;
constexpr uint32_t kEventTime = 1, kEventName = 2, kEventAttributes = 3;
constexpr uint32_t kLinkTraceId = 1, kLinkSpanId = 2, kLinkAttributes = 4;
constexpr uint32_t kStatusMessage = 2, kStatusCode = 3;
constexpr uint32_t kKeyValueKey = 1, kKeyValueValue = 2;
constexpr uint32_t kAnyString = 1, kAnyBool = 2, kAnyInt = 3, kAnyDouble = 4, kAnyArray = 5,
                   kAnyKvlist = 6;
constexpr uint32_t kArrayValues = 1, kKvlistValues = 1;
constexpr uint64_t kSpanKindInternal = 1, kSpanKindServer = 2, kSpanKindClient = 3;
constexpr uint64_t kStatusCodeError = 2;

// One attribute of a resource, span, event or link, collected before it is written (keys repeat:
// later values replace earlier ones, as the Go receiver's map does). Values point into the parsed
// document or into Attributes::scratch; nothing is copied until the bytes are written. ~30 of them
// are collected per datagram, so an entry is kept small (48 bytes): one payload, chosen by kind.
struct Attribute {
  enum class Kind : uint8_t {
    // Scalars (up to kBool; Attributes::Write relies on the order)
    kString,          // text
    kScratch,         // scratch[offset, offset + size)
    kInt,
    kBool,
    // Nested values
    kJson,            // *json as an AnyValue
    kLogGroupArns,    // the non-empty arns of *log_groups, as a string array
    kLogGroupNames,   // the non-empty log_group names of *log_groups
    kStrings,         // *strings as a string array
    kAnnotationKeys,  // the distinct keys of *annotations, as a string array
  };
  struct ScratchRange {
    size_t offset, size;
  };
  std::string_view key;
  size_t key_offset = std::string::npos;  // the key is scratch[key_offset, + key.size()) when set
  Kind kind = Kind::kString;
  union {
    std::string_view text{};                            // kString
    ScratchRange scratch;                               // kScratch
    int64_t number;                                     // kInt
    bool flag;                                          // kBool
    const common::JsonValue* json;                      // kJson
    const std::vector<xray::AwsLogGroup>* log_groups;   // kLogGroupArns, kLogGroupNames
    const std::vector<std::string>* strings;            // kStrings
    const std::vector<common::JsonMember>* annotations; // kAnnotationKeys
  };
};
static_assert(sizeof(Attribute) <= 48);

class Attributes {
 public:
  explicit Attributes(std::string& scratch) : scratch_(scratch) {}

  void clear() {
    list_.clear();
    key_bits_ = 0;
  }
  bool empty() const { return list_.empty(); }

  Attribute& Add(std::string_view key) {
    key_bits_ |= KeyBit(key);
    Attribute& a = list_.emplace_back();
    a.key = key;
    return a;
  }
  // An existing key's entry (reset), or a new one.
  Attribute& Upsert(std::string_view key) {
    if (key_bits_ & KeyBit(key)) {
      for (Attribute& a : list_) {
        if (a.key.size() == key.size() && KeyOf(a) == key) {
          const size_t key_offset = a.key_offset;
          a = Attribute{};
          a.key = key;
          a.key_offset = key_offset;
          return a;
        }
      }
    }
    return Add(key);
  }
  // Absent string fields are empty in the parsed document; they add nothing.
  void AddString(std::string_view key, std::string_view value) {
    if (!value.empty()) Add(key).text = value;
  }
  void UpsertString(std::string_view key, std::string_view value) {
    if (!value.empty()) Upsert(key).text = value;
  }
  void AddInt(std::string_view key, const std::optional<int64_t>& value) {
    if (!value) return;
    Attribute& a = Add(key);
    a.kind = Attribute::Kind::kInt;
    a.number = *value;
  }
  void AddBool(std::string_view key, const std::optional<bool>& value) {
    if (!value) return;
    Attribute& a = Add(key);
    a.kind = Attribute::Kind::kBool;
    a.flag = *value;
  }
  // A value written into scratch by fill(std::string&).
  template <class Fill>
  void AddScratch(Attribute& a, Fill fill) {
    a.kind = Attribute::Kind::kScratch;
    const size_t offset = scratch_.size();
    fill(scratch_);
    a.scratch = {offset, scratch_.size() - offset};
  }

  void Write(proto::ProtoWriter& w, uint32_t field) const {
    // Scalars (nearly all) are written inline, the rest out of line.
    for (const Attribute& a : list_) {
      if (a.kind <= Attribute::Kind::kBool) {
        WriteScalar(w, field, a);
      } else {
        WriteNested(w, field, a);
      }
    }
  }

 private:
  // PutVarint of a value that takes one byte (which lets the compiler drop the varint loop).
  static void PutByte(proto::ProtoWriter& w, uint64_t v) {
    if (v >= 0x80) __builtin_unreachable();
    w.PutVarint(v);
  }

  // A one-bit summary of a key (from its length and last character): Upsert scans the list only
  // when an entry added since clear() has the same bit, which keys that cannot be present yet
  // (most of them) rarely have.
  static uint64_t KeyBit(std::string_view key) {
    const unsigned last = key.empty() ? 0 : static_cast<unsigned char>(key.back());
    return uint64_t{1} << ((key.size() * 8 + last) & 63);
  }

  std::string_view KeyOf(const Attribute& a) const {
    return a.key_offset == std::string::npos ? a.key : ScratchText(a.key_offset, a.key.size());
  }
  // scratch_[offset, offset + size), which the entry's Add* has written (no bounds check needed).
  std::string_view ScratchText(size_t offset, size_t size) const {
    return std::string_view(scratch_.data() + offset, size);
  }

  void WriteScalar(proto::ProtoWriter& w, uint32_t field, const Attribute& a) const {
    using Kind = Attribute::Kind;
    const std::string_view key = KeyOf(a);
    // Scalars: the sizes are known, so KeyValue and AnyValue need no length backpatching, and one
    // Reserve covers the whole field (the Put* calls do not check for room).
    auto scalar = [&](uint32_t any_field, size_t payload_size, auto put_payload) {
      // Nearly always every tag and length takes one byte: then the sizes add up without
      // VarintSize(). A KeyValue under 128 bytes has all its lengths under 128, and fields and
      // any_field (< 16) have one-byte tags.
      const size_t small_kv = (key.empty() ? 0 : 2 + key.size()) + 2 + 1 + payload_size;
      if (small_kv < 0x80 && field < 16) {
        w.Reserve(2 + small_kv);
        PutByte(w, proto::MakeTag(field, proto::WireType::kLengthDelimited));
        PutByte(w, small_kv);
        if (!key.empty()) {
          PutByte(w, proto::MakeTag(kKeyValueKey, proto::WireType::kLengthDelimited));
          PutByte(w, key.size());
          w.PutRaw(key.data(), key.size());
        }
        PutByte(w, proto::MakeTag(kKeyValueValue, proto::WireType::kLengthDelimited));
        PutByte(w, 1 + payload_size);
        put_payload();
        return;
      }
      const size_t any = proto::TagSize(any_field) + payload_size;
      const size_t kv = (key.empty() ? 0 : proto::LengthDelimitedFieldSize(kKeyValueKey, key.size())) +
                        proto::LengthDelimitedFieldSize(kKeyValueValue, any);
      w.Reserve(proto::LengthDelimitedFieldSize(field, kv));
      w.PutVarint(proto::MakeTag(field, proto::WireType::kLengthDelimited));
      w.PutVarint(kv);
      if (!key.empty()) {
        w.PutVarint(proto::MakeTag(kKeyValueKey, proto::WireType::kLengthDelimited));
        w.PutVarint(key.size());
        w.PutRaw(key.data(), key.size());
      }
      w.PutVarint(proto::MakeTag(kKeyValueValue, proto::WireType::kLengthDelimited));
      w.PutVarint(any);
      put_payload();
    };
    switch (a.kind) {
      case Kind::kString:
      case Kind::kScratch: {
        const std::string_view text =
            a.kind == Kind::kString ? a.text : ScratchText(a.scratch.offset, a.scratch.size);
        const size_t length_size = text.size() < 0x80 ? 1 : proto::VarintSize(text.size());
        scalar(kAnyString, length_size + text.size(), [&] {
          w.PutVarint(proto::MakeTag(kAnyString, proto::WireType::kLengthDelimited));
          w.PutVarint(text.size());
          w.PutRaw(text.data(), text.size());
        });
        return;
      }
      case Kind::kInt:
        scalar(kAnyInt, proto::VarintSize(static_cast<uint64_t>(a.number)), [&] {
          w.PutVarint(proto::MakeTag(kAnyInt, proto::WireType::kVarint));
          w.PutVarint(static_cast<uint64_t>(a.number));
        });
        return;
      case Kind::kBool:
        scalar(kAnyBool, 1, [&] {
          w.PutVarint(proto::MakeTag(kAnyBool, proto::WireType::kVarint));
          w.PutVarint(a.flag ? 1 : 0);
        });
        return;
      default:
        break;
    }
  }

  [[gnu::noinline]] void WriteNested(proto::ProtoWriter& w, uint32_t field, const Attribute& a) const {
    using Kind = Attribute::Kind;
    const std::string_view key = KeyOf(a);
    const auto kv = w.BeginMessage(field, 2);
    if (!key.empty()) w.WriteString(kKeyValueKey, key);
    switch (a.kind) {
      case Kind::kJson:
        WriteAnyValue(w, kKeyValueValue, *a.json);
        break;
      case Kind::kLogGroupArns:
      case Kind::kLogGroupNames: {
        const auto array = BeginArray(w);
        for (const xray::AwsLogGroup& g : *a.log_groups) {
          const std::string& s = a.kind == Kind::kLogGroupArns ? g.arn : g.log_group;
          if (!s.empty()) WriteStringElement(w, s);
        }
        EndArray(w, array);
        break;
      }
      case Kind::kStrings: {
        const auto array = BeginArray(w);
        for (const std::string& s : *a.strings) WriteStringElement(w, s);
        EndArray(w, array);
        break;
      }
      case Kind::kAnnotationKeys: {
        const auto array = BeginArray(w);
        const auto& list = *a.annotations;
        for (size_t i = 0; i < list.size(); ++i) {
          // A key repeated in the document (the last value won) is listed once.
          bool listed = false;
          for (size_t j = 0; j < i && !listed; ++j) listed = list[j].key == list[i].key;
          if (!listed) WriteStringElement(w, list[i].key);
        }
        EndArray(w, array);
        break;
      }
      default:
        break;
    }
    w.EndMessage(kv);
  }

  struct ArrayMarks {
    proto::ProtoWriter::Mark value, array;
  };
  static ArrayMarks BeginArray(proto::ProtoWriter& w) {
    const auto value = w.BeginMessage(kKeyValueValue, 2);
    return {value, w.BeginMessage(kAnyArray, 2)};
  }
  static void EndArray(proto::ProtoWriter& w, ArrayMarks m) {
    w.EndMessage(m.array);
    w.EndMessage(m.value);
  }
  static void WriteStringElement(proto::ProtoWriter& w, std::string_view s) {
    w.WriteLengthDelimitedHeader(kArrayValues, proto::LengthDelimitedFieldSize(kAnyString, s.size()));
    w.WriteString(kAnyString, s);
  }

 public:
  // Any JSON value as the AnyValue in `field`: objects become kvlists, arrays arrays, null an empty
  // value; a number is an int when written as an integer that fits, else a double.
  static void WriteAnyValue(proto::ProtoWriter& w, uint32_t field, const common::JsonValue& v) {
    const auto any = w.BeginMessage(field, 1);
    switch (v.type()) {
      case common::JsonValue::Type::kNull:
        break;
      case common::JsonValue::Type::kBool:
        w.WriteBool(kAnyBool, v.bool_value());
        break;
      case common::JsonValue::Type::kNumber: {
        const std::string& text = v.text();
        int64_t i;
        if (text.find_first_of(".eE") == std::string::npos && v.GetInt64(i)) {
          w.WriteInt64(kAnyInt, i);
        } else {
          double d = 0;
          v.GetDouble(d);
          w.WriteDouble(kAnyDouble, d);
        }
        break;
      }
      case common::JsonValue::Type::kString:
        w.WriteString(kAnyString, v.text());
        break;
      case common::JsonValue::Type::kArray: {
        const auto array = w.BeginMessage(kAnyArray, 2);
        for (const common::JsonValue& e : v.array()) WriteAnyValue(w, kArrayValues, e);
        w.EndMessage(array);
        break;
      }
      case common::JsonValue::Type::kObject: {
        const auto list = w.BeginMessage(kAnyKvlist, 2);
        for (const common::JsonMember& m : v.members()) {
          const auto kv = w.BeginMessage(kKvlistValues, 1);
          if (!m.key.empty()) w.WriteString(kKeyValueKey, m.key);
          WriteAnyValue(w, kKeyValueValue, m.value);
          w.EndMessage(kv);
        }
        w.EndMessage(list);
        break;
      }
    }
    w.EndMessage(any);
  }

  std::vector<Attribute> list_;
  uint64_t key_bits_ = 0;  // the KeyBit()s of list_'s keys
  std::string& scratch_;
};

// Writes v back as JSON text (numbers keep their literal text, members their order).
void WriteJson(const common::JsonValue& v, common::JsonWriter& w) {
  switch (v.type()) {
    case common::JsonValue::Type::kNull:
      w.Null();
      break;
    case common::JsonValue::Type::kBool:
      w.Bool(v.bool_value());
      break;
    case common::JsonValue::Type::kNumber:
      w.Raw(v.text());
      break;
    case common::JsonValue::Type::kString:
      w.String(v.text());
      break;
    case common::JsonValue::Type::kArray:
      w.BeginArray();
      for (const common::JsonValue& e : v.array()) WriteJson(e, w);
      w.EndArray();
      break;
    case common::JsonValue::Type::kObject:
      w.BeginObject();
      for (const common::JsonMember& m : v.members()) {
        w.Key(m.key);
        WriteJson(m.value, w);
      }
      w.EndObject();
      break;
  }
}

// ---- resource ----------------------------------------------------------------------------------

// The exporter's origin rule (origin from cloud.platform, for ECS also aws.ecs.launchtype) read
// backwards.
struct OriginPlatform {
  std::string_view origin, platform, launch_type;
};
constexpr OriginPlatform kOrigins[] = {
    {"AWS::EC2::Instance", "aws_ec2", ""},
    {"AWS::ECS::Container", "aws_ecs", ""},
    {"AWS::ECS::EC2", "aws_ecs", "ec2"},
    {"AWS::ECS::Fargate", "aws_ecs", "fargate"},
    {"AWS::EKS::Container", "aws_eks", ""},
    {"AWS::ElasticBeanstalk::Environment", "aws_elastic_beanstalk", ""},
    {"AWS::AppRunner::Service", "aws_app_runner", ""},
};

bool AnyNonEmpty(const std::vector<xray::AwsLogGroup>& groups, std::string xray::AwsLogGroup::*field) {
  for (const xray::AwsLogGroup& g : groups)
    if (!(g.*field).empty()) return true;
  return false;
}

// attrs starts empty, so a key is added directly unless an earlier line may have set it (the
// Upsert ones: availability zone, container id, service version, launch type).
void FillResource(const xray::Segment& seg, Attributes& attrs) {
  attrs.AddString("service.name", seg.name);
  if (!seg.aws) {
    // As the Go receiver: the document does not say it comes from an AWS environment, and the
    // exporter then writes no aws block back.
    attrs.AddString("cloud.provider", "unknown");
  } else {
    const xray::Aws& aws = *seg.aws;
    attrs.AddString("cloud.provider", "aws");
    attrs.AddString("cloud.account.id", aws.account_id);
    if (AnyNonEmpty(aws.cloudwatch_logs, &xray::AwsLogGroup::arn)) {
      Attribute& a = attrs.Add("aws.log.group.arns");
      a.kind = Attribute::Kind::kLogGroupArns;
      a.log_groups = &aws.cloudwatch_logs;
    }
    if (AnyNonEmpty(aws.cloudwatch_logs, &xray::AwsLogGroup::log_group)) {
      Attribute& a = attrs.Add("aws.log.group.names");
      a.kind = Attribute::Kind::kLogGroupNames;
      a.log_groups = &aws.cloudwatch_logs;
    }
    if (const auto& ec2 = aws.ec2) {
      attrs.AddString("cloud.availability_zone", ec2->availability_zone);
      attrs.AddString("host.id", ec2->instance_id);
      attrs.AddString("host.type", ec2->instance_size);
      attrs.AddString("host.image.id", ec2->ami_id);
    }
    if (const auto& ecs = aws.ecs) {
      attrs.AddString("container.name", ecs->container);
      attrs.UpsertString("cloud.availability_zone", ecs->availability_zone);
      attrs.AddString("container.id", ecs->container_id);
      attrs.AddString("aws.ecs.task.arn", ecs->task_arn);
      attrs.AddString("aws.ecs.task.family", ecs->task_family);
      attrs.AddString("aws.ecs.cluster.arn", ecs->cluster_arn);
      attrs.AddString("aws.ecs.container.arn", ecs->container_arn);
      attrs.AddString("aws.ecs.launchtype", ecs->launch_type);
    }
    if (const auto& eb = aws.elastic_beanstalk) {
      attrs.AddString("service.namespace", eb->environment_name);
      if (eb->deployment_id) {
        attrs.AddScratch(attrs.Add("service.instance.id"), [&](std::string& out) {
          char digits[24];
          out.append(digits, std::to_chars(digits, digits + sizeof digits, *eb->deployment_id).ptr);
        });
      }
      attrs.AddString("service.version", eb->version_label);
    }
    if (const auto& eks = aws.eks) {
      attrs.UpsertString("container.id", eks->container_id);
      attrs.AddString("k8s.cluster.name", eks->cluster_name);
      attrs.AddString("k8s.pod.name", eks->pod);
    }
    if (const auto& sdk = aws.xray) {
      attrs.AddString("telemetry.sdk.version", sdk->sdk_version);
      if (!sdk->sdk.empty()) {
        attrs.AddString("telemetry.sdk.name", sdk->sdk);
        if (seg.cause.kind == xray::Cause::Kind::kObject && !seg.cause.exceptions.empty()) {
          attrs.AddString("telemetry.sdk.language", "java");
        } else if (size_t at = sdk->sdk.find("for "); at != std::string::npos) {
          attrs.Add("telemetry.sdk.language").text = std::string_view(sdk->sdk).substr(at + 4);
        }
      }
    }
  }
  if (seg.service) attrs.UpsertString("service.version", seg.service->version);
  attrs.AddString("aws.xray.resource_arn", seg.resource_arn);
  for (const OriginPlatform& o : kOrigins) {
    if (seg.origin == o.origin) {
      attrs.AddString("cloud.platform", o.platform);
      attrs.UpsertString("aws.ecs.launchtype", o.launch_type);
      break;
    }
  }
}

// ---- span --------------------------------------------------------------------------------------

// sql.url is "<connection>/<database>[?<options>]", e.g.
// "jdbc:postgresql://host:5432/ebdb?x=y" -> "jdbc:postgresql://host:5432", "ebdb". As the Go
// receiver's pattern ^(.+//.+)/([^?]+)\??.*$: the connection part holds "//" with something before
// and after it, and runs to the last '/' that is followed by a database name (a character other
// than '?'); the name ends at the first '?'. No such split (or a newline, which the pattern's '.'
// does not match) fails.
bool SplitSqlUrl(std::string_view url, std::string_view& connection, std::string_view& database) {
  if (url.find('\n') != std::string_view::npos) return false;
  size_t slashes = url.find("//", 1);
  if (slashes == std::string_view::npos) return false;
  for (size_t p = url.size(); p-- > slashes + 3;) {
    if (url[p] != '/' || p + 1 >= url.size() || url[p + 1] == '?') continue;
    connection = url.substr(0, p);
    size_t end = url.find('?', p + 1);
    database = url.substr(p + 1, end == std::string_view::npos ? std::string_view::npos : end - p - 1);
    return true;
  }
  return false;
}

// "<type>: <message>\n" then "\tat <label>(<path>: <line>)\n" per frame: the Java form, which
// the awsxray exporter parses back into frames (see telemetry.sdk.language above).
void WriteStackTrace(const xray::Exception& e, std::string& out) {
  out.append(e.type).append(": ").append(e.message).push_back('\n');
  char line[24];
  for (const xray::StackFrame& f : e.stack) {
    out.append("\tat ").append(f.label).push_back('(');
    out.append(f.path).append(": ");
    if (f.line) {
      auto [end, ec] = std::to_chars(line, line + sizeof line, *f.line);
      out.append(line, end);
    } else {
      out.append("<unknown>");
    }
    out.append(")\n");
  }
}

void AddHttp(const xray::Http& http, Attributes& attrs) {
  if (const auto& req = http.request) {
    attrs.AddString("http.method", req->method);
    attrs.AddString("http.client_ip", req->client_ip);
    attrs.AddString("http.user_agent", req->user_agent);
    attrs.AddString("http.url", req->url);
    attrs.AddBool("aws.xray.x_forwarded_for", req->x_forwarded_for);
  }
  if (const auto& resp = http.response) {
    attrs.AddInt("http.status_code", resp->status);
    attrs.AddInt("http.response_content_length", resp->content_length);
  }
}

void AddAwsToSpan(const xray::Aws& aws, Attributes& attrs) {
  attrs.AddString("aws.account_id", aws.account_id);
  attrs.AddString("aws.operation", aws.operation);
  attrs.AddString("aws.region", aws.region);
  attrs.AddString("aws.request_id", aws.request_id);
  attrs.AddString("aws.queue_url", aws.queue_url);
  attrs.AddString("aws.table_name", aws.table_name);
  if (!aws.table_names.empty()) {
    Attribute& a = attrs.Add("aws.dynamodb.table_names");
    a.kind = Attribute::Kind::kStrings;
    a.strings = &aws.table_names;
  }
  attrs.AddInt("aws.xray.retries", aws.retries);
}

bool AddSql(const xray::Sql& sql, Attributes& attrs, std::string& error) {
  if (!sql.url.empty()) {
    std::string_view connection, database;
    if (!SplitSqlUrl(sql.url, connection, database)) {
      error = "sql.url: no database name in \"" + sql.url + "\"";
      return false;
    }
    attrs.Add("db.connection_string").text = connection;
    attrs.Add("db.name").text = database;
  }
  attrs.AddString("db.system", sql.database_type);
  attrs.AddString("db.statement", sql.sanitized_query);
  attrs.AddString("db.user", sql.user);
  return true;
}

void AddAnnotations(const std::vector<common::JsonMember>& annotations, Attributes& attrs) {
  if (annotations.empty()) return;
  for (const common::JsonMember& a : annotations) {
    Attribute& attr = attrs.Upsert(a.key);
    attr.kind = Attribute::Kind::kJson;
    attr.json = &a.value;
  }
  // Set after the values, so that an annotation of that name cannot replace the list.
  Attribute& keys = attrs.Upsert("aws.xray.annotations");
  keys.kind = Attribute::Kind::kAnnotationKeys;
  keys.annotations = &annotations;
}

void AddMetadata(const common::JsonValue& metadata, Attributes& attrs, std::string& scratch) {
  constexpr std::string_view kPrefix = "aws.xray.metadata.";
  for (const common::JsonMember& ns : metadata.members()) {
    // The key kPrefix + ns.key lives in scratch; Upsert compares it through key_offset.
    const size_t key_offset = scratch.size();
    scratch.append(kPrefix).append(ns.key);
    const std::string_view key(scratch.data() + key_offset, kPrefix.size() + ns.key.size());
    Attribute& a = attrs.Upsert(key);
    a.key_offset = key_offset;
    attrs.AddScratch(a, [&](std::string& out) {
      common::JsonWriter writer(out);
      WriteJson(ns.value, writer);
    });
  }
}

// Where a (sub)segment sits in its document.
struct Position {
  const char* trace_id;   // the document's trace id (16 bytes), null for the top level
  const char* parent_id;  // the enclosing (sub)segment's id (8 bytes), null for the top level
  bool top_level_segment; // the document's segment itself (not an independent subsegment)
};

// Per-document working storage, reused from span to span.
struct Work {
  std::string scratch;  // owned attribute text (metadata JSON, stack traces, keys)
  Attributes attrs{scratch};
};

void WriteExceptionEvents(const xray::Cause& cause, uint64_t time, Work& work,
                          proto::ProtoWriter& w) {
  for (const xray::Exception& e : cause.exceptions) {
    const auto event = w.BeginMessage(kSpanEvents, 2);
    if (time) w.WriteFixed64(kEventTime, time);
    w.WriteString(kEventName, "exception");
    Attributes& attrs = work.attrs;
    attrs.clear();
    attrs.AddString("aws.xray.exception.id", e.id);
    attrs.AddString("exception.message", e.message);
    attrs.AddString("exception.type", e.type);
    attrs.AddBool("aws.xray.exception.remote", e.remote);
    attrs.AddInt("aws.xray.exception.truncated", e.truncated);
    attrs.AddInt("aws.xray.exception.skipped", e.skipped);
    attrs.AddString("aws.xray.exception.cause", e.cause);
    if (!e.stack.empty())
      attrs.AddScratch(attrs.Add("exception.stacktrace"), [&](std::string& out) { WriteStackTrace(e, out); });
    attrs.Write(w, kEventAttributes);
    w.EndMessage(event);
  }
}

bool WriteLinks(const std::vector<xray::Link>& links, Work& work, proto::ProtoWriter& w,
                std::string& error) {
  for (size_t i = 0; i < links.size(); ++i) {
    const xray::Link& link = links[i];
    char trace_id[16], span_id[8];
    if (!DecodeTraceId(link.trace_id, trace_id)) {
      error = "links[" + std::to_string(i) + "].trace_id: not an X-Ray trace id: \"" + link.trace_id + "\"";
      return false;
    }
    if (!DecodeSpanId(link.id, span_id)) {
      error = "links[" + std::to_string(i) + "].id: not 16 hexadecimal digits: \"" + link.id + "\"";
      return false;
    }
    const auto out = w.BeginMessage(kSpanLinks, 1);
    w.WriteBytes(kLinkTraceId, trace_id, sizeof trace_id);
    w.WriteBytes(kLinkSpanId, span_id, sizeof span_id);
    if (link.attributes.is_object()) {
      for (const common::JsonMember& m : link.attributes.members()) {
        const auto kv = w.BeginMessage(kLinkAttributes, 1);
        if (!m.key.empty()) w.WriteString(kKeyValueKey, m.key);
        Attributes::WriteAnyValue(w, kKeyValueValue, m.value);
        w.EndMessage(kv);
      }
    }
    w.EndMessage(out);
  }
  return true;
}

// Writes the span of seg, then those of its subsegments, as ScopeSpans.spans fields. On failure
// sets error to a message whose field path is relative to seg (the caller drops what was written).
bool WriteSpans(const xray::Segment& seg, const Position& pos, Work& work, proto::ProtoWriter& w,
                size_t& count, std::string& error) {
  if (seg.name.empty()) {
    error = "name: required";
    return false;
  }
  char span_id[8];
  if (!DecodeSpanId(seg.id, span_id)) {
    error = "id: not 16 hexadecimal digits: \"" + seg.id + "\"";
    return false;
  }
  char own_trace_id[16];
  const char* trace_id = pos.trace_id;
  if (!seg.trace_id.empty()) {
    if (!DecodeTraceId(seg.trace_id, own_trace_id)) {
      error = "trace_id: not an X-Ray trace id: \"" + seg.trace_id + "\"";
      return false;
    }
    trace_id = own_trace_id;
  } else if (!trace_id) {
    error = "trace_id: required";
    return false;
  }
  char parent_id[8];
  const char* parent = pos.parent_id;
  if (!parent && !seg.parent_id.empty()) {
    if (!DecodeSpanId(seg.parent_id, parent_id)) {
      error = "parent_id: not 16 hexadecimal digits: \"" + seg.parent_id + "\"";
      return false;
    }
    parent = parent_id;
  }
  uint64_t start = 0, end = 0;
  if (!ToUnixNano(seg.start_time, start)) {
    error = "start_time: out of range";
    return false;
  }
  if (seg.end_time && !ToUnixNano(*seg.end_time, end)) {
    error = "end_time: out of range";
    return false;
  }
  const bool has_client_ip = seg.http && seg.http->request && !seg.http->request->client_ip.empty();
  uint64_t kind = has_client_ip ? kSpanKindServer : kSpanKindInternal;
  if (!seg.namespace_name.empty()) {
    if (seg.namespace_name != "aws" && seg.namespace_name != "remote") {
      error = "namespace: expected \"aws\" or \"remote\", got \"" + seg.namespace_name + "\"";
      return false;
    }
    kind = kSpanKindClient;
  }
  if (pos.top_level_segment) kind = kSpanKindServer;

  Attributes& attrs = work.attrs;
  attrs.clear();
  if (seg.namespace_name == "aws") attrs.AddString("aws.service", seg.name);
  if (seg.in_progress) attrs.AddBool("aws.xray.inprogress", true);
  attrs.AddString("enduser.id", seg.user);
  bool failed = seg.fault;
  if (seg.http) {
    AddHttp(*seg.http, attrs);
    if (seg.http->response && seg.http->response->status) {
      int64_t status = *seg.http->response->status;
      failed = failed || status < 100 || status >= 400;
    }
  }
  if (seg.aws) AddAwsToSpan(*seg.aws, attrs);
  if (seg.sql && !AddSql(*seg.sql, attrs, error)) return false;
  attrs.AddBool("aws.xray.traced", seg.traced);
  AddAnnotations(seg.annotations, attrs);
  if (seg.metadata.is_object()) AddMetadata(seg.metadata, attrs, work.scratch);

  const auto span = w.BeginMessage(kScopeSpansSpans, 2);
  w.WriteBytes(kSpanTraceId, trace_id, 16);
  w.WriteBytes(kSpanSpanId, span_id, sizeof span_id);
  if (parent) w.WriteBytes(kSpanParentSpanId, parent, 8);
  w.WriteString(kSpanName, seg.name);
  w.WriteVarint(kSpanKind, kind);
  if (start) w.WriteFixed64(kSpanStart, start);
  if (end) w.WriteFixed64(kSpanEnd, end);
  attrs.Write(w, kSpanAttributes);
  if (seg.cause.kind == xray::Cause::Kind::kObject)
    WriteExceptionEvents(seg.cause, seg.end_time ? end : start, work, w);
  if (!WriteLinks(seg.links, work, w, error)) return false;
  if (seg.cause.kind != xray::Cause::Kind::kNone) failed = true;
  const bool status_message = seg.cause.kind == xray::Cause::Kind::kExceptionId &&
                              !seg.cause.exception_id.empty();
  if (failed || status_message) {
    const auto status = w.BeginMessage(kSpanStatus, 1);
    if (status_message) w.WriteString(kStatusMessage, seg.cause.exception_id);
    if (failed) w.WriteVarint(kStatusCode, kStatusCodeError);
    w.EndMessage(status);
  }
  w.EndMessage(span);
  ++count;

  const Position child{trace_id, span_id, false};
  for (size_t i = 0; i < seg.subsegments.size(); ++i) {
    if (!WriteSpans(seg.subsegments[i], child, work, w, count, error)) {
      error.insert(0, "subsegments[" + std::to_string(i) + "].");
      return false;
    }
  }
  return true;
}

}  // namespace

size_t SegmentBatch::Append(const aws::xray::Segment& segment, std::string& error) {
  // An independent subsegment (sent on its own, naming its parent) is not the service's segment,
  // so it keeps its own kind. The type is compared ignoring case, as the Go receiver does.
  constexpr std::string_view kSubsegment = "subsegment";
  bool independent_subsegment = segment.type.size() == kSubsegment.size() && !segment.parent_id.empty();
  for (size_t i = 0; independent_subsegment && i < kSubsegment.size(); ++i) {
    independent_subsegment = (segment.type[i] | 0x20) == kSubsegment[i];
  }

  thread_local Work work;
  work.scratch.clear();
  const size_t start = w_.size();
  proto::ProtoWriter::Mark resource_spans = w_.BeginMessage(kRequestResourceSpans, 2);
  {
    Attributes& attrs = work.attrs;
    attrs.clear();
    FillResource(segment, attrs);
    const auto resource = w_.BeginMessage(kResourceSpansResource, 2);
    attrs.Write(w_, kResourceAttributes);
    w_.EndMessage(resource);
  }
  const size_t resource_size = w_.size() - resource_spans.content_start;
  proto::ProtoWriter::Mark scope_spans;
  const bool same_resource =
      open_ && open_end_ == start && resource_size == resource_size_ &&
      std::memcmp(w_.data() + resource_spans.content_start, w_.data() + resource_spans_.content_start,
                  resource_size) == 0;
  if (same_resource) {  // the spans go after the previous document's
    w_.Truncate(start);
    resource_spans = resource_spans_;
    scope_spans = scope_spans_;
  } else {
    scope_spans = w_.BeginMessage(kResourceSpansScopeSpans, 2);
  }
  const size_t spans_start = w_.size();
  size_t count = 0;
  if (!WriteSpans(segment, Position{nullptr, nullptr, !independent_subsegment}, work, w_, count, error)) {
    // Back to the request as it was (the open messages' lengths were not touched yet).
    w_.Truncate(same_resource ? spans_start : start);
    return 0;
  }
  w_.EndExtensibleMessage(scope_spans);
  const size_t resource_spans_content = resource_spans.content_start;
  w_.EndExtensibleMessage(resource_spans);
  // The ScopeSpans moved with its ResourceSpans' payload if that moved.
  scope_spans.content_start += resource_spans.content_start - resource_spans_content;
  open_ = true;
  open_end_ = w_.size();
  resource_size_ = resource_size;
  resource_spans_ = resource_spans;
  scope_spans_ = scope_spans;
  return count;
}

size_t AppendSegment(const aws::xray::Segment& segment, proto::ProtoWriter& w, std::string& error) {
  return SegmentBatch(w).Append(segment, error);
}

}  // namespace adot::collector::awsxray
