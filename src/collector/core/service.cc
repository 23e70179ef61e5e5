#include "collector/core/service.h"

#include <map>
#include <set>

#include "collector/core/auth.h"
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

// Every auth.authenticator of the components the pipelines use names an extension that is
// configured, in service.extensions, and an HTTP client authenticator.
void CheckClientAuthReferences(const CollectorConfig& config, const ExtensionDirectory& extensions,
                               ConfigErrors& errors) {
  std::set<std::pair<Kind, std::string>> used;
  for (const auto& p : config.pipelines) {
    for (const auto& id : p.receivers) used.insert({Kind::kReceiver, id});
    for (const auto& id : p.processors) used.insert({Kind::kProcessor, id});
    for (const auto& id : p.exporters) used.insert({Kind::kExporter, id});
  }
  const auto* configured_extensions = [&]() -> const std::map<std::string, std::unique_ptr<ComponentConfig>>* {
    auto it = config.components.find(Kind::kExtension);
    return it == config.components.end() ? nullptr : &it->second;
  }();
  for (const auto& [kind, cfgs] : config.components) {
    for (const auto& [id, cfg] : cfgs) {
      if (!used.count({kind, id})) continue;
      for (const auto& ref : cfg->http_client_authenticators) {
        if (!configured_extensions || !configured_extensions->count(ref.id))
          errors.Add(ref.path, "references extension \"" + ref.id + "\" which is not configured");
        else if (!extensions.Find(ref.id))
          errors.Add(ref.path, "extension \"" + ref.id + "\" is not listed in service.extensions");
        else if (!std::dynamic_pointer_cast<HttpClientAuthenticator>(extensions.Find(ref.id)))
          errors.Add(ref.path, "extension \"" + ref.id + "\" is not an HTTP client authenticator");
      }
    }
  }
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
    if (!ext) {
      errors.Add("extensions." + id, "could not be created");
      continue;
    }
    s->directory_->Add(id, ext);
    s->extensions_.emplace_back(id, std::move(ext));
  }
  if (!errors.empty()) return nullptr;
  CheckClientAuthReferences(s->config_, *s->directory_, errors);
  if (!errors.empty()) return nullptr;
  if (!s->graph_.Build(s->config_, registry, errors, s->directory_)) return nullptr;
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
