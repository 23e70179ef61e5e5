// The libpq wrappers against a real PostgreSQL server that the fixture starts on 127.0.0.1.
#include "adot/instrumentation/libpq.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "adot/instrumentation/sql.h"
#include "instrumentation/sql_common/tracing_fixture.h"
#include "pg_server.h"

namespace adot::instrumentation::libpq {
namespace {

using adot::testing::ExceptionAttr;
using adot::testing::GlobalTracing;
using adot::testing::HasAttr;
using adot::testing::IntAttr;
using adot::testing::PgServer;
using adot::testing::StrAttr;
using api::trace::SpanKind;
using api::trace::StatusCode;

constexpr const char* kDatabase = "adot_test";

class LibpqTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!PgServer::Available()) return;
    server_ = new PgServer();
    if (!server_->Start()) return;
    // The database the tests use, and their table, made without tracing.
    PGconn* admin = PQconnectdb(server_->ConnInfo("postgres").c_str());
    PQclear(PQexec(admin, (std::string("CREATE DATABASE ") + kDatabase).c_str()));
    PQfinish(admin);
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    if (!PgServer::Available()) {
      GTEST_SKIP() << "PostgreSQL 15 server binaries not found in " << PgServer::kBinDir
                   << " (scripts/install-deps.sh installs the `postgresql` package)";
    }
    ASSERT_NE(server_, nullptr);
    ASSERT_TRUE(server_->error().empty()) << server_->error();
    conn_ = Connect(server_->ConnInfo(kDatabase));
    ASSERT_NE(conn_, nullptr);
    Run("DROP TABLE IF EXISTS pets");
    Run("CREATE TABLE pets (id int PRIMARY KEY, name text NOT NULL, age int)");
    Run("INSERT INTO pets VALUES (1, 'rex', 3), (2, 'tom', 5), (3, 'kit', 1)");
  }
  void TearDown() override {
    sql::SetOptions(sql::Options{});
    if (conn_) PQfinish(conn_);
  }

  static PGconn* Connect(const std::string& conninfo) {
    PGconn* conn = PQconnectdb(conninfo.c_str());
    if (PQstatus(conn) != CONNECTION_OK) {
      ADD_FAILURE() << "connect failed: " << PQerrorMessage(conn);
      PQfinish(conn);
      return nullptr;
    }
    return conn;
  }

  // Runs sql untraced and expects success.
  void Run(const char* sql) {
    PGresult* res = PQexec(conn_, sql);
    ExecStatusType st = PQresultStatus(res);
    EXPECT_TRUE(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        << sql << ": " << PQerrorMessage(conn_);
    PQclear(res);
  }

  // The rows of res as "a|b" strings; clears res.
  static std::vector<std::string> Rows(PGresult* res) {
    std::vector<std::string> rows;
    EXPECT_EQ(PQresultStatus(res), PGRES_TUPLES_OK) << PQresultErrorMessage(res);
    for (int r = 0; r < PQntuples(res); ++r) {
      std::string row;
      for (int c = 0; c < PQnfields(res); ++c) {
        if (c) row += '|';
        row += PQgetisnull(res, r, c) ? "NULL" : PQgetvalue(res, r, c);
      }
      rows.push_back(row);
    }
    PQclear(res);
    return rows;
  }

  // Reads every result of the async query in flight (with GetResult); returns their statuses.
  std::vector<ExecStatusType> Drain(PGconn* conn) {
    std::vector<ExecStatusType> statuses;
    while (PGresult* res = GetResult(conn)) {
      statuses.push_back(PQresultStatus(res));
      PQclear(res);
    }
    return statuses;
  }

  void ExpectConnectionAttributes(const sdk::trace::SpanData& s) {
    EXPECT_EQ(s.kind, SpanKind::kClient);
    EXPECT_EQ(s.scope().name, kInstrumentationScope);
    EXPECT_EQ(StrAttr(s, "db.system.name"), "postgresql");
    EXPECT_EQ(StrAttr(s, "db.namespace"), kDatabase);
    EXPECT_EQ(StrAttr(s, "server.address"), "127.0.0.1");
    EXPECT_EQ(IntAttr(s, "server.port"), server_->port());
  }

  static PgServer* server_;
  PGconn* conn_ = nullptr;
};

