// The service section and the pipeline graph.
//
// Nodes: one receiver per id (shared by every pipeline that lists it, fanning out to them); one
// processor per (pipeline, id); one exporter per (signal, id), shared by pipelines (fan-in). Each
// pipeline ends in a fan-out to its exporters that copies data only for consumers that mutate it.
// Start: exporters, then processors from last to first, then receivers. Shutdown: the reverse, so
// each component drains into a consumer that is still running.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "collector/core/component.h"
#include "collector/core/config.h"
#include "collector/core/logger.h"

namespace adot::collector {

struct PipelineConfig {
  std::string id;  // "traces/app"
  Signal signal = Signal::kTraces;
  std::vector<std::string> receivers, processors, exporters;
};

struct CollectorConfig {
  // Parsed configs of every configured component, by kind and id.
  std::map<Kind, std::map<std::string, std::unique_ptr<ComponentConfig>>> components;
  std::vector<std::string> extensions;  // service.extensions
  std::vector<PipelineConfig> pipelines;
  LogLevel log_level = LogLevel::kInfo;
  std::string metrics_address = "localhost:8888";
  std::string metrics_level = "normal";
};

// Validates and decodes the whole configuration. Every error is added to errors (with its path).
bool ParseCollectorConfig(const YAML::Node& root, const Registry& registry, CollectorConfig& out,
                          ConfigErrors& errors);

// Delivers one batch to several consumers with the Go collector's cloning rules: every mutating
// consumer but the last gets a copy; the original goes to the last mutating consumer only when
// there are no read-only consumers; several read-only consumers share it marked read-only.
class FanoutConsumer : public Consumer {
 public:
  explicit FanoutConsumer(std::vector<std::shared_ptr<Consumer>> consumers);
  Status Consume(PData data) override;
  bool MutatesData() const override { return false; }

 private:
  std::vector<std::shared_ptr<Consumer>> mutating_, read_only_;
};

class Graph {
 public:
  Graph() = default;
  ~Graph();
  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  // Creates every component of the pipelines, which find the extensions they use in extensions.
  // Creation errors are added to errors.
  bool Build(const CollectorConfig& config, const Registry& registry, ConfigErrors& errors,
             std::shared_ptr<const ExtensionDirectory> extensions = nullptr);
  Status StartAll();
  void ShutdownAll(Deadline deadline);

  // "exporter debug[traces]", "processor batch[traces]", "receiver otlp", in the order used.
  const std::vector<std::string>& start_order() const { return start_order_; }
  const std::vector<std::string>& stop_order() const { return stop_order_; }
  // For tests and self-telemetry: exporters by "signal/id".
  std::shared_ptr<Exporter> FindExporter(Signal signal, const std::string& id) const;
  std::shared_ptr<Receiver> FindReceiver(const std::string& id) const;

 private:
  struct Node {
    std::string name;
    std::shared_ptr<Component> component;
  };
  std::vector<Node> exporters_;
  std::vector<Node> processors_;  // in start order (each pipeline last to first)
  std::vector<Node> receivers_;
  std::map<std::string, std::shared_ptr<Exporter>> exporter_map_;
  std::map<std::string, std::shared_ptr<Receiver>> receiver_map_;
  std::vector<std::string> start_order_, stop_order_;
  bool started_ = false;
  // otelcol_processor_{incoming,outgoing}_items per "id/signal" (summed over pipelines).
  struct ItemCounters {
    std::atomic<uint64_t> incoming{0}, outgoing{0};
  };
  std::map<std::string, std::unique_ptr<ItemCounters>> processor_items_;
  int telemetry_id_ = -1;
};

}  // namespace adot::collector
