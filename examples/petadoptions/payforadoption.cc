// payforadoption: completes an adoption (the workshop's PayForAdoption service).
//
//   POST /api/home/completeadoption?petId=001&petType=puppy
//     marks the pet adopted through petsearch (PUT /api/petstatus; 404 there: 404 here), then
//     records the adoption in the transactions table; 200 with the transaction.
//
// Environment: PORT (default 8082), PETSEARCH_URL (default http://127.0.0.1:8081),
// PETADOPTIONS_SQLITE_PATH or PETADOPTIONS_PG_CONNINFO, and the OTEL_* variables.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>

#include "adot/instrumentation/httplib.h"
#include "adot/sdk/autoconfigure.h"
#include "petadoptions.h"

namespace {

namespace otel_httplib = adot::instrumentation::httplib;
using petadoptions::Database;

std::string NewTransactionId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  char id[37];
  std::snprintf(id, sizeof(id), "%08llx-%04llx-4%03llx-a%03llx-%012llx",
                (unsigned long long)(random() & 0xffffffff), (unsigned long long)(random() & 0xffff),
                (unsigned long long)(random() & 0xfff), (unsigned long long)(random() & 0xfff),
                (unsigned long long)(random() & 0xffffffffffff));
  return id;
}

std::string UtcNow() {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

void Respond(httplib::Response& res, int status, const std::string& json) {
  res.status = status;
  res.set_content(json, "application/json");
}

void CompleteAdoption(Database& db, const std::string& petsearch_url, const httplib::Request& req,
                      httplib::Response& res) {
  const std::string pet_id = req.get_param_value("petId");
  const std::string pet_type = req.get_param_value("petType");
  if (pet_id.empty()) return Respond(res, 400, petadoptions::JsonError("petId is required"));

  // A CLIENT span, child of this request's SERVER span; petsearch continues the trace.
  auto marked = petadoptions::HttpCall(
      "PUT", petsearch_url + "/api/petstatus" +
                 petadoptions::QueryString({{"petId", pet_id}, {"availability", "no"}}));
  if (marked.status == 404) return Respond(res, 404, petadoptions::JsonError("no pet with id " + pet_id));
  if (marked.status != 200) {
    std::string why = marked.status ? "petsearch answered " + std::to_string(marked.status)
                                    : "petsearch: " + marked.error;
    return Respond(res, 502, petadoptions::JsonError(why));
  }

  const std::string transaction_id = NewTransactionId();
  const std::string adoption_date = UtcNow();
  auto inserted = db.Query(
      "INSERT INTO transactions (pet_id, transaction_id, adoption_date) VALUES ($1, $2, $3)",
      {pet_id, transaction_id, adoption_date});
  if (!inserted.ok) return Respond(res, 500, petadoptions::JsonError(inserted.error));
  Respond(res, 200, petadoptions::JsonObject({{"transactionid", transaction_id},
                                              {"petid", pet_id},
                                              {"pettype", pet_type},
                                              {"adoptiondate", adoption_date}}));
}

}  // namespace

int main() {
  petadoptions::InitProcess();
  adot::sdk::AutoconfigureOptions options;
  options.default_resource_attributes = {{"service.name", std::string("payforadoption")}};
  auto telemetry = adot::sdk::Autoconfigure(options);  // OTEL_* variables; flushes at exit

  const std::string petsearch_url = petadoptions::Env("PETSEARCH_URL", "http://127.0.0.1:8081");
  auto db = Database::Open("payforadoption");
  if (!db || !petadoptions::CreateTransactionsTable(*db, "payforadoption")) return 1;

  httplib::Server server;
  otel_httplib::Instrument(server);  // a SERVER span per request
  otel_httplib::Post(server, "/api/home/completeadoption",
                     [&](const httplib::Request& req, httplib::Response& res) {
                       CompleteAdoption(*db, petsearch_url, req, res);
                     });
  return petadoptions::Serve(server, "payforadoption", 8082);
}