PgServer* LibpqTest::server_ = nullptr;

TEST_F(LibpqTest, ExecSpansNamedAttributedAndSanitized) {
  GlobalTracing tracing;
  PGresult* res = Exec(conn_, "INSERT INTO pets (id, name, age) VALUES (4, 'secret name', 7)");
  EXPECT_EQ(PQresultStatus(res), PGRES_COMMAND_OK);
  EXPECT_STREQ(PQcmdTuples(res), "1");
  PQclear(res);
  EXPECT_EQ(Rows(Exec(conn_, "select name from pets where age >= 5 order by id")),
            (std::vector<std::string>{"tom", "secret name"}));
  PQclear(Exec(conn_, "BEGIN"));
  PQclear(Exec(conn_, "COMMIT"));

  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_EQ(spans[0].name, "INSERT pets");
  EXPECT_EQ(StrAttr(spans[0], "db.operation.name"), "INSERT");
  EXPECT_EQ(StrAttr(spans[0], "db.collection.name"), "pets");
  EXPECT_EQ(StrAttr(spans[0], "db.query.text"),
            "INSERT INTO pets (id, name, age) VALUES (?, ?, ?)");
  EXPECT_EQ(spans[1].name, "SELECT pets");
  EXPECT_EQ(StrAttr(spans[1], "db.query.text"), "select name from pets where age >= ? order by id");
  EXPECT_EQ(spans[2].name, "BEGIN");
  EXPECT_FALSE(HasAttr(spans[2], "db.collection.name"));
  EXPECT_EQ(spans[3].name, "COMMIT");
  for (const auto& s : spans) {
    ExpectConnectionAttributes(s);
    EXPECT_EQ(s.status_code, StatusCode::kUnset);
    EXPECT_FALSE(HasAttr(s, "error.type"));
    EXPECT_TRUE(s.events.empty());
  }
}

TEST_F(LibpqTest, ChildOfTheActiveSpan) {
  GlobalTracing tracing;
  auto parent = tracing.TestTracer()->StartSpan("GET /pets");
  {
    auto scope = api::trace::Tracer::WithActiveSpan(parent);
    PQclear(Exec(conn_, "SELECT * FROM pets"));
    // An async query started inside the scope stays its child when read after the scope ends.
    ASSERT_EQ(SendQuery(conn_, "SELECT count(*) FROM pets"), 1);
  }
  Drain(conn_);
  parent->End();
  PQclear(Exec(conn_, "SELECT 1"));

  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 4u);
  const auto& handler = spans[2];
  ASSERT_EQ(handler.name, "GET /pets");
  for (int i : {0, 1}) {
    EXPECT_EQ(spans[i].name, "SELECT pets");
    EXPECT_EQ(spans[i].trace_id, handler.trace_id);
    EXPECT_EQ(spans[i].parent_span_id, handler.span_id);
  }
  EXPECT_EQ(spans[3].name, "SELECT");
  EXPECT_FALSE(spans[3].has_parent());
}

