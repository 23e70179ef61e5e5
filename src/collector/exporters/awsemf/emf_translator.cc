// OTLP metrics → CloudWatch EMF (docs: emf.md §5). Differences from the Go awsemfexporter, all
// on purpose:
//  * Cumulative → delta also detects a restart by the data point's start time changing (Go only
//    looks at a monotonic sum decreasing, so a restart with equal or larger values gives wrong
//    deltas, CC#48556); non-monotonic sums (UpDownCounters) give signed deltas (Go turns a
//    decrease into a "reset" and emits the absolute value). Prometheus summaries: a restart is
//    a count decrease or a start-time change (Go's unsigned count delta wraps around).
//  * Cumulative explicit-bucket histograms get delta Count and Sum the same way (Go sends the
//    running totals, CC#18245). Exponential histograms are sent as they come, as in Go.
//  * Output is deterministic: labels and dimension sets are sorted (Go follows map order).
//  * A group of more than 100 metrics is split into documents of ≤ 100 per directive, the EMF
//    limit (Go writes one document, which CloudWatch rejects).
//  * Metric values that no metric declaration selects are left out of the document, and a
//    group none of whose metrics is selected makes no event (Go still sends them as plain log
//    fields); they count as dropped.
//  * OTelLib is the scope's own name (Go carries a previous scope's name over to a nameless one).
//  * Exponential histograms without min/max take them from the outermost bucket midpoints (Go
//    writes 0).
//  * Log group/stream placeholders look in the resource, then in the data point's labels, before
//    falling back to "undefined" (Go retries only against the labels once any placeholder of the
//    resource failed, losing the ones the resource resolved).
#include "collector/exporters/awsemf/emf_translator.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <deque>
#include <mutex>
#include <random>
#include <regex>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "collector/exporters/awsemf/emf_json.h"
#include "common/json_writer.h"
#include "common/proto_writer.h"

namespace adot::collector::awsemf {
namespace {

using common::proto::ProtoReader;
using common::proto::WireType;
using WireField = ProtoReader::Field;

constexpr int64_t kDeltaExpiryMs = 5 * 60 * 1000;
constexpr int64_t kDeltaSweepIntervalMs = 60 * 1000;
constexpr size_t kMaxBucketsPerEvent = 100;      // EMF: at most 100 values per metric
constexpr size_t kMaxMetricsPerDirective = 100;  // EMF: at most 100 metrics per directive
constexpr size_t kMaxDeclaredDimensions = 10;    // larger declared sets are dropped (A#3024)
constexpr size_t kMaxLabelCacheEntries = 4096;   // per label matcher
constexpr int kMaxAnyValueDepth = 100;  // nested arrays / kvlists (libprotobuf allows fewer)
constexpr std::string_view kOTelLib = "OTelLib";
constexpr std::string_view kStorageResolutionAttr = "aws.emf.storage_resolution";

// The metric type is part of the group key (as in Go) and names prom_metric_type.
enum class Kind : uint8_t { kGauge, kSum, kHistogram, kExponentialHistogram, kSummary };

std::string_view PromType(Kind kind) {
  switch (kind) {
    case Kind::kGauge:
      return "gauge";
    case Kind::kSum:
      return "counter";
    case Kind::kHistogram:
      return "histogram";
    case Kind::kSummary:
      return "summary";
    case Kind::kExponentialHistogram:
      break;
  }
  return "";
}

struct Label {
  std::string_view key;
  std::string_view value;
};

// ---- the request on the wire ----
//
// The translator reads the encoded ExportMetricsServiceRequest itself (no libprotobuf message):
// views into the bytes, with protobuf's semantics where they show: a scalar or string field
// that repeats is its last value, as is a oneof; a message field that repeats is the merge of
// all (as if its payloads were concatenated; a oneof member only while the case stays the same);
// repeated varints come packed or not. Fields the translator does not read are skipped unchecked,
// like unknown ones; strings are not checked for UTF-8 (the JSON writer replaces bad bytes).

// What decoding needs besides the views: texts they may point into (merged messages, label
// values of other types) and the first error, which ends the call.
struct WireContext {
  std::deque<std::string> strings;  // texts the string_views of a call point into
  size_t strings_used = 0;          // strings[0, strings_used) are this call's
  std::string error;

  bool ok() const noexcept { return error.empty(); }
  bool Fail(std::string what) {
    if (error.empty()) error = std::move(what);
    return false;
  }
  std::string& NewString() {
    if (strings_used == strings.size()) strings.emplace_back();
    std::string& s = strings[strings_used++];
    s.clear();
    return s;
  }
  // a followed by b. a is extended in place when it is the last text made (a merge in progress:
  // nothing points into it yet), so n occurrences of a field cost O(total size), not O(n²).
  std::string_view Concat(std::string_view a, std::string_view b) {
    if (a.empty()) return b;
    if (b.empty()) return a;
    if (strings_used > 0) {
      std::string& last = strings[strings_used - 1];
      if (a.data() == last.data() && a.size() == last.size()) return last.append(b);
    }
    return NewString().append(a).append(b);
  }
};

// A message the translator reads: its name (for errors) and, by field number, the wire type of
// each field it reads: 'V' varint, 'F' fixed64, 'L' length-delimited, 'P' repeated varint (packed
// or not), '-' not read.
struct Schema {
  const char* name;
  std::string_view types;
};
namespace otlp {
constexpr Schema kRequest{"ExportMetricsServiceRequest", "-L"};
constexpr Schema kResourceMetrics{"ResourceMetrics", "-LL"};
constexpr Schema kResource{"Resource", "-L"};
constexpr Schema kScopeMetrics{"ScopeMetrics", "-LL"};
constexpr Schema kScope{"InstrumentationScope", "-L"};
constexpr Schema kMetric{"Metric", "-L-L-L-L-LLL"};
constexpr Schema kGauge{"Gauge", "-L"};
constexpr Schema kSum{"Sum", "-LVV"};
constexpr Schema kHistogram{"Histogram", "-LV"};
constexpr Schema kExponentialHistogram{"ExponentialHistogram", "-LV"};
constexpr Schema kSummary{"Summary", "-L"};
constexpr Schema kNumberDataPoint{"NumberDataPoint", "--FFF-FLV"};
constexpr Schema kHistogramDataPoint{"HistogramDataPoint", "--FFFF---LVFF"};
constexpr Schema kExponentialDataPoint{"ExponentialHistogramDataPoint", "-LFFFFVFLLV-FF"};
constexpr Schema kBuckets{"ExponentialHistogramDataPoint.Buckets", "-VP"};
constexpr Schema kSummaryDataPoint{"SummaryDataPoint", "--FFFFLLV"};
constexpr Schema kValueAtQuantile{"SummaryDataPoint.ValueAtQuantile", "-FF"};
constexpr Schema kKeyValue{"KeyValue", "-LL"};
constexpr Schema kAnyValue{"AnyValue", "-LVVFLLLV"};
constexpr Schema kArrayValue{"ArrayValue", "-L"};
constexpr Schema kKeyValueList{"KeyValueList", "-L"};
}  // namespace otlp

// Calls on_field(field) for each field of the message in bytes that the schema names with its
// wire type. False (and ctx.error set) on malformed bytes or when on_field failed.
template <typename OnField>
bool ForEachField(WireContext& ctx, const Schema& schema, std::string_view bytes,
                  OnField&& on_field) {
  ProtoReader reader(bytes);
  WireField f;
  while (reader.Next(f)) {
    const char want = f.number < schema.types.size() ? schema.types[f.number] : '-';
    WireType type = WireType::kVarint;
    switch (want) {
      case '-':
        continue;
      case 'F':
        type = WireType::kFixed64;
        break;
      case 'L':
        type = WireType::kLengthDelimited;
        break;
      case 'P':
        if (f.type == WireType::kLengthDelimited) type = f.type;
        break;
    }
    // Another wire type than the field's: an unknown field, as libprotobuf reads it. (The
    // receiver accepted the request; rejecting the merged batch would drop others' data too.)
    if (f.type != type) continue;
    on_field(f);
    if (!ctx.ok()) return false;
  }
  if (!reader.ok()) {
    return ctx.Fail(std::string(schema.name) +
                    ": malformed field (truncated, bad length, bad tag or a group)");
  }
  return true;
}

double AsDouble(uint64_t bits) { return std::bit_cast<double>(bits); }
// sint32 (zigzag; libprotobuf keeps the low 32 bits of the varint).
int32_t AsSint32(uint64_t v) {
  const uint32_t u = static_cast<uint32_t>(v);
  return static_cast<int32_t>((u >> 1) ^ (0u - (u & 1)));
}

// An AnyValue: the oneof case is the field number of its value.
struct AnyValueView {
  enum Case : uint8_t {
    kNotSet = 0,
    kString = 1,
    kBool = 2,
    kInt = 3,
    kDouble = 4,
    kArray = 5,   // bytes: an ArrayValue, decoded when written
    kKvlist = 6,  // bytes: a KeyValueList, decoded when written
    kBytes = 7,
    kStringIndex = 8,  // string_value_strindex (profiles only): written as null, as before
  };
  Case value_case = kNotSet;
  uint64_t number = 0;     // kBool, kInt, kDouble (bits), kStringIndex
  std::string_view bytes;  // kString, kBytes, kArray, kKvlist
};

// Decodes an AnyValue into v; called again with the same v, merges another occurrence into it.
bool ParseAnyValue(WireContext& ctx, std::string_view bytes, AnyValueView& v) {
  return ForEachField(ctx, otlp::kAnyValue, bytes, [&](const WireField& f) {
    const auto value_case = static_cast<AnyValueView::Case>(f.number);
    if ((value_case == AnyValueView::kArray || value_case == AnyValueView::kKvlist) &&
        v.value_case == value_case) {
      v.bytes = ctx.Concat(v.bytes, f.bytes);
      return;
    }
    v.value_case = value_case;
    v.number = f.value;
    v.bytes = f.bytes;
  });
}

struct Attr {
  std::string_view key;
  AnyValueView value;
};

// Appends the varints of a packed repeated field to out; false when one is malformed.
bool AppendPackedVarints(std::string_view bytes, std::vector<uint64_t>& out) {
  const char* p = bytes.data();
  const char* const end = p + bytes.size();
  while (p != end) {
    uint64_t v;
    if (!ProtoReader::ReadVarint(p, end, v)) return false;
    out.push_back(v);
  }
  return true;
}

bool ParseKeyValue(WireContext& ctx, std::string_view bytes, Attr& kv) {
  return ForEachField(ctx, otlp::kKeyValue, bytes, [&](const WireField& f) {
    if (f.number == 1) {
      kv.key = f.bytes;
    } else {
      ParseAnyValue(ctx, f.bytes, kv.value);
    }
  });
}

// Appends the attribute in bytes (a KeyValue) to attrs.
bool AddAttr(WireContext& ctx, std::string_view bytes, std::vector<Attr>& attrs) {
  return ParseKeyValue(ctx, bytes, attrs.emplace_back());
}

// ---- attribute values as text ----

void AppendShortestDouble(double v, std::string& out) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "Infinity" : "-Infinity";
  } else {
    char buf[32];
    out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
  }
}

