// Reading the traces adot-collector's file exporter writes: one OTLP/JSON ExportTraceServiceRequest
// per line ({"resourceSpans":[{"resource":..,"scopeSpans":[{"scope":..,"spans":[..]}]}]}), ids
// in hex, 64-bit integers as strings, enums as numbers (names are accepted too).
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace petadoptions::traces {

struct Span {
  std::string trace_id;
  std::string span_id;
  std::string parent_span_id;  // "" for a root
  std::string service;         // the resource's service.name
  std::string name;
  int kind = 0;                // OTLP SpanKind: 1 INTERNAL, 2 SERVER, 3 CLIENT, 4 PRODUCER, 5 CONSUMER
  uint64_t start_ns = 0;
  uint64_t end_ns = 0;
  int status_code = 0;         // 0 UNSET, 1 OK, 2 ERROR
  std::string status_message;
  std::map<std::string, std::string> attributes;  // every value as text ("200", "sqlite")

  // The attribute's text, or "" when absent.
  const std::string& Attribute(const std::string& key) const;
  double DurationMs() const { return end_ns > start_ns ? double(end_ns - start_ns) / 1e6 : 0; }
};

// Appends the spans of one line. False (error set) when the line is not an OTLP/JSON request.
bool ParseLine(std::string_view line, std::vector<Span>& spans, std::string& error);

// Appends the spans of every line of the file. False (error set) when the file cannot be read;
// lines that do not parse are skipped and counted in bad_lines.
bool ReadFile(const std::string& path, std::vector<Span>& spans, std::string& error,
              size_t* bad_lines = nullptr);

// The spans grouped by trace id, each trace in start-time order.
std::map<std::string, std::vector<Span>> GroupByTrace(const std::vector<Span>& spans);

const char* KindName(int kind);    // "SERVER"
const char* StatusName(int code);  // "ERROR"

// The trace as an indented tree (parents before children, siblings by start time), one span per
// line: name, service.name, kind, duration, status and the HTTP status / database system.
// Spans whose parent is not in the trace are shown as roots.
std::string FormatTree(const std::vector<Span>& trace);

// What a petadoptions trace should show.
struct Summary {
  std::set<std::string> services;  // service.name of every span
  std::string database;            // db.system(.name) of the SQL spans, "" when none
  size_t spans = 0;
  size_t errors = 0;               // spans with status ERROR
  double duration_ms = 0;          // of the root span(s)
  std::vector<std::string> missing;  // "petsearch", ..., "the database" not in the trace
  bool complete() const { return missing.empty(); }
};
Summary Summarize(const std::vector<Span>& trace);

// "trace <id> spans petsite, petsearch, payforadoption, petlistadoptions and the database
// (sqlite): 14 spans, 0 errors, 41.2 ms", or "... does not reach petlistadoptions, the database".
std::string SummaryLine(const std::string& trace_id, const Summary& summary);

}  // namespace petadoptions::traces