TEST_F(LibpqTest, FailedQueriesAreErrorSpans) {
  GlobalTracing tracing;
  PGresult* res = Exec(conn_, "SELEC * FROM pets");
  EXPECT_EQ(PQresultStatus(res), PGRES_FATAL_ERROR);
  PQclear(res);
  res = Exec(conn_, "SELECT * FROM missing_table WHERE secret = 'x'");
  EXPECT_EQ(PQresultStatus(res), PGRES_FATAL_ERROR);
  PQclear(res);
  res = Exec(conn_, "INSERT INTO pets VALUES (1, 'dup', 1)");
  EXPECT_EQ(PQresultStatus(res), PGRES_FATAL_ERROR);
  PQclear(res);

  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 3u);
  const auto& syntax = spans[0];
  EXPECT_EQ(syntax.name, "postgresql");  // not a statement the parser knows
  EXPECT_EQ(syntax.status_code, StatusCode::kError);
  EXPECT_EQ(StrAttr(syntax, "error.type"), "42601");
  EXPECT_EQ(StrAttr(syntax, "db.response.status_code"), "42601");
  EXPECT_NE(syntax.status_message.find("syntax error"), std::string::npos) << syntax.status_message;
  EXPECT_EQ(ExceptionAttr(syntax, "exception.type"), "PGRES_FATAL_ERROR");
  EXPECT_EQ(ExceptionAttr(syntax, "exception.message"), syntax.status_message);

  const auto& missing = spans[1];
  EXPECT_EQ(missing.name, "SELECT missing_table");
  EXPECT_EQ(missing.status_code, StatusCode::kError);
  EXPECT_EQ(StrAttr(missing, "error.type"), "42P01");
  EXPECT_NE(missing.status_message.find("relation \"missing_table\" does not exist"),
            std::string::npos)
      << missing.status_message;
  EXPECT_EQ(missing.status_message.back() == '\n', false);
  EXPECT_EQ(StrAttr(missing, "db.query.text"), "SELECT * FROM missing_table WHERE secret = ?");

  EXPECT_EQ(spans[2].name, "INSERT pets");
  EXPECT_EQ(StrAttr(spans[2], "error.type"), "23505");  // unique_violation
  for (const auto& s : spans) ExpectConnectionAttributes(s);
}

TEST_F(LibpqTest, ExecParamsRecordsTheParameterizedText) {
  GlobalTracing tracing;
  const char* values[] = {"2"};
  EXPECT_EQ(Rows(ExecParams(conn_, "SELECT name FROM pets WHERE age > $1 ORDER BY id", 1, nullptr,
                            values, nullptr, nullptr, 0)),
            (std::vector<std::string>{"rex", "tom"}));
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "SELECT pets");
  EXPECT_EQ(StrAttr(spans[0], "db.query.text"), "SELECT name FROM pets WHERE age > $1 ORDER BY id");
  ExpectConnectionAttributes(spans[0]);
}

TEST_F(LibpqTest, PreparedStatementsAreNamedFromTheirText) {
  GlobalTracing tracing;
  PGresult* res = Prepare(conn_, "find_pet", "SELECT name FROM pets WHERE id = $1", 1, nullptr);
  EXPECT_EQ(PQresultStatus(res), PGRES_COMMAND_OK);
  PQclear(res);
  const char* id[] = {"2"};
  EXPECT_EQ(Rows(ExecPrepared(conn_, "find_pet", 1, id, nullptr, nullptr, 0)),
            std::vector<std::string>{"tom"});
  // The unnamed statement, replaced by a second prepare.
  PQclear(Prepare(conn_, "", "DELETE FROM pets WHERE id = $1", 1, nullptr));
  PQclear(Prepare(conn_, "", "UPDATE pets SET age = age + 1 WHERE id = $1", 1, nullptr));
  res = ExecPrepared(conn_, "", 1, id, nullptr, nullptr, 0);
  EXPECT_STREQ(PQcmdTuples(res), "1");
  PQclear(res);
  // A name never prepared: the server's error, and a span named after the system.
  res = ExecPrepared(conn_, "nope", 0, nullptr, nullptr, nullptr, 0);
  EXPECT_EQ(PQresultStatus(res), PGRES_FATAL_ERROR);
  PQclear(res);

  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 6u);
  EXPECT_EQ(spans[0].name, "PREPARE pets");
  EXPECT_EQ(StrAttr(spans[0], "db.operation.name"), "PREPARE");
  EXPECT_EQ(StrAttr(spans[0], "db.query.text"), "SELECT name FROM pets WHERE id = $1");
  EXPECT_EQ(spans[1].name, "SELECT pets");
  EXPECT_EQ(StrAttr(spans[1], "db.operation.name"), "SELECT");
  EXPECT_EQ(StrAttr(spans[1], "db.query.text"), "SELECT name FROM pets WHERE id = $1");
  EXPECT_EQ(spans[4].name, "UPDATE pets");
  EXPECT_EQ(StrAttr(spans[4], "db.query.text"), "UPDATE pets SET age = age + 1 WHERE id = $1");
  EXPECT_EQ(spans[5].name, "postgresql");
  EXPECT_EQ(spans[5].status_code, StatusCode::kError);
  EXPECT_EQ(StrAttr(spans[5], "error.type"), "26000");  // invalid_sql_statement_name
  EXPECT_FALSE(HasAttr(spans[5], "db.query.text"));
  for (const auto& s : spans) ExpectConnectionAttributes(s);
}