void AppendAnyJson(WireContext& ctx, const AnyValueView& v, std::string& out, int depth = 0) {
  if (depth > kMaxAnyValueDepth) {
    ctx.Fail("AnyValue: arrays / kvlists nested more than " + std::to_string(kMaxAnyValueDepth) +
             " deep");
    return;
  }
  switch (v.value_case) {
    case AnyValueView::kString:
      common::AppendJsonString(v.bytes, out);
      break;
    case AnyValueView::kBool:
      out += v.number != 0 ? "true" : "false";
      break;
    case AnyValueView::kInt: {
      char buf[24];
      out.append(buf, std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v.number)).ptr);
      break;
    }
    case AnyValueView::kDouble:
      common::AppendJsonDouble(AsDouble(v.number), out);
      break;
    case AnyValueView::kBytes:
      out.push_back('"');
      common::Base64Encode(v.bytes, out);
      out.push_back('"');
      break;
    case AnyValueView::kArray: {
      out.push_back('[');
      bool first = true;
      ForEachField(ctx, otlp::kArrayValue, v.bytes, [&](const WireField& f) {
        AnyValueView e;
        if (!ParseAnyValue(ctx, f.bytes, e)) return;
        if (!first) out.push_back(',');
        first = false;
        AppendAnyJson(ctx, e, out, depth + 1);
      });
      out.push_back(']');
      break;
    }
    case AnyValueView::kKvlist: {
      // Sorted keys, as Go's json.Marshal writes a map.
      std::vector<Attr> kvs;
      ForEachField(ctx, otlp::kKeyValueList, v.bytes,
                   [&](const WireField& f) { AddAttr(ctx, f.bytes, kvs); });
      if (!ctx.ok()) return;
      std::stable_sort(kvs.begin(), kvs.end(),
                       [](const Attr& a, const Attr& b) { return a.key < b.key; });
      out.push_back('{');
      for (size_t i = 0; i < kvs.size(); ++i) {
        if (i + 1 < kvs.size() && kvs[i + 1].key == kvs[i].key) continue;  // last wins
        if (out.back() != '{') out.push_back(',');
        common::AppendJsonString(kvs[i].key, out);
        out.push_back(':');
        AppendAnyJson(ctx, kvs[i].value, out, depth + 1);
      }
      out.push_back('}');
      break;
    }
    case AnyValueView::kNotSet:
    case AnyValueView::kStringIndex:
      out += "null";
      break;
  }
}

// A label value as Go's pcommon Value.AsString: strings as they are, others as JSON-like text.
void AppendAnyText(WireContext& ctx, const AnyValueView& v, std::string& out) {
  switch (v.value_case) {
    case AnyValueView::kString:
      out += v.bytes;
      break;
    case AnyValueView::kDouble:
      AppendShortestDouble(AsDouble(v.number), out);
      break;
    case AnyValueView::kBytes:
      common::Base64Encode(v.bytes, out);
      break;
    case AnyValueView::kNotSet:
      break;
    default:
      AppendAnyJson(ctx, v, out);
      break;
  }
}

// ---- regexes (Go RE2 patterns; std::regex ECMAScript covers the common subset) ----

// Accepts a leading "(?i)" (common in Go configs, unknown to ECMAScript) as case-insensitivity.
bool CompileRegex(const std::string& pattern, std::regex& out, std::string* error) {
  std::string_view p = pattern;
  auto flags = std::regex::ECMAScript | std::regex::optimize;
  if (p.starts_with("(?i)")) {
    p.remove_prefix(4);
    flags |= std::regex::icase;
  }
  try {
    out = std::regex(p.begin(), p.end(), flags);
    return true;
  } catch (const std::regex_error& e) {
    if (error) *error = "invalid regex \"" + pattern + "\": " + e.what();
    return false;
  }
}

// Lets string-keyed maps be searched with a string_view, without a temporary string.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>()(s); }
};
template <typename T>
using StringMap = std::unordered_map<std::string, T, StringHash, std::equal_to<>>;

struct CompiledMatcher {
  std::vector<std::string> label_names;
  std::string separator;
  std::regex regex;
  // Concatenated label values → match result; bounded, cleared when full.
  StringMap<bool> cache;
};

struct CompiledDeclaration {
  std::vector<std::vector<std::string>> dimensions;  // each sorted; de-duplicated; ≤ 10 keys
  std::vector<std::regex> selectors;
  std::vector<CompiledMatcher> matchers;
};

std::string_view UnitFor(std::string_view unit) {
  if (unit == "1" || unit == "ns") return "";  // CloudWatch has no nanoseconds
  if (unit == "ms") return "Milliseconds";
  if (unit == "s") return "Seconds";
  if (unit == "us") return "Microseconds";
  if (unit == "By") return "Bytes";
  if (unit == "bit") return "Bits";
  return unit;
}

std::string NewStreamId() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  uint64_t hi = gen(), lo = gen();
  hi = (hi & ~0xF000ull) | 0x4000ull;        // version 4
  lo = (lo & ~(3ull << 62)) | (2ull << 62);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 32; ++i) {
    uint64_t word = i < 16 ? hi : lo;
    s.push_back(kHex[(word >> (60 - 4 * (i % 16))) & 0xF]);
    if (i == 7 || i == 11 || i == 15 || i == 19) s.push_back('-');
  }
  return s;
}

// ---- placeholders ----

struct Placeholder {
  std::string_view name;       // written as {name}; also looked up as a literal key
  std::string_view attribute;  // the semantic-convention key
};
constexpr Placeholder kPlaceholders[] = {
    {"ClusterName", "aws.ecs.cluster.name"},
    {"TaskId", "aws.ecs.task.id"},
    {"NodeName", "k8s.node.name"},
    {"PodName", "pod"},
    {"ServiceName", "service.name"},
    {"ContainerInstanceId", "aws.ecs.container.instance.id"},
    {"TaskDefinitionFamily", "aws.ecs.task.family"},
};

const AnyValueView* FindAttr(const std::vector<Attr>& attrs, std::string_view key) {
  for (const Attr& kv : attrs) {
    if (kv.key == key) return &kv.value;
  }
  return nullptr;
}

std::string_view FindLabel(const std::vector<Label>& sorted, std::string_view key) {
  auto it = std::lower_bound(sorted.begin(), sorted.end(), key,
                             [](const Label& l, std::string_view k) { return l.key < k; });
  return it != sorted.end() && it->key == key ? it->value : std::string_view();
}

// Replaces the known placeholders of pattern into out. Values come from the resource, then from
// labels (when given); a placeholder found in neither becomes "undefined" and the result false.
bool ResolvePattern(WireContext& ctx, std::string_view pattern, const std::vector<Attr>& resource,
                    const std::vector<Label>* labels, std::string& out) {
  out.clear();
  bool complete = true;
  std::string text;
  while (!pattern.empty()) {
    size_t open = pattern.find('{');
    size_t close = open == std::string_view::npos ? open : pattern.find('}', open);
    if (close == std::string_view::npos) break;
    out.append(pattern.substr(0, open));
    std::string_view name = pattern.substr(open + 1, close - open - 1);
    const Placeholder* ph = nullptr;
    for (const Placeholder& p : kPlaceholders) {
      if (p.name == name) ph = &p;
    }
    if (!ph) {
      out.append(pattern.substr(open, close - open + 1));
    } else {
      text.clear();
      for (std::string_view key : {ph->name, ph->attribute}) {
        if (const AnyValueView* v = FindAttr(resource, key); v && text.empty())
          AppendAnyText(ctx, *v, text);
      }
      if (text.empty() && labels) {
        for (std::string_view key : {ph->name, ph->attribute}) {
          if (text.empty()) text = FindLabel(*labels, key);
        }
      }
      if (text.empty()) {
        complete = false;
        text = "undefined";
      }
      out += text;
    }
    pattern.remove_prefix(close + 1);
  }
  out.append(pattern);
  return complete;
}

// ---- grouping ----

constexpr uint32_t kNone = UINT32_MAX;

struct Value {
  enum class Type : uint8_t { kNumber, kStats, kHistogram } type = Type::kNumber;
  double number = 0;  // kNumber
  double max = 0, min = 0, sum = 0;
  uint64_t count = 0;
  // kHistogram: Values at Call::buckets[buckets, buckets + bucket_count), Counts right after.
  uint32_t buckets = 0, bucket_count = 0;
};

struct Entry {
  std::string_view name;
  std::string_view unit;
  int storage_resolution;
  uint32_t next;  // the group's next entry in Call::entries, kNone after the last
  Value value;
};

struct Group {
  uint64_t hash;    // of (target, timestamp, kind, batch, labels)
  uint32_t target;  // Call::targets: namespace, log group, log stream
  uint32_t batch;
  int64_t timestamp_ms;
  Kind kind;
  bool prometheus;
  uint32_t labels_begin, labels_size;  // Call::group_labels; sorted by key, unique
  uint32_t first_entry, last_entry, entry_count;  // a list through Call::entries
};

// A member of a document's root object; FieldKind orders members of equal keys.
enum FieldKind : uint8_t {
  kLabel,
  kMetric,
  kPromType,
  kVersion,
  kAws,
  kCloudWatchMetrics,
  kTimestamp
};
struct Field {
  std::string_view key;
  FieldKind kind;
  uint32_t index;  // Call::group_labels or Call::entries
};

// The n < 8 bytes at p as a big-endian number, zeros after them: numbers compare as the bytes.
inline uint64_t BigEndianShort(const char* p, size_t n) noexcept {
  if (n >= 4) {  // two overlapping loads; the bytes they share land on the same place
    uint32_t head, tail;
    std::memcpy(&head, p, 4);
    std::memcpy(&tail, p + n - 4, 4);
    return static_cast<uint64_t>(__builtin_bswap32(head)) << 32 |
           static_cast<uint64_t>(__builtin_bswap32(tail)) << (8 * (8 - n));
  }
  uint64_t x = 0;
  for (size_t i = 0; i < n; ++i)
    x |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (56 - 8 * i);
  return x;
}

