#pragma once

#include "collector/core/service.h"
#include "collector/main/components.h"
#include "collector/test_util.h"

namespace adot::collector::testing {

// The built-in components plus "testexp", an exporter that records what reaches it.
struct TestSink {
  std::vector<std::shared_ptr<RecordingConsumer>> exporters;
  std::shared_ptr<RecordingConsumer> Last() { return exporters.back(); }
};

inline Registry RegistryWithSink(TestSink* sink) {
  Registry r = BuiltinComponents();
  Factory f;
  f.kind = Kind::kExporter;
  f.type = "testexp";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.parse = [](ConfigReader& reader) {
    reader.Finish();
    return std::make_unique<ComponentConfig>();
  };
  f.create_exporter = [sink](const ComponentConfig&, const CreateSettings&) {
    auto e = std::make_shared<RecordingConsumer>();
    sink->exporters.push_back(e);
    return e;
  };
  r.Add(f);
  return r;
}

inline std::unique_ptr<Service> StartService(const std::string& yaml, const Registry& r) {
  ConfigErrors errors;
  auto s = Service::Create(YAML::Load(yaml), r, errors);
  if (!s) {
    ADD_FAILURE() << errors.Joined();
    return nullptr;
  }
  Status st = s->Start();
  if (!st.ok()) {
    ADD_FAILURE() << st.message();
    return nullptr;
  }
  return s;
}

}  // namespace adot::collector::testing
