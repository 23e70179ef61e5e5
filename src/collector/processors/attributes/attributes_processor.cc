#include "collector/processors/attributes/attributes_processor.h"

#include "collector/core/attr_actions.h"

namespace adot::collector {
namespace {

struct AttributesConfig : ComponentConfig {
  std::vector<AttrAction> actions;
};

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<AttributesConfig>();
  c->actions = ParseAttrActions(r, "actions");
  if (c->actions.empty() && r.errors()->empty()) r.Error("actions", "must have at least one action");
  for (const char* k : {"include", "exclude"})
    if (r.Has(k)) {
      r.Raw(k);
      r.Error(k, "include/exclude matching is not supported yet");
    }
  r.Finish();
  return c;
}

template <typename Points>
void ApplyToPoints(const std::vector<AttrAction>& a, Points& points) {
  for (auto& p : points) ApplyAttrActions(a, *p.mutable_attributes());
}

class AttributesProcessor : public Processor {
 public:
  AttributesProcessor(const AttributesConfig& c, std::shared_ptr<Consumer> next) : cfg_(c), next_(std::move(next)) {}
  bool MutatesData() const override { return true; }
  Status Consume(PData data) override {
    if (data.read_only()) data = data.Clone();
    const auto& a = cfg_.actions;
    switch (data.signal()) {
      case Signal::kTraces:
        if (auto* t = data.MutableTraces())
          for (auto& rs : *t->mutable_resource_spans())
            for (auto& ss : *rs.mutable_scope_spans())
              for (auto& s : *ss.mutable_spans()) ApplyAttrActions(a, *s.mutable_attributes());
        break;
      case Signal::kLogs:
        if (auto* l = data.MutableLogs())
          for (auto& rl : *l->mutable_resource_logs())
            for (auto& sl : *rl.mutable_scope_logs())
              for (auto& rec : *sl.mutable_log_records()) ApplyAttrActions(a, *rec.mutable_attributes());
        break;
      case Signal::kMetrics:
        if (auto* m = data.MutableMetrics())
          for (auto& rm : *m->mutable_resource_metrics())
            for (auto& sm : *rm.mutable_scope_metrics())
              for (auto& metric : *sm.mutable_metrics()) {
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
};

}  // namespace

Factory AttributesProcessorFactory() {
  Factory f;
  f.kind = Kind::kProcessor;
  f.type = "attributes";
  f.stability = "beta";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.parse = Parse;
  f.create_processor = [](const ComponentConfig& c, const CreateSettings&,
                          std::shared_ptr<Consumer> next) -> std::shared_ptr<Processor> {
    return std::make_shared<AttributesProcessor>(static_cast<const AttributesConfig&>(c), std::move(next));
  };
  return f;
}

}  // namespace adot::collector