inline uint64_t BigEndian8(const char* p) noexcept {
  uint64_t x;
  std::memcpy(&x, p, 8);
  return __builtin_bswap64(x);
}

// std::string_view's compare() as its sign (bytes compared as unsigned char), eight bytes at a
// time, inline: keys and labels are short, and a call to memcmp costs more than comparing them.
inline int KeyCompare(std::string_view a, std::string_view b) noexcept {
  const size_t n = std::min(a.size(), b.size());
  uint64_t x = 0, y = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    x = BigEndian8(a.data() + i);
    y = BigEndian8(b.data() + i);
    if (x != y) break;
  }
  if (x == y && i < n) {
    if (n >= 8) {  // the last eight bytes: those before i are equal
      x = BigEndian8(a.data() + n - 8);
      y = BigEndian8(b.data() + n - 8);
    } else {
      x = BigEndianShort(a.data(), n);
      y = BigEndianShort(b.data(), n);
    }
  }
  if (x != y) return x < y ? -1 : 1;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}
inline bool KeyLess(std::string_view a, std::string_view b) noexcept {
  return KeyCompare(a, b) < 0;
}
// a == b, as KeyCompare but without an order to find.
[[gnu::always_inline]] inline bool KeyEqual(std::string_view a, std::string_view b) noexcept {
  const size_t n = a.size();
  if (n != b.size()) return false;
  if (a.data() == b.data()) return true;  // often: labels from AddPointAttr's memo, kOTelLib
  if (n < 8) return BigEndianShort(a.data(), n) == BigEndianShort(b.data(), n);
  uint64_t x, y, diff = 0;
  for (size_t i = 0; i + 8 < n; i += 8) {
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    diff |= x ^ y;
  }
  std::memcpy(&x, a.data() + n - 8, 8);
  std::memcpy(&y, b.data() + n - 8, 8);
  return (diff | (x ^ y)) == 0;
}

// A fast 64-bit hash of bytes (the group table's; not for anything persistent).
inline uint64_t HashMix(uint64_t h) noexcept {
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ull;
  h ^= h >> 32;
  return h;
}
inline uint64_t HashBytes(std::string_view s, uint64_t h) noexcept {
  const char* p = s.data();
  size_t n = s.size();
  h = (h ^ n) * 0x9e3779b97f4a7c15ull;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 29;
  }
  if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    h = (h ^ (static_cast<uint64_t>(hi) << 32 | lo)) * 0x94d049bb133111ebull;
  } else if (n > 0) {
    const uint64_t w = static_cast<uint64_t>(static_cast<uint8_t>(p[0])) << 16 |
                       static_cast<uint64_t>(static_cast<uint8_t>(p[n / 2])) << 8 |
                       static_cast<uint8_t>(p[n - 1]);
    h = (h ^ w) * 0x94d049bb133111ebull;
  }
  return h ^ (h >> 31);
}

struct ResourceInfo {
  std::string namespace_name;
  std::string log_group, log_stream;  // resolved against the resource
  bool group_complete = true, stream_complete = true;
  bool prometheus = false;
  std::vector<Attr> attrs;
  std::vector<Label> labels;  // resource attributes (resource_to_telemetry_conversion)
  uint32_t target = kNone;    // Call::targets, when group and stream are complete
};

// A data point attribute decoded in this Translate call: its KeyValue bytes and what they gave.
struct AttrMemo {
  std::string_view bytes;
  Attr attr;
};
constexpr size_t kAttrMemoSize = 256;  // a power of two

void AppendSized(std::string_view s, std::string& out) {
  uint32_t n = static_cast<uint32_t>(s.size());
  out.append(reinterpret_cast<const char*>(&n), sizeof n);
  out.append(s);
}
template <typename T>
void AppendRaw(T v, std::string& out) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

bool Finite(double v) { return std::isfinite(v); }

}  // namespace

// ---- options ----

std::string CheckEmfOptions(const EmfOptions& options) {
  if (options.version != "0" && options.version != "1") {
    return "version must be \"0\" or \"1\", not \"" + options.version + "\"";
  }
  std::regex re;
  std::string error;
  for (size_t i = 0; i < options.metric_declarations.size(); ++i) {
    const MetricDeclaration& d = options.metric_declarations[i];
    std::string where = "metric_declarations[" + std::to_string(i) + "]: ";
    if (d.metric_name_selectors.empty()) return where + "no metric_name_selectors";
    for (const std::string& s : d.metric_name_selectors) {
      if (s.empty()) return where + "empty metric name selector";
      if (!CompileRegex(s, re, &error)) return where + error;
    }
    for (const LabelMatcher& m : d.label_matchers) {
      if (m.label_names.empty()) return where + "label matcher without label_names";
      if (m.regex.empty()) return where + "label matcher without regex";
      if (!CompileRegex(m.regex, re, &error)) return where + error;
    }
  }
  for (const MetricDescriptor& d : options.metric_descriptors) {
    if (d.metric_name.empty()) return "metric_descriptors: empty metric_name";
  }
  return "";
}

// ---- translator ----

struct EmfTranslator::Impl {
  struct DeltaState {
    double value = 0;
    uint64_t count = 0;  // summaries
    uint64_t start_ns = 0;
    int64_t seen_ms = 0;
  };

  // Where a group's documents go.
  struct Target {
    std::string_view namespace_name, log_group, log_stream;
    uint32_t stream = kNone;  // EmfDocuments::streams, once the first document is written
  };

  // A directive: dimension sets Call::dim_sets[dims_begin, dims_end) and metrics
  // Call::measure_entries[entries_begin, entries_end).
  struct Measurement {
    uint32_t dims_begin, dims_end;
    uint32_t entries_begin, entries_end;
    uint32_t decls_begin, decls_end;  // Call::decl_lists: its matched declarations
  };
  struct DimRange {
    uint32_t begin, end;  // Call::dim_keys
  };

  // The state of one Translate call. Calls are reused (AcquireCall): their buffers keep their
  // capacity, so a steady load allocates next to nothing per data point or document.
  struct Call : WireContext {
    int64_t now_ms = 0;
    size_t dropped = 0;
    std::deque<ResourceInfo> resources;
    size_t resources_used = 0;
    std::vector<Target> targets;
    StringMap<uint32_t> target_index;  // namespace, log group, log stream → targets[i]
    std::vector<Group> groups;
    std::vector<uint32_t> slots;      // open addressing, by Group::hash: groups index + 1, or 0
    std::vector<Label> group_labels;  // Group::labels_begin
    std::vector<Entry> entries;       // Group::first_entry
    std::vector<double> buckets;      // Value::buckets
    std::string key;                  // scratch
    std::vector<Attr> attrs;          // scratch: the data point's attributes
    std::array<AttrMemo, kAttrMemoSize> attr_memo{};  // AddPointAttr
    std::vector<Label> labels;        // scratch
    std::vector<uint64_t> positive, negative;  // scratch: exponential histogram bucket counts
    std::vector<std::pair<double, double>> quantiles;  // scratch: a summary's (quantile, value)
    std::vector<Label> quantile_labels;        // scratch of AddSummary
    std::vector<double> exp_values, exp_counts;  // scratch of AddExponential
    // Scratch of the documents.
    std::vector<Field> fields;
    std::vector<Measurement> measurements, parts;
    std::vector<uint32_t> measure_entries;
    std::vector<DimRange> dim_sets;
    std::vector<std::string_view> dim_keys, dim_sorted, dim_candidate;
    std::vector<uint32_t> matched, decl_lists, entry_measurement;
    std::vector<uint8_t> label_ok;
    std::string matcher_text;
    StringMap<uint32_t> stream_index;  // log group and stream → EmfDocuments::streams[i]
    size_t streams_indexed = 0;        // streams in stream_index
    const EmfDocuments* streams_of = nullptr;  // the EmfDocuments stream_index indexes

    ResourceInfo& NewResource() {
      if (resources_used == resources.size()) resources.emplace_back();
      ResourceInfo& ri = resources[resources_used++];
      ri.group_complete = ri.stream_complete = true;
      ri.prometheus = false;
      ri.attrs.clear();
      ri.labels.clear();
      ri.target = kNone;
      return ri;
    }
    // Ready for the next Translate call; false when it grew too large to keep.
    bool Reset() {
      dropped = 0;
      error.clear();
      strings_used = resources_used = 0;
      targets.clear();
      target_index.clear();
      groups.clear();
      std::fill(slots.begin(), slots.end(), 0u);
      group_labels.clear();
      entries.clear();
      buckets.clear();
      stream_index.clear();
      streams_indexed = 0;
      streams_of = nullptr;
      attr_memo.fill(AttrMemo{});
      return entries.capacity() <= 65536 && strings.size() <= 65536;
    }
  };

  EmfOptions options;
  std::string default_log_stream;
  std::vector<CompiledDeclaration> declarations;
  StringMap<const MetricDescriptor*> descriptors;

  std::mutex delta_mu;
  StringMap<DeltaState> deltas;
  int64_t last_sweep_ms = 0;

  std::mutex decl_mu;                             // the declaration caches
  StringMap<std::vector<uint32_t>> name_matches;  // name → declarations

  std::mutex calls_mu;
  std::vector<std::unique_ptr<Call>> idle_calls;  // for reuse
  std::atomic<size_t> bytes_per_entry{0};         // of the last call's documents: to reserve

  std::unique_ptr<Call> AcquireCall() {
    {
      std::lock_guard<std::mutex> lock(calls_mu);
      if (!idle_calls.empty()) {
        std::unique_ptr<Call> call = std::move(idle_calls.back());
        idle_calls.pop_back();
        return call;
      }
    }
    return std::make_unique<Call>();
  }
  void ReleaseCall(std::unique_ptr<Call> call) {
    if (!call->Reset()) return;
    std::lock_guard<std::mutex> lock(calls_mu);
    if (idle_calls.size() < 8) idle_calls.push_back(std::move(call));
  }

