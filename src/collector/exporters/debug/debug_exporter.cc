#include "collector/exporters/debug/debug_exporter.h"

#include <atomic>
#include <cstdio>
#include <mutex>

#include "collector/core/exporter_helper.h"

namespace adot::collector {
namespace {

enum class Verbosity { kBasic, kNormal, kDetailed };

struct DebugConfig : ComponentConfig {
  Verbosity verbosity = Verbosity::kBasic;
  int64_t sampling_initial = 2;
  int64_t sampling_thereafter = 1;
};

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<DebugConfig>();
  std::string v = r.String("verbosity", "basic");
  if (v == "basic") c->verbosity = Verbosity::kBasic;
  else if (v == "normal") c->verbosity = Verbosity::kNormal;
  else if (v == "detailed") c->verbosity = Verbosity::kDetailed;
  else r.Error("verbosity", "must be basic, normal or detailed, got \"" + v + "\"");
  c->sampling_initial = r.Int("sampling_initial", 2, 1);
  c->sampling_thereafter = r.Int("sampling_thereafter", 1, 1);
  r.Finish();
  return c;
}

std::string Hex(const std::string& b) {
  static const char k[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : b) {
    out += k[c >> 4];
    out += k[c & 15];
  }
  return out;
}

std::mutex g_out_mu;

Status Write(const DebugConfig& cfg, const std::string& id, const PData& d) {
  std::string out;
  const char* what = d.signal() == Signal::kTraces ? "spans" : d.signal() == Signal::kMetrics ? "data points" : "log records";
  out = std::string(SignalName(d.signal())) + " received by " + id + ": " + what + "=" + std::to_string(d.ItemCount()) + "\n";
  if (cfg.verbosity == Verbosity::kNormal) {
    if (const auto* t = d.Traces()) {
      for (const auto& rs : t->resource_spans())
        for (const auto& ss : rs.scope_spans())
          for (const auto& s : ss.spans())
            out += "  span " + s.name() + " trace_id=" + Hex(s.trace_id()) + " span_id=" + Hex(s.span_id()) + "\n";
    } else if (const auto* m = d.Metrics()) {
      for (const auto& rm : m->resource_metrics())
        for (const auto& sm : rm.scope_metrics())
          for (const auto& metric : sm.metrics()) out += "  metric " + metric.name() + "\n";
    } else if (const auto* l = d.Logs()) {
      for (const auto& rl : l->resource_logs())
        for (const auto& sl : rl.scope_logs())
          for (const auto& rec : sl.log_records())
            out += "  log severity=" + rec.severity_text() + " body=" +
                   (rec.body().has_string_value() ? rec.body().string_value() : std::string("<non-string>")) + "\n";
    }
  } else if (cfg.verbosity == Verbosity::kDetailed) {
    out += d.Json() + "\n";
  }
  std::lock_guard<std::mutex> lock(g_out_mu);
  std::fwrite(out.data(), 1, out.size(), stderr);
  return Status::Ok();
}

}  // namespace

Factory DebugExporterFactory() {
  Factory f;
  f.kind = Kind::kExporter;
  f.type = "debug";
  f.stability = "development";
  f.signals = {Signal::kTraces, Signal::kMetrics, Signal::kLogs};
  f.parse = Parse;
  f.create_exporter = [](const ComponentConfig& c, const CreateSettings& s) -> std::shared_ptr<Exporter> {
    auto cfg = std::make_shared<DebugConfig>(static_cast<const DebugConfig&>(c));
    ExporterHelperSettings h;
    h.queue.enabled = false;
    h.retry.enabled = false;
    std::string id = s.id;
    return std::make_shared<QueuedExporter>(
        ExporterInstanceName(s), h,
        [cfg, id](const PData& d, std::chrono::milliseconds) { return Write(*cfg, id, d); });
  };
  return f;
}

}  // namespace adot::collector