TEST_F(LibpqTest, StatementsPreparedBeforeTheSdkAreStillKnown) {
  PQclear(Prepare(conn_, "old", "SELECT count(*) FROM pets", 0, nullptr));  // no SDK yet
  GlobalTracing tracing;
  EXPECT_EQ(Rows(ExecPrepared(conn_, "old", 0, nullptr, nullptr, nullptr, 0)),
            std::vector<std::string>{"3"});
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "SELECT pets");
}

TEST_F(LibpqTest, AsyncSpanEndsWhenTheFinalResultIsRead) {
  GlobalTracing tracing;
  ASSERT_EQ(
      SendQuery(conn_, "INSERT INTO pets VALUES (9, 'a', 1); SELECT name FROM pets ORDER BY id"),
      1);
  EXPECT_EQ(tracing.size(), 0u);
  PGresult* first = GetResult(conn_);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(PQresultStatus(first), PGRES_COMMAND_OK);
  PQclear(first);
  PGresult* second = GetResult(conn_);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(PQntuples(second), 4);
  PQclear(second);
  EXPECT_EQ(tracing.size(), 0u);  // results read, but not the final null yet
  EXPECT_EQ(GetResult(conn_), nullptr);
  EXPECT_EQ(tracing.size(), 1u);
  EXPECT_EQ(GetResult(conn_), nullptr);  // more nulls end nothing else
  EXPECT_EQ(tracing.size(), 1u);

  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "INSERT pets");  // named from the first statement
  EXPECT_EQ(StrAttr(spans[0], "db.query.text"),
            "INSERT INTO pets VALUES (?, ?, ?); SELECT name FROM pets ORDER BY id");
  EXPECT_EQ(spans[0].status_code, StatusCode::kUnset);
  ExpectConnectionAttributes(spans[0]);
}