  explicit Impl(EmfOptions o)
      : options(std::move(o)), default_log_stream("otel-stream-" + NewStreamId()) {
    // The last descriptor of a name wins, as in Go's map.
    for (const MetricDescriptor& d : options.metric_descriptors) descriptors[d.metric_name] = &d;
    for (const MetricDeclaration& d : options.metric_declarations) {
      CompiledDeclaration& c = declarations.emplace_back();
      for (std::vector<std::string> dims : d.dimensions) {
        std::sort(dims.begin(), dims.end());
        dims.erase(std::unique(dims.begin(), dims.end()), dims.end());
        if (dims.size() > kMaxDeclaredDimensions) continue;
        if (std::find(c.dimensions.begin(), c.dimensions.end(), dims) == c.dimensions.end()) {
          c.dimensions.push_back(std::move(dims));
        }
      }
      for (const std::string& s : d.metric_name_selectors) {
        CompileRegex(s, c.selectors.emplace_back(), nullptr);
      }
      for (const LabelMatcher& m : d.label_matchers) {
        CompiledMatcher& cm = c.matchers.emplace_back();
        cm.label_names = m.label_names;
        cm.separator = m.separator;
        CompileRegex(m.regex, cm.regex, nullptr);
      }
    }
  }

  // ---- the request ----

  // The field numbers of Metric's data oneof.
  enum MetricData : uint32_t {
    kNoData = 0,
    kGaugeData = 5,
    kSumData = 7,
    kHistogramData = 9,
    kExponentialHistogramData = 10,
    kSummaryData = 11,
  };
  static constexpr int32_t kCumulative = 2;  // AggregationTemporality

  // Adds the data points of an encoded ExportMetricsServiceRequest to call; false (call.error
  // set) when the bytes are malformed.
  bool AddRequest(Call& call, std::string_view request) {
    return ForEachField(call, otlp::kRequest, request,
                        [&](const WireField& f) { AddResourceMetrics(call, f.bytes); });
  }

  void AddResourceMetrics(Call& call, std::string_view bytes) {
    // The resource first, wherever it is (the attributes of every occurrence: they merge).
    ResourceInfo& ri = call.NewResource();
    const bool ok = ForEachField(call, otlp::kResourceMetrics, bytes, [&](const WireField& f) {
      if (f.number != 1) return;
      ForEachField(call, otlp::kResource, f.bytes,
                   [&](const WireField& a) { AddAttr(call, a.bytes, ri.attrs); });
    });
    if (!ok || !Resource(call, ri)) return;
    ForEachField(call, otlp::kResourceMetrics, bytes, [&](const WireField& f) {
      if (f.number == 2) AddScopeMetrics(call, ri, f.bytes);
    });
  }

  void AddScopeMetrics(Call& call, const ResourceInfo& ri, std::string_view bytes) {
    std::string_view scope;  // its name
    const bool ok = ForEachField(call, otlp::kScopeMetrics, bytes, [&](const WireField& f) {
      if (f.number != 1) return;
      ForEachField(call, otlp::kScope, f.bytes, [&](const WireField& n) { scope = n.bytes; });
    });
    if (!ok) return;
    ForEachField(call, otlp::kScopeMetrics, bytes, [&](const WireField& f) {
      if (f.number == 2) AddMetric(call, ri, scope, f.bytes);
    });
  }

  // ---- resources ----

  // Completes ri from its attributes; false when they do not decode.
  bool Resource(Call& call, ResourceInfo& ri) {
    const std::vector<Attr>& attrs = ri.attrs;
    ri.namespace_name = options.namespace_name;
    if (ri.namespace_name.empty()) {
      const AnyValueView* name = FindAttr(attrs, "service.name");
      const AnyValueView* ns = FindAttr(attrs, "service.namespace");
      bool has_name = name && name->value_case == AnyValueView::kString;
      bool has_ns = ns && ns->value_case == AnyValueView::kString;
      if (has_name && has_ns) {
        ri.namespace_name.assign(ns->bytes).append("/").append(name->bytes);
      } else if (has_name) {
        ri.namespace_name = name->bytes;
      } else if (has_ns) {
        ri.namespace_name = ns->bytes;
      }
      if (ri.namespace_name.empty()) ri.namespace_name = "default";
    }
    if (options.log_group_name.empty()) {
      ri.log_group = "/metrics/" + ri.namespace_name;
    } else {
      ri.group_complete =
          ResolvePattern(call, options.log_group_name, attrs, nullptr, ri.log_group);
    }
    if (options.log_stream_name.empty()) {
      ri.log_stream = default_log_stream;
    } else {
      ri.stream_complete =
          ResolvePattern(call, options.log_stream_name, attrs, nullptr, ri.log_stream);
    }
    if (const AnyValueView* r = FindAttr(attrs, "receiver")) {
      ri.prometheus = r->value_case == AnyValueView::kString && r->bytes == "prometheus";
    }
    if (options.resource_to_telemetry_conversion) {
      for (const Attr& kv : attrs) ri.labels.push_back({kv.key, LabelText(call, kv.value)});
    }
    if (ri.group_complete && ri.stream_complete)
      ri.target = TargetIndex(call, ri.namespace_name, ri.log_group, ri.log_stream);
    return call.ok();
  }

  // Call::targets' index of (namespace, log group, log stream), added when new.
  static uint32_t TargetIndex(Call& call, std::string_view ns, std::string_view group,
                              std::string_view stream) {
    auto same = [&](const Target& t) {
      return t.namespace_name == ns && t.log_group == group && t.log_stream == stream;
    };
    if (!call.targets.empty() && same(call.targets.back())) return call.targets.size() - 1;
    if (call.targets.size() <= 8) {
      for (uint32_t i = 0; i < call.targets.size(); ++i) {
        if (same(call.targets[i])) return i;
      }
      if (call.targets.size() < 8) {
        call.targets.push_back(Target{ns, group, stream});
        return call.targets.size() - 1;
      }
      for (uint32_t i = 0; i < call.targets.size(); ++i) {  // from now on: by map
        const Target& t = call.targets[i];
        call.key.clear();
        AppendSized(t.namespace_name, call.key);
        AppendSized(t.log_group, call.key);
        call.key.append(t.log_stream);
        call.target_index.emplace(call.key, i);
      }
    }
    call.key.clear();
    AppendSized(ns, call.key);
    AppendSized(group, call.key);
    call.key.append(stream);
    auto [it, inserted] =
        call.target_index.emplace(call.key, static_cast<uint32_t>(call.targets.size()));
    if (inserted) call.targets.push_back(Target{ns, group, stream});
    return it->second;
  }

  static std::string_view LabelText(Call& call, const AnyValueView& v) {
    if (v.value_case == AnyValueView::kString) return v.bytes;
    std::string& s = call.NewString();
    AppendAnyText(call, v, s);
    return s;
  }

  // ---- data points ----

  // Fills call.labels (sorted, unique: data point attributes win over resource attributes,
  // OTelLib over both) and returns the storage resolution.
  static int BuildLabels(Call& call, const ResourceInfo& ri, const std::vector<Attr>& attrs,
                         std::string_view scope) {
    int resolution = 60;
    std::vector<Label>& labels = call.labels;
    labels.assign(ri.labels.begin(), ri.labels.end());
    for (const Attr& kv : attrs) {
      if (kv.key == kStorageResolutionAttr) {
        const AnyValueView& v = kv.value;
        if ((v.value_case == AnyValueView::kInt && static_cast<int64_t>(v.number) == 1) ||
            (v.value_case == AnyValueView::kString && v.bytes == "1")) {
          resolution = 1;
        }
        continue;
      }
      labels.push_back({kv.key, LabelText(call, kv.value)});
    }
    if (!scope.empty()) labels.push_back({kOTelLib, scope});
    // Stable insertion sort: few labels, and no temporary buffer as std::stable_sort takes.
    for (size_t i = 1; i < labels.size(); ++i) {
      Label l = labels[i];
      size_t j = i;
      for (; j > 0 && KeyLess(l.key, labels[j - 1].key); --j) labels[j] = labels[j - 1];
      labels[j] = l;
    }
    size_t out = 0;
    for (size_t i = 0; i < labels.size(); ++i) {
      if (out > 0 && KeyEqual(labels[out - 1].key, labels[i].key)) {
        labels[out - 1] = labels[i];  // the later source wins
      } else {
        labels[out++] = labels[i];
      }
    }
    labels.resize(out);
    return resolution;
  }

  static int64_t TimestampMs(uint64_t time_ns, int64_t now_ms) {
    return time_ns == 0 ? now_ms : static_cast<int64_t>(time_ns / 1000000);
  }

  // Adds one metric value to the group of (resource, time, kind, batch, labels).
  void Add(Call& call, const ResourceInfo& ri, Kind kind, int64_t ts, uint32_t batch,
           const std::vector<Label>& labels, std::string_view name, std::string_view unit,
           int resolution, const Value& value) {
    uint32_t target = ri.target;
    if (target == kNone) {
      // A placeholder the resource lacks is looked for in the data point's labels.
      std::string_view log_group = ri.log_group, log_stream = ri.log_stream;
      if (!ri.group_complete) {
        std::string& s = call.NewString();
        ResolvePattern(call, options.log_group_name, ri.attrs, &labels, s);
        log_group = s;
      }
      if (!ri.stream_complete) {
        std::string& s = call.NewString();
        ResolvePattern(call, options.log_stream_name, ri.attrs, &labels, s);
        log_stream = s;
      }
      target = TargetIndex(call, ri.namespace_name, log_group, log_stream);
    }
    uint64_t hash = HashMix(target ^ (static_cast<uint64_t>(ts) * 0x9e3779b97f4a7c15ull) ^
                            (static_cast<uint64_t>(batch) << 8 | static_cast<uint8_t>(kind)));
    for (const Label& l : labels) hash = HashBytes(l.value, HashBytes(l.key, hash));
    hash = HashMix(hash);
    Group* g = FindGroup(call, hash, target, ts, kind, batch, labels);
    if (!g) {
      // A new group.
      if ((call.groups.size() + 1) * 2 > call.slots.size()) GrowSlots(call);
      const size_t mask = call.slots.size() - 1;
      size_t i = hash & mask;
      while (call.slots[i] != 0) i = (i + 1) & mask;
      call.slots[i] = static_cast<uint32_t>(call.groups.size() + 1);
      g = &call.groups.emplace_back();
      g->hash = hash;
      g->target = target;
      g->batch = batch;
      g->timestamp_ms = ts;
      g->kind = kind;
      g->prometheus = ri.prometheus;
      g->labels_begin = static_cast<uint32_t>(call.group_labels.size());
      g->labels_size = static_cast<uint32_t>(labels.size());
      call.group_labels.insert(call.group_labels.end(), labels.begin(), labels.end());
      g->first_entry = g->last_entry = kNone;
      g->entry_count = 0;
    } else {
      for (uint32_t e = g->first_entry; e != kNone; e = call.entries[e].next) {
        // A name again in one group: the first wins (as Go).
        if (KeyEqual(call.entries[e].name, name)) {
          ++call.dropped;
          return;
        }
      }
    }
    const uint32_t index = static_cast<uint32_t>(call.entries.size());
    call.entries.push_back(Entry{name, unit, resolution, kNone, value});
    if (g->last_entry == kNone) {
      g->first_entry = index;
    } else {
      call.entries[g->last_entry].next = index;
    }
    g->last_entry = index;
    ++g->entry_count;
  }

