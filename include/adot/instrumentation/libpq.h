// Tracing for libpq (PostgreSQL's C client). Each function has the signature of the libpq call it
// wraps and returns exactly what that call returns; switching is one line:
//
//   PGresult* res = PQexec(conn, "SELECT * FROM orders");                          // before
//   PGresult* res = adot::instrumentation::libpq::Exec(conn, "SELECT * FROM orders");  // after
//
// Every query becomes a CLIENT span ("SELECT orders") of instrumentation scope
// "adot.instrumentation.libpq", child of the current context, with db.system.name "postgresql",
// db.namespace (PQdb), server.address / server.port (PQhost / PQport; no port for a Unix-domain
// socket), db.operation.name, db.collection.name and db.query.text (see adot/instrumentation/sql.h
// for the sanitization options). A failed query also gets error.type and db.response.status_code
// (the SQLSTATE, e.g. "42P01"), status ERROR with libpq's message, and an exception event.
//
// While no SDK is installed (the global tracer provider is the API's no-op one) the wrappers call
// libpq directly and parse nothing.
//
// Prepared statements: Prepare / SendPrepare remember the statement text per (connection, name), so
// ExecPrepared / SendQueryPrepared spans are named and described from it. Call Finish instead of
// PQfinish to forget a connection's statements and end its unfinished spans.
//
// Asynchronous queries: a Send* call starts the span; it ends when GetResult returns the final
// null result (results must be read with GetResult, not PQgetResult, for that). Pipeline mode is
// followed too: one span per queued query, ended in order.
//
// The functions never throw and accept whatever libpq accepts (a null connection or query text
// gives libpq's own error result, and a span marked as failed).
#pragma once

#include <libpq-fe.h>

namespace adot::instrumentation::libpq {

inline constexpr char kInstrumentationScope[] = "adot.instrumentation.libpq";

PGresult* Exec(PGconn* conn, const char* query) noexcept;
PGresult* ExecParams(PGconn* conn, const char* command, int nParams, const Oid* paramTypes,
                     const char* const* paramValues, const int* paramLengths,
                     const int* paramFormats, int resultFormat) noexcept;
// The span is named "PREPARE <table>" (db.operation.name "PREPARE").
PGresult* Prepare(PGconn* conn, const char* stmtName, const char* query, int nParams,
                  const Oid* paramTypes) noexcept;
PGresult* ExecPrepared(PGconn* conn, const char* stmtName, int nParams,
                       const char* const* paramValues, const int* paramLengths,
                       const int* paramFormats, int resultFormat) noexcept;

int SendQuery(PGconn* conn, const char* query) noexcept;
int SendQueryParams(PGconn* conn, const char* command, int nParams, const Oid* paramTypes,
                    const char* const* paramValues, const int* paramLengths,
                    const int* paramFormats, int resultFormat) noexcept;
int SendPrepare(PGconn* conn, const char* stmtName, const char* query, int nParams,
                const Oid* paramTypes) noexcept;
int SendQueryPrepared(PGconn* conn, const char* stmtName, int nParams,
                      const char* const* paramValues, const int* paramLengths,
                      const int* paramFormats, int resultFormat) noexcept;
// PQgetResult; the null result that ends a query's results ends its span.
PGresult* GetResult(PGconn* conn) noexcept;

// PQfinish, after forgetting conn's prepared statements and ending its unfinished spans.
void Finish(PGconn* conn) noexcept;

}  // namespace adot::instrumentation::libpq
