#include "collector/processors/filter/filter_processor.h"

#include "collector/processors/filter/ottl_condition.h"

namespace adot::collector {
namespace {

using opentelemetry::proto::common::v1::AnyValue;
using opentelemetry::proto::common::v1::KeyValue;
using Attrs = google::protobuf::RepeatedPtrField<KeyValue>;

// attributes["k"] / resource.attributes["k"]: the key, or empty if path is not of that form.
bool AttrKey(const std::string& path, const std::string& prefix, std::string& key) {
  std::string p = prefix + "[\"";
  if (path.rfind(p, 0) != 0 || path.size() < p.size() + 2 || path.compare(path.size() - 2, 2, "\"]") != 0)
    return false;
  key = path.substr(p.size(), path.size() - p.size() - 2);
  return true;
}

ottl::Value FromAny(const AnyValue& v) {
  switch (v.value_case()) {
    case AnyValue::kStringValue: return v.string_value();
    case AnyValue::kIntValue: return v.int_value();
    case AnyValue::kDoubleValue: return v.double_value();
    case AnyValue::kBoolValue: return v.bool_value();
    default: return ottl::Nil{};
  }
}

std::optional<ottl::Value> Lookup(const Attrs& attrs, const std::string& key) {
  for (const auto& kv : attrs)
    if (kv.key() == key) return FromAny(kv.value());
  return ottl::Value(ottl::Nil{});
}

enum class Ctx { kSpan, kLog, kMetric };

bool Known(Ctx ctx, const std::string& path) {
  std::string key;
  if (AttrKey(path, "resource.attributes", key)) return true;
  if (path == "instrumentation_scope.name" || path == "instrumentation_scope.version") return true;
  switch (ctx) {
    case Ctx::kSpan:
      return AttrKey(path, "attributes", key) || path == "name" || path == "kind" || path == "status.code" ||
             path == "status.message" || path == "start_time_unix_nano" || path == "end_time_unix_nano";
    case Ctx::kLog:
      return AttrKey(path, "attributes", key) || path == "body" || path == "severity_number" ||
             path == "severity_text" || path == "time_unix_nano";
    case Ctx::kMetric:
      return path == "name" || path == "description" || path == "unit" || path == "type";
  }
  return false;
}

struct FilterConfig : ComponentConfig {
  std::vector<std::shared_ptr<ottl::Condition>> spans, metrics, logs;
};

void ParseList(ConfigReader& r, const char* key, Ctx ctx, std::vector<std::shared_ptr<ottl::Condition>>& out) {
  auto list = r.StringList(key);
  for (size_t i = 0; i < list.size(); ++i) {
    std::string error;
    auto c = ottl::Parse(list[i], [ctx](const std::string& p) { return Known(ctx, p); }, error);
    if (!c) r.Error(std::string(key) + "[" + std::to_string(i) + "]", "invalid condition \"" + list[i] + "\": " + error);
    else out.push_back(std::move(c));
  }
}

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<FilterConfig>();
  std::string mode = r.String("error_mode", "propagate");
  if (mode != "propagate" && mode != "ignore" && mode != "silent")
    r.Error("error_mode", "must be propagate, ignore or silent");
  ConfigReader t = r.Child("traces");
  ParseList(t, "span", Ctx::kSpan, c->spans);
  if (t.Has("spanevent")) {
    t.Raw("spanevent");
    t.Error("spanevent", "span event conditions are not supported yet");
  }
  t.Finish();
  ConfigReader m = r.Child("metrics");
  ParseList(m, "metric", Ctx::kMetric, c->metrics);
  if (m.Has("datapoint")) {
    m.Raw("datapoint");
    m.Error("datapoint", "data point conditions are not supported yet");
  }
  m.Finish();
  ConfigReader l = r.Child("logs");
  ParseList(l, "log_record", Ctx::kLog, c->logs);
  l.Finish();
  r.Finish();
  return c;
}

bool Any(const std::vector<std::shared_ptr<ottl::Condition>>& conds, const ottl::PathResolver& res) {
  for (const auto& c : conds)
    if (c->Eval(res)) return true;
  return false;
}

template <typename Field, typename Pred>
void RemoveIf(Field* f, Pred drop) {
  int out = 0;
  for (int i = 0; i < f->size(); ++i)
    if (!drop(f->Get(i))) f->SwapElements(out++, i);
  f->DeleteSubrange(out, f->size() - out);
}

class FilterProcessor : public Processor {
 public:
  FilterProcessor(const FilterConfig& c, std::shared_ptr<Consumer> next) : cfg_(c), next_(std::move(next)) {}
  bool MutatesData() const override { return true; }

