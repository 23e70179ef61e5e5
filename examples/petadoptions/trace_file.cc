#include "trace_file.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <functional>

#include "common/json_reader.h"

namespace petadoptions::traces {

namespace {

using adot::common::JsonValue;

const std::string kEmpty;

const std::string& Text(const JsonValue* value) {
  return value && (value->is_string() || value->is_number()) ? value->text() : kEmpty;
}

const std::vector<JsonValue>& Array(const JsonValue* value) {
  static const std::vector<JsonValue> empty;
  return value && value->is_array() ? value->array() : empty;
}

// An AnyValue ({"stringValue": "x"}, {"intValue": "200"}, ...) as text.
std::string AnyValueText(const JsonValue* any) {
  if (!any || !any->is_object() || any->members().empty()) return "";
  const auto& [type, value] = any->members().front();
  if (type == "boolValue") return value.is_bool() ? (value.bool_value() ? "true" : "false") : "";
  if (type == "arrayValue") {
    std::string out = "[";
    for (const JsonValue& item : Array(value.Find("values")))
      out += (out.size() > 1 ? ", " : "") + AnyValueText(&item);
    return out + "]";
  }
  return Text(&value);  // stringValue, intValue (a string), doubleValue, bytesValue (base64)
}

// An enum written as a number (2) or by name ("SPAN_KIND_SERVER", "STATUS_CODE_ERROR").
int EnumValue(const JsonValue* value, const std::vector<std::string_view>& names) {
  if (!value) return 0;
  int64_t number = 0;
  if (value->GetInt64(number)) return int(number);
  for (size_t i = 0; i < names.size(); ++i)
    if (value->is_string() && value->text() == names[i]) return int(i);
  return 0;
}

uint64_t Nanos(const JsonValue* value) {
  uint64_t out = 0;
  return value && value->GetUint64(out) ? out : 0;
}

}  // namespace

const std::string& Span::Attribute(const std::string& key) const {
  auto it = attributes.find(key);
  return it == attributes.end() ? kEmpty : it->second;
}

bool ParseLine(std::string_view line, std::vector<Span>& spans, std::string& error) {
  JsonValue root;
  if (!adot::common::ParseJson(line, root, &error)) return false;
  const JsonValue* resource_spans = root.Find("resourceSpans");
  if (!resource_spans || !resource_spans->is_array()) {
    error = "no resourceSpans array";
    return false;
  }
  for (const JsonValue& rs : resource_spans->array()) {
    std::string service;
    const JsonValue* resource = rs.Find("resource");
    for (const JsonValue& kv : Array(resource ? resource->Find("attributes") : nullptr))
      if (Text(kv.Find("key")) == "service.name") service = AnyValueText(kv.Find("value"));
    for (const JsonValue& ss : Array(rs.Find("scopeSpans"))) {
      for (const JsonValue& s : Array(ss.Find("spans"))) {
        Span& span = spans.emplace_back();
        span.service = service;
        span.trace_id = Text(s.Find("traceId"));
        span.span_id = Text(s.Find("spanId"));
        span.parent_span_id = Text(s.Find("parentSpanId"));
        span.name = Text(s.Find("name"));
        span.kind = EnumValue(s.Find("kind"), {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
                                               "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT",
                                               "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"});
        span.start_ns = Nanos(s.Find("startTimeUnixNano"));
        span.end_ns = Nanos(s.Find("endTimeUnixNano"));
        if (const JsonValue* status = s.Find("status")) {
          span.status_code = EnumValue(
              status->Find("code"), {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"});
          span.status_message = Text(status->Find("message"));
        }
        for (const JsonValue& kv : Array(s.Find("attributes")))
          span.attributes[Text(kv.Find("key"))] = AnyValueText(kv.Find("value"));
      }
    }
  }
  return true;
}

bool ReadFile(const std::string& path, std::vector<Span>& spans, std::string& error,
              size_t* bad_lines) {
  std::ifstream in(path);
  if (!in) {
    error = "cannot read " + path;
    return false;
  }
  size_t bad = 0;
  std::string line, line_error;
  while (std::getline(in, line))
    if (!line.empty() && !ParseLine(line, spans, line_error)) ++bad;
  if (bad_lines) *bad_lines = bad;
  return true;
}

std::map<std::string, std::vector<Span>> GroupByTrace(const std::vector<Span>& spans) {
  std::map<std::string, std::vector<Span>> traces;
  for (const Span& span : spans) traces[span.trace_id].push_back(span);
  for (auto& [id, trace] : traces)
    std::stable_sort(trace.begin(), trace.end(),
                     [](const Span& a, const Span& b) { return a.start_ns < b.start_ns; });
  return traces;
}

const char* KindName(int kind) {
  static const char* const kNames[] = {"UNSPECIFIED", "INTERNAL", "SERVER",
                                       "CLIENT",      "PRODUCER", "CONSUMER"};
  return kind >= 0 && kind <= 5 ? kNames[kind] : "?";
}

const char* StatusName(int code) {
  return code == 1 ? "OK" : code == 2 ? "ERROR" : "UNSET";
}

std::string FormatTree(const std::vector<Span>& trace) {
  std::map<std::string, std::vector<const Span*>> children;  // parent span id -> spans
  std::set<std::string> ids;
  for (const Span& span : trace) ids.insert(span.span_id);
  std::vector<const Span*> roots;
  for (const Span& span : trace) {
    if (span.parent_span_id.empty() || !ids.count(span.parent_span_id)) {
      roots.push_back(&span);
    } else {
      children[span.parent_span_id].push_back(&span);
    }
  }

  std::string out;
  char line[512];
  std::snprintf(line, sizeof(line), "%-46s %-17s %-9s %10s  %s\n", "SPAN", "SERVICE", "KIND",
                "DURATION", "STATUS");
  out += line;
  std::set<const Span*> printed;  // guards against repeated span ids in a malformed file
  std::function<void(const Span&, int)> print = [&](const Span& span, int depth) {
    if (!printed.insert(&span).second) return;
    std::string label = std::string(2 * depth, ' ') + span.name;
    std::string details = StatusName(span.status_code);
    if (!span.status_message.empty()) details += " (" + span.status_message + ")";
    const std::string& http = span.Attribute("http.response.status_code");
    if (!http.empty()) details += "  http " + http;
    std::string db = span.Attribute("db.system.name");
    if (db.empty()) db = span.Attribute("db.system");
    if (!db.empty()) details += "  " + db;
    std::snprintf(line, sizeof(line), "%-46s %-17s %-9s %7.2f ms  ", label.c_str(),
                  span.service.c_str(), KindName(span.kind), span.DurationMs());
    out += line + details + "\n";
    for (const Span* child : children[span.span_id]) print(*child, depth + 1);
  };
  for (const Span* root : roots) print(*root, 0);
  return out;
}

Summary Summarize(const std::vector<Span>& trace) {
  Summary summary;
  summary.spans = trace.size();
  std::set<std::string> ids;
  for (const Span& span : trace) ids.insert(span.span_id);
  for (const Span& span : trace) {
    summary.services.insert(span.service);
    if (span.status_code == 2) ++summary.errors;
    std::string db = span.Attribute("db.system.name");
    if (db.empty()) db = span.Attribute("db.system");
    if (!db.empty()) summary.database = db;
    if (span.parent_span_id.empty() || !ids.count(span.parent_span_id))
      summary.duration_ms += span.DurationMs();
  }
  for (const char* service : {"petsearch", "payforadoption", "petlistadoptions"})
    if (!summary.services.count(service)) summary.missing.push_back(service);
  if (summary.database.empty()) summary.missing.push_back("the database");
  return summary;
}

std::string SummaryLine(const std::string& trace_id, const Summary& summary) {
  std::string out = "trace " + trace_id;
  if (summary.complete()) {
    out += " spans";
    for (const std::string& service : summary.services)
      if (service != "petsearch" && service != "payforadoption" && service != "petlistadoptions")
        out += " " + service + ",";
    out += " petsearch, payforadoption, petlistadoptions and the database (" + summary.database + ")";
  } else {
    out += " does not reach";
    for (size_t i = 0; i < summary.missing.size(); ++i) out += (i ? ", " : " ") + summary.missing[i];
  }
  char tail[96];
  std::snprintf(tail, sizeof(tail), ": %zu spans, %zu errors, %.1f ms", summary.spans,
                summary.errors, summary.duration_ms);
  return out + tail;
}

}  // namespace petadoptions::traces
