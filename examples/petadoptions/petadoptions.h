// What the petadoptions services share: serving on loopback until SIGTERM, outgoing HTTP calls
// through the libcurl instrumentation, and the database (sqlite3, or PostgreSQL when
// PETADOPTIONS_PG_CONNINFO is set) through the SQL instrumentation.
//
// Telemetry is not configured here: each main() calls adot::sdk::Autoconfigure(), which reads the
// OTEL_* variables (OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_ENDPOINT, ...).
#pragma once

#include <httplib.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace petadoptions {

// First thing in main(), before any thread starts: blocks SIGTERM and SIGINT (Serve waits for
// them) and initialises libcurl.
void InitProcess();

// Listens on 127.0.0.1:$PORT (default_port when PORT is unset; 0 picks a free port), prints
// "<service>: listening on 127.0.0.1:<port>" on stdout, and serves until SIGTERM or SIGINT.
// Returns main()'s exit code: 0 after a clean stop, 1 (with a message) when it cannot listen.
int Serve(httplib::Server& server, std::string_view service, int default_port);

// An environment variable, or fallback when unset or empty.
std::string Env(const char* name, std::string_view fallback);

// One outgoing HTTP call, with a CLIENT span and the trace context sent along (the libcurl
// instrumentation). status is 0 when no response arrived; error then says why.
struct HttpResult {
  long status = 0;
  std::string body;
  std::string error;
};
HttpResult HttpCall(std::string_view method, const std::string& url);

// "?a=1&b=x%20y" from name/value pairs (values URL-encoded).
std::string QueryString(const std::vector<std::pair<std::string, std::string>>& parameters);

// A JSON object with string members, written in order.
std::string JsonObject(const std::vector<std::pair<std::string, std::string>>& members);
// {"error": message}
std::string JsonError(std::string_view message);

// The database. One connection per process, used by one query at a time.
class Database {
 public:
  using Row = std::vector<std::string>;
  struct Result {
    bool ok = false;
    std::vector<Row> rows;  // SELECT and RETURNING rows, every column as text (NULL as "")
    std::string error;
  };

  // PostgreSQL when PETADOPTIONS_PG_CONNINFO is set (a libpq connection string), else sqlite3 in
  // the file PETADOPTIONS_SQLITE_PATH (default ./petadoptions.db, created when missing). Null,
  // after a message on stderr naming the service and the problem, when it cannot be opened.
  static std::unique_ptr<Database> Open(std::string_view service);
  virtual ~Database() = default;

  // Runs one statement; $1, $2, ... in sql are params (as text). Both dialects accept them.
  Result Query(const std::string& sql, const std::vector<std::string>& params = {});
  // "sqlite" or "postgresql".
  virtual const char* system() const = 0;

 protected:
  virtual Result Run(const std::string& sql, const std::vector<std::string>& params) = 0;

 private:
  std::mutex mutex_;
};

// The transactions table (payforadoption writes it, petlistadoptions reads it): created when
// missing. False, with a message on stderr, on failure.
bool CreateTransactionsTable(Database& db, std::string_view service);

}  // namespace petadoptions