TEST_F(LibpqTest, AsyncParamsPrepareAndErrors) {
  GlobalTracing tracing;
  const char* values[] = {"tom"};
  ASSERT_EQ(SendQueryParams(conn_, "SELECT id FROM pets WHERE name = $1", 1, nullptr, values,
                            nullptr, nullptr, 0),
            1);
  EXPECT_EQ(Drain(conn_), std::vector<ExecStatusType>{PGRES_TUPLES_OK});
  ASSERT_EQ(SendPrepare(conn_, "by_age", "SELECT name FROM pets WHERE age = $1", 1, nullptr), 1);
  EXPECT_EQ(Drain(conn_), std::vector<ExecStatusType>{PGRES_COMMAND_OK});
  const char* age[] = {"1"};
  ASSERT_EQ(SendQueryPrepared(conn_, "by_age", 1, age, nullptr, nullptr, 0), 1);
  PGresult* res = GetResult(conn_);
  EXPECT_EQ(Rows(res), std::vector<std::string>{"kit"});
  EXPECT_EQ(GetResult(conn_), nullptr);
  ASSERT_EQ(SendQuery(conn_, "DELETE FROM missing_table"), 1);
  EXPECT_EQ(Drain(conn_), std::vector<ExecStatusType>{PGRES_FATAL_ERROR});
  // A send libpq refuses (a query is still in flight) is a failed span at once.
  ASSERT_EQ(SendQuery(conn_, "SELECT 1"), 1);
  EXPECT_EQ(SendQuery(conn_, "SELECT 2"), 0);
  EXPECT_EQ(Drain(conn_), std::vector<ExecStatusType>{PGRES_TUPLES_OK});

  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 6u);
  EXPECT_EQ(spans[0].name, "SELECT pets");
  EXPECT_EQ(StrAttr(spans[0], "db.query.text"), "SELECT id FROM pets WHERE name = $1");
  EXPECT_EQ(spans[1].name, "PREPARE pets");
  EXPECT_EQ(spans[2].name, "SELECT pets");
  EXPECT_EQ(StrAttr(spans[2], "db.query.text"), "SELECT name FROM pets WHERE age = $1");
  EXPECT_EQ(spans[3].name, "DELETE missing_table");
  EXPECT_EQ(spans[3].status_code, StatusCode::kError);
  EXPECT_EQ(StrAttr(spans[3], "error.type"), "42P01");
  // The refused send ends first; the query in flight ends when its results are read.
  EXPECT_EQ(spans[4].name, "SELECT");
  EXPECT_EQ(spans[4].status_code, StatusCode::kError);
  EXPECT_NE(spans[4].status_message.find("another command is already in progress"),
            std::string::npos)
      << spans[4].status_message;
  EXPECT_EQ(StrAttr(spans[4], "error.type"), "_OTHER");
  EXPECT_EQ(spans[5].name, "SELECT");
  EXPECT_EQ(spans[5].status_code, StatusCode::kUnset);
}

TEST_F(LibpqTest, PipelineModeSpanPerQueuedQuery) {
  GlobalTracing tracing;
  ASSERT_EQ(PQenterPipelineMode(conn_), 1);
  const char* id[] = {"1"};
  ASSERT_EQ(SendQueryParams(conn_, "SELECT name FROM pets WHERE id = $1", 1, nullptr, id, nullptr,
                            nullptr, 0),
            1);
  ASSERT_EQ(SendQueryParams(conn_, "SELECT * FROM missing_table", 0, nullptr, nullptr, nullptr,
                            nullptr, 0),
            1);
  ASSERT_EQ(
      SendQueryParams(conn_, "UPDATE pets SET age = 0", 0, nullptr, nullptr, nullptr, nullptr, 0),
      1);
  ASSERT_EQ(PQpipelineSync(conn_), 1);
  EXPECT_EQ(Drain(conn_), std::vector<ExecStatusType>{PGRES_TUPLES_OK});
  EXPECT_EQ(tracing.size(), 1u);
  EXPECT_EQ(Drain(conn_), std::vector<ExecStatusType>{PGRES_FATAL_ERROR});
  EXPECT_EQ(Drain(conn_), std::vector<ExecStatusType>{PGRES_PIPELINE_ABORTED});
  PGresult* sync = GetResult(conn_);
  EXPECT_EQ(PQresultStatus(sync), PGRES_PIPELINE_SYNC);
  PQclear(sync);
  ASSERT_EQ(PQexitPipelineMode(conn_), 1);

  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].name, "SELECT pets");
  EXPECT_EQ(spans[0].status_code, StatusCode::kUnset);
  EXPECT_EQ(spans[1].name, "SELECT missing_table");
  EXPECT_EQ(StrAttr(spans[1], "error.type"), "42P01");
  EXPECT_EQ(spans[2].name, "UPDATE pets");
  EXPECT_EQ(spans[2].status_code, StatusCode::kError);  // never ran
  EXPECT_EQ(StrAttr(spans[2], "error.type"), "_OTHER");
  EXPECT_EQ(ExceptionAttr(spans[2], "exception.type"), "PGRES_PIPELINE_ABORTED");
}

