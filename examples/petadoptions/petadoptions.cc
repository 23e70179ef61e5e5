#include "petadoptions.h"

#include <curl/curl.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "adot/instrumentation/curl.h"
#include "adot/instrumentation/sqlite.h"
#include "common/json_writer.h"
#ifdef PETADOPTIONS_WITH_POSTGRESQL
#include <libpq-fe.h>

#include "adot/instrumentation/libpq.h"
#endif

namespace petadoptions {

namespace {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

size_t AppendBody(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// sqlite3 through the SQL instrumentation: one span per statement execution ("SELECT pets").
class SqliteDatabase final : public Database {
 public:
  explicit SqliteDatabase(sqlite3* db) : db_(db) {}
  ~SqliteDatabase() override { sqlite3_close(db_); }
  const char* system() const override { return "sqlite"; }

 protected:
  Result Run(const std::string& sql, const std::vector<std::string>& params) override {
    namespace lite = adot::instrumentation::sqlite;
    Result result;
    sqlite3_stmt* stmt = nullptr;
    if (lite::Prepare(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) {
      result.error = sqlite3_errmsg(db_);
      return result;
    }
    // By name: sqlite numbers "$2" 1 when it comes first in the text.
    for (size_t i = 0; i < params.size(); ++i) {
      int index = sqlite3_bind_parameter_index(stmt, ("$" + std::to_string(i + 1)).c_str());
      if (index > 0) sqlite3_bind_text(stmt, index, params[i].c_str(), -1, SQLITE_TRANSIENT);
    }
    int rc;
    while ((rc = lite::Step(stmt)) == SQLITE_ROW) {
      Row& row = result.rows.emplace_back();
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        const unsigned char* text = sqlite3_column_text(stmt, c);
        row.emplace_back(text ? reinterpret_cast<const char*>(text) : "");
      }
    }
    result.ok = rc == SQLITE_DONE;
    if (!result.ok) result.error = sqlite3_errmsg(db_);
    lite::Finalize(stmt);
    return result;
  }

 private:
  sqlite3* db_;
};

#ifdef PETADOPTIONS_WITH_POSTGRESQL
// PostgreSQL through the SQL instrumentation (libpq): one span per query.
class PostgresDatabase final : public Database {
 public:
  explicit PostgresDatabase(PGconn* conn) : conn_(conn) {}
  ~PostgresDatabase() override { adot::instrumentation::libpq::Finish(conn_); }
  const char* system() const override { return "postgresql"; }

 protected:
  Result Run(const std::string& sql, const std::vector<std::string>& params) override {
    namespace pq = adot::instrumentation::libpq;
    if (PQstatus(conn_) != CONNECTION_OK) PQreset(conn_);  // the server restarted
    std::vector<const char*> values;
    for (const std::string& p : params) values.push_back(p.c_str());
    PGresult* res = pq::ExecParams(conn_, sql.c_str(), int(values.size()), nullptr, values.data(),
                                   nullptr, nullptr, 0);
    Result result;
    ExecStatusType status = PQresultStatus(res);
    result.ok = res && (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK);
    if (!result.ok) result.error = PQerrorMessage(conn_);
    for (int r = 0; result.ok && r < PQntuples(res); ++r) {
      Row& row = result.rows.emplace_back();
      for (int c = 0; c < PQnfields(res); ++c) row.emplace_back(PQgetvalue(res, r, c));
    }
    PQclear(res);
    return result;
  }

 private:
  PGconn* conn_;
};
#endif

}  // namespace

void InitProcess() {
  sigset_t stop = StopSignals();
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);  // inherited by every thread started after this
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

int Serve(httplib::Server& server, std::string_view service, int default_port) {
  std::string text = Env("PORT", std::to_string(default_port));
  int port = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port < 0 || port > 65535) {
    std::fprintf(stderr, "%.*s: PORT=%s is not a port number (0-65535)\n", int(service.size()),
                 service.data(), text.c_str());
    return 1;
  }
  const int requested = port;
  if (port == 0) {
    port = server.bind_to_any_port("127.0.0.1");
  } else if (!server.bind_to_port("127.0.0.1", port)) {
    port = -1;
  }
  if (port <= 0) {
    std::fprintf(stderr, "%.*s: cannot listen on 127.0.0.1:%d (is the port in use?)\n",
                 int(service.size()), service.data(), requested);
    return 1;
  }
  std::printf("%.*s: listening on 127.0.0.1:%d\n", int(service.size()), service.data(), port);
  std::fflush(stdout);

