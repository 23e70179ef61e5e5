// What the SQL instrumentations (libpq, sqlite3) share: statement parsing for span names, query
// text sanitization, and the options that control db.query.text.
//
// Spans follow the stable OpenTelemetry database conventions: kind CLIENT, named
// "{db.operation.name} {db.collection.name}" ("SELECT orders", "INSERT pets"), or just the
// operation when the statement names no table ("BEGIN"), or the db.system.name ("postgresql") when
// the statement cannot be parsed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace adot::instrumentation::sql {

// The lexical rules the parser and sanitizer follow.
//   kPostgreSQL: E'..' strings with backslash escapes, $tag$..$tag$ strings, nested /* */ comments,
//                $1 placeholders.
//   kSQLite:     X'..' blobs, [..] and `..` identifiers, ?, ?NNN, :name, @name, $name placeholders.
//   kGeneric:    standard SQL: '..' strings, ".." identifiers, ? and $1 placeholders.
enum class Dialect : uint8_t { kGeneric, kPostgreSQL, kSQLite };

// What ParseStatement finds in the first statement of a query text.
struct StatementInfo {
  // The statement's command keyword in upper case ("SELECT", "INSERT", "CREATE"); for a WITH
  // query, the command of the main statement. Empty when the text does not start with a known
  // SQL command.
  std::string operation;
  // The main table: the first table after FROM (SELECT), INTO (INSERT, MERGE), after UPDATE,
  // DELETE FROM, TRUNCATE, COPY, and CREATE/DROP/ALTER TABLE, CREATE INDEX .. ON. Schema
  // qualification is kept ("public.users"), identifier quotes are removed. Empty when there is
  // none ("SELECT 1", "BEGIN", a table-valued function) or it cannot be told.
  std::string collection;

  friend bool operator==(const StatementInfo&, const StatementInfo&) = default;
};

// Parses the first statement of sql. Never fails: unparseable text gives an empty info.
StatementInfo ParseStatement(std::string_view sql, Dialect dialect = Dialect::kGeneric);

// sql with every string literal (including E'..', X'..', B'..', N'..', U&'..' and dollar-quoted
// strings) and every numeric literal (42, -3, 1.5, 1e5, 0x1F) replaced by '?', and comments
// removed. Identifiers, keywords, placeholders and operators are kept as written. An unterminated
// literal or comment swallows the rest of the text, so nothing after it leaks.
std::string SanitizeQuery(std::string_view sql, Dialect dialect = Dialect::kGeneric);

// True when sql contains a bind placeholder outside literals and comments ($1 for PostgreSQL;
// ?, ?1, :name, @name, $name for SQLite; ? and $1 for kGeneric).
bool HasPlaceholders(std::string_view sql, Dialect dialect = Dialect::kGeneric);

// The span name for info: "OPERATION collection", "OPERATION", or db_system when the operation is
// unknown.
std::string SpanName(const StatementInfo& info, std::string_view db_system);

// How db.query.text is recorded.
enum class QueryTextMode : uint8_t {
  // Default. Literals are replaced by '?' in statements that carry their values inline. A
  // parameterized statement (one with bind placeholders: PQexecParams, PQprepare, a bound sqlite3
  // statement) is recorded as written, as the conventions advise: its values travel separately.
  kSanitized,
  // Literals are replaced by '?' in every statement, parameterized or not.
  kSanitizeAll,
  // The statement as the application wrote it, literals included. Only for data you may export.
  kRaw,
  // db.query.text is not recorded.
  kOff,
};

struct Options {
  QueryTextMode query_text = QueryTextMode::kSanitized;
};

// Process-wide options for every SQL instrumentation; safe to call at any time from any thread.
void SetOptions(const Options& options) noexcept;
Options GetOptions() noexcept;

}  // namespace adot::instrumentation::sql