TEST_F(LibpqTest, FinishEndsUnreadQueries) {
  GlobalTracing tracing;
  PGconn* other = Connect(server_->ConnInfo(kDatabase));
  ASSERT_NE(other, nullptr);
  ASSERT_EQ(SendQuery(other, "SELECT pg_sleep(0)"), 1);
  EXPECT_EQ(tracing.size(), 0u);
  Finish(other);
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "SELECT");
}

TEST_F(LibpqTest, UnixSocketHasAddressButNoPort) {
  GlobalTracing tracing;
  PGconn* local =
      Connect("host=" + server_->socket_dir() + " port=" + std::to_string(server_->port()) +
              " dbname=" + kDatabase + " user=postgres");
  ASSERT_NE(local, nullptr);
  EXPECT_EQ(Rows(Exec(local, "SELECT count(*) FROM pets")), std::vector<std::string>{"3"});
  Finish(local);
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(StrAttr(spans[0], "server.address"), server_->socket_dir());
  EXPECT_FALSE(HasAttr(spans[0], "server.port"));
  EXPECT_EQ(StrAttr(spans[0], "db.namespace"), kDatabase);
}

TEST_F(LibpqTest, RawQueryTextOption) {
  GlobalTracing tracing;
  sql::SetOptions(sql::Options{sql::QueryTextMode::kRaw});
  PQclear(Exec(conn_, "SELECT * FROM pets WHERE name = 'rex'"));
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(StrAttr(spans[0], "db.query.text"), "SELECT * FROM pets WHERE name = 'rex'");
}

TEST_F(LibpqTest, WithoutAnSdkResultsAreUnchangedAndNothingIsRecorded) {
  GlobalTracing tracing;
  std::vector<std::string> traced = Rows(Exec(conn_, "SELECT id, name, age FROM pets ORDER BY id"));
  ASSERT_EQ(tracing.Take().size(), 1u);

  api::trace::SetTracerProvider(nullptr);  // back to the API's no-op provider
  EXPECT_EQ(Rows(Exec(conn_, "SELECT id, name, age FROM pets ORDER BY id")), traced);
  EXPECT_EQ(traced, (std::vector<std::string>{"1|rex|3", "2|tom|5", "3|kit|1"}));
  const char* values[] = {"3"};
  EXPECT_EQ(Rows(ExecParams(conn_, "SELECT name FROM pets WHERE id = $1", 1, nullptr, values,
                            nullptr, nullptr, 0)),
            std::vector<std::string>{"kit"});
  PGresult* res = Prepare(conn_, "q", "SELECT age FROM pets WHERE id = $1", 1, nullptr);
  EXPECT_EQ(PQresultStatus(res), PGRES_COMMAND_OK);
  PQclear(res);
  EXPECT_EQ(Rows(ExecPrepared(conn_, "q", 1, values, nullptr, nullptr, 0)),
            std::vector<std::string>{"1"});
  res = Exec(conn_, "SELECT * FROM missing_table");
  EXPECT_EQ(PQresultStatus(res), PGRES_FATAL_ERROR);
  EXPECT_STREQ(PQresultErrorField(res, PG_DIAG_SQLSTATE), "42P01");
  PQclear(res);
  ASSERT_EQ(SendQuery(conn_, "SELECT count(*) FROM pets"), 1);
  res = GetResult(conn_);
  EXPECT_EQ(Rows(res), std::vector<std::string>{"3"});
  EXPECT_EQ(GetResult(conn_), nullptr);
  ASSERT_EQ(SendPrepare(conn_, "q2", "SELECT 1", 0, nullptr), 1);
  EXPECT_EQ(Drain(conn_), std::vector<ExecStatusType>{PGRES_COMMAND_OK});
  ASSERT_EQ(SendQueryPrepared(conn_, "q2", 0, nullptr, nullptr, nullptr, 0), 1);
  EXPECT_EQ(Drain(conn_), std::vector<ExecStatusType>{PGRES_TUPLES_OK});
  ASSERT_EQ(SendQueryParams(conn_, "SELECT $1::int", 1, nullptr, values, nullptr, nullptr, 0), 1);
  EXPECT_EQ(Drain(conn_), std::vector<ExecStatusType>{PGRES_TUPLES_OK});
  EXPECT_EQ(tracing.size(), 0u);
}