  // The listener runs on its own thread; this one waits for SIGTERM / SIGINT (blocked by
  // InitProcess), so the telemetry is flushed by main's return, not lost by a signal's default.
  std::thread listener([&server] {
    server.listen_after_bind();
    kill(getpid(), SIGTERM);  // the listener stopped by itself: stop the process too
  });
  sigset_t stop = StopSignals();
  int signal_number = 0;
  sigwait(&stop, &signal_number);
  server.stop();
  listener.join();
  std::printf("%.*s: stopped\n", int(service.size()), service.data());
  return 0;
}

std::string Env(const char* name, std::string_view fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::string(value) : std::string(fallback);
}

HttpResult HttpCall(std::string_view method, const std::string& url) {
  namespace curl_otel = adot::instrumentation::curl;
  HttpResult result;
  CURL* easy = curl_easy_init();
  if (!easy) {
    result.error = "curl_easy_init failed";
    return result;
  }
  const std::string method_text(method);
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  if (method != "GET") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, method_text.c_str());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, "");  // no body: the parameters are in the URL
  }
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 2000L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, &result.body);
  curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");

  CURLcode rc = curl_otel::Perform(easy, headers);  // was: curl_easy_perform(easy)

  if (rc == CURLE_OK) {
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &result.status);
  } else {
    result.error = method_text + " " + url + ": " + curl_easy_strerror(rc);
  }
  curl_easy_cleanup(easy);
  curl_slist_free_all(headers);
  return result;
}

std::string QueryString(const std::vector<std::pair<std::string, std::string>>& parameters) {
  std::string out;
  for (const auto& [name, value] : parameters) {
    out += out.empty() ? '?' : '&';
    out += name;
    out += '=';
    char* escaped = curl_easy_escape(nullptr, value.data(), int(value.size()));
    if (escaped) out += escaped;
    curl_free(escaped);
  }
  return out;
}

std::string JsonObject(const std::vector<std::pair<std::string, std::string>>& members) {
  std::string out = "{";
  for (const auto& [key, value] : members) {
    if (out.size() > 1) out += ',';
    adot::common::AppendJsonString(key, out);
    out += ':';
    adot::common::AppendJsonString(value, out);
  }
  return out + "}";
}

std::string JsonError(std::string_view message) {
  return JsonObject({{"error", std::string(message)}});
}

std::unique_ptr<Database> Database::Open(std::string_view service) {
  const std::string conninfo = Env("PETADOPTIONS_PG_CONNINFO", "");
  if (!conninfo.empty()) {
#ifdef PETADOPTIONS_WITH_POSTGRESQL
    PGconn* conn = PQconnectdb(conninfo.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      std::fprintf(stderr, "%.*s: cannot connect to PostgreSQL (PETADOPTIONS_PG_CONNINFO): %s\n",
                   int(service.size()), service.data(), PQerrorMessage(conn));
      PQfinish(conn);
      return nullptr;
    }
    return std::make_unique<PostgresDatabase>(conn);
#else
    std::fprintf(stderr, "%.*s: PETADOPTIONS_PG_CONNINFO is set, but this build has no libpq\n",
                 int(service.size()), service.data());
    return nullptr;
#endif
  }

  const std::string path = Env("PETADOPTIONS_SQLITE_PATH", "petadoptions.db");
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  if (rc == SQLITE_OK) {
    // Three processes share the file: wait for each other's writes rather than fail.
    sqlite3_busy_timeout(db, 5000);
    rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
  }
  if (rc != SQLITE_OK) {
    std::fprintf(stderr, "%.*s: cannot open the sqlite database %s (PETADOPTIONS_SQLITE_PATH): %s\n",
                 int(service.size()), service.data(), path.c_str(),
                 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return nullptr;
  }
  return std::make_unique<SqliteDatabase>(db);
}

Database::Result Database::Query(const std::string& sql, const std::vector<std::string>& params) {
  std::lock_guard<std::mutex> lock(mutex_);
  return Run(sql, params);
}

bool CreateTransactionsTable(Database& db, std::string_view service) {
  const std::string id_column = std::string_view(db.system()) == "postgresql"
                                    ? "id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY"
                                    : "id INTEGER PRIMARY KEY AUTOINCREMENT";
  auto created = db.Query("CREATE TABLE IF NOT EXISTS transactions (" + id_column +
                          ", pet_id TEXT NOT NULL, transaction_id TEXT NOT NULL,"
                          " adoption_date TEXT NOT NULL)");
  if (!created.ok)
    std::fprintf(stderr, "%.*s: cannot create the transactions table: %s\n", int(service.size()),
                 service.data(), created.error.c_str());
  return created.ok;
}

}  // namespace petadoptions
