// Statement parsing (span names) and db.query.text sanitization.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "adot/instrumentation/sql.h"

namespace adot::instrumentation::sql {
namespace {

StatementInfo Pg(std::string_view sql) { return ParseStatement(sql, Dialect::kPostgreSQL); }
StatementInfo Lite(std::string_view sql) { return ParseStatement(sql, Dialect::kSQLite); }
StatementInfo Info(std::string op, std::string table = {}) {
  return StatementInfo{std::move(op), std::move(table)};
}

TEST(ParseStatementTest, BasicDml) {
  EXPECT_EQ(Pg("SELECT * FROM transactions WHERE id = 1"), Info("SELECT", "transactions"));
  EXPECT_EQ(Pg("INSERT INTO pets (name, age) VALUES ('rex', 3)"), Info("INSERT", "pets"));
  EXPECT_EQ(Pg("UPDATE accounts SET balance = balance - 10 WHERE id = 7"),
            Info("UPDATE", "accounts"));
  EXPECT_EQ(Pg("DELETE FROM sessions WHERE expires < now()"), Info("DELETE", "sessions"));
  EXPECT_EQ(
      Pg("MERGE INTO stock s USING delivery d ON s.id = d.id WHEN MATCHED THEN UPDATE SET n = 1"),
      Info("MERGE", "stock"));
}

TEST(ParseStatementTest, LowerAndMixedCaseKeywordsAreUpperCasedIdentifiersKept) {
  EXPECT_EQ(Pg("select id from Orders"), Info("SELECT", "Orders"));
  EXPECT_EQ(Pg("iNsErT iNtO MyTable values (1)"), Info("INSERT", "MyTable"));
  EXPECT_EQ(Pg("\n\t  delete   from\n logs"), Info("DELETE", "logs"));
}

TEST(ParseStatementTest, NoTable) {
  EXPECT_EQ(Pg("SELECT 1"), Info("SELECT"));
  EXPECT_EQ(Pg("SELECT now(), 'x' AS y"), Info("SELECT"));
  EXPECT_EQ(Pg("BEGIN"), Info("BEGIN"));
  EXPECT_EQ(Pg("commit;"), Info("COMMIT"));
  EXPECT_EQ(Pg("SET search_path TO public"), Info("SET"));
  EXPECT_EQ(Pg("VALUES (1, 2), (3, 4)"), Info("VALUES"));
  EXPECT_EQ(Lite("PRAGMA journal_mode = WAL"), Info("PRAGMA"));
  EXPECT_EQ(Pg("EXPLAIN SELECT * FROM t"), Info("EXPLAIN"));
  // A table-valued function is not a table.
  EXPECT_EQ(Pg("SELECT * FROM generate_series(1, 10)"), Info("SELECT"));
  EXPECT_EQ(Pg("SELECT * FROM pg_catalog.generate_series(1, 10) g"), Info("SELECT"));
}

TEST(ParseStatementTest, CommentsAreSkipped) {
  EXPECT_EQ(Pg("-- fetch users\nSELECT * FROM users"), Info("SELECT", "users"));
  EXPECT_EQ(Pg("/* leading */ SELECT /* cols */ a FROM /* the table */ users"),
            Info("SELECT", "users"));
  EXPECT_EQ(Pg("/* outer /* nested */ still comment */ UPDATE t SET a = 1"), Info("UPDATE", "t"));
  // FROM inside a comment or a string is not a FROM.
  EXPECT_EQ(Pg("SELECT 'from x' /* from y */ -- from z\n FROM real_table"),
            Info("SELECT", "real_table"));
}

TEST(ParseStatementTest, QuotedAndQualifiedNames) {
  EXPECT_EQ(Pg("SELECT * FROM public.users"), Info("SELECT", "public.users"));
  EXPECT_EQ(Pg("SELECT * FROM \"My Table\""), Info("SELECT", "My Table"));
  EXPECT_EQ(Pg("SELECT * FROM \"Sch\".\"Ta\"\"ble\""), Info("SELECT", "Sch.Ta\"ble"));
  EXPECT_EQ(Pg("INSERT INTO mydb.public.items VALUES (1)"), Info("INSERT", "mydb.public.items"));
  EXPECT_EQ(Pg("SELECT * FROM U&\"d\\0061ta\""), Info("SELECT", "d\\0061ta"));
  EXPECT_EQ(Lite("SELECT * FROM [order details]"), Info("SELECT", "order details"));
  EXPECT_EQ(Lite("SELECT * FROM `back tick`"), Info("SELECT", "back tick"));
  EXPECT_EQ(Lite("SELECT * FROM main.pets"), Info("SELECT", "main.pets"));
}

TEST(ParseStatementTest, JoinsTakeTheFirstTable) {
  EXPECT_EQ(Pg("SELECT o.id, c.name FROM orders o JOIN customers c ON c.id = o.customer_id"),
            Info("SELECT", "orders"));
  EXPECT_EQ(Pg("SELECT * FROM a, b WHERE a.id = b.id"), Info("SELECT", "a"));
  EXPECT_EQ(Pg("SELECT * FROM ONLY parent_table"), Info("SELECT", "parent_table"));
}

TEST(ParseStatementTest, SubqueriesAndNestedFrom) {
  // The FROM of the outer statement, not the one inside the select list.
  EXPECT_EQ(Pg("SELECT (SELECT max(id) FROM b), extract(year FROM ts) FROM a"),
            Info("SELECT", "a"));
  // A derived table gives its own main table.
  EXPECT_EQ(Pg("SELECT x.n FROM (SELECT count(*) AS n FROM events) x"), Info("SELECT", "events"));
  EXPECT_EQ(Pg("(SELECT a FROM t1) UNION (SELECT b FROM t2)"), Info("SELECT", "t1"));
  EXPECT_EQ(Pg("SELECT * FROM users WHERE id IN (SELECT user_id FROM bans)"),
            Info("SELECT", "users"));
  // IS DISTINCT FROM is an operator.
  EXPECT_EQ(Pg("SELECT a IS NOT DISTINCT FROM b AS same FROM pairs"), Info("SELECT", "pairs"));
  EXPECT_EQ(Pg("SELECT DISTINCT name FROM people"), Info("SELECT", "people"));
}

TEST(ParseStatementTest, WithQueries) {
  EXPECT_EQ(Pg("WITH recent AS (SELECT * FROM orders WHERE ts > now() - interval '1 day') "
               "SELECT count(*) FROM recent"),
            Info("SELECT", "orders"));
  EXPECT_EQ(Pg("WITH a AS (SELECT 1), b (x) AS MATERIALIZED (SELECT 2) "
               "INSERT INTO archive SELECT * FROM a"),
            Info("INSERT", "archive"));
  EXPECT_EQ(
      Pg("with moved as (delete from queue returning *) insert into done select * from moved"),
      Info("INSERT", "done"));
  EXPECT_EQ(Pg("WITH t AS (SELECT * FROM users) SELECT * FROM t JOIN roles r ON true"),
            Info("SELECT", "users"));
  // A recursive CTE that only refers to itself has no table; the parser stops, it does not loop.
  EXPECT_EQ(Pg("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) "
               "SELECT * FROM n"),
            Info("SELECT"));
  EXPECT_EQ(Pg("WITH x AS (SELECT 1)"), Info("WITH"));
  EXPECT_EQ(Pg("WITH broken"), Info("WITH"));
}

TEST(ParseStatementTest, SqliteVariants) {
  EXPECT_EQ(Lite("INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)"), Info("INSERT", "kv"));
  EXPECT_EQ(Lite("REPLACE INTO kv VALUES (:k, :v)"), Info("REPLACE", "kv"));
  EXPECT_EQ(Lite("UPDATE OR IGNORE kv SET v = @v WHERE k = $k"), Info("UPDATE", "kv"));
}

TEST(ParseStatementTest, Ddl) {
  EXPECT_EQ(Pg("CREATE TABLE pets (id serial PRIMARY KEY, name text)"), Info("CREATE", "pets"));
  EXPECT_EQ(Pg("CREATE TEMP TABLE IF NOT EXISTS scratch (x int)"), Info("CREATE", "scratch"));
  EXPECT_EQ(Pg("CREATE UNIQUE INDEX CONCURRENTLY idx_name ON people (name)"),
            Info("CREATE", "people"));
  EXPECT_EQ(Pg("CREATE INDEX ON ONLY measurements (ts)"), Info("CREATE", "measurements"));
  EXPECT_EQ(Pg("CREATE VIEW v AS SELECT * FROM t"), Info("CREATE"));
  EXPECT_EQ(Pg("DROP TABLE IF EXISTS old_stuff, other"), Info("DROP", "old_stuff"));
  EXPECT_EQ(Pg("ALTER TABLE ONLY t ADD COLUMN c int"), Info("ALTER", "t"));
  EXPECT_EQ(Pg("TRUNCATE TABLE logs"), Info("TRUNCATE", "logs"));
  EXPECT_EQ(Pg("TRUNCATE logs, more_logs"), Info("TRUNCATE", "logs"));
  EXPECT_EQ(Pg("COPY items FROM STDIN"), Info("COPY", "items"));
  EXPECT_EQ(Pg("COPY (SELECT * FROM items) TO STDOUT"), Info("COPY"));
}

TEST(ParseStatementTest, MultiStatementUsesTheFirst) {
  EXPECT_EQ(Pg("INSERT INTO a VALUES (1); SELECT * FROM b"), Info("INSERT", "a"));
  // The first statement's FROM search stops at its ';'.
  EXPECT_EQ(Pg("SELECT 1; SELECT * FROM b"), Info("SELECT"));
}

TEST(ParseStatementTest, UnparseableGivesNothing) {
  EXPECT_EQ(Pg(""), Info(""));
  EXPECT_EQ(Pg("   \n "), Info(""));
  EXPECT_EQ(Pg("-- only a comment"), Info(""));
  EXPECT_EQ(Pg("/* unterminated"), Info(""));
  EXPECT_EQ(Pg("hello world"), Info(""));
  EXPECT_EQ(Pg("42"), Info(""));
  EXPECT_EQ(Pg("'SELECT * FROM t'"), Info(""));
  EXPECT_EQ(Pg("\"SELECT\" * FROM t"), Info(""));
  EXPECT_EQ(Pg("SELECT * FROM"), Info("SELECT"));
  EXPECT_EQ(Pg("INSERT pets VALUES (1)"), Info("INSERT"));  // no INTO: not a table we can trust
  EXPECT_EQ(Pg("SELECT * FROM ("), Info("SELECT"));
  EXPECT_EQ(Pg("DELETE"), Info("DELETE"));
  std::string deep(5000, '(');
  EXPECT_EQ(Pg(deep), Info(""));
  std::string nested = "SELECT * FROM ";
  for (int i = 0; i < 50; ++i) nested += "(SELECT * FROM ";
  nested += "t";
  EXPECT_EQ(Pg(nested), Info("SELECT"));  // deeper than the parser follows
  EXPECT_EQ(Pg(std::string_view("SELECT\0 * FROM t", 16)), Info("SELECT", "t"));
}

TEST(SpanNameTest, Shapes) {
  EXPECT_EQ(SpanName(Info("SELECT", "transactions"), "postgresql"), "SELECT transactions");
  EXPECT_EQ(SpanName(Info("BEGIN"), "postgresql"), "BEGIN");
  EXPECT_EQ(SpanName(Info(""), "sqlite"), "sqlite");
}

std::string SanPg(std::string_view sql) { return SanitizeQuery(sql, Dialect::kPostgreSQL); }
std::string SanLite(std::string_view sql) { return SanitizeQuery(sql, Dialect::kSQLite); }

TEST(SanitizeQueryTest, StringsAndNumbers) {
  EXPECT_EQ(SanPg("SELECT * FROM users WHERE name = 'alice' AND age > 30"),
            "SELECT * FROM users WHERE name = ? AND age > ?");
  EXPECT_EQ(SanPg("INSERT INTO t VALUES (1, 2.5, 'x', .5, 1e5, 1.5E-3, 6.02e+23)"),
            "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)");
  EXPECT_EQ(SanPg("SELECT 0x1F, 1_000_000"), "SELECT ?, ?");
  EXPECT_EQ(SanPg("SELECT 'it''s', 'a\\'"),
            "SELECT ?, ?");  // standard strings: no backslash escape
}

TEST(SanitizeQueryTest, NegativeNumbersAndSubtraction) {
  EXPECT_EQ(SanPg("SELECT * FROM t WHERE x = -3"), "SELECT * FROM t WHERE x = ?");
  EXPECT_EQ(SanPg("SELECT -3, -.5"), "SELECT ?, ?");
  EXPECT_EQ(SanPg("UPDATE t SET a = a - 3"), "UPDATE t SET a = a - ?");
  EXPECT_EQ(SanPg("SELECT a-3, (b)-4 FROM t LIMIT -1"), "SELECT a-?, (b)-? FROM t LIMIT ?");
  EXPECT_EQ(SanPg("SELECT * FROM t WHERE x IN (-1, -2)"), "SELECT * FROM t WHERE x IN (?, ?)");
}

TEST(SanitizeQueryTest, IdentifiersKeepTheirDigits) {
  EXPECT_EQ(SanPg("SELECT col1, t2.c_3 FROM table9 t2 WHERE \"x1\" = 5"),
            "SELECT col1, t2.c_3 FROM table9 t2 WHERE \"x1\" = ?");
  EXPECT_EQ(SanPg("SELECT a$1 FROM t"), "SELECT a$1 FROM t");
}

TEST(SanitizeQueryTest, PostgresSpecificLiterals) {
  EXPECT_EQ(SanPg("SELECT E'it\\'s a \\\\ secret', e'x'"), "SELECT ?, ?");
  EXPECT_EQ(SanPg("SELECT $$dollar 'quoted' $x$ text$$, $fn$ body $$ still $fn$ FROM t"),
            "SELECT ?, ? FROM t");
  EXPECT_EQ(SanPg("SELECT B'1010', X'1F', N'nat', U&'d\\0061t\\+000061'"), "SELECT ?, ?, ?, ?");
  EXPECT_EQ(SanPg("SELECT '2020-01-01'::date, 5::int"), "SELECT ?::date, ?::int");
  // Placeholders are kept.
  EXPECT_EQ(SanPg("SELECT * FROM t WHERE a = $1 AND b = $12 AND c = 'v'"),
            "SELECT * FROM t WHERE a = $1 AND b = $12 AND c = ?");
  // ? is an operator in PostgreSQL (jsonb), not a literal.
  EXPECT_EQ(SanPg("SELECT data ? 'key' FROM docs"), "SELECT data ? ? FROM docs");
}

TEST(SanitizeQueryTest, SqliteSpecificLiterals) {
  EXPECT_EQ(SanLite("INSERT INTO blobs VALUES (x'DEADBEEF', X'00')"),
            "INSERT INTO blobs VALUES (?, ?)");
  EXPECT_EQ(SanLite("SELECT * FROM t WHERE a = ? AND b = ?2 AND c = :name AND d = @v AND e = $w"),
            "SELECT * FROM t WHERE a = ? AND b = ?2 AND c = :name AND d = @v AND e = $w");
  EXPECT_EQ(SanLite("SELECT [weird col], `x` FROM [t 1] WHERE [a] = 'b'"),
            "SELECT [weird col], `x` FROM [t 1] WHERE [a] = ?");
}

TEST(SanitizeQueryTest, CommentsAreRemoved) {
  EXPECT_EQ(SanPg("SELECT a -- password='hunter2'\nFROM t"), "SELECT a \nFROM t");
  EXPECT_EQ(SanPg("SELECT /* secret 42 */ a FROM t"), "SELECT  a FROM t");
  EXPECT_EQ(SanPg("SELECT a/**/FROM t"), "SELECT a FROM t");
  EXPECT_EQ(SanPg("SELECT 1 /* trailing */"), "SELECT ?");
  EXPECT_EQ(SanPg("SELECT 1 -- trailing"), "SELECT ?");
  EXPECT_EQ(SanPg("/*traceparent='00-abc-01'*/ SELECT 1"), " SELECT ?");
}

TEST(SanitizeQueryTest, UnterminatedSwallowsTheRest) {
  EXPECT_EQ(SanPg("SELECT 'unterminated secret"), "SELECT ?");
  EXPECT_EQ(SanPg("SELECT $tag$ secret"), "SELECT ?");
  EXPECT_EQ(SanPg("SELECT E'secret\\'"), "SELECT ?");
  EXPECT_EQ(SanPg("SELECT 1 /* secret"), "SELECT ?");
  EXPECT_EQ(SanPg("SELECT \"unterminated ident"), "SELECT \"unterminated ident");
  EXPECT_EQ(SanLite("SELECT [unterminated"), "SELECT [unterminated");
}

TEST(SanitizeQueryTest, MultiStatementAndOddInput) {
  EXPECT_EQ(SanPg("INSERT INTO a VALUES ('x'); DELETE FROM b WHERE id = 9;"),
            "INSERT INTO a VALUES (?); DELETE FROM b WHERE id = ?;");
  EXPECT_EQ(SanPg(""), "");
  EXPECT_EQ(SanPg("$"), "$");
  EXPECT_EQ(SanPg("-"), "-");
  EXPECT_EQ(SanPg("'"), "?");
  EXPECT_EQ(SanPg("e'"), "?");
  EXPECT_EQ(SanPg("x'"), "?");
  EXPECT_EQ(SanPg("\xff\xfe 'v' \x01"), "\xff\xfe ? \x01");
  // TRUE/FALSE/NULL are keywords, not literals the conventions ask to remove.
  EXPECT_EQ(SanPg("SELECT TRUE, NULL, 'a'"), "SELECT TRUE, NULL, ?");
}

// Random token soups: whatever the order, no literal value survives sanitization, and nothing
// crashes or reads out of bounds (run under the asan-ubsan preset too).
TEST(SanitizeQueryTest, NoLiteralSurvivesInRandomStatements) {
  const std::vector<std::string> common = {
      "SELECT", "FROM",       "WHERE",     "INSERT",   "INTO",       "WITH",      "AS",
      "t",      "s.t",        "(",         ")",        ",",          ";",         "-",
      "+",      "=",          "::",        "'SECRET'", "'SEC''RET'", "X'5EC2E7'", "12345",
      "-12345", "1.2345e5",   ".12345",    "0x12345",  "/* c */",    "-- c\n",    "\"ident\"",
      "$1",     "?",          ":p",        "@p",       "\n",         "/*",        "$",
      "E",      "U&'SECRET'", "N'SECRET'", "B'1'"};
  // Whole literals only: a lone quote would make the rest of the soup legitimately unquoted text.
  // Unterminated literals are covered by the truncation below.
  std::mt19937 rng(12345);
  for (Dialect dialect : {Dialect::kGeneric, Dialect::kPostgreSQL, Dialect::kSQLite}) {
    std::vector<std::string> tokens = common;
    // Dollar quoting is PostgreSQL's ($name is a parameter in SQLite).
    if (dialect == Dialect::kPostgreSQL) {
      tokens.insert(tokens.end(), {"$$SECRET$$", "$q$SECRET$q$", "E'SEC\\'RET'", "e'SECRET\\\\'"});
    }
    for (int i = 0; i < 5000; ++i) {
      std::string sql;
      int n = 1 + static_cast<int>(rng() % 30);
      for (int k = 0; k < n; ++k) sql += tokens[rng() % tokens.size()] + " ";
      std::string out = SanitizeQuery(sql, dialect);
      ASSERT_EQ(out.find("RET"), std::string::npos) << sql << " -> " << out;
      ASSERT_EQ(out.find("12345"), std::string::npos) << sql << " -> " << out;
      ASSERT_EQ(out.find("5EC2E7"), std::string::npos) << sql << " -> " << out;
      ParseStatement(sql, dialect);
      HasPlaceholders(sql, dialect);
      // Truncated anywhere, including inside a literal or a comment.
      std::string_view cut(sql.data(), rng() % (sql.size() + 1));
      out = SanitizeQuery(cut, dialect);
      ASSERT_EQ(out.find("RET"), std::string::npos) << cut << " -> " << out;
      ParseStatement(cut, dialect);
    }
  }
}

TEST(HasPlaceholdersTest, PerDialect) {
  EXPECT_TRUE(HasPlaceholders("SELECT * FROM t WHERE id = $1", Dialect::kPostgreSQL));
  EXPECT_FALSE(HasPlaceholders("SELECT '$1' FROM t -- $2", Dialect::kPostgreSQL));
  EXPECT_FALSE(HasPlaceholders("SELECT data ? 'k' FROM t", Dialect::kPostgreSQL));
  EXPECT_TRUE(HasPlaceholders("SELECT * FROM t WHERE id = ?", Dialect::kSQLite));
  EXPECT_TRUE(HasPlaceholders("SELECT * FROM t WHERE id = :id", Dialect::kSQLite));
  EXPECT_FALSE(HasPlaceholders("SELECT * FROM t WHERE id = 3", Dialect::kSQLite));
  EXPECT_TRUE(HasPlaceholders("SELECT ?", Dialect::kGeneric));
}

TEST(OptionsTest, RoundTrip) {
  EXPECT_EQ(GetOptions().query_text, QueryTextMode::kSanitized);
  SetOptions(Options{QueryTextMode::kRaw});
  EXPECT_EQ(GetOptions().query_text, QueryTextMode::kRaw);
  SetOptions(Options{});
  EXPECT_EQ(GetOptions().query_text, QueryTextMode::kSanitized);
}

}  // namespace
}  // namespace adot::instrumentation::sql
