// petlistadoptions: the latest adoptions with their pets (the workshop's PetListAdoptions service).
//
//   GET /api/adoptionlist/   the last 25 transactions, each with the pet's details from petsearch
//                            (one GET /api/search?petid=... per distinct pet, as the workshop does)
//
// Environment: PORT (default 8083), PETSEARCH_URL (default http://127.0.0.1:8081),
// PETADOPTIONS_SQLITE_PATH or PETADOPTIONS_PG_CONNINFO, and the OTEL_* variables.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "adot/instrumentation/httplib.h"
#include "adot/sdk/autoconfigure.h"
#include "common/json_reader.h"
#include "petadoptions.h"

namespace {

namespace otel_httplib = adot::instrumentation::httplib;
using petadoptions::Database;

// The pet's members as petsearch returns them ({"petid": ..., "pettype": ...}), or an error.
bool LookUpPet(const std::string& petsearch_url, const std::string& pet_id,
               adot::common::JsonValue& pet, std::string& error) {
  auto found = petadoptions::HttpCall(
      "GET", petsearch_url + "/api/search" + petadoptions::QueryString({{"petid", pet_id}}));
  if (found.status != 200) {
    error = found.status ? "petsearch answered " + std::to_string(found.status)
                         : "petsearch: " + found.error;
    return false;
  }
  adot::common::JsonValue pets;
  if (!adot::common::ParseJson(found.body, pets, &error) || !pets.is_array()) {
    error = "petsearch sent no JSON array: " + error;
    return false;
  }
  if (!pets.array().empty()) pet = pets.array()[0];
  return true;
}

void ListAdoptions(Database& db, const std::string& petsearch_url, httplib::Response& res) {
  auto rows = db.Query(
      "SELECT pet_id, transaction_id, adoption_date FROM transactions ORDER BY id DESC LIMIT 25");
  if (!rows.ok) {
    res.status = 500;
    res.set_content(petadoptions::JsonError(rows.error), "application/json");
    return;
  }
  std::map<std::string, adot::common::JsonValue> pets;  // pet id -> details, one call per pet
  std::string body = "[";
  for (const auto& row : rows.rows) {
    const std::string& pet_id = row[0];
    if (!pets.count(pet_id)) {
      std::string error;
      if (!LookUpPet(petsearch_url, pet_id, pets[pet_id], error)) {
        res.status = 502;
        res.set_content(petadoptions::JsonError(error), "application/json");
        return;
      }
    }
    std::vector<std::pair<std::string, std::string>> adoption = {
        {"transactionid", row[1]}, {"adoptiondate", row[2]}, {"petid", pet_id}};
    for (const auto& member : pets[pet_id].members())
      if (member.key != "petid" && member.value.is_string())
        adoption.emplace_back(member.key, member.value.text());
    body += (body.size() > 1 ? "," : "") + petadoptions::JsonObject(adoption);
  }
  res.set_content(body + "]", "application/json");
}

}  // namespace

int main() {
  petadoptions::InitProcess();
  adot::sdk::AutoconfigureOptions options;
  options.default_resource_attributes = {{"service.name", std::string("petlistadoptions")}};
  auto telemetry = adot::sdk::Autoconfigure(options);  // OTEL_* variables; flushes at exit

  const std::string petsearch_url = petadoptions::Env("PETSEARCH_URL", "http://127.0.0.1:8081");
  auto db = Database::Open("petlistadoptions");
  if (!db || !petadoptions::CreateTransactionsTable(*db, "petlistadoptions")) return 1;

  httplib::Server server;
  otel_httplib::Instrument(server);  // a SERVER span per request
  otel_httplib::Get(server, "/api/adoptionlist/",
                    [&](const httplib::Request&, httplib::Response& res) {
                      ListAdoptions(*db, petsearch_url, res);
                    });
  return petadoptions::Serve(server, "petlistadoptions", 8083);
}
