#include "collector/core/telemetry.h"

#include <cmath>
#include <cstdio>
#include <fstream>

#include <malloc.h>
#include <unistd.h>

namespace adot::collector {

Telemetry& Telemetry::Global() {
  static Telemetry* t = new Telemetry();  // never destroyed: components may outlive statics
  return *t;
}

int Telemetry::Register(Source source) {
  std::lock_guard<std::mutex> lock(mu_);
  sources_[next_] = std::move(source);
  return next_++;
}

void Telemetry::Unregister(int id) {
  std::lock_guard<std::mutex> lock(mu_);
  sources_.erase(id);
}

const char* ItemSuffix(Signal s) {
  switch (s) {
    case Signal::kTraces: return "spans";
    case Signal::kMetrics: return "metric_points";
    case Signal::kLogs: return "log_records";
  }
  return "items";
}

uint64_t ProcessRssBytes() {
  std::ifstream f("/proc/self/statm");
  uint64_t size = 0, resident = 0;
  if (!(f >> size >> resident)) return 0;
  return resident * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
}

uint64_t ProcessHeapInUseBytes() {
  struct mallinfo2 mi = mallinfo2();
  return static_cast<uint64_t>(mi.uordblks) + static_cast<uint64_t>(mi.hblkhd);
}

std::vector<MetricSample> Telemetry::Collect() {
  std::vector<MetricSample> samples;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, s] : sources_) s(samples);
  return samples;
}

std::string Telemetry::RenderPrometheus() {
  std::vector<MetricSample> samples = Collect();
  std::map<std::string, std::vector<const MetricSample*>> by_name;
  for (const auto& s : samples) by_name[s.name].push_back(&s);
  std::string out;
  for (const auto& [name, list] : by_name) {
    out += "# TYPE " + name + " " + list.front()->type + "\n";
    for (const auto* s : list) {
      out += name;
      if (!s->labels.empty()) {
        out += "{";
        for (size_t i = 0; i < s->labels.size(); ++i) {
          if (i) out += ",";
          out += s->labels[i].first + "=\"";
          for (char c : s->labels[i].second) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
          }
          out += "\"";
        }
        out += "}";
      }
      char buf[64];
      if (std::floor(s->value) == s->value && std::fabs(s->value) < 1e15)
        std::snprintf(buf, sizeof buf, " %.0f\n", s->value);
      else
        std::snprintf(buf, sizeof buf, " %g\n", s->value);
      out += buf;
    }
  }
  return out;
}

}  // namespace adot::collector
