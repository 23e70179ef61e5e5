#include "adot/instrumentation/sqlite.h"

#include <atomic>
#include <charconv>
#include <cstring>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "instrumentation/sql_common/sql_span.h"

namespace adot::instrumentation::sqlite {

namespace {

using api::trace::SpanPtr;
namespace internal = sql::internal;

constexpr std::string_view kDbSystem = "sqlite";
// Bound on statements with an execution in progress; past it a span ends at its first row.
constexpr size_t kMaxActiveStatements = 65536;

// The names of SQLite's primary result codes, indexed by code.
constexpr std::string_view kCodeNames[] = {
    "SQLITE_OK",       "SQLITE_ERROR",   "SQLITE_INTERNAL", "SQLITE_PERM",     "SQLITE_ABORT",
    "SQLITE_BUSY",     "SQLITE_LOCKED",  "SQLITE_NOMEM",    "SQLITE_READONLY", "SQLITE_INTERRUPT",
    "SQLITE_IOERR",    "SQLITE_CORRUPT", "SQLITE_NOTFOUND", "SQLITE_FULL",     "SQLITE_CANTOPEN",
    "SQLITE_PROTOCOL", "SQLITE_EMPTY",   "SQLITE_SCHEMA",   "SQLITE_TOOBIG",   "SQLITE_CONSTRAINT",
    "SQLITE_MISMATCH", "SQLITE_MISUSE",  "SQLITE_NOLFS",    "SQLITE_AUTH",     "SQLITE_FORMAT",
    "SQLITE_RANGE",    "SQLITE_NOTADB",  "SQLITE_NOTICE",   "SQLITE_WARNING"};

struct ActiveStatements {
  std::mutex mutex;
  std::unordered_map<const sqlite3_stmt*, SpanPtr> spans;
  std::atomic<size_t> count{0};  // spans.size(), read without the lock
};

ActiveStatements& Active() {
  static ActiveStatements* active = new ActiveStatements();  // never destroyed
  return *active;
}

bool IsFailure(int rc) noexcept {
  int primary = rc & 0xff;
  return primary != SQLITE_OK && primary != SQLITE_ROW && primary != SQLITE_DONE;
}

void RecordFailure(api::trace::Span& span, sqlite3* db, int rc, const char* message) noexcept {
  const int primary = rc & 0xff;
  char code[12];
  auto [end, ec] = std::to_chars(code, code + sizeof(code), primary);
  internal::Failure failure;
  failure.status_code = std::string_view(code, ec == std::errc() ? end - code : 0);
  failure.error_type = failure.status_code;
  failure.exception_type = primary >= 0 && primary < static_cast<int>(std::size(kCodeNames))
                               ? kCodeNames[primary]
                               : std::string_view("SQLITE_ERROR");
  if (message && *message) {
    failure.message = message;
  } else if (db) {
    failure.message = sqlite3_errmsg(db);
  } else {
    failure.message = sqlite3_errstr(rc);
  }
  internal::RecordFailure(span, failure);
}

SpanPtr StartSpan(api::trace::Tracer& tracer, sqlite3* db, std::string_view sql, bool sql_known,
                  bool parameterized) noexcept {
  internal::SpanSetup setup;
  setup.db_system = kDbSystem;
  setup.dialect = sql::Dialect::kSQLite;
  setup.query = sql;
  setup.query_known = sql_known;
  setup.parameterized = parameterized;
  if (db) {
    // The main database's file: empty for in-memory and temporary databases.
    if (const char* file = sqlite3_db_filename(db, "main")) setup.db_namespace = file;
  }
  return internal::StartDbSpan(tracer, setup);
}

// Removes and returns stmt's span, if any.
SpanPtr TakeActive(const sqlite3_stmt* stmt) noexcept {
  ActiveStatements& a = Active();
  if (!stmt || a.count.load(std::memory_order_relaxed) == 0) return nullptr;
  std::lock_guard<std::mutex> lock(a.mutex);
  auto it = a.spans.find(stmt);
  if (it == a.spans.end()) return nullptr;
  SpanPtr span = std::move(it->second);
  a.spans.erase(it);
  a.count.store(a.spans.size(), std::memory_order_relaxed);
  return span;
}

// Keeps span until stmt's execution ends. Returns a span it replaced (a statement reset with
// sqlite3_reset directly, or finalized and its address reused), or span itself when full.
SpanPtr PutActive(const sqlite3_stmt* stmt, SpanPtr span) noexcept {
  try {
    ActiveStatements& a = Active();
    std::lock_guard<std::mutex> lock(a.mutex);
    auto it = a.spans.find(stmt);
    if (it != a.spans.end()) return std::exchange(it->second, std::move(span));
    if (a.spans.size() >= kMaxActiveStatements) return span;
    a.spans.emplace(stmt, std::move(span));
    a.count.store(a.spans.size(), std::memory_order_relaxed);
    return nullptr;
  } catch (...) {
    return span;
  }
}

int PrepareTraced(sqlite3* db, const char* sql, int nByte, sqlite3_stmt** ppStmt,
                  const char** pzTail, unsigned int prepFlags, bool v3) noexcept {
  if (!db || !sql || !ppStmt) {
    // sqlite3 built without SQLITE_ENABLE_API_ARMOR would dereference these.
    if (ppStmt) *ppStmt = nullptr;
    if (pzTail) *pzTail = sql;
    return SQLITE_MISUSE;
  }
  int rc = v3 ? sqlite3_prepare_v3(db, sql, nByte, prepFlags, ppStmt, pzTail)
              : sqlite3_prepare_v2(db, sql, nByte, ppStmt, pzTail);
  if (rc == SQLITE_OK) return rc;
  auto tracer = internal::ActiveTracer(kInstrumentationScope);
  if (!tracer) return rc;
  // The text sqlite3 was given: nByte bytes (up to a NUL) or up to the NUL.
  size_t length = nByte < 0 ? std::strlen(sql) : strnlen(sql, static_cast<size_t>(nByte));
  std::string_view text(sql, length);
  // Only the first statement is compiled; name the span from it.
  SpanPtr span = StartSpan(*tracer, db, text, true, false);
  RecordFailure(*span, db, rc, nullptr);
  span->End();
  return rc;
}

}  // namespace

int Prepare(sqlite3* db, const char* sql, int nByte, sqlite3_stmt** ppStmt,
            const char** pzTail) noexcept {
  return PrepareTraced(db, sql, nByte, ppStmt, pzTail, 0, false);
}

int PrepareV3(sqlite3* db, const char* sql, int nByte, unsigned int prepFlags,
              sqlite3_stmt** ppStmt, const char** pzTail) noexcept {
  return PrepareTraced(db, sql, nByte, ppStmt, pzTail, prepFlags, true);
}

int Step(sqlite3_stmt* stmt) noexcept {
  if (!stmt) return sqlite3_step(stmt);  // SQLITE_MISUSE
  if (sqlite3_stmt_busy(stmt)) {
    // A later step of an execution in progress: only its end matters.
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) return rc;
    if (SpanPtr span = TakeActive(stmt)) {
      if (IsFailure(rc)) RecordFailure(*span, sqlite3_db_handle(stmt), rc, nullptr);
      span->End();
    }
    return rc;
  }
  // The first step of an execution.
  auto tracer = internal::ActiveTracer(kInstrumentationScope);
  if (!tracer) return sqlite3_step(stmt);
  sqlite3* db = sqlite3_db_handle(stmt);
  const char* text = sqlite3_sql(stmt);
  SpanPtr span = StartSpan(*tracer, db, text ? std::string_view(text) : std::string_view(),
                           text != nullptr, sqlite3_bind_parameter_count(stmt) > 0);
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW && span->IsRecording()) {
    SpanPtr replaced = PutActive(stmt, std::move(span));
    if (replaced) replaced->End();
    return rc;
  }
  if (IsFailure(rc)) RecordFailure(*span, db, rc, nullptr);
  span->End();
  return rc;
}

