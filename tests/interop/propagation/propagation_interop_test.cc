// Extracts every case of cases.json with the adot propagators and with the official OpenTelemetry
// JS propagators (js/extract.js) and compares the normalised results case by case. A case marked
// with a "difference" (documented in docs/propagation.md) must still differ, so the list of
// accepted differences stays exact.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "adot/api/baggage.h"
#include "adot/api/propagation/carriers.h"
#include "adot/api/trace/span.h"
#include "adot/sdk/propagation/propagators.h"
#include "common/json_reader.h"

namespace adot::sdk::propagation {
namespace {

using common::JsonValue;

struct Case {
  std::string name;
  std::string propagators;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string difference;  // empty: the results must be equal
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<Case> LoadCases() {
  JsonValue root;
  std::string error;
  std::string text = ReadFile(ADOT_PROPAGATION_CASES);
  EXPECT_TRUE(common::ParseJson(text, root, &error)) << error;
  std::vector<Case> cases;
  const JsonValue* list = root.Find("cases");
  if (!list) return cases;
  for (const JsonValue& c : list->array()) {
    Case k;
    k.name = c.Find("name")->text();
    k.propagators = c.Find("propagators")->text();
    for (const JsonValue& h : c.Find("headers")->array())
      k.headers.emplace_back(h.array()[0].text(), h.array()[1].text());
    if (const JsonValue* d = c.Find("difference")) k.difference = d->text();
    cases.push_back(std::move(k));
  }
  return cases;
}

// The same normalised form as js/extract.js.
std::string Describe(const api::Context& ctx) {
  std::string out;
  const auto* span = ctx.GetValuePtr<api::trace::Span>(api::trace::SpanContextKey());
  if (span && span->GetContext().IsValid()) {
    const auto& sc = span->GetContext();
    char flags[3];
    std::snprintf(flags, sizeof(flags), "%02x", sc.trace_flags().bits());
    out = "span=" + sc.trace_id().ToHex() + "-" + sc.span_id().ToHex() + "-" + flags;
    std::string ts = sc.trace_state().ToHeader();
    if (!ts.empty()) out += " ts=" + ts;
  } else {
    out = "span=none";
  }
  auto baggage = api::baggage::GetBaggage(ctx);
  if (!baggage->empty()) {
    out += " bag=[";
    bool first = true;
    for (const auto& e : *baggage) {
      if (!first) out += "|";
      first = false;
      out += e.key + "=" + e.value;
      if (!e.metadata.empty()) out += ";" + e.metadata;
    }
    out += "]";
  }
  const bool* debug = ctx.GetValuePtr<bool>(api::propagation::internal::B3DebugContextKey());
  if (debug && *debug) out += " debug";
  return out;
}

// Runs js/extract.js (killed after 60 s) and returns its results by case name.
bool RunNode(std::map<std::string, std::string>& results, std::string& error) {
  std::string node = ADOT_PROPAGATION_NODE;
  if (node.empty()) {
    error = "node not found at configure time";
    return false;
  }
  std::string js_dir = ADOT_PROPAGATION_JS_DIR;
  if (!std::ifstream(js_dir + "/node_modules/@opentelemetry/core/package.json")) {
    error = "the JS packages are not installed: run scripts/install-deps.sh (npm ci --prefix " +
            js_dir + ")";
    return false;
  }
  std::string command = "timeout -k 5 60 '" + node + "' '" + js_dir + "/extract.js' '" +
                        ADOT_PROPAGATION_CASES + "'";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) {
    error = "cannot run " + command;
    return false;
  }
  std::string output;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) output.append(buf, n);
  int status = pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    error = "node failed (status " + std::to_string(status) + "): " + command;
    return false;
  }
  JsonValue root;
  if (!common::ParseJson(output, root, &error)) return false;
  for (const JsonValue& r : root.array()) results[r.Find("name")->text()] = r.Find("result")->text();
  return true;
}

TEST(PropagationInteropTest, AdotAgreesWithOpenTelemetryJs) {
  std::vector<Case> cases = LoadCases();
  ASSERT_GT(cases.size(), 50u);
  std::map<std::string, std::string> js;
  std::string error;
  ASSERT_TRUE(RunNode(js, error)) << error;
  int agreed = 0, differed = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto propagator = CreatePropagatorFromList(c.propagators);
    api::propagation::MapCarrier carrier;
    for (const auto& [k, v] : c.headers) carrier.Add(k, v);
    std::string ours = Describe(propagator->Extract(api::Context(), carrier));
    auto it = js.find(c.name);
    ASSERT_NE(it, js.end()) << "no JS result";
    if (c.difference.empty()) {
      EXPECT_EQ(ours, it->second) << "adot and OpenTelemetry JS disagree";
      ++agreed;
    } else {
      EXPECT_NE(ours, it->second) << "listed as a difference but now agrees: remove the entry";
      ++differed;
      std::printf("  accepted difference \"%s\":\n    adot: %s\n    js:   %s\n    why:  %s\n",
                  c.name.c_str(), ours.c_str(), it->second.c_str(), c.difference.c_str());
    }
  }
  std::printf("%d cases agree, %d accepted differences\n", agreed, differed);
}

}  // namespace
}  // namespace adot::sdk::propagation
