#include "collector/core/service.h"

#include <map>

#include "collector/core/telemetry.h"

namespace adot::collector {

namespace {

// After the pipelines have stopped: one line per receiver and per exporter with its final counters
// (otelcol_receiver_accepted_spans_total{receiver="otlp"} -> "receiver otlp: final counts:
// accepted_spans=N ..."), so every item can be accounted for once the process is gone.
void LogFinalCounts() {
  std::map<std::string, std::string> lines;  // "exporter otlphttp" -> " sent_spans=N ..."
  for (const auto& s : Telemetry::Global().Collect()) {
    for (const char* kind : {"receiver", "exporter"}) {
      std::string prefix = std::string("otelcol_") + kind + "_";
      const std::string suffix = "_total";
      if (s.name.compare(0, prefix.size(), prefix) != 0 || s.name.size() <= prefix.size() + suffix.size() ||
          s.name.compare(s.name.size() - suffix.size(), suffix.size(), suffix) != 0)
        continue;
      for (const auto& [key, value] : s.labels) {
        if (key != kind) continue;
        std::string counter = s.name.substr(prefix.size(), s.name.size() - prefix.size() - suffix.size());
        lines[std::string(kind) + " " + value] += " " + counter + "=" + std::to_string(static_cast<uint64_t>(s.value));
      }
    }
  }
  for (const auto& [component, counts] : lines) Log(LogLevel::kInfo, component, "final counts:" + counts);
}

}  // namespace

std::unique_ptr<Service> Service::Create(const YAML::Node& config, const Registry& registry,
                                         ConfigErrors& errors) {
  auto s = std::unique_ptr<Service>(new Service());
  if (!ParseCollectorConfig(config, registry, s->config_, errors)) return nullptr;
  for (const auto& id : s->config_.extensions) {
    std::string type, name;
    ParseComponentId(id, type, name);
    const Factory* f = registry.Find(Kind::kExtension, type);
    auto& cfgs = s->config_.components[Kind::kExtension];
    auto it = cfgs.find(id);
    if (!f || it == cfgs.end()) {
      errors.Add("extensions." + id, "not configured");
      continue;
    }
    CreateSettings cs;
    cs.id = id;
    auto ext = f->create_extension(*it->second, cs, s->host_);
    if (!ext) errors.Add("extensions." + id, "could not be created");
    else s->extensions_.emplace_back(id, std::move(ext));
  }
  if (!errors.empty()) return nullptr;
  if (!s->graph_.Build(s->config_, registry, errors)) return nullptr;
  return s;
}

Status Service::Start() {
  for (auto& [id, ext] : extensions_) {
    Status st = ext->Start();
    if (!st.ok()) return Status::Permanent("extension " + id + ": cannot start: " + st.message());
    ++started_extensions_;
  }
  Status st = graph_.StartAll();
  if (!st.ok()) return st;
  host_->pipelines_ready = true;
  Log(LogLevel::kInfo, "service", "everything is ready; begin running and processing data");
  return Status::Ok();
}

void Service::Shutdown(Deadline deadline) {
  host_->pipelines_ready = false;
  graph_.ShutdownAll(deadline);
  LogFinalCounts();
  for (size_t i = started_extensions_; i-- > 0;) extensions_[i].second->Shutdown(deadline);
  started_extensions_ = 0;
}

}  // namespace adot::collector
