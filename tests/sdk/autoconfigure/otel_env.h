// Clears every OTEL_* variable for one test and restores the environment afterwards, so tests
// see only the variables they set.
#pragma once

#include <cstdlib>
#include <optional>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "adot/sdk/resource/detectors.h"

extern char** environ;

namespace adot::testing {

class CleanOtelEnvironment {
 public:
  CleanOtelEnvironment() {
    for (char** e = environ; *e; ++e) {
      std::string entry = *e;
      if (entry.rfind("OTEL_", 0) == 0) saved_.emplace_back(entry.substr(0, entry.find('=')),
                                                            entry.substr(entry.find('=') + 1));
    }
    for (const auto& [name, value] : saved_) unsetenv(name.c_str());
  }
  ~CleanOtelEnvironment() {
    std::vector<std::string> set_now;
    for (char** e = environ; *e; ++e) {
      std::string entry = *e;
      if (entry.rfind("OTEL_", 0) == 0) set_now.push_back(entry.substr(0, entry.find('=')));
    }
    for (const auto& name : set_now) unsetenv(name.c_str());
    for (const auto& [name, value] : saved_) setenv(name.c_str(), value.c_str(), 1);
  }
  void Set(const char* name, const char* value) { setenv(name, value, 1); }

 private:
  std::vector<std::pair<std::string, std::string>> saved_;
};

// Points Autoconfigure()'s resource detectors at an empty file-system root, an empty environment
// and a closed loopback port, so no test reads this machine's /sys or could reach instance
// metadata even when it runs on EC2.
inline void UseOfflineResourceDetectors() {
  sdk::resource::DetectorOptions offline;
  offline.root = "/nonexistent-adot-test-root";
  offline.env = [](const char*) { return std::optional<std::string>(); };
  offline.imds_endpoint = offline.kubernetes_endpoint = "http://127.0.0.1:9";
  sdk::resource::SetAutoconfigureDetectorOptions(std::move(offline));
}

}  // namespace adot::testing
