#include "collector/core/partial_success.h"

#include "collector/core/logger.h"
#include "common/json_reader.h"
#include "common/proto_writer.h"

namespace adot::collector {

std::optional<PartialSuccess> ReadPartialSuccess(std::string_view body, bool json) {
  PartialSuccess p;
  if (json) {
    common::JsonValue root;
    if (!common::ParseJson(body, root)) return std::nullopt;
    const common::JsonValue* ps = root.Find("partialSuccess");
    if (!ps) ps = root.Find("partial_success");
    if (!ps || !ps->is_object()) return std::nullopt;
    for (const char* key : {"rejectedSpans", "rejectedDataPoints", "rejectedLogRecords", "rejected_spans",
                            "rejected_data_points", "rejected_log_records"})
      if (const auto* v = ps->Find(key)) v->GetInt64(p.rejected);
    for (const char* key : {"errorMessage", "error_message"})
      if (const auto* v = ps->Find(key); v && v->is_string()) p.error_message = v->text();
  } else {
    // Export*ServiceResponse { partial_success = 1 { rejected_<items> = 1 (int64); error_message = 2 } }
    using common::proto::ProtoReader;
    using common::proto::WireType;
    ProtoReader response(body);
    ProtoReader::Field f;
    bool found = false;
    while (response.Next(f)) {
      if (f.number != 1 || f.type != WireType::kLengthDelimited) continue;
      found = true;
      ProtoReader inner(f.bytes);
      ProtoReader::Field g;
      while (inner.Next(g)) {
        if (g.number == 1 && g.type == WireType::kVarint) p.rejected = static_cast<int64_t>(g.value);
        if (g.number == 2 && g.type == WireType::kLengthDelimited) p.error_message = std::string(g.bytes);
      }
      if (!inner.ok()) return std::nullopt;
    }
    if (!response.ok() || !found) return std::nullopt;
  }
  if (p.rejected == 0 && p.error_message.empty()) return std::nullopt;
  return p;
}

void LogPartialSuccess(const std::string& exporter, const std::optional<PartialSuccess>& p) {
  if (!p) return;
  std::string text = "partial success from the server: " + std::to_string(p->rejected) + " items rejected";
  if (!p->error_message.empty()) text += ": " + p->error_message.substr(0, 500);
  Log(LogLevel::kWarn, "exporter " + exporter, text);
}

}  // namespace adot::collector
