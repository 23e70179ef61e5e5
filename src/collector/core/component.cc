#include "collector/core/component.h"

#include <algorithm>

namespace adot::collector {

const char* KindName(Kind k) {
  switch (k) {
    case Kind::kReceiver: return "receiver";
    case Kind::kProcessor: return "processor";
    case Kind::kExporter: return "exporter";
    case Kind::kExtension: return "extension";
  }
  return "?";
}

const char* KindSectionName(Kind k) {
  switch (k) {
    case Kind::kReceiver: return "receivers";
    case Kind::kProcessor: return "processors";
    case Kind::kExporter: return "exporters";
    case Kind::kExtension: return "extensions";
  }
  return "?";
}

void ExtensionDirectory::Add(std::string id, std::shared_ptr<Extension> extension) {
  extensions_[std::move(id)] = std::move(extension);
}

std::shared_ptr<Extension> ExtensionDirectory::Find(const std::string& id) const {
  auto it = extensions_.find(id);
  return it == extensions_.end() ? nullptr : it->second;
}

bool Factory::Supports(Signal s) const {
  return std::find(signals.begin(), signals.end(), s) != signals.end();
}

void Registry::Add(Factory factory) {
  auto key = std::make_pair(factory.kind, factory.type);
  factories_[key] = std::move(factory);
}

const Factory* Registry::Find(Kind kind, const std::string& type) const {
  auto it = factories_.find({kind, type});
  return it == factories_.end() ? nullptr : &it->second;
}

std::vector<const Factory*> Registry::List(Kind kind) const {
  std::vector<const Factory*> out;
  for (const auto& [key, f] : factories_)
    if (key.first == kind) out.push_back(&f);
  return out;
}

bool ParseComponentId(const std::string& id, std::string& type, std::string& name) {
  size_t slash = id.find('/');
  type = id.substr(0, slash);
  name = slash == std::string::npos ? "" : id.substr(slash + 1);
  if (type.empty() || (slash != std::string::npos && name.empty())) return false;
  for (char c : type)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  for (char c : name)
    if (c == '/' || c == ' ' || c == '\t') return false;
  return true;
}

}  // namespace adot::collector
