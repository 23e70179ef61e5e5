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
#include <charconv>
#include <cmath>
#include <deque>
#include <mutex>
#include <random>
#include <regex>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/json_writer.h"

namespace adot::collector::awsemf {
namespace {

namespace pm = opentelemetry::proto::metrics::v1;
using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using Attrs = google::protobuf::RepeatedPtrField<KeyValue>;

constexpr int64_t kDeltaExpiryMs = 5 * 60 * 1000;
constexpr int64_t kDeltaSweepIntervalMs = 60 * 1000;
constexpr size_t kMaxBucketsPerEvent = 100;      // EMF: at most 100 values per metric
constexpr size_t kMaxMetricsPerDirective = 100;  // EMF: at most 100 metrics per directive
constexpr size_t kMaxDeclaredDimensions = 10;    // larger declared sets are dropped (A#3024)
constexpr size_t kMaxLabelCacheEntries = 4096;   // per label matcher
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

void AppendAnyJson(const AnyValue& v, std::string& out) {
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      common::AppendJsonString(v.string_value(), out);
      break;
    case AnyValue::kBoolValue:
      out += v.bool_value() ? "true" : "false";
      break;
    case AnyValue::kIntValue: {
      char buf[24];
      out.append(buf, std::to_chars(buf, buf + sizeof buf, v.int_value()).ptr);
      break;
    }
    case AnyValue::kDoubleValue:
      common::AppendJsonDouble(v.double_value(), out);
      break;
    case AnyValue::kBytesValue:
      out.push_back('"');
      common::Base64Encode(v.bytes_value(), out);
      out.push_back('"');
      break;
    case AnyValue::kArrayValue: {
      out.push_back('[');
      bool first = true;
      for (const AnyValue& e : v.array_value().values()) {
        if (!first) out.push_back(',');
        first = false;
        AppendAnyJson(e, out);
      }
      out.push_back(']');
      break;
    }
    case AnyValue::kKvlistValue: {
      // Sorted keys, as Go's json.Marshal writes a map.
      std::vector<const KeyValue*> kvs;
      for (const KeyValue& kv : v.kvlist_value().values()) kvs.push_back(&kv);
      std::stable_sort(kvs.begin(), kvs.end(),
                       [](const KeyValue* a, const KeyValue* b) { return a->key() < b->key(); });
      out.push_back('{');
      for (size_t i = 0; i < kvs.size(); ++i) {
        if (i + 1 < kvs.size() && kvs[i + 1]->key() == kvs[i]->key()) continue;  // last wins
        if (out.back() != '{') out.push_back(',');
        common::AppendJsonString(kvs[i]->key(), out);
        out.push_back(':');
        AppendAnyJson(kvs[i]->value(), out);
      }
      out.push_back('}');
      break;
    }
    default:
      out += "null";
      break;  // unset
  }
}

// A label value as Go's pcommon Value.AsString: strings as they are, others as JSON-like text.
void AppendAnyText(const AnyValue& v, std::string& out) {
  switch (v.value_case()) {
    case AnyValue::kStringValue:
      out += v.string_value();
      break;
    case AnyValue::kDoubleValue:
      AppendShortestDouble(v.double_value(), out);
      break;
    case AnyValue::kBytesValue:
      common::Base64Encode(v.bytes_value(), out);
      break;
    case AnyValue::VALUE_NOT_SET:
      break;
    default:
      AppendAnyJson(v, out);
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

const AnyValue* FindAttr(const Attrs& attrs, std::string_view key) {
  for (const KeyValue& kv : attrs) {
    if (kv.key() == key) return &kv.value();
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
bool ResolvePattern(std::string_view pattern, const Attrs& resource,
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
        if (const AnyValue* v = FindAttr(resource, key); v && text.empty()) AppendAnyText(*v, text);
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

struct Value {
  enum class Type : uint8_t { kNumber, kStats, kHistogram } type = Type::kNumber;
  double number = 0;  // kNumber
  double max = 0, min = 0, sum = 0;
  uint64_t count = 0;
  std::vector<double> values, counts;  // kHistogram
};

struct Entry {
  std::string_view name;
  std::string_view unit;
  int storage_resolution;
  Value value;
};

struct Group {
  std::string_view namespace_name, log_group, log_stream;
  int64_t timestamp_ms;
  Kind kind;
  bool prometheus;
  std::vector<Label> labels;  // sorted by key, unique
  std::vector<Entry> entries;
};

struct ResourceInfo {
  std::string namespace_name;
  std::string log_group, log_stream;  // resolved against the resource
  bool group_complete = true, stream_complete = true;
  bool prometheus = false;
  const Attrs* attrs = nullptr;
  std::vector<Label> labels;  // resource attributes (resource_to_telemetry_conversion)
};

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

  // The state of one Translate call.
  struct Call {
    int64_t now_ms;
    size_t dropped = 0;
    std::deque<std::string> strings;  // texts the string_views below point into
    std::deque<ResourceInfo> resources;
    std::vector<Group> groups;
    std::unordered_map<std::string, size_t> index;  // group key → groups[i]
    std::string key;                                // scratch
    std::vector<Label> labels;                      // scratch

    std::string& NewString() { return strings.emplace_back(); }
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

  // ---- resources ----

  const ResourceInfo& Resource(Call& call, const pm::ResourceMetrics& rm) {
    ResourceInfo& ri = call.resources.emplace_back();
    const Attrs& attrs = rm.resource().attributes();
    ri.attrs = &attrs;
    ri.namespace_name = options.namespace_name;
    if (ri.namespace_name.empty()) {
      const AnyValue* name = FindAttr(attrs, "service.name");
      const AnyValue* ns = FindAttr(attrs, "service.namespace");
      bool has_name = name && name->value_case() == AnyValue::kStringValue;
      bool has_ns = ns && ns->value_case() == AnyValue::kStringValue;
      if (has_name && has_ns) {
        ri.namespace_name = ns->string_value() + "/" + name->string_value();
      } else if (has_name) {
        ri.namespace_name = name->string_value();
      } else if (has_ns) {
        ri.namespace_name = ns->string_value();
      }
      if (ri.namespace_name.empty()) ri.namespace_name = "default";
    }
    if (options.log_group_name.empty()) {
      ri.log_group = "/metrics/" + ri.namespace_name;
    } else {
      ri.group_complete = ResolvePattern(options.log_group_name, attrs, nullptr, ri.log_group);
    }
    if (options.log_stream_name.empty()) {
      ri.log_stream = default_log_stream;
    } else {
      ri.stream_complete = ResolvePattern(options.log_stream_name, attrs, nullptr, ri.log_stream);
    }
    if (const AnyValue* r = FindAttr(attrs, "receiver")) {
      ri.prometheus =
          r->value_case() == AnyValue::kStringValue && r->string_value() == "prometheus";
    }
    if (options.resource_to_telemetry_conversion) {
      for (const KeyValue& kv : attrs) ri.labels.push_back({kv.key(), LabelText(call, kv.value())});
    }
    return ri;
  }

  static std::string_view LabelText(Call& call, const AnyValue& v) {
    if (v.value_case() == AnyValue::kStringValue) return v.string_value();
    std::string& s = call.NewString();
    AppendAnyText(v, s);
    return s;
  }

  // ---- data points ----

  // Fills call.labels (sorted, unique: data point attributes win over resource attributes,
  // OTelLib over both) and returns the storage resolution.
  static int BuildLabels(Call& call, const ResourceInfo& ri, const Attrs& attrs,
                         std::string_view scope) {
    int resolution = 60;
    std::vector<Label>& labels = call.labels;
    labels.assign(ri.labels.begin(), ri.labels.end());
    for (const KeyValue& kv : attrs) {
      if (kv.key() == kStorageResolutionAttr) {
        const AnyValue& v = kv.value();
        if ((v.value_case() == AnyValue::kIntValue && v.int_value() == 1) ||
            (v.value_case() == AnyValue::kStringValue && v.string_value() == "1")) {
          resolution = 1;
        }
        continue;
      }
      labels.push_back({kv.key(), LabelText(call, kv.value())});
    }
    if (!scope.empty()) labels.push_back({kOTelLib, scope});
    // Stable insertion sort: few labels, and no temporary buffer as std::stable_sort takes.
    for (size_t i = 1; i < labels.size(); ++i) {
      Label l = labels[i];
      size_t j = i;
      for (; j > 0 && l.key < labels[j - 1].key; --j) labels[j] = labels[j - 1];
      labels[j] = l;
    }
    size_t out = 0;
    for (size_t i = 0; i < labels.size(); ++i) {
      if (out > 0 && labels[out - 1].key == labels[i].key) {
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
           int resolution, Value&& value) {
    // A placeholder the resource lacks is looked for in the data point's labels.
    std::string_view log_group = ri.log_group, log_stream = ri.log_stream;
    if (!ri.group_complete) {
      std::string& s = call.NewString();
      ResolvePattern(options.log_group_name, *ri.attrs, &labels, s);
      log_group = s;
    }
    if (!ri.stream_complete) {
      std::string& s = call.NewString();
      ResolvePattern(options.log_stream_name, *ri.attrs, &labels, s);
      log_stream = s;
    }
    std::string& key = call.key;
    key.clear();
    AppendSized(ri.namespace_name, key);
    AppendSized(log_group, key);
    AppendSized(log_stream, key);
    AppendRaw(ts, key);
    AppendRaw(kind, key);
    AppendRaw(batch, key);
    for (const Label& l : labels) {
      AppendSized(l.key, key);
      AppendSized(l.value, key);
    }
    auto it = call.index.find(key);
    Group* g;
    if (it == call.index.end()) {
      call.index.emplace(key, call.groups.size());
      g = &call.groups.emplace_back(
          Group{ri.namespace_name, log_group, log_stream, ts, kind, ri.prometheus, labels, {}});
    } else {
      g = &call.groups[it->second];
    }
    for (const Entry& e : g->entries) {
      if (e.name == name) {  // duplicate name in one group: the first wins (as Go)
        ++call.dropped;
        return;
      }
    }
    g->entries.push_back(Entry{name, unit, resolution, std::move(value)});
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

  std::string_view MetricUnit(const pm::Metric& m) const {
    auto it = descriptors.find(std::string_view(m.name()));
    if (it != descriptors.end() && (m.unit().empty() || it->second->overwrite))
      return it->second->unit;
    return UnitFor(m.unit());
  }

  void AddMetric(Call& call, const ResourceInfo& ri, std::string_view scope, const pm::Metric& m) {
    const std::string_view name = m.name();
    const std::string_view unit = MetricUnit(m);
    auto no_value = [](uint32_t flags) {
      return (flags & pm::DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK) != 0;
    };
    switch (m.data_case()) {
      case pm::Metric::kGauge:
      case pm::Metric::kSum: {
        const bool is_sum = m.data_case() == pm::Metric::kSum;
        const Kind kind = is_sum ? Kind::kSum : Kind::kGauge;
        const auto& points = is_sum ? m.sum().data_points() : m.gauge().data_points();
        const bool cumulative =
            is_sum && m.sum().aggregation_temporality() == pm::AGGREGATION_TEMPORALITY_CUMULATIVE;
        for (const pm::NumberDataPoint& dp : points) {
          double v = dp.value_case() == pm::NumberDataPoint::kAsInt
                         ? static_cast<double>(dp.as_int())
                         : dp.as_double();
          if (no_value(dp.flags()) || !Finite(v) || name.empty()) {
            ++call.dropped;
            continue;
          }
          int resolution = BuildLabels(call, ri, dp.attributes(), scope);
          if (cumulative) {
            DeltaKey(call, ri, kind, name);
            if (!ToDelta(call.key, dp.start_time_unix_nano(), m.sum().is_monotonic(), v, nullptr,
                         call.now_ms)) {
              ++call.dropped;
              continue;
            }
          }
          Value value;
          value.number = v;
          Add(call, ri, kind, TimestampMs(dp.time_unix_nano(), call.now_ms), 0, call.labels, name,
              unit, resolution, std::move(value));
        }
        break;
      }
      case pm::Metric::kHistogram: {
        // Buckets are not sent (as Go). Cumulative Count and Sum become deltas like a Prometheus
        // summary's (Go sends them cumulative, CC#18245, so CloudWatch adds up running totals);
        // Min and Max stay as reported, there being no way to narrow them to the interval.
        const bool cumulative =
            m.histogram().aggregation_temporality() == pm::AGGREGATION_TEMPORALITY_CUMULATIVE;
        for (const pm::HistogramDataPoint& dp : m.histogram().data_points()) {
          if (no_value(dp.flags()) || !Finite(dp.sum()) || !Finite(dp.min()) || !Finite(dp.max()) ||
              name.empty()) {
            ++call.dropped;
            continue;
          }
          int resolution = BuildLabels(call, ri, dp.attributes(), scope);
          Value value;
          value.type = Value::Type::kStats;
          value.max = dp.max();
          value.min = dp.min();
          value.count = dp.count();
          value.sum = dp.sum();
          if (cumulative) {
            DeltaKey(call, ri, Kind::kHistogram, name);
            if (!ToDelta(call.key, dp.start_time_unix_nano(), true, value.sum, &value.count,
                         call.now_ms)) {
              ++call.dropped;
              continue;
            }
          }
          Add(call, ri, Kind::kHistogram, TimestampMs(dp.time_unix_nano(), call.now_ms), 0,
              call.labels, name, unit, resolution, std::move(value));
        }
        break;
      }
      case pm::Metric::kExponentialHistogram:
        for (const pm::ExponentialHistogramDataPoint& dp :
             m.exponential_histogram().data_points()) {
          if (no_value(dp.flags()) || !Finite(dp.sum()) || !Finite(dp.min()) || !Finite(dp.max()) ||
              name.empty()) {
            ++call.dropped;
            continue;
          }
          int resolution = BuildLabels(call, ri, dp.attributes(), scope);
          AddExponential(call, ri, dp, TimestampMs(dp.time_unix_nano(), call.now_ms), name, unit,
                         resolution);
        }
        break;
      case pm::Metric::kSummary:
        AddSummary(call, ri, scope, m, name, unit);
        break;
      case pm::Metric::DATA_NOT_SET:
        break;
    }
  }

  // Values are bucket midpoints in descending order (positive buckets from the top, zero, then
  // negative ones), split into events of ≤ 100 buckets: the batch index keeps them apart. As
  // CloudWatch adds the events up, Sum goes only to the first, the true Max to the first and the
  // true Min to the last; the others carry their own extreme midpoints.
  void AddExponential(Call& call, const ResourceInfo& ri,
                      const pm::ExponentialHistogramDataPoint& dp, int64_t ts,
                      std::string_view name, std::string_view unit, int resolution) {
    const double step = std::exp2(-static_cast<double>(dp.scale()));  // log2 of the bucket base
    std::vector<double> values, counts;
    const auto& pos = dp.positive().bucket_counts();
    for (int i = pos.size() - 1; i >= 0; --i) {
      if (pos[i] == 0) continue;
      const double index = static_cast<double>(dp.positive().offset()) + i;
      values.push_back((std::exp2(index * step) + std::exp2((index + 1) * step)) / 2);
      counts.push_back(static_cast<double>(pos[i]));
    }
    if (dp.zero_count() > 0) {
      values.push_back(0);
      counts.push_back(static_cast<double>(dp.zero_count()));
    }
    const auto& neg = dp.negative().bucket_counts();
    for (int i = 0; i < neg.size(); ++i) {
      if (neg[i] == 0) continue;
      const double index = static_cast<double>(dp.negative().offset()) + i;
      values.push_back(-(std::exp2(index * step) + std::exp2((index + 1) * step)) / 2);
      counts.push_back(static_cast<double>(neg[i]));
    }
    const double max = dp.has_max() ? dp.max() : (values.empty() ? 0 : values.front());
    const double min = dp.has_min() ? dp.min() : (values.empty() ? 0 : values.back());
    const size_t chunks =
        std::max<size_t>(1, (values.size() + kMaxBucketsPerEvent - 1) / kMaxBucketsPerEvent);
    for (size_t c = 0; c < chunks; ++c) {
      const size_t begin = c * kMaxBucketsPerEvent;
      const size_t end = std::min(values.size(), begin + kMaxBucketsPerEvent);
      Value value;
      value.type = Value::Type::kHistogram;
      if (chunks == 1) {
        value.values = std::move(values);
        value.counts = std::move(counts);
      } else {
        value.values.assign(values.begin() + begin, values.begin() + end);
        value.counts.assign(counts.begin() + begin, counts.begin() + end);
      }
      for (double n : value.counts) value.count += static_cast<uint64_t>(n);
      if (chunks == 1) value.count = dp.count();
      value.sum = c == 0 ? dp.sum() : 0;
      value.max = c == 0 ? max : value.values.front();
      value.min = c + 1 == chunks ? min : value.values.back();
      Add(call, ri, Kind::kExponentialHistogram, ts, static_cast<uint32_t>(c), call.labels, name,
          unit, resolution, std::move(value));
    }
  }

  void AddSummary(Call& call, const ResourceInfo& ri, std::string_view scope, const pm::Metric& m,
                  std::string_view name, std::string_view unit) {
    std::string_view sum_name, count_name;
    if (options.detailed_metrics) {
      sum_name = call.NewString().append(name).append("_sum");
      count_name = call.NewString().append(name).append("_count");
    }
    for (const pm::SummaryDataPoint& dp : m.summary().data_points()) {
      bool finite = Finite(dp.sum());
      for (const auto& q : dp.quantile_values())
        finite = finite && Finite(q.value()) && Finite(q.quantile());
      if ((dp.flags() & pm::DATA_POINT_FLAGS_NO_RECORDED_VALUE_MASK) != 0 || !finite ||
          name.empty()) {
        ++call.dropped;
        continue;
      }
      int resolution = BuildLabels(call, ri, dp.attributes(), scope);
      double sum = dp.sum();
      uint64_t count = dp.count();
      // Summaries from the Prometheus receiver carry cumulative sum and count (as Go).
      if (ri.prometheus) {
        DeltaKey(call, ri, Kind::kSummary, name);
        if (!ToDelta(call.key, dp.start_time_unix_nano(), true, sum, &count, call.now_ms)) {
          ++call.dropped;
          continue;
        }
      }
      const int64_t ts = TimestampMs(dp.time_unix_nano(), call.now_ms);
      if (!options.detailed_metrics) {
        Value value;
        value.type = Value::Type::kStats;
        value.count = count;
        value.sum = sum;
        if (dp.quantile_values_size() > 0) {
          value.min = dp.quantile_values(0).value();
          value.max = dp.quantile_values(dp.quantile_values_size() - 1).value();
        }
        Add(call, ri, Kind::kSummary, ts, 0, call.labels, name, unit, resolution, std::move(value));
        continue;
      }
      Value sum_value, count_value;
      sum_value.number = sum;
      count_value.number = static_cast<double>(count);
      Add(call, ri, Kind::kSummary, ts, 0, call.labels, sum_name, unit, resolution,
          std::move(sum_value));
      Add(call, ri, Kind::kSummary, ts, 0, call.labels, count_name, unit, resolution,
          std::move(count_value));
      // One point per quantile, labelled with it (replacing an attribute of that name).
      std::vector<Label> labels = call.labels;
      auto at = std::lower_bound(labels.begin(), labels.end(), std::string_view("quantile"),
                                 [](const Label& l, std::string_view k) { return l.key < k; });
      if (at == labels.end() || at->key != "quantile")
        at = labels.insert(at, Label{"quantile", {}});
      for (const auto& q : dp.quantile_values()) {
        std::string& text = call.NewString();
        AppendShortestDouble(q.quantile(), text);
        at->value = text;
        Value value;
        value.number = q.value();
        Add(call, ri, Kind::kSummary, ts, 0, labels, name, unit, resolution, std::move(value));
      }
    }
  }

  // ---- documents ----

  using DimSet = std::vector<std::string_view>;

  std::vector<DimSet> Rollup(const std::vector<Label>& labels) const {
    std::vector<DimSet> out;
    if (options.dimension_rollup == DimensionRollup::kNone) return out;
    DimSet zero;
    if (HasLabel(labels, kOTelLib)) zero.push_back(kOTelLib);
    if (options.dimension_rollup == DimensionRollup::kZeroAndSingleDimension && !labels.empty())
      out.push_back(zero);
    for (const Label& l : labels) {
      if (l.key == kOTelLib) continue;
      DimSet one = zero;
      one.push_back(l.key);
      out.push_back(std::move(one));
    }
    return out;
  }

  static bool HasLabel(const std::vector<Label>& labels, std::string_view key) {
    return std::binary_search(labels.begin(), labels.end(), Label{key, {}},
                              [](const Label& a, const Label& b) { return a.key < b.key; });
  }

  struct Measurement {
    std::vector<DimSet> dimensions;
    std::vector<size_t> entries;
  };

  bool MatchesLabels(CompiledDeclaration& d, const std::vector<Label>& labels,
                     std::string& scratch) {
    if (d.matchers.empty()) return true;
    for (CompiledMatcher& m : d.matchers) {
      scratch.clear();
      for (size_t i = 0; i < m.label_names.size(); ++i) {
        if (i > 0) scratch += m.separator;
        scratch += FindLabel(labels, m.label_names[i]);
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

  std::vector<Measurement> Measurements(Call& call, const Group& g) {
    std::vector<Measurement> out;
    if (declarations.empty()) {
      Measurement& m = out.emplace_back();
      DimSet all;
      for (const Label& l : g.labels) all.push_back(l.key);
      std::vector<DimSet> rollup = Rollup(g.labels);
      // One label (besides OTelLib): its full set would repeat a rollup set.
      const bool single =
          g.labels.size() <= 1 || (g.labels.size() == 2 && HasLabel(g.labels, kOTelLib));
      if (rollup.empty() || !single) m.dimensions.push_back(std::move(all));
      for (DimSet& d : rollup) m.dimensions.push_back(std::move(d));
      for (size_t i = 0; i < g.entries.size(); ++i) m.entries.push_back(i);
      return out;
    }
    std::vector<std::vector<uint32_t>> keys;  // matched declarations of out[i]
    {
      std::lock_guard<std::mutex> lock(decl_mu);
      std::vector<bool> label_ok(declarations.size());
      std::string scratch;
      for (size_t d = 0; d < declarations.size(); ++d)
        label_ok[d] = MatchesLabels(declarations[d], g.labels, scratch);
      std::vector<uint32_t> matched;
      for (size_t i = 0; i < g.entries.size(); ++i) {
        matched.clear();
        for (uint32_t d : NameMatches(g.entries[i].name)) {
          if (label_ok[d]) matched.push_back(d);
        }
        if (matched.empty()) {
          ++call.dropped;
          continue;
        }
        auto it = std::find(keys.begin(), keys.end(), matched);
        if (it == keys.end()) {
          keys.push_back(matched);
          out.emplace_back();
          it = keys.end() - 1;
        }
        out[it - keys.begin()].entries.push_back(i);
      }
    }
    const std::vector<DimSet> rollup = Rollup(g.labels);
    for (size_t k = 0; k < out.size(); ++k) {
      std::vector<DimSet>& dims = out[k].dimensions;
      for (uint32_t d : keys[k]) {
        for (const std::vector<std::string>& set : declarations[d].dimensions) {
          if (std::all_of(set.begin(), set.end(),
                          [&](const std::string& key) { return HasLabel(g.labels, key); })) {
            dims.emplace_back(set.begin(), set.end());
          }
        }
      }
      dims.insert(dims.end(), rollup.begin(), rollup.end());
      // De-duplicate by content (the order inside a set does not matter to CloudWatch).
      std::vector<DimSet> seen;
      std::vector<DimSet> unique;
      for (DimSet& set : dims) {
        DimSet sorted = set;
        std::sort(sorted.begin(), sorted.end());
        if (std::find(seen.begin(), seen.end(), sorted) != seen.end()) continue;
        seen.push_back(std::move(sorted));
        unique.push_back(std::move(set));
      }
      dims = std::move(unique);
      if (dims.empty()) call.dropped += out[k].entries.size();
    }
    std::erase_if(out, [](const Measurement& m) { return m.dimensions.empty(); });
    return out;
  }

  static void WriteValue(const Value& v, common::JsonWriter& w) {
    if (v.type == Value::Type::kNumber) {
      w.Double(v.number);
      return;
    }
    w.BeginObject();
    if (v.type == Value::Type::kHistogram) {
      w.Key("Values");
      w.BeginArray();
      for (double x : v.values) w.Double(x);
      w.EndArray();
      w.Key("Counts");
      w.BeginArray();
      for (double x : v.counts) w.Double(x);
      w.EndArray();
    }
    w.Key("Max");
    w.Double(v.max);
    w.Key("Min");
    w.Double(v.min);
    w.Key("Count");
    w.Uint64(v.count);
    w.Key("Sum");
    w.Double(v.sum);
    w.EndObject();
  }

  static void WriteDirectives(const Group& g, const std::vector<Measurement>& ms,
                              common::JsonWriter& w) {
    w.BeginArray();
    for (const Measurement& m : ms) {
      w.BeginObject();
      w.Key("Namespace");
      w.String(g.namespace_name);
      w.Key("Dimensions");
      w.BeginArray();
      for (const DimSet& set : m.dimensions) {
        w.BeginArray();
        for (std::string_view k : set) w.String(k);
        w.EndArray();
      }
      w.EndArray();
      w.Key("Metrics");
      w.BeginArray();
      for (size_t i : m.entries) {
        const Entry& e = g.entries[i];
        w.BeginObject();
        w.Key("Name");
        w.String(e.name);
        w.Key("Unit");
        w.String(e.unit);
        w.Key("StorageResolution");
        w.Int64(e.storage_resolution);
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
  }

  // A directive holds at most 100 metrics (EMF): a larger group becomes several documents, the
  // n-th holding the n-th hundred of each directive (Go writes one document CloudWatch rejects).
  void Emit(Call& call, const Group& g, std::vector<EmfEvent>& out) {
    std::vector<Measurement> ms = Measurements(call, g);
    size_t largest = 0;
    for (const Measurement& m : ms) largest = std::max(largest, m.entries.size());
    if (largest <= kMaxMetricsPerDirective) {
      if (!ms.empty()) EmitDocument(g, ms, out);
      return;
    }
    for (size_t begin = 0; begin < largest; begin += kMaxMetricsPerDirective) {
      std::vector<Measurement> part;
      for (const Measurement& m : ms) {
        if (begin >= m.entries.size()) continue;
        Measurement& p = part.emplace_back();
        p.dimensions = m.dimensions;
        p.entries.assign(
            m.entries.begin() + begin,
            m.entries.begin() + std::min(m.entries.size(), begin + kMaxMetricsPerDirective));
      }
      EmitDocument(g, part, out);
    }
  }

  void EmitDocument(const Group& g, const std::vector<Measurement>& ms,
                    std::vector<EmfEvent>& out) {
    // Root members, sorted by key as Go's map marshalling; on equal keys the later kind wins
    // (labels < metric values < prom_metric_type < document fields), as Go fills its map.
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
      size_t index;
    };
    std::vector<Field> fields;
    fields.reserve(g.labels.size() + g.entries.size() + 3);
    for (size_t i = 0; i < g.labels.size(); ++i) fields.push_back({g.labels[i].key, kLabel, i});
    for (const Measurement& m : ms) {
      for (size_t i : m.entries) fields.push_back({g.entries[i].name, kMetric, i});
    }
    if (g.prometheus) fields.push_back({"prom_metric_type", kPromType, 0});
    fields.push_back({"Version", kVersion, 0});
    if (options.version == "0") {
      fields.push_back({"CloudWatchMetrics", kCloudWatchMetrics, 0});
      fields.push_back({"Timestamp", kTimestamp, 0});
    } else {
      fields.push_back({"_aws", kAws, 0});
    }
    std::sort(fields.begin(), fields.end(), [](const Field& a, const Field& b) {
      if (a.key != b.key) return a.key < b.key;
      return a.kind != b.kind ? a.kind < b.kind : a.index < b.index;
    });

    EmfEvent& ev = out.emplace_back();
    ev.log_group = g.log_group;
    ev.log_stream = g.log_stream;
    ev.timestamp_ms = g.timestamp_ms;
    ev.message.reserve(256 + 64 * fields.size());
    common::JsonWriter w(ev.message);
    w.BeginObject();
    for (size_t i = 0; i < fields.size(); ++i) {
      const Field& f = fields[i];
      if (i + 1 < fields.size() && fields[i + 1].key == f.key) continue;
      w.Key(f.key);
      switch (f.kind) {
        case kLabel:
          w.String(g.labels[f.index].value);
          break;
        case kMetric:
          WriteValue(g.entries[f.index].value, w);
          break;
        case kPromType:
          w.String(PromType(g.kind));
          break;
        case kVersion:
          w.String(options.version);
          break;
        case kCloudWatchMetrics:
          WriteDirectives(g, ms, w);
          break;
        case kTimestamp: {
          char buf[24];
          w.String(std::string_view(
              buf, std::to_chars(buf, buf + sizeof buf, g.timestamp_ms).ptr - buf));
          break;
        }
        case kAws:
          w.BeginObject();
          w.Key("CloudWatchMetrics");
          WriteDirectives(g, ms, w);
          w.Key("Timestamp");
          w.Int64(g.timestamp_ms);
          w.EndObject();
          break;
      }
    }
    w.EndObject();
  }

  size_t Translate(const MetricsRequest& request, std::vector<EmfEvent>& out, int64_t now_ms) {
    SweepDeltas(now_ms);
    Call call;
    call.now_ms = now_ms;
    for (const pm::ResourceMetrics& rm : request.resource_metrics()) {
      const ResourceInfo& ri = Resource(call, rm);
      for (const pm::ScopeMetrics& sm : rm.scope_metrics()) {
        for (const pm::Metric& m : sm.metrics()) AddMetric(call, ri, sm.scope().name(), m);
      }
    }
    for (const Group& g : call.groups) Emit(call, g, out);
    return call.dropped;
  }
};

EmfTranslator::EmfTranslator(EmfOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
EmfTranslator::~EmfTranslator() = default;
EmfTranslator::EmfTranslator(EmfTranslator&&) noexcept = default;
EmfTranslator& EmfTranslator::operator=(EmfTranslator&&) noexcept = default;

size_t EmfTranslator::Translate(const MetricsRequest& request, std::vector<EmfEvent>& out,
                                int64_t now_ms) {
  return impl_->Translate(request, out, now_ms);
}

}  // namespace adot::collector::awsemf
