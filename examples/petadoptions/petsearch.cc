// petsearch: the pets and their availability (the workshop's PetSearch service).
//
//   GET /api/search?pettype=puppy&petcolor=brown&petid=001   every filter optional; a JSON array
//   PUT /api/petstatus?petId=001&availability=no             200 with the pet, 404 unknown pet
//
// Environment: PORT (default 8081), PETADOPTIONS_SQLITE_PATH or PETADOPTIONS_PG_CONNINFO, and the
// OTEL_* variables. The pets table is created and seeded at start.
#include <string>

#include "adot/instrumentation/httplib.h"
#include "adot/sdk/autoconfigure.h"
#include "petadoptions.h"

namespace {

namespace otel_httplib = adot::instrumentation::httplib;
using petadoptions::Database;

// Three pets of each type, one of each color: a search by type and color finds one.
constexpr char kSeedPets[] =
    "INSERT INTO pets (id, pet_type, pet_color, price, image, cuteness_rate, availability) VALUES"
    " ('001', 'puppy', 'brown', '249', 'puppy-001.jpg', 5, 'yes'),"
    " ('002', 'puppy', 'black', '199', 'puppy-002.jpg', 4, 'yes'),"
    " ('003', 'puppy', 'white', '299', 'puppy-003.jpg', 5, 'yes'),"
    " ('004', 'kitten', 'brown', '149', 'kitten-004.jpg', 5, 'yes'),"
    " ('005', 'kitten', 'black', '129', 'kitten-005.jpg', 3, 'yes'),"
    " ('006', 'kitten', 'white', '179', 'kitten-006.jpg', 4, 'yes'),"
    " ('007', 'bunny', 'brown', '59', 'bunny-007.jpg', 4, 'yes'),"
    " ('008', 'bunny', 'black', '69', 'bunny-008.jpg', 5, 'yes'),"
    " ('009', 'bunny', 'white', '79', 'bunny-009.jpg', 5, 'yes')"
    " ON CONFLICT (id) DO NOTHING";

bool CreateAndSeed(Database& db) {
  auto created = db.Query(
      "CREATE TABLE IF NOT EXISTS pets (id TEXT PRIMARY KEY, pet_type TEXT NOT NULL,"
      " pet_color TEXT NOT NULL, price TEXT NOT NULL, image TEXT NOT NULL,"
      " cuteness_rate INTEGER NOT NULL, availability TEXT NOT NULL)");
  if (created.ok) created = db.Query(kSeedPets);
  if (!created.ok) std::fprintf(stderr, "petsearch: cannot create the pets: %s\n", created.error.c_str());
  return created.ok;
}

// A row of SELECT id, pet_type, pet_color, price, image, cuteness_rate, availability.
std::string PetJson(const Database::Row& row) {
  return petadoptions::JsonObject({{"petid", row[0]},
                                   {"pettype", row[1]},
                                   {"petcolor", row[2]},
                                   {"price", row[3]},
                                   {"peturl", "/petimages/" + row[4]},
                                   {"cuteness_rate", row[5]},
                                   {"availability", row[6]}});
}

void Search(Database& db, const httplib::Request& req, httplib::Response& res) {
  // An empty filter matches everything.
  auto found = db.Query(
      "SELECT id, pet_type, pet_color, price, image, cuteness_rate, availability FROM pets"
      " WHERE ($1 = '' OR pet_type = $1) AND ($2 = '' OR pet_color = $2) AND ($3 = '' OR id = $3)"
      " ORDER BY id",
      {req.get_param_value("pettype"), req.get_param_value("petcolor"),
       req.get_param_value("petid")});
  if (!found.ok) {
    res.status = 500;
    res.set_content(petadoptions::JsonError(found.error), "application/json");
    return;
  }
  std::string body = "[";
  for (const auto& row : found.rows) body += (body.size() > 1 ? "," : "") + PetJson(row);
  res.set_content(body + "]", "application/json");
}

void SetStatus(Database& db, const httplib::Request& req, httplib::Response& res) {
  const std::string pet_id = req.get_param_value("petId");
  const std::string availability = req.get_param_value("availability");
  if (pet_id.empty() || (availability != "yes" && availability != "no")) {
    res.status = 400;
    res.set_content(petadoptions::JsonError("petId and availability=yes|no are required"),
                    "application/json");
    return;
  }
  auto updated = db.Query(
      "UPDATE pets SET availability = $2 WHERE id = $1"
      " RETURNING id, pet_type, pet_color, price, image, cuteness_rate, availability",
      {pet_id, availability});
  if (!updated.ok) {
    res.status = 500;
    res.set_content(petadoptions::JsonError(updated.error), "application/json");
  } else if (updated.rows.empty()) {
    res.status = 404;
    res.set_content(petadoptions::JsonError("no pet with id " + pet_id), "application/json");
  } else {
    res.set_content(PetJson(updated.rows[0]), "application/json");
  }
}

}  // namespace

int main() {
  petadoptions::InitProcess();
  adot::sdk::AutoconfigureOptions options;
  options.default_resource_attributes = {{"service.name", std::string("petsearch")}};
  auto telemetry = adot::sdk::Autoconfigure(options);  // OTEL_* variables; flushes at exit

  auto db = Database::Open("petsearch");
  if (!db || !CreateAndSeed(*db)) return 1;

  httplib::Server server;
  otel_httplib::Instrument(server);  // a SERVER span per request
  otel_httplib::Get(server, "/api/search", [&](const httplib::Request& req, httplib::Response& res) {
    Search(*db, req, res);
  });
  otel_httplib::Put(server, "/api/petstatus",
                    [&](const httplib::Request& req, httplib::Response& res) {
                      SetStatus(*db, req, res);
                    });
  return petadoptions::Serve(server, "petsearch", 8081);
}