  static Group* FindGroup(Call& call, uint64_t hash, uint32_t target, int64_t ts, Kind kind,
                          uint32_t batch, const std::vector<Label>& labels) {
    if (call.slots.empty()) return nullptr;
    const size_t mask = call.slots.size() - 1;
    for (size_t i = hash & mask; call.slots[i] != 0; i = (i + 1) & mask) {
      Group& g = call.groups[call.slots[i] - 1];
      if (g.hash != hash || g.target != target || g.timestamp_ms != ts || g.kind != kind ||
          g.batch != batch || g.labels_size != labels.size()) {
        continue;
      }
      const Label* gl = call.group_labels.data() + g.labels_begin;
      bool same = true;
      for (size_t l = 0; l < labels.size() && same; ++l)
        same = KeyEqual(gl[l].key, labels[l].key) && KeyEqual(gl[l].value, labels[l].value);
      if (same) return &g;
    }
    return nullptr;
  }

  static void GrowSlots(Call& call) {
    size_t size = std::max<size_t>(64, call.slots.size() * 2);
    while ((call.groups.size() + 1) * 2 > size) size *= 2;
    call.slots.assign(size, 0);
    const size_t mask = size - 1;
    for (uint32_t g = 0; g < call.groups.size(); ++g) {
      size_t i = call.groups[g].hash & mask;
      while (call.slots[i] != 0) i = (i + 1) & mask;
      call.slots[i] = g + 1;
    }
  }

  // Cumulative → delta. value (and count for summaries) in: the cumulative values; out: what to
  // emit. False when the point only sets a baseline.
  bool ToDelta(std::string_view key, uint64_t start_ns, bool monotonic, double& value,
               uint64_t* count, int64_t now_ms) {
    std::lock_guard<std::mutex> lock(delta_mu);
    auto it = deltas.find(key);
    const bool inserted = it == deltas.end();
    if (inserted) it = deltas.emplace(std::string(key), DeltaState{}).first;
    DeltaState& st = it->second;
    const bool fresh = inserted || now_ms - st.seen_ms > kDeltaExpiryMs;
    const DeltaState prev = st;
    st = DeltaState{value, count ? *count : 0, start_ns, now_ms};
    if (fresh) return options.retain_initial_value_of_delta_metric;
    // A new start time means the series restarted: the current value is its delta since then.
    const bool restarted = start_ns != 0 && prev.start_ns != 0 && start_ns != prev.start_ns;
    if (count) {
      if (restarted || *count < prev.count) return true;
      value -= prev.value;
      *count -= prev.count;
      return true;
    }
    if (restarted || (monotonic && value < prev.value)) return true;
    value -= prev.value;
    return true;
  }

  void SweepDeltas(int64_t now_ms) {
    std::lock_guard<std::mutex> lock(delta_mu);
    if (now_ms - last_sweep_ms < kDeltaSweepIntervalMs) return;
    last_sweep_ms = now_ms;
    std::erase_if(deltas,
                  [&](const auto& kv) { return now_ms - kv.second.seen_ms > kDeltaExpiryMs; });
  }

  void DeltaKey(Call& call, const ResourceInfo& ri, Kind kind, std::string_view name) {
    std::string& key = call.key;
    key.clear();
    AppendSized(ri.namespace_name, key);
    AppendSized(ri.log_group, key);
    AppendSized(ri.log_stream, key);
    AppendSized(name, key);
    AppendRaw(kind, key);
    for (const Label& l : call.labels) {
      AppendSized(l.key, key);
      AppendSized(l.value, key);
    }
  }

  std::string_view MetricUnit(std::string_view name, std::string_view unit) const {
    auto it = descriptors.find(name);
    if (it != descriptors.end() && (unit.empty() || it->second->overwrite))
      return it->second->unit;
    return UnitFor(unit);
  }

  static bool NoValue(uint32_t flags) { return (flags & 1) != 0; }  // DataPointFlags

  // Appends the data point attribute in bytes (a KeyValue) to call.attrs. The points of a series
  // repeat its attributes byte for byte in every metric: bytes decoded before in the call (their
  // views stay valid until it ends) are not decoded again. A slot that was never set holds the
  // empty KeyValue's decoding.
  static void AddPointAttr(Call& call, std::string_view bytes) {
    AttrMemo& memo = call.attr_memo[HashBytes(bytes, 0) & (kAttrMemoSize - 1)];
    if (KeyEqual(memo.bytes, bytes)) {
      call.attrs.push_back(memo.attr);
    } else if (AddAttr(call, bytes, call.attrs)) {
      memo = {bytes, call.attrs.back()};
    }
  }

  // The fields of a HistogramDataPoint or an ExponentialHistogramDataPoint the translator reads.
  struct HistogramPoint {
    uint64_t start_ns = 0, time_ns = 0, count = 0;
    double sum = 0, min = 0, max = 0;  // optional fields: 0 when absent, as libprotobuf's
    bool has_min = false, has_max = false;
    uint32_t flags = 0;
    // Exponential only; the bucket counts are in Call::positive and Call::negative.
    int32_t scale = 0, positive_offset = 0, negative_offset = 0;
    uint64_t zero_count = 0;
  };

  // Decodes the fields the two histogram point types share (same numbers) into p.
  static void HistogramField(const WireField& f, HistogramPoint& p) {
    switch (f.number) {
      case 2:
        p.start_ns = f.value;
        break;
      case 3:
        p.time_ns = f.value;
        break;
      case 4:
        p.count = f.value;
        break;
      case 5:
        p.sum = AsDouble(f.value);
        break;
      case 10:
        p.flags = static_cast<uint32_t>(f.value);
        break;
    }
  }

  // HistogramDataPoint → p and call.attrs.
  static bool ParseHistogramPoint(Call& call, std::string_view bytes, HistogramPoint& p) {
    call.attrs.clear();
    return ForEachField(call, otlp::kHistogramDataPoint, bytes, [&](const WireField& f) {
      switch (f.number) {
        case 9:
          AddPointAttr(call, f.bytes);
          break;
        case 11:
          p.min = AsDouble(f.value);
          p.has_min = true;
          break;
        case 12:
          p.max = AsDouble(f.value);
          p.has_max = true;
          break;
        default:
          HistogramField(f, p);
          break;
      }
    });
  }

  // ExponentialHistogramDataPoint → p, call.attrs, call.positive and call.negative.
  static bool ParseExponentialPoint(Call& call, std::string_view bytes, HistogramPoint& p) {
    call.attrs.clear();
    call.positive.clear();
    call.negative.clear();
    return ForEachField(call, otlp::kExponentialDataPoint, bytes, [&](const WireField& f) {
      switch (f.number) {
        case 1:
          AddPointAttr(call, f.bytes);
          break;
        case 6:
          p.scale = AsSint32(f.value);
          break;
        case 7:
          p.zero_count = f.value;
          break;
        case 8:
          ParseBuckets(call, f.bytes, p.positive_offset, call.positive);
          break;
        case 9:
          ParseBuckets(call, f.bytes, p.negative_offset, call.negative);
          break;
        case 12:
          p.min = AsDouble(f.value);
          p.has_min = true;
          break;
        case 13:
          p.max = AsDouble(f.value);
          p.has_max = true;
          break;
        default:
          HistogramField(f, p);
          break;
      }
    });
  }

  // Buckets → offset and counts (appended: a repeated Buckets field merges).
  static bool ParseBuckets(Call& call, std::string_view bytes, int32_t& offset,
                           std::vector<uint64_t>& counts) {
    return ForEachField(call, otlp::kBuckets, bytes, [&](const WireField& f) {
      if (f.number == 1) {
        offset = AsSint32(f.value);
      } else if (f.type == WireType::kVarint) {
        counts.push_back(f.value);
      } else if (!AppendPackedVarints(f.bytes, counts)) {
        call.Fail("ExponentialHistogramDataPoint.Buckets: malformed packed bucket_counts");
      }
    });
  }

