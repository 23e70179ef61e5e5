#include "collector/processors/resourcedetection/resourcedetection_processor.h"

#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string_view>
#include <type_traits>
#include <variant>

#include "collector/core/attr_actions.h"

namespace adot::collector {
namespace {

using opentelemetry::proto::common::v1::AnyValue;
namespace rd = sdk::resource;

// Go collector detector name -> SDK detector names (DetectResources / DetectorNames()).
struct DetectorMapping {
  std::string_view name;
  std::vector<std::string> sdk_names;
};

const std::vector<DetectorMapping>& Mappings() {
  static const std::vector<DetectorMapping> kMappings = {
      {"env", {"env"}},
      {"system", {"host", "os"}},
      {"ec2", {"aws_ec2"}},
      {"ecs", {"aws_ecs"}},
      {"eks", {"aws_eks"}},
      {"lambda", {"aws_lambda"}},
      {"elastic_beanstalk", {"aws_elastic_beanstalk"}},
  };
  return kMappings;
}

const DetectorMapping* FindMapping(std::string_view name) {
  for (const auto& m : Mappings())
    if (m.name == name) return &m;
  return nullptr;
}

// Go collector keys this processor does not implement yet (the deprecated attributes filter and
// the HTTP client settings).
constexpr std::string_view kUnsupportedKeys[] = {
    "attributes", "client", "endpoint", "headers", "tls", "auth", "http2_ping_timeout", "http2_read_idle_timeout"};

struct ResourceDetectionConfig : ComponentConfig {
  std::vector<std::string> detectors;  // Go names, validated, in config order
  // Per detector (Go name): attributes switched off with resource_attributes.<key>.enabled: false.
  std::map<std::string, std::set<std::string>> disabled;
  bool override_existing = true;
  std::chrono::milliseconds timeout{2000};
};

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<ResourceDetectionConfig>();
  c->detectors = r.StringList("detectors");
  for (size_t i = 0; i < c->detectors.size(); ++i) {
    const std::string key = "detectors[" + std::to_string(i) + "]";
    const std::string& name = c->detectors[i];
    if (!FindMapping(name)) {
      r.Error(key, "unknown detector \"" + name +
                       "\"; supported: env, system, ec2, ecs, eks, lambda, elastic_beanstalk");
      continue;
    }
    for (size_t j = 0; j < i; ++j)
      if (c->detectors[j] == name) r.Error(key, "detector \"" + name + "\" is listed twice");
  }
  c->override_existing = r.Bool("override", true);
  c->timeout = r.Duration("timeout", c->timeout);
  if (r.Has("timeout") && c->timeout.count() == 0) r.Error("timeout", "must be positive");
  // Per-detector sections, Go shape: <detector>: {resource_attributes: {<key>: {enabled: bool}}}.
  for (const auto& m : Mappings()) {
    if (!r.Has(m.name)) continue;
    YAML::Node section = r.Raw(m.name);
    const std::string section_path = r.KeyPath(m.name);
    ConfigReader d(section, section_path, r.errors());
    if (section.IsMap()) {
      for (auto it : section) {
        const std::string key = it.first.as<std::string>();
        if (key == "resource_attributes") continue;
        d.Raw(key);
        d.Error(key, "is not supported yet (supported: resource_attributes)");
      }
    }
    YAML::Node attrs = d.Raw("resource_attributes");
    ConfigReader ra(attrs, d.KeyPath("resource_attributes"), r.errors());
    if (attrs.IsMap()) {
      for (auto it : attrs) {
        const std::string attr = it.first.as<std::string>();
        ConfigReader a = ra.Child(attr);
        if (!a.Bool("enabled", true)) c->disabled[std::string(m.name)].insert(attr);
        a.Finish();
      }
    }
    ra.Finish();
    d.Finish();
  }
  for (std::string_view key : kUnsupportedKeys) {
    if (!r.Has(key)) continue;
    r.Raw(key);
    r.Error(key, "is not supported yet (supported keys: detectors, override, timeout and per-detector resource_attributes)");
  }
  r.Finish();
  return c;
}

AnyValue ToAnyValue(const sdk::OwnedAttributeValue& v) {
  AnyValue out;
  std::visit(
      [&out](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, bool>) {
          out.set_bool_value(x);
        } else if constexpr (std::is_same_v<T, int64_t>) {
          out.set_int_value(x);
        } else if constexpr (std::is_same_v<T, double>) {
          out.set_double_value(x);
        } else if constexpr (std::is_same_v<T, std::string>) {
          out.set_string_value(x);
        } else {
          auto* arr = out.mutable_array_value();
          for (const auto& e : x) {
            auto* av = arr->add_values();
            using E = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<E, bool>) {
              av->set_bool_value(e);
            } else if constexpr (std::is_same_v<E, int64_t>) {
              av->set_int_value(e);
            } else if constexpr (std::is_same_v<E, double>) {
              av->set_double_value(e);
            } else {
              av->set_string_value(e);
            }
          }
        }
      },
      v);
  return out;
}

