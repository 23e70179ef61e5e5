// Self-telemetry: components register sources of samples; Render() writes the Prometheus text
// format served on service.telemetry.metrics.address (default localhost:8888). Metric names are
// the Go collector's (otelcol_exporter_sent_spans_total, otelcol_receiver_accepted_spans_total, ...).
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "collector/core/pdata.h"

namespace adot::collector {

struct MetricSample {
  std::string name;  // "otelcol_exporter_sent_spans_total"
  std::string type;  // "counter" or "gauge"
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

class Telemetry {
 public:
  using Source = std::function<void(std::vector<MetricSample>&)>;
  static Telemetry& Global();
  int Register(Source source);
  void Unregister(int id);
  // Every source's current samples.
  std::vector<MetricSample> Collect();
  std::string RenderPrometheus();

 private:
  std::mutex mu_;
  int next_ = 1;
  std::map<int, Source> sources_;
};

// "spans", "metric_points", "log_records": the Go collector's item suffixes.
const char* ItemSuffix(Signal s);

// Resident set size of this process in bytes (0 if unknown).
uint64_t ProcessRssBytes();
// Bytes the allocator has handed out and not had back (glibc mallinfo2: in-use arena chunks plus
// mmapped ones): the process's live heap, like Go's runtime heap Alloc. Walks the arenas: call it
// at intervals, not per request.
uint64_t ProcessHeapInUseBytes();

}  // namespace adot::collector