  void AddMetric(Call& call, const ResourceInfo& ri, std::string_view scope,
                 std::string_view bytes) {
    std::string_view name, unit_text, data;
    uint32_t data_case = kNoData;
    const bool ok = ForEachField(call, otlp::kMetric, bytes, [&](const WireField& f) {
      if (f.number == 1) {
        name = f.bytes;
      } else if (f.number == 3) {
        unit_text = f.bytes;
      } else {  // the data oneof: the same member again merges, another one replaces it
        data = f.number == data_case ? call.Concat(data, f.bytes) : f.bytes;
        data_case = f.number;
      }
    });
    if (!ok) return;
    const std::string_view unit = MetricUnit(name, unit_text);
    switch (data_case) {
      case kGaugeData:
      case kSumData: {
        const bool is_sum = data_case == kSumData;
        const Kind kind = is_sum ? Kind::kSum : Kind::kGauge;
        const Schema& schema = is_sum ? otlp::kSum : otlp::kGauge;
        bool cumulative = false, monotonic = false;
        if (!ForEachField(call, schema, data, [&](const WireField& f) {
              if (f.number == 2) cumulative = static_cast<int32_t>(f.value) == kCumulative;
              if (f.number == 3) monotonic = f.value != 0;
            }))
          return;
        ForEachField(call, schema, data, [&](const WireField& f) {
          if (f.number != 1) return;
          uint64_t start_ns = 0, time_ns = 0;
          uint32_t flags = 0;
          double v = 0;
          call.attrs.clear();
          const bool point_ok = ForEachField(call, otlp::kNumberDataPoint, f.bytes, [&](const WireField& p) {
            switch (p.number) {
              case 2:
                start_ns = p.value;
                break;
              case 3:
                time_ns = p.value;
                break;
              case 4:  // as_double and as_int: a oneof, the last wins
                v = AsDouble(p.value);
                break;
              case 6:
                v = static_cast<double>(static_cast<int64_t>(p.value));
                break;
              case 7:
                AddPointAttr(call, p.bytes);
                break;
              case 8:
                flags = static_cast<uint32_t>(p.value);
                break;
            }
          });
          if (!point_ok) return;
          if (NoValue(flags) || !Finite(v) || name.empty()) {
            ++call.dropped;
            return;
          }
          int resolution = BuildLabels(call, ri, call.attrs, scope);
          if (cumulative) {
            DeltaKey(call, ri, kind, name);
            if (!ToDelta(call.key, start_ns, monotonic, v, nullptr, call.now_ms)) {
              ++call.dropped;
              return;
            }
          }
          Value value;
          value.number = v;
          Add(call, ri, kind, TimestampMs(time_ns, call.now_ms), 0, call.labels, name, unit,
              resolution, value);
        });
        break;
      }
      case kHistogramData: {
        // Buckets are not sent (as Go). Cumulative Count and Sum become deltas like a Prometheus
        // summary's (Go sends them cumulative, CC#18245, so CloudWatch adds up running totals);
        // Min and Max stay as reported, there being no way to narrow them to the interval.
        bool cumulative = false;
        if (!ForEachField(call, otlp::kHistogram, data, [&](const WireField& f) {
              if (f.number == 2) cumulative = static_cast<int32_t>(f.value) == kCumulative;
            }))
          return;
        ForEachField(call, otlp::kHistogram, data, [&](const WireField& f) {
          HistogramPoint dp;
          if (f.number != 1 || !ParseHistogramPoint(call, f.bytes, dp)) return;
          if (NoValue(dp.flags) || !Finite(dp.sum) || !Finite(dp.min) || !Finite(dp.max) ||
              name.empty()) {
            ++call.dropped;
            return;
          }
          int resolution = BuildLabels(call, ri, call.attrs, scope);
          Value value;
          value.type = Value::Type::kStats;
          value.max = dp.max;
          value.min = dp.min;
          value.count = dp.count;
          value.sum = dp.sum;
          if (cumulative) {
            DeltaKey(call, ri, Kind::kHistogram, name);
            if (!ToDelta(call.key, dp.start_ns, true, value.sum, &value.count, call.now_ms)) {
              ++call.dropped;
              return;
            }
          }
          Add(call, ri, Kind::kHistogram, TimestampMs(dp.time_ns, call.now_ms), 0, call.labels,
              name, unit, resolution, value);
        });
        break;
      }
      case kExponentialHistogramData:
        ForEachField(call, otlp::kExponentialHistogram, data, [&](const WireField& f) {
          HistogramPoint dp;
          if (f.number != 1 || !ParseExponentialPoint(call, f.bytes, dp)) return;
          if (NoValue(dp.flags) || !Finite(dp.sum) || !Finite(dp.min) || !Finite(dp.max) ||
              name.empty()) {
            ++call.dropped;
            return;
          }
          int resolution = BuildLabels(call, ri, call.attrs, scope);
          AddExponential(call, ri, dp, TimestampMs(dp.time_ns, call.now_ms), name, unit,
                         resolution);
        });
        break;
      case kSummaryData:
        AddSummary(call, ri, scope, data, name, unit);
        break;
    }
  }

  // Values are bucket midpoints in descending order (positive buckets from the top, zero, then
  // negative ones), split into events of ≤ 100 buckets: the batch index keeps them apart. As
  // CloudWatch adds the events up, Sum goes only to the first, the true Max to the first and the
  // true Min to the last; the others carry their own extreme midpoints.
  void AddExponential(Call& call, const ResourceInfo& ri, const HistogramPoint& dp, int64_t ts,
                      std::string_view name, std::string_view unit, int resolution) {
    const double step = std::exp2(-static_cast<double>(dp.scale));  // log2 of the bucket base
    std::vector<double>& values = call.exp_values;
    std::vector<double>& counts = call.exp_counts;
    values.clear();
    counts.clear();
    const std::vector<uint64_t>& pos = call.positive;
    for (size_t i = pos.size(); i-- > 0;) {
      if (pos[i] == 0) continue;
      const double index = static_cast<double>(dp.positive_offset) + static_cast<double>(i);
      values.push_back((std::exp2(index * step) + std::exp2((index + 1) * step)) / 2);
      counts.push_back(static_cast<double>(pos[i]));
    }
    if (dp.zero_count > 0) {
      values.push_back(0);
      counts.push_back(static_cast<double>(dp.zero_count));
    }
    const std::vector<uint64_t>& neg = call.negative;
    for (size_t i = 0; i < neg.size(); ++i) {
      if (neg[i] == 0) continue;
      const double index = static_cast<double>(dp.negative_offset) + static_cast<double>(i);
      values.push_back(-(std::exp2(index * step) + std::exp2((index + 1) * step)) / 2);
      counts.push_back(static_cast<double>(neg[i]));
    }
    const double max = dp.has_max ? dp.max : (values.empty() ? 0 : values.front());
    const double min = dp.has_min ? dp.min : (values.empty() ? 0 : values.back());
    const size_t chunks =
        std::max<size_t>(1, (values.size() + kMaxBucketsPerEvent - 1) / kMaxBucketsPerEvent);
    for (size_t c = 0; c < chunks; ++c) {
      const size_t begin = c * kMaxBucketsPerEvent;
      const size_t end = std::min(values.size(), begin + kMaxBucketsPerEvent);
      Value value;
      value.type = Value::Type::kHistogram;
      value.buckets = static_cast<uint32_t>(call.buckets.size());
      value.bucket_count = static_cast<uint32_t>(end - begin);
      call.buckets.insert(call.buckets.end(), values.begin() + begin, values.begin() + end);
      call.buckets.insert(call.buckets.end(), counts.begin() + begin, counts.begin() + end);
      for (size_t i = begin; i < end; ++i) value.count += static_cast<uint64_t>(counts[i]);
      if (chunks == 1) value.count = dp.count;
      value.sum = c == 0 ? dp.sum : 0;
      value.max = c == 0 ? max : values[begin];
      value.min = c + 1 == chunks ? min : values[end - 1];
      Add(call, ri, Kind::kExponentialHistogram, ts, static_cast<uint32_t>(c), call.labels, name,
          unit, resolution, value);
    }
  }

  // data: the Summary message.
  void AddSummary(Call& call, const ResourceInfo& ri, std::string_view scope,
                  std::string_view data, std::string_view name, std::string_view unit) {
    std::string_view sum_name, count_name;
    if (options.detailed_metrics) {
      sum_name = call.NewString().append(name).append("_sum");
      count_name = call.NewString().append(name).append("_count");
    }
    ForEachField(call, otlp::kSummary, data, [&](const WireField& f) {
      if (f.number != 1) return;
      uint64_t start_ns = 0, time_ns = 0, count = 0;
      double sum = 0;
      uint32_t flags = 0;
      call.attrs.clear();
      std::vector<std::pair<double, double>>& quantiles = call.quantiles;  // (quantile, value)
      quantiles.clear();
      const bool point_ok = ForEachField(call, otlp::kSummaryDataPoint, f.bytes, [&](const WireField& p) {
        switch (p.number) {
          case 2:
            start_ns = p.value;
            break;
          case 3:
            time_ns = p.value;
            break;
          case 4:
            count = p.value;
            break;
          case 5:
            sum = AsDouble(p.value);
            break;
          case 6: {
            auto& q = quantiles.emplace_back(0, 0);
            ForEachField(call, otlp::kValueAtQuantile, p.bytes, [&](const WireField& v) {
              (v.number == 1 ? q.first : q.second) = AsDouble(v.value);
            });
            break;
          }
          case 7:
            AddPointAttr(call, p.bytes);
            break;
          case 8:
            flags = static_cast<uint32_t>(p.value);
            break;
        }
      });
      if (!point_ok) return;
      bool finite = Finite(sum);
      for (const auto& [quantile, value] : quantiles)
        finite = finite && Finite(value) && Finite(quantile);
      if (NoValue(flags) || !finite || name.empty()) {
        ++call.dropped;
        return;
      }
      int resolution = BuildLabels(call, ri, call.attrs, scope);
      // Summaries from the Prometheus receiver carry cumulative sum and count (as Go).
      if (ri.prometheus) {
        DeltaKey(call, ri, Kind::kSummary, name);
        if (!ToDelta(call.key, start_ns, true, sum, &count, call.now_ms)) {
          ++call.dropped;
          return;
        }
      }
      const int64_t ts = TimestampMs(time_ns, call.now_ms);
      if (!options.detailed_metrics) {
        Value value;
        value.type = Value::Type::kStats;
        value.count = count;
        value.sum = sum;
        if (!quantiles.empty()) {
          value.min = quantiles.front().second;
          value.max = quantiles.back().second;
        }
        Add(call, ri, Kind::kSummary, ts, 0, call.labels, name, unit, resolution, value);
        return;
      }
      Value sum_value, count_value;
      sum_value.number = sum;
      count_value.number = static_cast<double>(count);
      Add(call, ri, Kind::kSummary, ts, 0, call.labels, sum_name, unit, resolution,
          sum_value);
      Add(call, ri, Kind::kSummary, ts, 0, call.labels, count_name, unit, resolution,
          count_value);
      // One point per quantile, labelled with it (replacing an attribute of that name).
      std::vector<Label>& labels = call.quantile_labels;
      labels.assign(call.labels.begin(), call.labels.end());
      auto at = std::lower_bound(labels.begin(), labels.end(), std::string_view("quantile"),
                                 [](const Label& l, std::string_view k) { return l.key < k; });
      if (at == labels.end() || at->key != "quantile")
        at = labels.insert(at, Label{"quantile", {}});
      for (const auto& [quantile, value] : quantiles) {
        std::string& text = call.NewString();
        AppendShortestDouble(quantile, text);
        at->value = text;
        Value v;
        v.number = value;
        Add(call, ri, Kind::kSummary, ts, 0, labels, name, unit, resolution, v);
      }
    });
  }

  // ---- documents ----

  static bool HasLabel(const Label* labels, size_t size, std::string_view key) {
    return std::binary_search(labels, labels + size, Label{key, {}},
                              [](const Label& a, const Label& b) { return a.key < b.key; });
  }