// The detected attributes of one configured processor id, shared by the instances the service
// creates for each pipeline that uses it, so detection runs once per id (as in the Go collector).
struct Detection {
  std::once_flag once;
  std::vector<std::pair<std::string, AnyValue>> attributes;  // written once, read-only after
};

struct DetectionCache {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<Detection>> by_id;
  std::shared_ptr<Detection> Get(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu);
    auto& d = by_id[id];
    if (!d) d = std::make_shared<Detection>();
    return d;
  }
};

// One detection per component id and detector settings (a reloaded config with other settings
// detects again).
std::string CacheKey(const std::string& id, const ResourceDetectionConfig& c) {
  std::string key = id + "|" + std::to_string(c.timeout.count());
  for (const auto& d : c.detectors) key += "|" + d;
  return key;
}

class ResourceDetectionProcessor : public Processor {
 public:
  ResourceDetectionProcessor(const ResourceDetectionConfig& c, rd::DetectorOptions options,
                             std::shared_ptr<Detection> detection, std::shared_ptr<Consumer> next)
      : cfg_(c), options_(std::move(options)), detection_(std::move(detection)), next_(std::move(next)) {
    options_.timeout = cfg_.timeout;
  }
  bool MutatesData() const override { return true; }

  // Runs every configured detector once, in parallel, each within the timeout. When several
  // detectors set the same attribute the one listed first wins (as in the Go collector).
  Status Start() override {
    std::call_once(detection_->once, [this] { detection_->attributes = Detect(); });
    detected_ = &detection_->attributes;
    return Status::Ok();
  }

  Status Consume(PData data) override {
    if (!detected_ || detected_->empty()) return next_->Consume(std::move(data));
    if (data.read_only()) data = data.Clone();
    switch (data.signal()) {
      case Signal::kTraces:
        if (auto* t = data.MutableTraces())
          for (auto& rs : *t->mutable_resource_spans()) Apply(*rs.mutable_resource()->mutable_attributes());
        break;
      case Signal::kMetrics:
        if (auto* m = data.MutableMetrics())
          for (auto& rm : *m->mutable_resource_metrics()) Apply(*rm.mutable_resource()->mutable_attributes());
        break;
      case Signal::kLogs:
        if (auto* l = data.MutableLogs())
          for (auto& rl : *l->mutable_resource_logs()) Apply(*rl.mutable_resource()->mutable_attributes());
        break;
    }
    return next_->Consume(std::move(data));
  }

 private:
  std::vector<std::pair<std::string, AnyValue>> Detect() const {
    std::vector<std::future<sdk::Resource>> futures;
    std::vector<std::string> names;
    for (const auto& name : cfg_.detectors) {
      const DetectorMapping* m = FindMapping(name);
      if (!m) continue;
      futures.push_back(std::async(std::launch::async, [this, m] {
        return rd::DetectResources(m->sdk_names, options_);
      }));
      names.push_back(name);
    }
    std::vector<std::pair<std::string, AnyValue>> out;
    for (size_t i = 0; i < futures.size(); ++i) {
      sdk::Resource r = futures[i].get();
      auto off = cfg_.disabled.find(names[i]);
      for (const auto& kv : r.attributes()) {
        if (off != cfg_.disabled.end() && off->second.count(kv.key)) continue;
        bool seen = false;
        for (const auto& d : out)
          if (d.first == kv.key) seen = true;
        if (!seen) out.emplace_back(kv.key, ToAnyValue(kv.value));
      }
    }
    return out;
  }

  void Apply(KeyValues& attrs) const {
    for (const auto& [key, value] : *detected_) {
      opentelemetry::proto::common::v1::KeyValue* existing = nullptr;
      for (auto& kv : attrs)
        if (kv.key() == key) {
          existing = &kv;
          break;
        }
      if (existing) {
        if (cfg_.override_existing) *existing->mutable_value() = value;
        continue;
      }
      auto* kv = attrs.Add();
      kv->set_key(key);
      *kv->mutable_value() = value;
    }
  }

  ResourceDetectionConfig cfg_;
  rd::DetectorOptions options_;
  std::shared_ptr<Detection> detection_;
  std::shared_ptr<Consumer> next_;
  const std::vector<std::pair<std::string, AnyValue>>* detected_ = nullptr;  // set by Start
};

}  // namespace

Factory ResourceDetectionProcessorFactory(rd::DetectorOptions base) {
  Factory f;
  f.kind = Kind::kProcessor;
  f.type = "resourcedetection";
  f.stability = "beta";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.parse = Parse;
  auto cache = std::make_shared<DetectionCache>();
  f.create_processor = [base, cache](const ComponentConfig& c, const CreateSettings& s,
                                     std::shared_ptr<Consumer> next) -> std::shared_ptr<Processor> {
    return std::make_shared<ResourceDetectionProcessor>(static_cast<const ResourceDetectionConfig&>(c), base,
                                                        cache->Get(CacheKey(s.id, static_cast<const ResourceDetectionConfig&>(c))),
                                                        std::move(next));
  };
  return f;
}

}  // namespace adot::collector
