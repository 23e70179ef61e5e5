#include "collector/core/graph.h"

#include "collector/core/telemetry.h"

#include <algorithm>
#include <set>

namespace adot::collector {

namespace {

const Kind kKinds[] = {Kind::kReceiver, Kind::kProcessor, Kind::kExporter, Kind::kExtension};

// The head of one pipeline as seen by a receiver: reports whether anything in it mutates.
class PipelineEntry : public Consumer {
 public:
  PipelineEntry(std::shared_ptr<Consumer> first, bool mutates) : first_(std::move(first)), mutates_(mutates) {}
  Status Consume(PData data) override { return first_->Consume(std::move(data)); }
  bool MutatesData() const override { return mutates_; }

 private:
  std::shared_ptr<Consumer> first_;
  bool mutates_;
};

// Counts the items passed to a consumer (a processor, or what follows it) for self-telemetry.
class CountingConsumer : public Consumer {
 public:
  CountingConsumer(std::shared_ptr<Consumer> next, std::atomic<uint64_t>* items)
      : next_(std::move(next)), items_(items) {}
  Status Consume(PData data) override {
    *items_ += data.ItemCount();
    return next_->Consume(std::move(data));
  }
  bool MutatesData() const override { return next_->MutatesData(); }

 private:
  std::shared_ptr<Consumer> next_;
  std::atomic<uint64_t>* items_;
};

}  // namespace

Graph::~Graph() {
  if (telemetry_id_ >= 0) Telemetry::Global().Unregister(telemetry_id_);
}

bool ParseCollectorConfig(const YAML::Node& root, const Registry& registry, CollectorConfig& out,
                          ConfigErrors& errors) {
  ConfigReader top(root, "", &errors);
  for (Kind kind : kKinds) {
    const char* section = KindSectionName(kind);
    YAML::Node node = top.Raw(section);
    if (!node.IsDefined() || node.IsNull()) continue;
    if (!node.IsMap()) {
      errors.Add(section, "must be a mapping");
      continue;
    }
    for (auto it : node) {
      std::string id = it.first.as<std::string>();
      std::string path = std::string(section) + "." + id;
      std::string type, name;
      if (!ParseComponentId(id, type, name)) {
        errors.Add(path, "invalid component id (expected type or type/name)");
        continue;
      }
      const Factory* f = registry.Find(kind, type);
      if (!f) {
        std::string known;
        for (const Factory* k : registry.List(kind)) known += (known.empty() ? "" : ", ") + k->type;
        errors.Add(path, "unknown " + std::string(KindName(kind)) + " type \"" + type +
                             "\" (known: " + known + ")");
        continue;
      }
      ConfigReader reader(it.second, path, &errors);
      auto cfg = f->parse(reader);
      if (cfg) out.components[kind][id] = std::move(cfg);
    }
  }
  top.Raw("connectors");  // accepted when empty; connectors are not implemented yet
  if (YAML::Node c = root["connectors"]; c.IsDefined() && c.IsMap() && c.size() > 0)
    errors.Add("connectors", "connectors are not supported yet");

  ConfigReader service = top.Child("service");
  top.Finish();
  auto configured = [&](Kind kind, const std::string& id) {
    auto it = out.components.find(kind);
    return it != out.components.end() && it->second.count(id) > 0;
  };
  auto exists_in_yaml = [&](Kind kind, const std::string& id) {
    YAML::Node s = root[KindSectionName(kind)];
    return s.IsDefined() && s.IsMap() && s[id].IsDefined();
  };

  out.extensions = service.StringList("extensions");
  for (size_t i = 0; i < out.extensions.size(); ++i) {
    const auto& id = out.extensions[i];
    if (!exists_in_yaml(Kind::kExtension, id))
      errors.Add("service.extensions[" + std::to_string(i) + "]",
                 "references extension \"" + id + "\" which is not configured");
  }

  ConfigReader pipelines = service.Child("pipelines");
  YAML::Node pnode = service.Raw("pipelines");
  if (!pnode.IsDefined() || pnode.IsNull() || (pnode.IsMap() && pnode.size() == 0)) {
    errors.Add("service.pipelines", "must have at least one pipeline");
  } else if (pnode.IsMap()) {
    for (auto it : pnode) {
      std::string pid = it.first.as<std::string>();
      std::string path = "service.pipelines." + pid;
      ConfigReader pr = pipelines.Child(pid);
      PipelineConfig p;
      p.id = pid;
      std::string sig = pid.substr(0, pid.find('/'));
      if (!ParseSignal(sig, p.signal)) {
        errors.Add(path, "unknown signal \"" + sig + "\" (expected traces, metrics or logs)");
        pr.Raw("receivers");
        pr.Raw("processors");
        pr.Raw("exporters");
        pr.Finish();
        continue;
      }
      p.receivers = pr.StringList("receivers");
      p.processors = pr.StringList("processors");
      p.exporters = pr.StringList("exporters");
      pr.Finish();
      if (p.receivers.empty()) errors.Add(path + ".receivers", "must have at least one receiver");
      if (p.exporters.empty()) errors.Add(path + ".exporters", "must have at least one exporter");
      auto check = [&](Kind kind, const std::vector<std::string>& ids, const char* key) {
        std::set<std::string> seen;
        for (size_t i = 0; i < ids.size(); ++i) {
          std::string ipath = path + "." + key + "[" + std::to_string(i) + "]";
          const std::string& id = ids[i];
          if (!seen.insert(id).second) {
            errors.Add(ipath, "\"" + id + "\" is listed more than once");
            continue;
          }
          if (!exists_in_yaml(kind, id)) {
            errors.Add(ipath, "references " + std::string(KindName(kind)) + " \"" + id +
                                  "\" which is not configured");
            continue;
          }
          std::string type, name;
          ParseComponentId(id, type, name);
          const Factory* f = registry.Find(kind, type);
          if (f && !f->Supports(p.signal))
            errors.Add(ipath, std::string(KindName(kind)) + " \"" + id + "\" does not support " +
                                  SignalName(p.signal));
        }
      };
      check(Kind::kReceiver, p.receivers, "receivers");
      check(Kind::kProcessor, p.processors, "processors");
      check(Kind::kExporter, p.exporters, "exporters");
      out.pipelines.push_back(std::move(p));
    }
  }
  pipelines.Finish();

  ConfigReader telemetry = service.Child("telemetry");
  ConfigReader logs = telemetry.Child("logs");
  std::string level = logs.String("level", "info");
  if (!ParseLogLevel(level, out.log_level))
    logs.Error("level", "must be one of debug, info, warn, error; got \"" + level + "\"");
  logs.Raw("encoding");  // accepted; the log is always one line of text per event
  logs.Finish();
  ConfigReader metrics = telemetry.Child("metrics");
  out.metrics_address = metrics.String("address", out.metrics_address);
  out.metrics_level = metrics.String("level", out.metrics_level);
  if (out.metrics_level != "none" && out.metrics_level != "basic" && out.metrics_level != "normal" &&
      out.metrics_level != "detailed")
    metrics.Error("level", "must be one of none, basic, normal, detailed");
  metrics.Finish();
  telemetry.Finish();
  service.Finish();
  (void)configured;
  return errors.empty();
}

FanoutConsumer::FanoutConsumer(std::vector<std::shared_ptr<Consumer>> consumers) {
  for (auto& c : consumers) (c->MutatesData() ? mutating_ : read_only_).push_back(std::move(c));
}

Status FanoutConsumer::Consume(PData data) {
  Status result;
  for (size_t i = 0; i < mutating_.size(); ++i) {
    bool last = i + 1 == mutating_.size();
    if (last && read_only_.empty() && !data.read_only())
      result = CombineStatus(result, mutating_[i]->Consume(std::move(data)));
    else
      result = CombineStatus(result, mutating_[i]->Consume(data.Clone()));
  }
  if (read_only_.size() == 1) {
    result = CombineStatus(result, read_only_[0]->Consume(std::move(data)));
  } else if (read_only_.size() > 1) {
    PData shared = data.Share();
    for (auto& c : read_only_) result = CombineStatus(result, c->Consume(shared));
  }
  return result;
}

bool Graph::Build(const CollectorConfig& config, const Registry& registry, ConfigErrors& errors,
                  std::shared_ptr<const ExtensionDirectory> extensions) {
  auto cfg = [&](Kind kind, const std::string& id) -> const ComponentConfig* {
    auto it = config.components.find(kind);
    if (it == config.components.end()) return nullptr;
    auto jt = it->second.find(id);
    return jt == it->second.end() ? nullptr : jt->second.get();
  };
  auto factory = [&](Kind kind, const std::string& id) {
    std::string type, name;
    ParseComponentId(id, type, name);
    return registry.Find(kind, type);
  };

  // Exporters, one per (signal, id).
  for (const auto& p : config.pipelines) {
    for (const auto& id : p.exporters) {
      std::string key = std::string(SignalName(p.signal)) + "/" + id;
      if (exporter_map_.count(key)) continue;
      const ComponentConfig* c = cfg(Kind::kExporter, id);
      const Factory* f = factory(Kind::kExporter, id);
      if (!c || !f) {
        errors.Add("exporters." + id, "not configured");
        continue;
      }
      CreateSettings s{id, p.signal, p.id, extensions};
      auto e = f->create_exporter(*c, s);
      if (!e) {
        errors.Add("exporters." + id, "could not be created");
        continue;
      }
      exporter_map_[key] = e;
      exporters_.push_back({"exporter " + id + "[" + SignalName(p.signal) + "]", e});
    }
  }
  if (!errors.empty()) return false;

  // Per pipeline: fan-out to its exporters, then its processors from last to first.
  std::map<std::string, std::vector<std::shared_ptr<Consumer>>> receiver_targets[3];
  for (const auto& p : config.pipelines) {
    std::vector<std::shared_ptr<Consumer>> outs;
    for (const auto& id : p.exporters)
      outs.push_back(exporter_map_[std::string(SignalName(p.signal)) + "/" + id]);
    std::shared_ptr<Consumer> next =
        outs.size() == 1 ? outs[0] : std::make_shared<FanoutConsumer>(std::move(outs));
    bool mutates = false;
    for (size_t i = p.processors.size(); i-- > 0;) {
      const auto& id = p.processors[i];
      const ComponentConfig* c = cfg(Kind::kProcessor, id);
      const Factory* f = factory(Kind::kProcessor, id);
      if (!c || !f) {
        errors.Add("processors." + id, "not configured");
        return false;
      }
      CreateSettings s{id, p.signal, p.id, extensions};
      auto& items = processor_items_[id + "/" + SignalName(p.signal)];
      if (!items) items = std::make_unique<ItemCounters>();
      auto proc = f->create_processor(*c, s, std::make_shared<CountingConsumer>(next, &items->outgoing));
      if (!proc) {
        errors.Add("processors." + id, "could not be created");
        return false;
      }
      mutates = mutates || proc->MutatesData();
      processors_.push_back({"processor " + id + "[" + p.id + "]", proc});
      next = std::make_shared<CountingConsumer>(proc, &items->incoming);
    }
    for (const auto& id : p.receivers)
      receiver_targets[static_cast<int>(p.signal)][id].push_back(
          std::make_shared<PipelineEntry>(next, mutates));
  }

  if (!processor_items_.empty()) {
    telemetry_id_ = Telemetry::Global().Register([this](std::vector<MetricSample>& out) {
      for (const auto& [key, items] : processor_items_) {
        size_t slash = key.rfind('/');
        std::vector<std::pair<std::string, std::string>> labels = {{"otel_signal", key.substr(slash + 1)},
                                                                   {"processor", key.substr(0, slash)}};
        out.push_back({"otelcol_processor_incoming_items_total", "counter", labels, double(items->incoming)});
        out.push_back({"otelcol_processor_outgoing_items_total", "counter", labels, double(items->outgoing)});
      }
    });
  }

  // Receivers, one per id, fanning out to every pipeline that lists them.
  for (const auto& p : config.pipelines) {
    for (const auto& id : p.receivers) {
      if (receiver_map_.count(id)) continue;
      const ComponentConfig* c = cfg(Kind::kReceiver, id);
      const Factory* f = factory(Kind::kReceiver, id);
      if (!c || !f) {
        errors.Add("receivers." + id, "not configured");
        return false;
      }
      CreateSettings s{id, p.signal, p.id, extensions};
      auto r = f->create_receiver(*c, s);
      if (!r) {
        errors.Add("receivers." + id, "could not be created");
        return false;
      }
      receiver_map_[id] = r;
      receivers_.push_back({"receiver " + id, r});
    }
  }
  for (int sig = 0; sig < 3; ++sig) {
    for (auto& [id, targets] : receiver_targets[sig]) {
      std::shared_ptr<Consumer> c =
          targets.size() == 1 ? targets[0] : std::make_shared<FanoutConsumer>(targets);
      receiver_map_[id]->SetConsumer(static_cast<Signal>(sig), c);
    }
  }
  return errors.empty();
}

Status Graph::StartAll() {
  started_ = true;
  for (auto* group : {&exporters_, &processors_, &receivers_}) {
    for (auto& n : *group) {
      start_order_.push_back(n.name);
      Status s = n.component->Start();
      if (!s.ok()) return Status::Permanent(n.name + ": cannot start: " + s.message());
      Log(LogLevel::kDebug, n.name, "started");
    }
  }
  return Status::Ok();
}

void Graph::ShutdownAll(Deadline deadline) {
  if (!started_) return;
  started_ = false;
  for (auto it = receivers_.rbegin(); it != receivers_.rend(); ++it) {
    stop_order_.push_back(it->name);
    auto t0 = Clock::now();
    it->component->Shutdown(deadline);
    Log(LogLevel::kDebug, it->name,
        "stopped in " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()) + "ms");
  }
  // processors_ holds each pipeline last-to-first: reversed, first-to-last.
  for (auto it = processors_.rbegin(); it != processors_.rend(); ++it) {
    stop_order_.push_back(it->name);
    auto t0 = Clock::now();
    it->component->Shutdown(deadline);
    Log(LogLevel::kDebug, it->name,
        "stopped in " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()) + "ms");
  }
  for (auto it = exporters_.rbegin(); it != exporters_.rend(); ++it) {
    stop_order_.push_back(it->name);
    auto t0 = Clock::now();
    it->component->Shutdown(deadline);
    Log(LogLevel::kDebug, it->name,
        "stopped in " + std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()) + "ms");
  }
}

std::shared_ptr<Exporter> Graph::FindExporter(Signal signal, const std::string& id) const {
  auto it = exporter_map_.find(std::string(SignalName(signal)) + "/" + id);
  return it == exporter_map_.end() ? nullptr : it->second;
}

std::shared_ptr<Receiver> Graph::FindReceiver(const std::string& id) const {
  auto it = receiver_map_.find(id);
  return it == receiver_map_.end() ? nullptr : it->second;
}

}  // namespace adot::collector