TEST_F(LibpqTest, NullArgumentsDoNotCrash) {
  GlobalTracing tracing;
  EXPECT_EQ(Exec(nullptr, "SELECT 1"), nullptr);
  EXPECT_EQ(ExecParams(nullptr, "SELECT 1", 0, nullptr, nullptr, nullptr, nullptr, 0), nullptr);
  EXPECT_EQ(Prepare(nullptr, "s", "SELECT 1", 0, nullptr), nullptr);
  EXPECT_EQ(ExecPrepared(nullptr, "s", 0, nullptr, nullptr, nullptr, 0), nullptr);
  EXPECT_EQ(SendQuery(nullptr, "SELECT 1"), 0);
  EXPECT_EQ(SendQueryParams(nullptr, "SELECT 1", 0, nullptr, nullptr, nullptr, nullptr, 0), 0);
  EXPECT_EQ(SendPrepare(nullptr, "s", "SELECT 1", 0, nullptr), 0);
  EXPECT_EQ(SendQueryPrepared(nullptr, "s", 0, nullptr, nullptr, nullptr, 0), 0);
  EXPECT_EQ(GetResult(nullptr), nullptr);
  Finish(nullptr);
  auto null_conn = tracing.Take();
  ASSERT_EQ(null_conn.size(), 8u);
  for (const auto& s : null_conn) {
    EXPECT_EQ(s.status_code, StatusCode::kError) << s.name;
    EXPECT_EQ(StrAttr(s, "error.type"), "_OTHER");
    EXPECT_FALSE(HasAttr(s, "server.address"));
  }
  EXPECT_EQ(null_conn[0].name, "SELECT");
  EXPECT_EQ(null_conn[0].status_message, "connection pointer is null");

  // Null statement text or name on a live connection: libpq's own errors.
  EXPECT_EQ(Exec(conn_, nullptr), nullptr);
  PGresult* res = Prepare(conn_, nullptr, "SELECT 1", 0, nullptr);
  EXPECT_NE(PQresultStatus(res), PGRES_COMMAND_OK);
  PQclear(res);
  res = Prepare(conn_, "s", nullptr, 0, nullptr);
  EXPECT_NE(PQresultStatus(res), PGRES_COMMAND_OK);
  PQclear(res);
  res = ExecPrepared(conn_, nullptr, 0, nullptr, nullptr, nullptr, 0);
  EXPECT_NE(PQresultStatus(res), PGRES_TUPLES_OK);
  PQclear(res);
  EXPECT_EQ(SendQuery(conn_, nullptr), 0);
  // The connection still works afterwards.
  EXPECT_EQ(Rows(Exec(conn_, "SELECT 1")), std::vector<std::string>{"1"});
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 6u);
  EXPECT_EQ(spans[0].name, "postgresql");
  EXPECT_EQ(spans[0].status_code, StatusCode::kError);
  EXPECT_NE(spans[0].status_message.find("null pointer"), std::string::npos)
      << spans[0].status_message;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(spans[i].status_code, StatusCode::kError) << i;
  EXPECT_EQ(spans[5].status_code, StatusCode::kUnset);
}

}  // namespace
}  // namespace adot::instrumentation::libpq