  Status Consume(PData data) override {
    const auto& conds = data.signal() == Signal::kTraces    ? cfg_.spans
                        : data.signal() == Signal::kMetrics ? cfg_.metrics
                                                            : cfg_.logs;
    if (conds.empty()) return next_->Consume(std::move(data));
    if (data.read_only()) data = data.Clone();
    if (auto* t = data.signal() == Signal::kTraces ? data.MutableTraces() : nullptr) {
      for (auto& rs : *t->mutable_resource_spans()) {
        for (auto& ss : *rs.mutable_scope_spans()) {
          RemoveIf(ss.mutable_spans(), [&](const auto& span) {
            return Any(conds, [&](const std::string& p) -> std::optional<ottl::Value> {
              std::string key;
              if (AttrKey(p, "resource.attributes", key)) return Lookup(rs.resource().attributes(), key);
              if (AttrKey(p, "attributes", key)) return Lookup(span.attributes(), key);
              if (p == "name") return span.name();
              if (p == "kind") return static_cast<int64_t>(span.kind());
              if (p == "status.code") return static_cast<int64_t>(span.status().code());
              if (p == "status.message") return span.status().message();
              if (p == "start_time_unix_nano") return static_cast<int64_t>(span.start_time_unix_nano());
              if (p == "end_time_unix_nano") return static_cast<int64_t>(span.end_time_unix_nano());
              if (p == "instrumentation_scope.name") return ss.scope().name();
              if (p == "instrumentation_scope.version") return ss.scope().version();
              return std::nullopt;
            });
          });
        }
        RemoveIf(rs.mutable_scope_spans(), [](const auto& ss) { return ss.spans_size() == 0; });
      }
      RemoveIf(t->mutable_resource_spans(), [](const auto& rs) { return rs.scope_spans_size() == 0; });
    } else if (auto* l = data.signal() == Signal::kLogs ? data.MutableLogs() : nullptr) {
      for (auto& rl : *l->mutable_resource_logs()) {
        for (auto& sl : *rl.mutable_scope_logs()) {
          RemoveIf(sl.mutable_log_records(), [&](const auto& rec) {
            return Any(conds, [&](const std::string& p) -> std::optional<ottl::Value> {
              std::string key;
              if (AttrKey(p, "resource.attributes", key)) return Lookup(rl.resource().attributes(), key);
              if (AttrKey(p, "attributes", key)) return Lookup(rec.attributes(), key);
              if (p == "body") return FromAny(rec.body());
              if (p == "severity_number") return static_cast<int64_t>(rec.severity_number());
              if (p == "severity_text") return rec.severity_text();
              if (p == "time_unix_nano") return static_cast<int64_t>(rec.time_unix_nano());
              if (p == "instrumentation_scope.name") return sl.scope().name();
              if (p == "instrumentation_scope.version") return sl.scope().version();
              return std::nullopt;
            });
          });
        }
        RemoveIf(rl.mutable_scope_logs(), [](const auto& sl) { return sl.log_records_size() == 0; });
      }
      RemoveIf(l->mutable_resource_logs(), [](const auto& rl) { return rl.scope_logs_size() == 0; });
    } else if (auto* m = data.signal() == Signal::kMetrics ? data.MutableMetrics() : nullptr) {
      for (auto& rm : *m->mutable_resource_metrics()) {
        for (auto& sm : *rm.mutable_scope_metrics()) {
          RemoveIf(sm.mutable_metrics(), [&](const auto& metric) {
            return Any(conds, [&](const std::string& p) -> std::optional<ottl::Value> {
              std::string key;
              if (AttrKey(p, "resource.attributes", key)) return Lookup(rm.resource().attributes(), key);
              if (p == "name") return metric.name();
              if (p == "description") return metric.description();
              if (p == "unit") return metric.unit();
              if (p == "type") {
                int64_t t = metric.has_gauge() ? 1 : metric.has_sum() ? 2 : metric.has_histogram() ? 3
                            : metric.has_exponential_histogram() ? 4 : metric.has_summary() ? 5 : 0;
                return t;
              }
              if (p == "instrumentation_scope.name") return sm.scope().name();
              if (p == "instrumentation_scope.version") return sm.scope().version();
              return std::nullopt;
            });
          });
        }
        RemoveIf(rm.mutable_scope_metrics(), [](const auto& sm) { return sm.metrics_size() == 0; });
      }
      RemoveIf(m->mutable_resource_metrics(), [](const auto& rm) { return rm.scope_metrics_size() == 0; });
    }
    data.MarkModified();
    if (data.ItemCount() == 0) return Status::Ok();
    return next_->Consume(std::move(data));
  }

 private:
  FilterConfig cfg_;
  std::shared_ptr<Consumer> next_;
};

}  // namespace

Factory FilterProcessorFactory() {
  Factory f;
  f.kind = Kind::kProcessor;
  f.type = "filter";
  f.stability = "alpha";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.parse = Parse;
  f.create_processor = [](const ComponentConfig& c, const CreateSettings&,
                          std::shared_ptr<Consumer> next) -> std::shared_ptr<Processor> {
    return std::make_shared<FilterProcessor>(static_cast<const FilterConfig&>(c), std::move(next));
  };
  return f;
}

}  // namespace adot::collector