  // Appends the rollup dimension sets of the labels to call.dim_sets.
  void AppendRollup(Call& call, const Label* labels, size_t size) const {
    if (options.dimension_rollup == DimensionRollup::kNone) return;
    const bool otel_lib = HasLabel(labels, size, kOTelLib);
    if (options.dimension_rollup == DimensionRollup::kZeroAndSingleDimension && size > 0) {
      const uint32_t begin = static_cast<uint32_t>(call.dim_keys.size());
      if (otel_lib) call.dim_keys.push_back(kOTelLib);
      call.dim_sets.push_back({begin, static_cast<uint32_t>(call.dim_keys.size())});
    }
    for (size_t i = 0; i < size; ++i) {
      if (labels[i].key == kOTelLib) continue;
      const uint32_t begin = static_cast<uint32_t>(call.dim_keys.size());
      if (otel_lib) call.dim_keys.push_back(kOTelLib);
      call.dim_keys.push_back(labels[i].key);
      call.dim_sets.push_back({begin, static_cast<uint32_t>(call.dim_keys.size())});
    }
  }

  bool MatchesLabels(CompiledDeclaration& d, const Label* labels, size_t size,
                     std::string& scratch) {
    if (d.matchers.empty()) return true;
    for (CompiledMatcher& m : d.matchers) {
      scratch.clear();
      for (size_t i = 0; i < m.label_names.size(); ++i) {
        if (i > 0) scratch += m.separator;
        auto it = std::lower_bound(labels, labels + size, std::string_view(m.label_names[i]),
                                   [](const Label& l, std::string_view k) { return l.key < k; });
        if (it != labels + size && it->key == m.label_names[i]) scratch += it->value;
      }
      auto it = m.cache.find(scratch);
      if (it == m.cache.end()) {
        if (m.cache.size() >= kMaxLabelCacheEntries) m.cache.clear();
        it = m.cache.emplace(scratch, std::regex_search(scratch, m.regex)).first;
      }
      if (it->second) return true;
    }
    return false;
  }

  const std::vector<uint32_t>& NameMatches(std::string_view name) {
    auto it = name_matches.find(name);
    if (it != name_matches.end()) return it->second;
    std::vector<uint32_t> matched;
    const std::string text(name);
    for (uint32_t i = 0; i < declarations.size(); ++i) {
      for (const std::regex& re : declarations[i].selectors) {
        if (std::regex_search(text, re)) {
          matched.push_back(i);
          break;
        }
      }
    }
    return name_matches.emplace(text, std::move(matched)).first->second;
  }

  // Fills call.measurements (with call.dim_sets, dim_keys and measure_entries): the directives of
  // the group's document.
  void Measurements(Call& call, const Group& g) {
    call.measurements.clear();
    call.measure_entries.clear();
    call.dim_sets.clear();
    call.dim_keys.clear();
    const Label* labels = call.group_labels.data() + g.labels_begin;
    const size_t size = g.labels_size;
    if (declarations.empty()) {
      Measurement& m = call.measurements.emplace_back();
      m.dims_begin = 0;
      // One label (besides OTelLib): its full set would repeat a rollup set.
      const bool single = size <= 1 || (size == 2 && HasLabel(labels, size, kOTelLib));
      // The full set first (unless a rollup set repeats it), then the rollup sets.
      call.dim_sets.push_back({0, static_cast<uint32_t>(size)});
      for (size_t i = 0; i < size; ++i) call.dim_keys.push_back(labels[i].key);
      AppendRollup(call, labels, size);
      if (call.dim_sets.size() > 1 && single) call.dim_sets.erase(call.dim_sets.begin());
      m.dims_end = static_cast<uint32_t>(call.dim_sets.size());
      for (uint32_t e = g.first_entry; e != kNone; e = call.entries[e].next)
        call.measure_entries.push_back(e);
      m.entries_begin = 0;
      m.entries_end = static_cast<uint32_t>(call.measure_entries.size());
      m.decls_begin = m.decls_end = 0;
      return;
    }
    // Declarations: the entries matching the same declarations share a directive.
    call.decl_lists.clear();
    call.entry_measurement.clear();
    std::vector<Measurement>& out = call.measurements;
    {
      std::lock_guard<std::mutex> lock(decl_mu);
      call.label_ok.assign(declarations.size(), 0);
      for (size_t d = 0; d < declarations.size(); ++d)
        call.label_ok[d] = MatchesLabels(declarations[d], labels, size, call.matcher_text);
      for (uint32_t e = g.first_entry; e != kNone; e = call.entries[e].next) {
        call.matched.clear();
        for (uint32_t d : NameMatches(call.entries[e].name)) {
          if (call.label_ok[d]) call.matched.push_back(d);
        }
        if (call.matched.empty()) {
          ++call.dropped;
          call.entry_measurement.push_back(kNone);
          continue;
        }
        uint32_t k = 0;
        for (; k < out.size(); ++k) {
          const Measurement& m = out[k];
          if (std::equal(call.decl_lists.begin() + m.decls_begin,
                         call.decl_lists.begin() + m.decls_end, call.matched.begin(),
                         call.matched.end()))
            break;
        }
        if (k == out.size()) {
          Measurement& m = out.emplace_back();
          m.decls_begin = static_cast<uint32_t>(call.decl_lists.size());
          call.decl_lists.insert(call.decl_lists.end(), call.matched.begin(), call.matched.end());
          m.decls_end = static_cast<uint32_t>(call.decl_lists.size());
        }
        call.entry_measurement.push_back(k);
      }
    }
    // The rollup sets, once, at the end of dim_sets' scratch area: [rollup_begin, rollup_end).
    const uint32_t rollup_begin = static_cast<uint32_t>(call.dim_sets.size());
    AppendRollup(call, labels, size);
    const uint32_t rollup_end = static_cast<uint32_t>(call.dim_sets.size());
    size_t kept = 0;
    for (size_t k = 0; k < out.size(); ++k) {
      Measurement m = out[k];
      m.dims_begin = static_cast<uint32_t>(call.dim_sets.size());
      // Adds a candidate set unless one of the same content (in any order) is there already.
      auto add_unique = [&](const std::string_view* keys, size_t n) {
        call.dim_candidate.assign(keys, keys + n);
        std::sort(call.dim_candidate.begin(), call.dim_candidate.end());
        for (uint32_t s = m.dims_begin; s < call.dim_sets.size(); ++s) {
          const DimRange& r = call.dim_sets[s];
          if (std::equal(call.dim_sorted.begin() + r.begin, call.dim_sorted.begin() + r.end,
                         call.dim_candidate.begin(), call.dim_candidate.end()))
            return;
        }
        const uint32_t begin = static_cast<uint32_t>(call.dim_keys.size());
        call.dim_keys.insert(call.dim_keys.end(), keys, keys + n);
        call.dim_sets.push_back({begin, static_cast<uint32_t>(call.dim_keys.size())});
        call.dim_sorted.resize(call.dim_keys.size());
        std::copy(call.dim_candidate.begin(), call.dim_candidate.end(),
                  call.dim_sorted.begin() + begin);
      };
      std::string_view keys[kMaxDeclaredDimensions + 1];
      for (uint32_t i = m.decls_begin; i < m.decls_end; ++i) {
        for (const std::vector<std::string>& set : declarations[call.decl_lists[i]].dimensions) {
          if (!std::all_of(set.begin(), set.end(), [&](const std::string& key) {
                return HasLabel(labels, size, key);
              }))
            continue;
          for (size_t j = 0; j < set.size(); ++j) keys[j] = set[j];
          add_unique(keys, set.size());
        }
      }
      for (uint32_t r = rollup_begin; r < rollup_end; ++r) {
        const DimRange range = call.dim_sets[r];
        const size_t n = range.end - range.begin;
        for (size_t j = 0; j < n; ++j) keys[j] = call.dim_keys[range.begin + j];
        add_unique(keys, n);
      }
      m.dims_end = static_cast<uint32_t>(call.dim_sets.size());
      m.entries_begin = static_cast<uint32_t>(call.measure_entries.size());
      uint32_t i = 0;
      for (uint32_t e = g.first_entry; e != kNone; e = call.entries[e].next, ++i) {
        if (call.entry_measurement[i] == k) call.measure_entries.push_back(e);
      }
      m.entries_end = static_cast<uint32_t>(call.measure_entries.size());
      if (m.dims_begin == m.dims_end) {
        call.dropped += m.entries_end - m.entries_begin;
        continue;
      }
      out[kept++] = m;
    }
    out.resize(kept);
  }

  // Written with EmfJsonWriter: plain, byte for byte what common::JsonWriter writes, or escaped
  // into the form a PutLogEvents body holds it in (emf_json.h).

  static constexpr JsonLiteral kValuesKey = "{\"Values\":[";
  static constexpr JsonLiteral kCountsKey = "],\"Counts\":[";
  static constexpr JsonLiteral kMaxAfterArrayKey = "],\"Max\":";
  static constexpr JsonLiteral kMaxKey = "{\"Max\":";
  static constexpr JsonLiteral kMinKey = ",\"Min\":";
  static constexpr JsonLiteral kCountKey = ",\"Count\":";
  static constexpr JsonLiteral kSumKey = ",\"Sum\":";
  static constexpr JsonLiteral kNamespaceKey = "{\"Namespace\":";
  static constexpr JsonLiteral kDimensionsKey = ",\"Dimensions\":[";
  static constexpr JsonLiteral kMetricsKey = "],\"Metrics\":[";
  static constexpr JsonLiteral kNameKey = "{\"Name\":";
  static constexpr JsonLiteral kUnitKey = ",\"Unit\":";
  static constexpr JsonLiteral kNoUnit = ",\"Unit\":\"\"";  // the common case, in one append
  // Storage resolutions are 1 or 60 (BuildLabels): the rest of the metric, ready-made.
  static constexpr JsonLiteral kResolution1 = ",\"StorageResolution\":1}";
  static constexpr JsonLiteral kResolution60 = ",\"StorageResolution\":60}";
  static constexpr JsonLiteral kCloudWatchMetricsKey = "{\"CloudWatchMetrics\":";
  static constexpr JsonLiteral kTimestampKey = ",\"Timestamp\":";

  template <bool kEscaped>
  static void WriteValue(const Call& call, const Value& v, EmfJsonWriter<kEscaped>& w) {
    if (v.type == Value::Type::kNumber) {
      w.Double(v.number);
      return;
    }
    if (v.type == Value::Type::kHistogram) {
      const double* values = call.buckets.data() + v.buckets;
      const double* counts = values + v.bucket_count;
      w.Literal(kValuesKey);
      for (uint32_t i = 0; i < v.bucket_count; ++i) {
        if (i) w.Char(',');
        w.Double(values[i]);
      }
      w.Literal(kCountsKey);
      for (uint32_t i = 0; i < v.bucket_count; ++i) {
        if (i) w.Char(',');
        w.Double(counts[i]);
      }
      w.Literal(kMaxAfterArrayKey);
    } else {
      w.Literal(kMaxKey);
    }
    w.Double(v.max);
    w.Literal(kMinKey);
    w.Double(v.min);
    w.Literal(kCountKey);
    w.Uint64(v.count);
    w.Literal(kSumKey);
    w.Double(v.sum);
    w.Char('}');
  }

