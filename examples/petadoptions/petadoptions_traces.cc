// petadoptions-traces: prints the petsite visits' traces from the file adot-collector's file
// exporter writes (adot-collector-data/traces.jsonl with the collector's local default).
//
//   petadoptions-traces [--trees N] FILE [TRACE_ID...]
//
// Without trace ids: every trace whose root is a "petsite visit" span. The first N traces
// (default 1) are printed as trees, each followed by its summary line; the last line counts the
// traces that span petsearch, payforadoption, petlistadoptions and the database.
// Exit code: 0 when every selected trace does, 1 when one does not (or a trace id is not in the
// file, or there are none), 2 for a usage error or an unreadable file.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "trace_file.h"

namespace traces = petadoptions::traces;

int main(int argc, char** argv) {
  int trees = 1;
  std::string path;
  std::vector<std::string> ids;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--trees") == 0 && i + 1 < argc) {
      trees = std::atoi(argv[++i]);
    } else if (argv[i][0] == '-') {
      path.clear();
      break;
    } else if (path.empty()) {
      path = argv[i];
    } else {
      ids.push_back(argv[i]);
    }
  }
  if (path.empty() || trees < 0) {
    std::fprintf(stderr, "usage: petadoptions-traces [--trees N] FILE [TRACE_ID...]\n");
    return 2;
  }

  std::vector<traces::Span> spans;
  std::string error;
  size_t bad_lines = 0;
  if (!traces::ReadFile(path, spans, error, &bad_lines)) {
    std::fprintf(stderr, "petadoptions-traces: %s\n", error.c_str());
    return 2;
  }
  if (bad_lines) std::fprintf(stderr, "petadoptions-traces: %zu lines of %s are not OTLP/JSON\n",
                              bad_lines, path.c_str());
  auto by_trace = traces::GroupByTrace(spans);

  if (ids.empty()) {  // the visits, in the order they started
    std::vector<std::pair<uint64_t, std::string>> visits;
    for (const traces::Span& span : spans)
      if (span.name == "petsite visit" && span.parent_span_id.empty())
        visits.emplace_back(span.start_ns, span.trace_id);
    std::sort(visits.begin(), visits.end());
    for (const auto& visit : visits) ids.push_back(visit.second);
  }
  if (ids.empty()) {
    std::printf("no \"petsite visit\" traces in %s (%zu spans)\n", path.c_str(), spans.size());
    return 1;
  }

  size_t complete = 0;
  bool all_found = true;
  for (size_t i = 0; i < ids.size(); ++i) {
    auto it = by_trace.find(ids[i]);
    if (it == by_trace.end()) {
      std::printf("trace %s is not in %s\n", ids[i].c_str(), path.c_str());
      all_found = false;
      continue;
    }
    traces::Summary summary = traces::Summarize(it->second);
    if (summary.complete()) ++complete;
    if (i < size_t(trees)) {
      std::printf("\n%s\n%s\n", traces::FormatTree(it->second).c_str(),
                  traces::SummaryLine(ids[i], summary).c_str());
    } else if (!summary.complete()) {
      std::printf("%s\n", traces::SummaryLine(ids[i], summary).c_str());
    }
  }
  std::printf("\n%zu of %zu traces span petsearch, payforadoption, petlistadoptions and the database\n",
              complete, ids.size());
  return all_found && complete == ids.size() ? 0 : 1;
}
