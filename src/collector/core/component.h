// Component model: consumers, the four component kinds, factories and the registry.
//
// A factory gives a type id ("otlp"), parses its config (defaults + YAML, every error with its
// key path, unknown keys rejected), and creates instances. Receivers are created once per
// component id and serve every signal they are wired to (one OTLP server for all signals);
// processors once per (pipeline, id); exporters once per (signal, id), shared by pipelines.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "collector/core/config.h"
#include "collector/core/pdata.h"
#include "collector/core/status.h"

namespace adot::collector {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

class Consumer {
 public:
  virtual ~Consumer() = default;
  // Takes ownership of the handle. Must not throw.
  virtual Status Consume(PData data) = 0;
  // True if Consume changes the data (fan-out then hands it a private copy).
  virtual bool MutatesData() const { return false; }
};

class Component {
 public:
  virtual ~Component() = default;
  virtual Status Start() { return Status::Ok(); }
  // Stops and drains: no later than deadline, every accepted item is passed on or counted dropped.
  virtual void Shutdown(Deadline deadline) {}
};

class Receiver : public Component {
 public:
  // Called before Start for each signal this receiver feeds.
  virtual void SetConsumer(Signal signal, std::shared_ptr<Consumer> next) = 0;
};

class Processor : public Component, public Consumer {};
class Exporter : public Component, public Consumer {};
class Extension : public Component {};

enum class Kind { kReceiver, kProcessor, kExporter, kExtension };
const char* KindName(Kind k);        // "receiver"
const char* KindSectionName(Kind k);  // "receivers"

// A component's reference to an extension, e.g. {"exporters.otlphttp.auth.authenticator",
// "sigv4auth"}: the service checks, when it is created, that the extension is configured, listed in
// service.extensions and of the right kind (see core/auth.h).
struct ExtensionRef {
  std::string path;  // the full key path, for errors
  std::string id;
};

struct ComponentConfig {
  virtual ~ComponentConfig() = default;
  // auth.authenticator of an HTTP client (ParseClientAuth, core/auth.h).
  std::vector<ExtensionRef> http_client_authenticators;
};

// The extensions of service.extensions by id. The service creates (and starts) them before every
// other component, which find the ones they use here.
class ExtensionDirectory {
 public:
  void Add(std::string id, std::shared_ptr<Extension> extension);
  // Null when no extension of service.extensions has this id.
  std::shared_ptr<Extension> Find(const std::string& id) const;

 private:
  std::map<std::string, std::shared_ptr<Extension>> extensions_;
};

struct CreateSettings {
  std::string id;        // "otlphttp/backend"
  Signal signal = Signal::kTraces;  // not meaningful for receivers and extensions
  std::string pipeline;  // processors: "traces/app"
  // Set by the service for receivers, processors and exporters; null when a test creates a
  // component on its own.
  std::shared_ptr<const ExtensionDirectory> extensions = nullptr;
};

// Set by the service: extensions (health_check) read it.
struct HostStatus {
  std::atomic<bool> pipelines_ready{false};
};

struct Factory {
  Kind kind = Kind::kReceiver;
  std::string type;
  std::string stability = "development";
  std::vector<Signal> signals;  // empty for extensions
  // Must read every key it accepts through the reader and call reader.Finish().
  std::function<std::unique_ptr<ComponentConfig>(ConfigReader& reader)> parse;
  std::function<std::shared_ptr<Receiver>(const ComponentConfig&, const CreateSettings&)> create_receiver;
  std::function<std::shared_ptr<Processor>(const ComponentConfig&, const CreateSettings&,
                                           std::shared_ptr<Consumer> next)>
      create_processor;
  std::function<std::shared_ptr<Exporter>(const ComponentConfig&, const CreateSettings&)> create_exporter;
  std::function<std::shared_ptr<Extension>(const ComponentConfig&, const CreateSettings&,
                                           std::shared_ptr<HostStatus>)>
      create_extension;

  bool Supports(Signal s) const;
};

class Registry {
 public:
  void Add(Factory factory);
  const Factory* Find(Kind kind, const std::string& type) const;
  std::vector<const Factory*> List(Kind kind) const;

 private:
  std::map<std::pair<Kind, std::string>, Factory> factories_;
};

// Splits "type/name"; false if the id is malformed.
bool ParseComponentId(const std::string& id, std::string& type, std::string& name);

}  // namespace adot::collector
