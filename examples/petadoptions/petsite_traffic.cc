// petsite-traffic: the workshop's petsite front end, as a bounded traffic generator.
//
//   petsite-traffic [--visits N] [--seconds S]        (defaults: 20 visits, at most 60 s)
//
// Each visit is one trace: a root span "petsite visit" whose children are the calls
//   GET  petsearch        /api/search?pettype=..&petcolor=..
//   POST payforadoption   /api/home/completeadoption?petId=..&petType=..
//   GET  petlistadoptions /api/adoptionlist/
// made through the libcurl instrumentation, so the services' spans join the trace. Prints one
// line per visit with its trace id. Exit code 0 when every call of every visit succeeded.
// SIGINT / SIGTERM: no new visit starts; the spans of the visits made are still exported.
//
// Environment: PETSEARCH_URL, PAYFORADOPTION_URL, PETLISTADOPTIONS_URL (defaults
// http://127.0.0.1:8081, :8082, :8083) and the OTEL_* variables.
#include <curl/curl.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "adot/api/trace.h"
#include "adot/sdk/autoconfigure.h"
#include "common/json_reader.h"
#include "petadoptions.h"

namespace {

using adot::api::trace::SpanKind;
using adot::api::trace::StatusCode;

volatile std::sig_atomic_t stop_requested = 0;
void RequestStop(int) { stop_requested = 1; }

struct Urls {
  std::string petsearch = petadoptions::Env("PETSEARCH_URL", "http://127.0.0.1:8081");
  std::string payforadoption = petadoptions::Env("PAYFORADOPTION_URL", "http://127.0.0.1:8082");
  std::string petlistadoptions = petadoptions::Env("PETLISTADOPTIONS_URL", "http://127.0.0.1:8083");
};

// An available pet from a petsearch answer, else the first one ("" when none).
std::string PickPet(const std::string& search_body) {
  adot::common::JsonValue pets;
  if (!adot::common::ParseJson(search_body, pets) || !pets.is_array()) return "";
  std::string first;
  for (const auto& pet : pets.array()) {
    const auto* id = pet.Find("petid");
    const auto* availability = pet.Find("availability");
    if (!id || !id->is_string()) continue;
    if (availability && availability->is_string() && availability->text() == "yes") return id->text();
    if (first.empty()) first = id->text();
  }
  return first;
}

// Visit number (1, 2, ...): true when every call answered 200.
bool Visit(adot::api::trace::Tracer& tracer, const Urls& urls, int number) {
  static const char* const kTypes[] = {"puppy", "kitten", "bunny"};
  static const char* const kColors[] = {"brown", "black", "white"};
  const std::string type = kTypes[(number - 1) % 3];
  const std::string color = kColors[((number - 1) / 3) % 3];

  auto visit = tracer.StartSpan("petsite visit", {{"pet.type", type}, {"pet.color", color}});
  auto scope = adot::api::trace::Tracer::WithActiveSpan(visit);  // the calls are its children

  auto search = petadoptions::HttpCall(
      "GET", urls.petsearch + "/api/search" +
                 petadoptions::QueryString({{"pettype", type}, {"petcolor", color}}));
  std::string pet_id = search.status == 200 ? PickPet(search.body) : "";
  petadoptions::HttpResult adoption, list;
  if (!pet_id.empty()) {
    visit->SetAttribute("pet.id", pet_id);
    adoption = petadoptions::HttpCall(
        "POST", urls.payforadoption + "/api/home/completeadoption" +
                    petadoptions::QueryString({{"petId", pet_id}, {"petType", type}}));
    list = petadoptions::HttpCall("GET", urls.petlistadoptions + "/api/adoptionlist/");
  }

  const bool ok = search.status == 200 && !pet_id.empty() && adoption.status == 200 &&
                  list.status == 200;
  std::string problem;
  for (const auto* call : {&search, &adoption, &list})
    if (problem.empty() && !call->error.empty()) problem = call->error;
  if (problem.empty() && search.status == 200 && pet_id.empty()) problem = "no " + color + " " + type;
  if (!ok) visit->SetStatus(StatusCode::kError, problem.empty() ? "a call failed" : problem);
  visit->End();

  std::printf("visit %d: trace %s  search %ld, adoption %ld, adoption list %ld%s%s\n", number,
              visit->GetContext().trace_id().ToHex().c_str(), search.status, adoption.status,
              list.status, problem.empty() ? "" : "  ", problem.c_str());
  std::fflush(stdout);
  return ok;
}

int PositiveArgument(const char* flag, const char* value) {
  int n = value ? std::atoi(value) : 0;
  if (n <= 0) {
    std::fprintf(stderr, "petsite-traffic: %s needs a positive number\n", flag);
    std::exit(2);
  }
  return n;
}

}  // namespace

int main(int argc, char** argv) {
  int visits = 20;
  int seconds = 60;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--visits") == 0) {
      visits = PositiveArgument("--visits", i + 1 < argc ? argv[++i] : nullptr);
    } else if (std::strcmp(argv[i], "--seconds") == 0) {
      seconds = PositiveArgument("--seconds", i + 1 < argc ? argv[++i] : nullptr);
    } else {
      std::fprintf(stderr, "usage: petsite-traffic [--visits N] [--seconds S]\n");
      return 2;
    }
  }

  std::signal(SIGINT, RequestStop);
  std::signal(SIGTERM, RequestStop);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  adot::sdk::AutoconfigureOptions options;
  options.default_resource_attributes = {{"service.name", std::string("petsite")}};
  auto telemetry = adot::sdk::Autoconfigure(options);
  auto tracer = adot::api::trace::GetTracerProvider()->GetTracer("petsite", "1.0.0");

  const Urls urls;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  int done = 0, ok = 0;
  for (int i = 0; i < visits && !stop_requested && std::chrono::steady_clock::now() < deadline;
       ++i, ++done)
    ok += Visit(*tracer, urls, i + 1) ? 1 : 0;

  const bool flushed = telemetry.Shutdown(std::chrono::seconds(10));
  std::printf("petsite-traffic: %d of %d visits succeeded%s%s\n", ok, done,
              stop_requested ? " (stopped)" : done < visits ? " (time limit reached)" : "",
              flushed ? "" : "; the spans could not all be exported");
  return ok == done && done > 0 && flushed ? 0 : 1;
}
