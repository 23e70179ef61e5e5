// Tracing for SQLite (the sqlite3 C library). Each function has the signature of the sqlite3 call
// it wraps and returns exactly what that call returns; switching is a rename per call:
//
//   namespace lite = adot::instrumentation::sqlite;
//   lite::Prepare(db, sql, -1, &stmt, nullptr);      // sqlite3_prepare_v2
//   while (lite::Step(stmt) == SQLITE_ROW) { ... }   // sqlite3_step
//   lite::Reset(stmt); lite::Finalize(stmt);         // sqlite3_reset, sqlite3_finalize
//   lite::Exec(db, sql, callback, arg, &err);        // sqlite3_exec
//
// Spans are CLIENT spans ("SELECT pets") of instrumentation scope "adot.instrumentation.sqlite",
// children of the current context, with db.system.name "sqlite", db.namespace (the main database's
// file path, as sqlite3_db_filename reports it; absent for in-memory databases),
// db.operation.name, db.collection.name and db.query.text (see adot/instrumentation/sql.h).
//
//   * A statement execution is one span: it starts at the first Step and ends when Step returns
//     SQLITE_DONE or an error, or at Reset / Finalize (a query abandoned part-way). Steps that
//     return SQLITE_ROW cost one sqlite3_stmt_busy check and nothing else.
//   * Exec is one span for the whole call (all its statements), named from the first statement.
//   * Prepare makes a span only when it fails (a syntax error, a missing table): SQLite compiles
//     statements locally, and the failure is what needs to be seen.
// A failure sets error.type and db.response.status_code to the primary result code ("1" for
// SQLITE_ERROR, "19" for SQLITE_CONSTRAINT), status ERROR with sqlite3_errmsg, and an exception
// event whose exception.type is the code's name ("SQLITE_CONSTRAINT").
//
// While no SDK is installed (the global tracer provider is the API's no-op one) the wrappers call
// sqlite3 directly and parse nothing. They never throw; a null database, statement or SQL text
// returns SQLITE_MISUSE (or what sqlite3 returns for it) instead of crashing.
#pragma once

#include <sqlite3.h>

namespace adot::instrumentation::sqlite {

inline constexpr char kInstrumentationScope[] = "adot.instrumentation.sqlite";

// sqlite3_prepare_v2.
int Prepare(sqlite3* db, const char* sql, int nByte, sqlite3_stmt** ppStmt,
            const char** pzTail) noexcept;
// sqlite3_prepare_v3.
int PrepareV3(sqlite3* db, const char* sql, int nByte, unsigned int prepFlags,
              sqlite3_stmt** ppStmt, const char** pzTail) noexcept;
int Step(sqlite3_stmt* stmt) noexcept;
int Reset(sqlite3_stmt* stmt) noexcept;
int Finalize(sqlite3_stmt* stmt) noexcept;
int Exec(sqlite3* db, const char* sql, int (*callback)(void*, int, char**, char**), void* arg,
         char** errmsg) noexcept;

}  // namespace adot::instrumentation::sqlite
