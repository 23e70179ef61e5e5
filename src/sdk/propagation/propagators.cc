#include "adot/sdk/propagation/propagators.h"

#include <string>
#include <vector>

#include "adot/sdk/common/env.h"
#include "adot/sdk/propagation/b3.h"
#include "adot/sdk/propagation/baggage.h"
#include "adot/sdk/propagation/jaeger.h"
#include "adot/sdk/propagation/trace_context.h"
#include "adot/sdk/propagation/xray.h"
#include "sdk/propagation/util.h"

namespace adot::sdk::propagation {

namespace {

using api::propagation::CompositePropagator;
using api::propagation::TextMapPropagator;

constexpr const char* kEnvVar = "OTEL_PROPAGATORS";

std::string Normalize(std::string_view name) {
  std::string out(internal::TrimOws(name));
  for (char& c : out) c = api::propagation::internal::AsciiLower(c);
  return out;
}

}  // namespace

std::shared_ptr<TextMapPropagator> CreatePropagator(std::string_view name) {
  std::string n = Normalize(name);
  if (n == "tracecontext") return std::make_shared<TraceContextPropagator>();
  if (n == "baggage") return std::make_shared<BaggagePropagator>();
  if (n == "xray") return std::make_shared<XrayPropagator>();
  if (n == "xray-lambda") return std::make_shared<XrayLambdaPropagator>();
  if (n == "b3") return std::make_shared<B3Propagator>(B3Propagator::InjectEncoding::kSingleHeader);
  if (n == "b3multi")
    return std::make_shared<B3Propagator>(B3Propagator::InjectEncoding::kMultiHeader);
  if (n == "jaeger") return std::make_shared<JaegerPropagator>();
  if (n == "none") return std::make_shared<CompositePropagator>();
  return nullptr;
}

std::shared_ptr<TextMapPropagator> CreatePropagatorFromList(std::string_view list) {
  std::vector<std::string> names;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::string name = Normalize(list.substr(pos, comma - pos));
    pos = comma + 1;
    if (name.empty()) continue;
    bool seen = false;
    for (const auto& n : names) seen = seen || n == name;
    if (!seen) names.push_back(std::move(name));
  }
  std::vector<std::shared_ptr<TextMapPropagator>> propagators;
  bool has_none = false;
  for (const auto& name : names) {
    if (name == "none") {
      has_none = true;
      continue;
    }
    auto p = CreatePropagator(name);
    if (!p) {
      // One warning per unknown name: invalid value "<name>" for OTEL_PROPAGATORS; using ...
      env::WarnInvalid(kEnvVar, name, "the other propagators of the list (unknown name skipped)");
      continue;
    }
    propagators.push_back(std::move(p));
  }
  if (has_none && names.size() > 1) {
    env::WarnInvalid(kEnvVar, "none", "the other propagators of the list (\"none\" only counts alone)");
  }
  return std::make_shared<CompositePropagator>(std::move(propagators));
}

std::shared_ptr<TextMapPropagator> CreatePropagatorFromEnvironment(std::string_view default_list) {
  std::optional<std::string> value = env::GetString(kEnvVar);
  return CreatePropagatorFromList(value ? std::string_view(*value) : default_list);
}

}  // namespace adot::sdk::propagation
