#include "collector/core/service.h"

namespace adot::collector {

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
  for (size_t i = started_extensions_; i-- > 0;) extensions_[i].second->Shutdown(deadline);
  started_extensions_ = 0;
}

}  // namespace adot::collector
