#include "collector/processors/attributes/attributes_processor.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "collector/core/attr_actions.h"
#include "collector/core/attr_wire.h"
#include "collector/core/logger.h"

namespace adot::collector {
namespace {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::InstrumentationScope;
using opentelemetry::proto::common::v1::KeyValue;
using opentelemetry::proto::resource::v1::Resource;

// ---- include / exclude (the Go collector's filterconfig.MatchProperties) ----

// Go strconv.FormatFloat(f, 'f', -1, 64): the shortest decimal that reads back, never an exponent.
std::string FormatDouble(double d) {
  char buf[400];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  return r.ec == std::errc() ? std::string(buf, r.ptr) : std::to_string(d);
}

void AppendJsonString(std::string& out, const std::string& s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char u[8];
          std::snprintf(u, sizeof u, "\\u%04x", c);
          out += u;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string Base64(const std::string& in) {
  static const char k[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += k[(v >> s) & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += k[(v >> 18) & 63];
    out += k[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += k[(v >> 18) & 63];
    out += k[(v >> 12) & 63];
    out += k[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

void AppendJson(std::string& out, const AnyValue& v);

// Go pcommon.Value.AsString: strings as they are, numbers and bools in Go's formatting, bytes as
// base64, maps and slices as JSON, an empty value as "".
std::string ValueAsString(const AnyValue& v) {
  switch (v.value_case()) {
    case AnyValue::kStringValue: return v.string_value();
    case AnyValue::kBoolValue: return v.bool_value() ? "true" : "false";
    case AnyValue::kIntValue: return std::to_string(v.int_value());
    case AnyValue::kDoubleValue: return FormatDouble(v.double_value());
    case AnyValue::kBytesValue: return Base64(v.bytes_value());
    case AnyValue::kArrayValue:
    case AnyValue::kKvlistValue: {
      std::string out;
      AppendJson(out, v);
      return out;
    }
    default: return "";
  }
}

void AppendJson(std::string& out, const AnyValue& v) {
  switch (v.value_case()) {
    case AnyValue::kStringValue:
    case AnyValue::kBytesValue: AppendJsonString(out, ValueAsString(v)); break;
    case AnyValue::kArrayValue: {
      out += '[';
      bool first = true;
      for (const auto& e : v.array_value().values()) {
        if (!first) out += ',';
        first = false;
        AppendJson(out, e);
      }
      out += ']';
      break;
    }
    case AnyValue::kKvlistValue: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.kvlist_value().values()) {
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, kv.key());
        out += ':';
        AppendJson(out, kv.value());
      }
      out += '}';
      break;
    }
    case AnyValue::VALUE_NOT_SET: out += "null"; break;
    default: out += ValueAsString(v);
  }
}

const AnyValue* FindAttr(const KeyValues& attrs, const std::string& key) {
  for (const auto& kv : attrs)
    if (kv.key() == key) return &kv.value();
  return nullptr;
}

// A list of strings matched exactly (strict) or by regular expression (regexp: a search, as Go's
// MatchString). Matches when any item matches.
struct StringSet {
  bool regexp = false;
  std::vector<std::string> items;
  std::vector<GoRegex> res;
  bool Matches(const std::string& s) const {
    if (!regexp) return std::find(items.begin(), items.end(), s) != items.end();
    for (const auto& r : res)
      if (std::regex_search(s, r.re)) return true;
    return false;
  }
};

struct AttrMatcher {
  std::string key;
  std::optional<AnyValue> strict;  // strict: same type and value
  std::optional<GoRegex> re;       // regexp: on the value as a string (str, bool, int, double)
  bool Matches(const AnyValue& v) const {
    if (re) {
      switch (v.value_case()) {
        case AnyValue::kStringValue:
        case AnyValue::kBoolValue:
        case AnyValue::kIntValue:
        case AnyValue::kDoubleValue: return std::regex_search(ValueAsString(v), re->re);
        default: return false;
      }
    }
    if (strict) {
      if (strict->value_case() != v.value_case()) return false;
      switch (v.value_case()) {
        case AnyValue::kStringValue: return strict->string_value() == v.string_value();
        case AnyValue::kBoolValue: return strict->bool_value() == v.bool_value();
        case AnyValue::kIntValue: return strict->int_value() == v.int_value();
        case AnyValue::kDoubleValue: return strict->double_value() == v.double_value();
        default: return strict->SerializeAsString() == v.SerializeAsString();
      }
    }
    return true;  // no value: the key being present is enough
  }
};

// Every listed attribute must be present (and match its value, when one is given).
bool MatchAll(const std::vector<AttrMatcher>& matchers, const KeyValues& attrs) {
  for (const auto& m : matchers) {
    const AnyValue* v = FindAttr(attrs, m.key);
    if (!v || !m.Matches(*v)) return false;
  }
  return true;
}

struct LibraryMatcher {
  StringSet name;
  std::optional<StringSet> version;
};

struct MatchProperties {
  bool present = false;
  std::string path;  // "processors.attributes.include"
  std::optional<StringSet> services, span_names, span_kinds, log_bodies, log_severity_texts, metric_names;
  std::vector<AttrMatcher> attributes, resources;
  std::vector<LibraryMatcher> libraries;
  bool has_severity = false;
  int severity_min = 0;
  bool severity_match_undefined = false;
  std::string invalid[3];  // per signal: why these properties cannot be used there ("" = valid)

  bool MatchCommon(const KeyValues& attrs, const Resource& resource, const InstrumentationScope& scope) const {
    // As Go's filtermatcher: every listed library, every listed resource attribute and every
    // listed attribute must match.
    for (const auto& l : libraries) {
      if (!l.name.Matches(scope.name())) return false;
      if (l.version && !l.version->Matches(scope.version())) return false;
    }
    if (!resources.empty() && !MatchAll(resources, resource.attributes())) return false;
    return MatchAll(attributes, attrs);
  }

  bool MatchSpan(const opentelemetry::proto::trace::v1::Span& span, const Resource& resource,
                 const InstrumentationScope& scope) const {
    if (services) {
      const AnyValue* sn = FindAttr(resource.attributes(), "service.name");
      if (!services->Matches(sn ? ValueAsString(*sn) : "<nil-service-name>")) return false;
    }
    if (span_names && !span_names->Matches(span.name())) return false;
    if (span_kinds) {
      const std::string& kind = opentelemetry::proto::trace::v1::Span::SpanKind_Name(span.kind());
      if (!span_kinds->Matches(kind)) return false;
    }
    return MatchCommon(span.attributes(), resource, scope);
  }

  bool MatchLog(const opentelemetry::proto::logs::v1::LogRecord& rec, const Resource& resource,
                const InstrumentationScope& scope) const {
    if (log_bodies && !log_bodies->Matches(ValueAsString(rec.body()))) return false;
    if (log_severity_texts && !log_severity_texts->Matches(rec.severity_text())) return false;
    if (has_severity) {
      int n = rec.severity_number();
      bool ok = n == 0 ? severity_match_undefined : n >= severity_min;
      if (!ok) return false;
    }
    return MatchCommon(rec.attributes(), resource, scope);
  }

  // Go (filtermetric): only metric_names are matched; without them there is no condition.
  bool HasMetricCondition() const { return metric_names.has_value(); }
  bool MatchMetric(const opentelemetry::proto::metrics::v1::Metric& m) const { return metric_names->Matches(m.name()); }
};

bool ParseSeverity(const std::string& s, int& out) {
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (!s.empty() && *end == '\0') {
    if (v < 0 || v > 24) return false;
    out = static_cast<int>(v);
    return true;
  }
  std::string up;
  for (char c : s) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const char* kNames[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
  for (int i = 0; i < 6; ++i) {
    std::string base = kNames[i];
    for (int j = 0; j < 4; ++j) {
      std::string name = j == 0 ? base : base + std::to_string(j + 1);
      if (up == name || up == "SEVERITY_NUMBER_" + name) {
        out = i * 4 + j + 1;
        return true;
      }
    }
  }
  return false;
}

std::optional<StringSet> ParseStringSet(ConfigReader& r, const char* key, bool regexp) {
  bool present = r.Has(key);
  std::vector<std::string> items = r.StringList(key);
  if (!present || items.empty()) return std::nullopt;
  StringSet set;
  set.regexp = regexp;
  for (size_t i = 0; i < items.size(); ++i) {
    if (regexp) {
      GoRegex re;
      std::string error;
      if (CompileGoRegex(items[i], re, error))
        set.res.push_back(std::move(re));
      else
        r.Error(std::string(key) + "[" + std::to_string(i) + "]", "invalid regular expression: " + error);
    }
  }
  set.items = std::move(items);
  return set;
}

std::vector<AttrMatcher> ParseAttrMatchers(ConfigReader& r, const char* key, bool regexp) {
  std::vector<AttrMatcher> out;
  YAML::Node list = r.Raw(key);
  if (!list.IsDefined() || list.IsNull()) return out;
  if (!list.IsSequence()) {
    r.Error(key, "must be a list of {key, value}");
    return out;
  }
  size_t i = 0;
  for (auto item : list) {
    ConfigReader ir(item, r.KeyPath(key) + "[" + std::to_string(i++) + "]", r.errors());
    AttrMatcher m;
    m.key = ir.String("key");
    if (m.key.empty()) ir.Error("key", "must not be empty");
    YAML::Node value = ir.Raw("value");
    if (value.IsDefined() && !value.IsNull()) {
      if (!value.IsScalar()) {
        ir.Error("value", "must be a scalar");
      } else {
        AnyValue v = AnyValueFromYaml(value);
        if (regexp) {
          if (!v.has_string_value()) {
            ir.Error("value", "match_type regexp only supports string values (quote it)");
          } else {
            GoRegex re;
            std::string error;
            if (CompileGoRegex(v.string_value(), re, error)) m.re = std::move(re);
            else ir.Error("value", "invalid regular expression: " + error);
          }
        } else {
          m.strict = std::move(v);
        }
      }
    }
    ir.Finish();
    out.push_back(std::move(m));
  }
  return out;
}

MatchProperties ParseMatchProperties(ConfigReader& parent, const char* which) {
  MatchProperties mp;
  if (!parent.Has(which)) return mp;
  YAML::Node node = parent.Raw(which);
  mp.present = true;
  mp.path = parent.KeyPath(which);
  ConfigReader r(node, mp.path, parent.errors());
  size_t errors_before = parent.errors()->list().size();
  if (node.IsNull()) {
    r.Error("", "must set match_type and at least one property to match");
    return mp;
  }
  if (!node.IsMap()) return mp;  // the reader has reported "must be a mapping"
  std::string match_type = r.String("match_type");
  bool regexp = match_type == "regexp";
  if (match_type.empty()) r.Error("match_type", "must be set (strict or regexp)");
  else if (match_type != "strict" && match_type != "regexp")
    r.Error("match_type", "must be strict or regexp, got \"" + match_type + "\"");
  {
    ConfigReader re = r.Child("regexp");  // Go's match cache options: accepted, not needed here
    re.Bool("cacheenabled", false);
    re.Int("cachemaxnumentries", 0, 0);
    re.Finish();
  }
  mp.services = ParseStringSet(r, "services", regexp);
  mp.span_names = ParseStringSet(r, "span_names", regexp);
  mp.span_kinds = ParseStringSet(r, "span_kinds", regexp);
  mp.log_bodies = ParseStringSet(r, "log_bodies", regexp);
  mp.log_severity_texts = ParseStringSet(r, "log_severity_texts", regexp);
  mp.metric_names = ParseStringSet(r, "metric_names", regexp);
  mp.attributes = ParseAttrMatchers(r, "attributes", regexp);
  mp.resources = ParseAttrMatchers(r, "resources", regexp);
  {
    YAML::Node libs = r.Raw("libraries");
    if (libs.IsDefined() && !libs.IsNull()) {
      if (!libs.IsSequence()) {
        r.Error("libraries", "must be a list of {name, version}");
      } else {
        size_t i = 0;
        for (auto item : libs) {
          ConfigReader lr(item, r.KeyPath("libraries") + "[" + std::to_string(i++) + "]", r.errors());
          LibraryMatcher lm;
          lm.name.regexp = regexp;
          std::string name = lr.String("name");
          bool has_version = lr.Has("version") && !lr.Raw("version").IsNull();
          std::string version = lr.String("version");
          auto add = [&](StringSet& set, const std::string& text, const char* key) {
            set.regexp = regexp;
            set.items.push_back(text);
            if (!regexp) return;
            GoRegex re;
            std::string error;
            if (CompileGoRegex(text, re, error)) set.res.push_back(std::move(re));
            else lr.Error(key, "invalid regular expression: " + error);
          };
          add(lm.name, name, "name");
          if (has_version) {
            lm.version.emplace();
            add(*lm.version, version, "version");
          }
          lr.Finish();
          mp.libraries.push_back(std::move(lm));
        }
      }
    }
  }
  if (r.Has("log_severity_number") && !r.Raw("log_severity_number").IsNull()) {
    ConfigReader sr = r.Child("log_severity_number");
    mp.has_severity = true;
    std::string min = sr.String("min", "0");
    if (!ParseSeverity(min, mp.severity_min))
      sr.Error("min", "must be a severity number 0-24 or a name such as INFO or WARN2, got \"" + min + "\"");
    mp.severity_match_undefined = sr.Bool("match_undefined", false);
    sr.Finish();
  } else {
    r.Raw("log_severity_number");
  }
  for (const char* k : {"expressions", "resource_attributes"})
    if (r.Has(k)) {
      r.Raw(k);
      r.Error(k, "is not supported by the attributes processor");
    }
  r.Finish();

  if (mp.span_kinds && !regexp) {
    static const char* kKinds[] = {"SPAN_KIND_CLIENT", "SPAN_KIND_CONSUMER", "SPAN_KIND_INTERNAL", "SPAN_KIND_PRODUCER",
                                   "SPAN_KIND_SERVER"};
    for (size_t i = 0; i < mp.span_kinds->items.size(); ++i) {
      const auto& k = mp.span_kinds->items[i];
      if (std::find(std::begin(kKinds), std::end(kKinds), k) == std::end(kKinds))
        r.Error("span_kinds[" + std::to_string(i) + "]",
                "must be one of SPAN_KIND_CLIENT, SPAN_KIND_CONSUMER, SPAN_KIND_INTERNAL, SPAN_KIND_PRODUCER, "
                "SPAN_KIND_SERVER with match_type strict, got \"" + k + "\"");
    }
  }

  // Which signals these properties apply to (Go: ValidateForSpans / ValidateForLogs / ValidateForMetrics).
  auto list = [](std::initializer_list<std::pair<const char*, bool>> fields) {
    std::string s;
    for (const auto& [name, set] : fields)
      if (set) s += (s.empty() ? "" : ", ") + std::string(name);
    return s;
  };
  const bool svc = mp.services.has_value(), names = mp.span_names.has_value(), kinds = mp.span_kinds.has_value(),
             bodies = mp.log_bodies.has_value(), texts = mp.log_severity_texts.has_value(),
             sev = mp.has_severity, metrics = mp.metric_names.has_value(), attrs = !mp.attributes.empty(),
             res = !mp.resources.empty(), libs = !mp.libraries.empty();
  std::string bad_t = list({{"log_bodies", bodies}, {"log_severity_texts", texts}, {"log_severity_number", sev},
                            {"metric_names", metrics}});
  if (!bad_t.empty()) mp.invalid[0] = bad_t + " cannot be used with traces";
  else if (!(svc || names || kinds || attrs || res || libs))
    mp.invalid[0] = "traces need at least one of services, span_names, span_kinds, attributes, resources, libraries";
  std::string bad_m = list({{"services", svc}, {"span_names", names}, {"span_kinds", kinds}, {"log_bodies", bodies},
                            {"log_severity_texts", texts}, {"log_severity_number", sev}, {"attributes", attrs},
                            {"libraries", libs}});
  if (!bad_m.empty()) mp.invalid[1] = bad_m + " cannot be used with metrics";
  else if (!(metrics || res)) mp.invalid[1] = "metrics need metric_names or resources";
  std::string bad_l = list({{"services", svc}, {"span_names", names}, {"span_kinds", kinds}, {"metric_names", metrics}});
  if (!bad_l.empty()) mp.invalid[2] = bad_l + " cannot be used with logs";
  else if (!(attrs || res || libs || bodies || texts || sev))
    mp.invalid[2] = "logs need at least one of log_bodies, log_severity_texts, log_severity_number, attributes, "
                    "resources, libraries";
  if (parent.errors()->list().size() == errors_before && !mp.invalid[0].empty() && !mp.invalid[1].empty() &&
      !mp.invalid[2].empty()) {
    if (!(svc || names || kinds || bodies || texts || sev || metrics || attrs || res || libs))
      r.Error("", "must set at least one property to match besides match_type");
    else
      r.Error("", "these properties cannot be used together with any signal: " + mp.invalid[0] + "; " +
                      mp.invalid[1] + "; " + mp.invalid[2]);
  }
  return mp;
}

struct AttributesConfig : ComponentConfig {
  std::vector<AttrAction> actions;
  MatchProperties include, exclude;
};

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<AttributesConfig>();
  c->actions = ParseAttrActions(r, "actions");
  if (c->actions.empty() && r.errors()->empty()) r.Error("actions", "must have at least one action");
  c->include = ParseMatchProperties(r, "include");
  c->exclude = ParseMatchProperties(r, "exclude");
  r.Finish();
  return c;
}

template <typename Points>
void ApplyToPoints(const std::vector<AttrAction>& a, Points& points) {
  for (auto& p : points) ApplyAttrActions(a, *p.mutable_attributes());
}

class AttributesProcessor : public Processor {
 public:
  AttributesProcessor(const AttributesConfig& c, std::shared_ptr<Consumer> next) : cfg_(c), next_(std::move(next)) {
    inc_ = cfg_.include.present ? &cfg_.include : nullptr;
    exc_ = cfg_.exclude.present ? &cfg_.exclude : nullptr;
    // Go (filtermetric) matches metrics by name only: without metric_names there is no condition.
    inc_metric_ = inc_ && inc_->HasMetricCondition() ? inc_ : nullptr;
    exc_metric_ = exc_ && exc_->HasMetricCondition() ? exc_ : nullptr;
    if (!inc_ && !exc_) wire_ = WireAttrActions::Compile(cfg_.actions);
  }
  // The wire path writes a new batch and leaves the one it got alone; the decoded path copies a
  // shared (read-only) batch before changing it.
  bool MutatesData() const override { return !wire_; }
  Status Consume(PData data) override {
    if (wire_ && data.signal() != Signal::kMetrics && data.has_bytes()) {
      // Spans and log records still in their received encoding: rewritten on the wire. Bytes this
      // path does not reproduce exactly fall through to the decoded path.
      std::string scratch, rewritten;
      PData out;
      if (wire_->Apply(data.signal(), data.ProtoBytes(scratch), rewritten) &&
          PData::FromProtoBytes(data.signal(), std::move(rewritten), out).ok())
        return next_->Consume(std::move(out));
    }
    if (data.read_only()) data = data.Clone();
    const auto& a = cfg_.actions;
    switch (data.signal()) {
      case Signal::kTraces:
        if (auto* t = data.MutableTraces())
          for (auto& rs : *t->mutable_resource_spans())
            for (auto& ss : *rs.mutable_scope_spans())
              for (auto& s : *ss.mutable_spans()) {
                if ((inc_ && !inc_->MatchSpan(s, rs.resource(), ss.scope())) ||
                    (exc_ && exc_->MatchSpan(s, rs.resource(), ss.scope())))
                  continue;
                ApplyAttrActions(a, *s.mutable_attributes());
              }
        break;
      case Signal::kLogs:
        if (auto* l = data.MutableLogs())
          for (auto& rl : *l->mutable_resource_logs())
            for (auto& sl : *rl.mutable_scope_logs())
              for (auto& rec : *sl.mutable_log_records()) {
                if ((inc_ && !inc_->MatchLog(rec, rl.resource(), sl.scope())) ||
                    (exc_ && exc_->MatchLog(rec, rl.resource(), sl.scope())))
                  continue;
                ApplyAttrActions(a, *rec.mutable_attributes());
              }
        break;
      case Signal::kMetrics:
        if (auto* m = data.MutableMetrics())
          for (auto& rm : *m->mutable_resource_metrics())
            for (auto& sm : *rm.mutable_scope_metrics())
              for (auto& metric : *sm.mutable_metrics()) {
                if ((inc_metric_ && !inc_metric_->MatchMetric(metric)) ||
                    (exc_metric_ && exc_metric_->MatchMetric(metric)))
                  continue;
                if (metric.has_gauge()) ApplyToPoints(a, *metric.mutable_gauge()->mutable_data_points());
                else if (metric.has_sum()) ApplyToPoints(a, *metric.mutable_sum()->mutable_data_points());
                else if (metric.has_histogram()) ApplyToPoints(a, *metric.mutable_histogram()->mutable_data_points());
                else if (metric.has_exponential_histogram())
                  ApplyToPoints(a, *metric.mutable_exponential_histogram()->mutable_data_points());
                else if (metric.has_summary()) ApplyToPoints(a, *metric.mutable_summary()->mutable_data_points());
              }
        break;
    }
    return next_->Consume(std::move(data));
  }

 private:
  AttributesConfig cfg_;
  std::shared_ptr<Consumer> next_;
  const MatchProperties* inc_ = nullptr;
  const MatchProperties* exc_ = nullptr;
  std::optional<WireAttrActions> wire_;  // set when every action has a wire form and nothing is matched
  const MatchProperties* inc_metric_ = nullptr;
  const MatchProperties* exc_metric_ = nullptr;
};

}  // namespace

Factory AttributesProcessorFactory() {
  Factory f;
  f.kind = Kind::kProcessor;
  f.type = "attributes";
  f.stability = "beta";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.parse = Parse;
  f.create_processor = [](const ComponentConfig& c, const CreateSettings& s,
                          std::shared_ptr<Consumer> next) -> std::shared_ptr<Processor> {
    const auto& cfg = static_cast<const AttributesConfig&>(c);
    // Which properties apply depends on the pipeline's signal, known only here (as in Go, where
    // the check runs when the processor is created for a signal).
    bool ok = true;
    for (const MatchProperties* mp : {&cfg.include, &cfg.exclude}) {
      if (!mp->present) continue;
      const std::string& why = mp->invalid[static_cast<int>(s.signal)];
      if (!why.empty()) {
        Log(LogLevel::kError, "processor " + s.id, mp->path + ": " + why + " (pipeline " + s.pipeline + ")");
        ok = false;
      }
      if (s.signal == Signal::kMetrics && !mp->resources.empty())
        Log(LogLevel::kWarn, "processor " + s.id,
            mp->path + ".resources is not applied to metrics (the Go collector matches metrics by metric_names only)");
    }
    if (!ok) return nullptr;
    return std::make_shared<AttributesProcessor>(cfg, std::move(next));
  };
  return f;
}

}  // namespace adot::collector
