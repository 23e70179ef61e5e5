#include <atomic>
#include <string>

#include "adot/exporters/console/console_exporter.h"
#include "exporters/console/console_format.h"

namespace adot::exporters::console {

namespace {

using internal::AppendAttributes;

const char* KindName(api::trace::SpanKind kind) {
  switch (kind) {
    case api::trace::SpanKind::kServer:
      return "SERVER";
    case api::trace::SpanKind::kClient:
      return "CLIENT";
    case api::trace::SpanKind::kProducer:
      return "PRODUCER";
    case api::trace::SpanKind::kConsumer:
      return "CONSUMER";
    default:
      return "INTERNAL";
  }
}

const char* StatusName(api::trace::StatusCode code) {
  switch (code) {
    case api::trace::StatusCode::kOk:
      return "OK";
    case api::trace::StatusCode::kError:
      return "ERROR";
    default:
      return "UNSET";
  }
}

class ConsoleSpanExporter final : public sdk::trace::SpanExporter {
 public:
  explicit ConsoleSpanExporter(std::FILE* out) : out_(out) {}

  sdk::ExportResult Export(sdk::trace::SpanBatch spans) noexcept override {
    if (shut_down_) return sdk::ExportResult::kFailure;
    std::string text;
    for (const auto& span : spans) Format(*span, text);
    std::fwrite(text.data(), 1, text.size(), out_);
    std::fflush(out_);
    return sdk::ExportResult::kSuccess;
  }
  bool ForceFlush(std::chrono::milliseconds) noexcept override { return std::fflush(out_) == 0; }
  bool Shutdown(std::chrono::milliseconds) noexcept override {
    shut_down_ = true;
    return true;
  }

 private:
  static void Format(const sdk::trace::SpanData& s, std::string& out) {
    out += "span \"" + s.name + "\" " + KindName(s.kind) + "\n";
    out += "  trace_id " + s.trace_id.ToHex() + "  span_id " + s.span_id.ToHex();
    out += s.has_parent() ? "  parent " + s.parent_span_id.ToHex() : std::string("  root");
    out += "\n";
    char buf[96];
    std::snprintf(buf, sizeof(buf), "  start %llu  duration %.3f ms  status %s",
                  static_cast<unsigned long long>(s.start_time_unix_nano),
                  (s.end_time_unix_nano - s.start_time_unix_nano) / 1e6, StatusName(s.status_code));
    out += buf;
    if (!s.status_message.empty()) out += " \"" + s.status_message + "\"";
    out += "\n";
    if (!s.attributes.empty() || s.dropped_attributes_count) {
      out += "  attributes:\n";
      AppendAttributes(out, "    ", s.attributes, s.dropped_attributes_count);
    }
    for (const auto& e : s.events) {
      out += "  event \"" + e.name + "\" at " + std::to_string(e.time_unix_nano) + "\n";
      AppendAttributes(out, "    ", e.attributes, e.dropped_attributes_count);
    }
    for (const auto& l : s.links) {
      out += "  link " + l.context.trace_id().ToHex() + "/" + l.context.span_id().ToHex() + "\n";
      AppendAttributes(out, "    ", l.attributes, l.dropped_attributes_count);
    }
    out += "  scope " + s.scope().name;
    if (!s.scope().version.empty()) out += " " + s.scope().version;
    out += "\n  resource:\n";
    AppendAttributes(out, "    ", s.resource().attributes(), 0);
  }

  std::FILE* out_;
  std::atomic<bool> shut_down_{false};
};

}  // namespace

std::unique_ptr<sdk::trace::SpanExporter> CreateConsoleSpanExporter(std::FILE* out) {
  return std::make_unique<ConsoleSpanExporter>(out ? out : stdout);
}

}  // namespace adot::exporters::console