  template <bool kEscaped>
  static void WriteDirectives(const Call& call, std::string_view namespace_name,
                              const Measurement* ms, size_t count, EmfJsonWriter<kEscaped>& w) {
    w.Char('[');
    for (size_t m = 0; m < count; ++m) {
      if (m) w.Char(',');
      w.Literal(kNamespaceKey);
      w.String(namespace_name);
      w.Literal(kDimensionsKey);
      for (uint32_t d = ms[m].dims_begin; d < ms[m].dims_end; ++d) {
        if (d != ms[m].dims_begin) w.Char(',');
        w.Char('[');
        const DimRange set = call.dim_sets[d];
        for (uint32_t k = set.begin; k < set.end; ++k) {
          if (k != set.begin) w.Char(',');
          w.String(call.dim_keys[k]);
        }
        w.Char(']');
      }
      w.Literal(kMetricsKey);
      for (uint32_t i = ms[m].entries_begin; i < ms[m].entries_end; ++i) {
        const Entry& e = call.entries[call.measure_entries[i]];
        if (i != ms[m].entries_begin) w.Char(',');
        w.Literal(kNameKey);
        w.String(e.name);
        if (e.unit.empty()) {
          w.Literal(kNoUnit);
        } else {
          w.Literal(kUnitKey);
          w.String(e.unit);
        }
        if (e.storage_resolution == 1) {
          w.Literal(kResolution1);
        } else {
          w.Literal(kResolution60);
        }
      }
      w.Char(']');
      w.Char('}');
    }
    w.Char(']');
  }

  // A directive holds at most 100 metrics (EMF): a larger group becomes several documents, the
  // n-th holding the n-th hundred of each directive (Go writes one document CloudWatch rejects).
  template <bool kEscaped>
  void Emit(Call& call, const Group& g, EmfDocuments& out) {
    Measurements(call, g);
    const std::vector<Measurement>& ms = call.measurements;
    if (ms.empty()) return;
    size_t largest = 0;
    for (const Measurement& m : ms) largest = std::max<size_t>(largest, m.entries_end - m.entries_begin);
    const uint32_t stream = StreamIndex(call, g.target, out);
    if (largest <= kMaxMetricsPerDirective) {
      EmitDocument<kEscaped>(call, g, ms.data(), ms.size(), stream, out);
      return;
    }
    for (size_t begin = 0; begin < largest; begin += kMaxMetricsPerDirective) {
      call.parts.clear();
      for (const Measurement& m : ms) {
        const size_t size = m.entries_end - m.entries_begin;
        if (begin >= size) continue;
        Measurement& p = call.parts.emplace_back(m);
        p.entries_begin = static_cast<uint32_t>(m.entries_begin + begin);
        p.entries_end =
            static_cast<uint32_t>(m.entries_begin + std::min(size, begin + kMaxMetricsPerDirective));
      }
      EmitDocument<kEscaped>(call, g, call.parts.data(), call.parts.size(), stream, out);
    }
  }

  // out.streams' index of the target's log group and stream, added when new.
  static uint32_t StreamIndex(Call& call, uint32_t target, EmfDocuments& out) {
    Target& t = call.targets[target];
    if (t.stream != kNone) return t.stream;
    if (call.streams_of != &out) {
      call.stream_index.clear();
      call.streams_indexed = 0;
      call.streams_of = &out;
    }
    std::string& key = call.key;
    auto make_key = [&key](std::string_view group, std::string_view stream) {
      key.clear();
      AppendSized(group, key);
      key.append(stream);
    };
    for (; call.streams_indexed < out.streams.size(); ++call.streams_indexed) {
      const EmfDocuments::Stream& s = out.streams[call.streams_indexed];
      make_key(s.log_group, s.log_stream);
      call.stream_index.emplace(key, static_cast<uint32_t>(call.streams_indexed));
    }
    make_key(t.log_group, t.log_stream);
    auto it = call.stream_index.find(std::string_view(key));
    if (it == call.stream_index.end()) {
      it = call.stream_index.emplace(key, static_cast<uint32_t>(out.streams.size())).first;
      out.streams.push_back({std::string(t.log_group), std::string(t.log_stream)});
      call.streams_indexed = out.streams.size();
    }
    t.stream = it->second;
    return t.stream;
  }

  template <bool kEscaped>
  void EmitDocument(Call& call, const Group& g, const Measurement* ms, size_t count,
                    uint32_t stream, EmfDocuments& out) {
    // Root members, sorted by key as Go's map marshalling; on equal keys the later kind wins
    // (labels < metric values < prom_metric_type < document fields), as Go fills its map.
    // The document fields first: sorting before most labels and metric names (lowercase as a
    // rule), they leave the insertion sort less to move.
    std::vector<Field>& fields = call.fields;
    fields.clear();
    if (options.version == "0") {
      fields.push_back({"CloudWatchMetrics", kCloudWatchMetrics, 0});
      fields.push_back({"Timestamp", kTimestamp, 0});
      fields.push_back({"Version", kVersion, 0});
    } else {
      fields.push_back({"Version", kVersion, 0});
      fields.push_back({"_aws", kAws, 0});
    }
    if (g.prometheus) fields.push_back({"prom_metric_type", kPromType, 0});
    for (uint32_t i = 0; i < g.labels_size; ++i) {
      fields.push_back({call.group_labels[g.labels_begin + i].key, kLabel, g.labels_begin + i});
    }
    for (size_t m = 0; m < count; ++m) {
      for (uint32_t i = ms[m].entries_begin; i < ms[m].entries_end; ++i) {
        const uint32_t e = call.measure_entries[i];
        fields.push_back({call.entries[e].name, kMetric, e});
      }
    }
    std::sort(fields.begin(), fields.end(), [](const Field& a, const Field& b) {
      if (const int c = KeyCompare(a.key, b.key)) return c < 0;
      return a.kind != b.kind ? a.kind < b.kind : a.index < b.index;
    });

    const Target& target = call.targets[g.target];
    std::string& text = out.text;
    const size_t start = text.size();
    EmfJsonWriter<kEscaped> w(text);
    w.Char('{');
    bool first = true;
    for (size_t i = 0; i < fields.size(); ++i) {
      const Field& f = fields[i];
      if (i + 1 < fields.size() && KeyEqual(fields[i + 1].key, f.key)) continue;
      if (!first) w.Char(',');
      first = false;
      w.Key(f.key);
      switch (f.kind) {
        case kLabel:
          w.String(call.group_labels[f.index].value);
          break;
        case kMetric:
          WriteValue(call, call.entries[f.index].value, w);
          break;
        case kPromType:
          w.String(PromType(g.kind));
          break;
        case kVersion:
          w.String(options.version);
          break;
        case kCloudWatchMetrics:
          WriteDirectives(call, target.namespace_name, ms, count, w);
          break;
        case kTimestamp:
          w.Int64String(g.timestamp_ms);
          break;
        case kAws:
          w.Literal(kCloudWatchMetricsKey);
          WriteDirectives(call, target.namespace_name, ms, count, w);
          w.Literal(kTimestampKey);
          w.Int64(g.timestamp_ms);
          w.Char('}');
          break;
      }
    }
    w.Char('}');
    EmfDocuments::Document& d = out.documents.emplace_back();
    d.stream = stream;
    d.timestamp_ms = g.timestamp_ms;
    d.offset = start;
    d.length = text.size() - start;
    d.size = d.length - w.extra();
  }

  size_t Translate(std::string_view request, EmfDocuments& out, int64_t now_ms,
                   std::string* error) {
    SweepDeltas(now_ms);
    std::unique_ptr<Call> owned = AcquireCall();
    Call& call = *owned;
    call.now_ms = now_ms;
    // Documents are written only once the whole request has decoded: a malformed one adds none.
    if (!AddRequest(call, request)) {
      if (error) *error = "malformed OTLP metrics request: " + call.error;
      ReleaseCall(std::move(owned));
      return 0;
    }
    if (error) error->clear();
    // Room for the documents, from the size of the last call's.
    const size_t start = out.text.size();
    if (const size_t per_entry = bytes_per_entry.load(std::memory_order_relaxed); per_entry > 0)
      out.text.reserve(start + call.entries.size() * per_entry + call.entries.size() * per_entry / 8);
    out.documents.reserve(out.documents.size() + call.groups.size());
    for (const Group& g : call.groups) {
      if (out.escaped) {
        Emit<true>(call, g, out);
      } else {
        Emit<false>(call, g, out);
      }
    }
    if (!call.entries.empty())
      bytes_per_entry.store((out.text.size() - start) / call.entries.size() + 1,
                            std::memory_order_relaxed);
    const size_t dropped = call.dropped;
    ReleaseCall(std::move(owned));
    return dropped;
  }
};

EmfTranslator::EmfTranslator(EmfOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
EmfTranslator::~EmfTranslator() = default;
EmfTranslator::EmfTranslator(EmfTranslator&&) noexcept = default;
EmfTranslator& EmfTranslator::operator=(EmfTranslator&&) noexcept = default;

size_t EmfTranslator::Translate(std::string_view request, EmfDocuments& out, int64_t now_ms,
                                std::string* error) {
  return impl_->Translate(request, out, now_ms, error);
}

size_t EmfTranslator::Translate(const MetricsRequest& request, EmfDocuments& out, int64_t now_ms) {
  return Translate(request.SerializeAsString(), out, now_ms);
}

size_t EmfTranslator::Translate(const MetricsRequest& request, std::vector<EmfEvent>& out,
                                int64_t now_ms) {
  EmfDocuments docs;
  docs.escaped = false;
  const size_t dropped = Translate(request, docs, now_ms);
  out.reserve(out.size() + docs.documents.size());
  for (const EmfDocuments::Document& d : docs.documents) {
    EmfEvent& e = out.emplace_back();
    e.log_group = docs.streams[d.stream].log_group;
    e.log_stream = docs.streams[d.stream].log_stream;
    e.timestamp_ms = d.timestamp_ms;
    e.message = docs.Text(d);
  }
  return dropped;
}

}  // namespace adot::collector::awsemf
