// The running collector: extensions around the pipeline graph.
// Start: extensions, then the graph (exporters first, receivers last), then "ready".
// Shutdown: "not ready", the graph (receivers first), then extensions.
#pragma once

#include <memory>

#include "collector/core/graph.h"

namespace adot::collector {

class Service {
 public:
  // Validates the resolved configuration and creates every component. Null on errors.
  static std::unique_ptr<Service> Create(const YAML::Node& config, const Registry& registry,
                                         ConfigErrors& errors);
  Status Start();
  void Shutdown(Deadline deadline);

  Graph& graph() { return graph_; }
  const CollectorConfig& config() const { return config_; }
  std::shared_ptr<HostStatus> host() const { return host_; }

 private:
  CollectorConfig config_;
  Graph graph_;
  std::vector<std::pair<std::string, std::shared_ptr<Extension>>> extensions_;
  std::shared_ptr<ExtensionDirectory> directory_ = std::make_shared<ExtensionDirectory>();
  std::shared_ptr<HostStatus> host_ = std::make_shared<HostStatus>();
  size_t started_extensions_ = 0;
};

}  // namespace adot::collector