int Reset(sqlite3_stmt* stmt) noexcept {
  SpanPtr span = TakeActive(stmt);
  int rc = sqlite3_reset(stmt);
  if (span) span->End();  // abandoned before SQLITE_DONE: ends here, not an error
  return rc;
}

int Finalize(sqlite3_stmt* stmt) noexcept {
  SpanPtr span = TakeActive(stmt);
  int rc = sqlite3_finalize(stmt);
  if (span) span->End();
  return rc;
}

int Exec(sqlite3* db, const char* sql, int (*callback)(void*, int, char**, char**), void* arg,
         char** errmsg) noexcept {
  if (!db) {
    if (errmsg) *errmsg = sqlite3_mprintf("%s", "database connection is null");
    return SQLITE_MISUSE;
  }
  auto tracer = internal::ActiveTracer(kInstrumentationScope);
  if (!tracer) return sqlite3_exec(db, sql, callback, arg, errmsg);
  SpanPtr span = StartSpan(*tracer, db, sql ? std::string_view(sql) : std::string_view(),
                           sql != nullptr, false);
  char* own_message = nullptr;
  char** message_out = errmsg ? errmsg : &own_message;
  int rc = sqlite3_exec(db, sql, callback, arg, message_out);
  if (IsFailure(rc)) RecordFailure(*span, db, rc, *message_out);
  span->End();
  sqlite3_free(own_message);
  return rc;
}

}  // namespace adot::instrumentation::sqlite
