#include "collector/processors/resource/resource_processor.h"

#include "collector/core/attr_actions.h"

namespace adot::collector {
namespace {

struct ResourceConfig : ComponentConfig {
  std::vector<AttrAction> actions;
};

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<ResourceConfig>();
  c->actions = ParseAttrActions(r, "attributes");
  if (c->actions.empty() && r.errors()->empty()) r.Error("attributes", "must have at least one action");
  r.Finish();
  return c;
}

class ResourceProcessor : public Processor {
 public:
  ResourceProcessor(const ResourceConfig& c, std::shared_ptr<Consumer> next) : cfg_(c), next_(std::move(next)) {}
  bool MutatesData() const override { return true; }
  Status Consume(PData data) override {
    if (data.read_only()) data = data.Clone();
    switch (data.signal()) {
      case Signal::kTraces:
        if (auto* t = data.MutableTraces())
          for (auto& rs : *t->mutable_resource_spans())
            ApplyAttrActions(cfg_.actions, *rs.mutable_resource()->mutable_attributes());
        break;
      case Signal::kMetrics:
        if (auto* m = data.MutableMetrics())
          for (auto& rm : *m->mutable_resource_metrics())
            ApplyAttrActions(cfg_.actions, *rm.mutable_resource()->mutable_attributes());
        break;
      case Signal::kLogs:
        if (auto* l = data.MutableLogs())
          for (auto& rl : *l->mutable_resource_logs())
            ApplyAttrActions(cfg_.actions, *rl.mutable_resource()->mutable_attributes());
        break;
    }
    return next_->Consume(std::move(data));
  }

 private:
  ResourceConfig cfg_;
  std::shared_ptr<Consumer> next_;
};

}  // namespace

Factory ResourceProcessorFactory() {
  Factory f;
  f.kind = Kind::kProcessor;
  f.type = "resource";
  f.stability = "beta";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.parse = Parse;
  f.create_processor = [](const ComponentConfig& c, const CreateSettings&,
                          std::shared_ptr<Consumer> next) -> std::shared_ptr<Processor> {
    return std::make_shared<ResourceProcessor>(static_cast<const ResourceConfig&>(c), std::move(next));
  };
  return f;
}

}  // namespace adot::collector
