// The sqlite3 wrappers against real database files in a temporary directory.
#include "adot/instrumentation/sqlite.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <vector>

#include "adot/instrumentation/sql.h"
#include "instrumentation/sql_common/tracing_fixture.h"

namespace adot::instrumentation::sqlite {
namespace {

using adot::testing::ExceptionAttr;
using adot::testing::GlobalTracing;
using adot::testing::HasAttr;
using adot::testing::StrAttr;
using api::trace::SpanKind;
using api::trace::StatusCode;

class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = (std::filesystem::temp_directory_path() / "adot-sqlite-XXXXXX").string();
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    path_ = (dir_ / "app.db").string();
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db_), SQLITE_OK);
    // Set up without tracing: the fixture's statements are not part of what is checked.
    ASSERT_EQ(
        sqlite3_exec(db_,
                     "CREATE TABLE pets (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INT);"
                     "INSERT INTO pets VALUES (1, 'rex', 3), (2, 'tom', 5), (3, 'kit', 1);",
                     nullptr, nullptr, nullptr),
        SQLITE_OK);
  }
  void TearDown() override {
    sql::SetOptions(sql::Options{});
    if (db_) sqlite3_close_v2(db_);
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // All rows of sql (prepared and stepped with the wrappers), as "a|b" strings.
  std::vector<std::string> Query(const char* sql) {
    std::vector<std::string> rows;
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(Prepare(db_, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db_);
    int rc;
    while ((rc = Step(stmt)) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(stmt); ++i) {
        if (i) row += '|';
        const unsigned char* text = sqlite3_column_text(stmt, i);
        row += text ? reinterpret_cast<const char*>(text) : "NULL";
      }
      rows.push_back(row);
    }
    EXPECT_EQ(rc, SQLITE_DONE);
    EXPECT_EQ(Finalize(stmt), SQLITE_OK);
    return rows;
  }

  std::filesystem::path dir_;
  std::string path_;
  sqlite3* db_ = nullptr;
};

TEST_F(SqliteTest, StatementSpanCoversFirstStepToDone) {
  GlobalTracing tracing;
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(Prepare(db_, "SELECT name FROM pets WHERE age > 2 ORDER BY id", -1, &stmt, nullptr),
            SQLITE_OK);
  EXPECT_EQ(tracing.size(), 0u);  // a successful prepare makes no span
  ASSERT_EQ(Step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "rex");
  ASSERT_EQ(Step(stmt), SQLITE_ROW);
  EXPECT_EQ(tracing.size(), 0u);  // still running
  ASSERT_EQ(Step(stmt), SQLITE_DONE);
  EXPECT_EQ(tracing.size(), 1u);
  ASSERT_EQ(Finalize(stmt), SQLITE_OK);

  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 1u);
  const auto& s = spans[0];
  EXPECT_EQ(s.name, "SELECT pets");
  EXPECT_EQ(s.kind, SpanKind::kClient);
  EXPECT_EQ(s.scope().name, kInstrumentationScope);
  EXPECT_EQ(StrAttr(s, "db.system.name"), "sqlite");
  EXPECT_EQ(StrAttr(s, "db.namespace"), std::filesystem::canonical(path_).string());
  EXPECT_EQ(StrAttr(s, "db.operation.name"), "SELECT");
  EXPECT_EQ(StrAttr(s, "db.collection.name"), "pets");
  EXPECT_EQ(StrAttr(s, "db.query.text"), "SELECT name FROM pets WHERE age > ? ORDER BY id");
  EXPECT_FALSE(HasAttr(s, "server.address"));
  EXPECT_FALSE(HasAttr(s, "error.type"));
  EXPECT_EQ(s.status_code, StatusCode::kUnset);
  EXPECT_LE(s.start_time_unix_nano, s.end_time_unix_nano);
}

TEST_F(SqliteTest, EachExecutionOfAReusedStatementIsASpan) {
  GlobalTracing tracing;
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(Prepare(db_, "INSERT INTO pets (name, age) VALUES (?, ?)", -1, &stmt, nullptr),
            SQLITE_OK);
  const char* names[] = {"a", "b", "c"};
  for (int i = 0; i < 3; ++i) {
    sqlite3_bind_text(stmt, 1, names[i], -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 2, 10 + i);
    ASSERT_EQ(Step(stmt), SQLITE_DONE);
    ASSERT_EQ(Reset(stmt), SQLITE_OK);
  }
  ASSERT_EQ(Finalize(stmt), SQLITE_OK);
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 3u);
  for (const auto& s : spans) {
    EXPECT_EQ(s.name, "INSERT pets");
    // A bound statement is recorded as written: its values are not in the text.
    EXPECT_EQ(StrAttr(s, "db.query.text"), "INSERT INTO pets (name, age) VALUES (?, ?)");
  }
  EXPECT_EQ(Query("SELECT count(*) FROM pets"), std::vector<std::string>{"6"});
}

TEST_F(SqliteTest, ChildOfTheActiveSpan) {
  GlobalTracing tracing;
  auto parent = tracing.TestTracer()->StartSpan("handler");
  {
    auto scope = api::trace::Tracer::WithActiveSpan(parent);
    EXPECT_EQ(Query("SELECT id FROM pets WHERE id = 2"), std::vector<std::string>{"2"});
    ASSERT_EQ(Exec(db_, "UPDATE pets SET age = age + 1", nullptr, nullptr, nullptr), SQLITE_OK);
  }
  parent->End();
  EXPECT_EQ(Query("SELECT 1"), std::vector<std::string>{"1"});  // no active span: a root

  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 4u);
  const auto& handler = spans[2];
  ASSERT_EQ(handler.name, "handler");
  EXPECT_EQ(spans[0].name, "SELECT pets");
  EXPECT_EQ(spans[1].name, "UPDATE pets");
  for (int i : {0, 1}) {
    EXPECT_EQ(spans[i].trace_id, handler.trace_id);
    EXPECT_EQ(spans[i].parent_span_id, handler.span_id);
  }
  EXPECT_EQ(spans[3].name, "SELECT");
  EXPECT_FALSE(spans[3].has_parent());
  EXPECT_NE(spans[3].trace_id, handler.trace_id);
}

TEST_F(SqliteTest, ExecSpanPerCallNamedFromTheFirstStatement) {
  GlobalTracing tracing;
  int rows = 0;
  auto count = [](void* n, int, char**, char**) {
    ++*static_cast<int*>(n);
    return 0;
  };
  ASSERT_EQ(Exec(db_, "select * from pets where name <> 'zed'", count, &rows, nullptr), SQLITE_OK);
  EXPECT_EQ(rows, 3);
  ASSERT_EQ(
      Exec(db_, "BEGIN; INSERT INTO pets (name) VALUES ('x'); COMMIT;", nullptr, nullptr, nullptr),
      SQLITE_OK);
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].name, "SELECT pets");
  EXPECT_EQ(StrAttr(spans[0], "db.query.text"), "select * from pets where name <> ?");
  EXPECT_EQ(spans[1].name, "BEGIN");
  EXPECT_EQ(StrAttr(spans[1], "db.query.text"),
            "BEGIN; INSERT INTO pets (name) VALUES (?); COMMIT;");
}

TEST_F(SqliteTest, PrepareFailuresAreErrorSpans) {
  GlobalTracing tracing;
  sqlite3_stmt* stmt = reinterpret_cast<sqlite3_stmt*>(0x1);
  EXPECT_EQ(Prepare(db_, "SELECT * FROM missing_table WHERE x = 'secret'", -1, &stmt, nullptr),
            SQLITE_ERROR);
  EXPECT_EQ(stmt, nullptr);
  EXPECT_EQ(Prepare(db_, "SELEC name FROM pets", -1, &stmt, nullptr), SQLITE_ERROR);
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 2u);

  const auto& missing = spans[0];
  EXPECT_EQ(missing.name, "SELECT missing_table");
  EXPECT_EQ(missing.kind, SpanKind::kClient);
  EXPECT_EQ(missing.status_code, StatusCode::kError);
  EXPECT_EQ(missing.status_message, "no such table: missing_table");
  EXPECT_EQ(StrAttr(missing, "error.type"), "1");
  EXPECT_EQ(StrAttr(missing, "db.response.status_code"), "1");
  EXPECT_EQ(StrAttr(missing, "db.query.text"), "SELECT * FROM missing_table WHERE x = ?");
  EXPECT_EQ(ExceptionAttr(missing, "exception.type"), "SQLITE_ERROR");
  EXPECT_EQ(ExceptionAttr(missing, "exception.message"), "no such table: missing_table");

  const auto& syntax = spans[1];
  EXPECT_EQ(syntax.name, "sqlite");  // not a statement the parser knows
  EXPECT_EQ(syntax.status_code, StatusCode::kError);
  EXPECT_NE(syntax.status_message.find("syntax error"), std::string::npos) << syntax.status_message;
}

TEST_F(SqliteTest, StepFailureIsAnErrorSpan) {
  GlobalTracing tracing;
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(Prepare(db_, "INSERT INTO pets (id, name) VALUES (1, 'dup')", -1, &stmt, nullptr),
            SQLITE_OK);
  int rc = Step(stmt);
  EXPECT_EQ(rc & 0xff, SQLITE_CONSTRAINT);
  Finalize(stmt);
  ASSERT_EQ(Exec(db_, "INSERT INTO pets (name) VALUES (NULL)", nullptr, nullptr, nullptr) & 0xff,
            SQLITE_CONSTRAINT);
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 2u);
  for (const auto& s : spans) {
    EXPECT_EQ(s.name, "INSERT pets");
    EXPECT_EQ(s.status_code, StatusCode::kError);
    EXPECT_EQ(StrAttr(s, "error.type"), "19");
    EXPECT_EQ(ExceptionAttr(s, "exception.type"), "SQLITE_CONSTRAINT");
  }
  EXPECT_EQ(spans[0].status_message, "UNIQUE constraint failed: pets.id");
  EXPECT_EQ(spans[1].status_message, "NOT NULL constraint failed: pets.name");
}

TEST_F(SqliteTest, ExecErrorKeepsTheCallersMessage) {
  GlobalTracing tracing;
  char* err = nullptr;
  EXPECT_EQ(Exec(db_, "DELETE FROM nowhere", nullptr, nullptr, &err), SQLITE_ERROR);
  ASSERT_NE(err, nullptr);
  EXPECT_STREQ(err, "no such table: nowhere");
  sqlite3_free(err);
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "DELETE nowhere");
  EXPECT_EQ(spans[0].status_message, "no such table: nowhere");
}

TEST_F(SqliteTest, ResetOrFinalizeEndsAnAbandonedExecution) {
  GlobalTracing tracing;
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(Prepare(db_, "SELECT * FROM pets", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(Step(stmt), SQLITE_ROW);
  EXPECT_EQ(tracing.size(), 0u);
  ASSERT_EQ(Reset(stmt), SQLITE_OK);
  EXPECT_EQ(tracing.size(), 1u);
  ASSERT_EQ(Step(stmt), SQLITE_ROW);  // a new execution
  ASSERT_EQ(Finalize(stmt), SQLITE_OK);
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 2u);
  for (const auto& s : spans) {
    EXPECT_EQ(s.name, "SELECT pets");
    EXPECT_EQ(s.status_code, StatusCode::kUnset);
  }
}

TEST_F(SqliteTest, StatementResetDirectlyStillGetsOneSpanPerExecution) {
  GlobalTracing tracing;
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(Prepare(db_, "SELECT * FROM pets", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(Step(stmt), SQLITE_ROW);
  sqlite3_reset(stmt);                // not the wrapper: the span stays open...
  ASSERT_EQ(Step(stmt), SQLITE_ROW);  // ...until the next execution starts
  EXPECT_EQ(tracing.size(), 1u);
  while (Step(stmt) == SQLITE_ROW) {
  }
  EXPECT_EQ(tracing.size(), 2u);
  Finalize(stmt);
}

TEST_F(SqliteTest, QueryTextOptions) {
  GlobalTracing tracing;
  sql::SetOptions(sql::Options{sql::QueryTextMode::kRaw});
  ASSERT_EQ(Exec(db_, "UPDATE pets SET name = 'secret' WHERE id = 3", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sql::SetOptions(sql::Options{sql::QueryTextMode::kOff});
  ASSERT_EQ(Exec(db_, "UPDATE pets SET name = 'secret' WHERE id = 3", nullptr, nullptr, nullptr),
            SQLITE_OK);
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(StrAttr(spans[0], "db.query.text"), "UPDATE pets SET name = 'secret' WHERE id = 3");
  EXPECT_FALSE(HasAttr(spans[1], "db.query.text"));
  EXPECT_EQ(spans[1].name, "UPDATE pets");
}

TEST_F(SqliteTest, InMemoryDatabaseHasNoNamespace) {
  GlobalTracing tracing;
  sqlite3* mem = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &mem), SQLITE_OK);
  EXPECT_EQ(Exec(mem, "CREATE TABLE t (x)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(mem);
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "CREATE t");
  EXPECT_FALSE(HasAttr(spans[0], "db.namespace"));
}

TEST_F(SqliteTest, WithoutAnSdkEverythingWorksAndNothingIsRecorded) {
  std::vector<std::string> traced_rows;
  {
    GlobalTracing tracing;
    traced_rows = Query("SELECT id, name, age FROM pets ORDER BY id");
    ASSERT_EQ(tracing.Take().size(), 1u);
  }
  // No SDK: the global provider is the no-op one again.
  EXPECT_EQ(Query("SELECT id, name, age FROM pets ORDER BY id"), traced_rows);
  EXPECT_EQ(traced_rows, (std::vector<std::string>{"1|rex|3", "2|tom|5", "3|kit|1"}));
  char* err = nullptr;
  EXPECT_EQ(Exec(db_, "INSERT INTO pets (name) VALUES ('new')", nullptr, nullptr, &err), SQLITE_OK);
  EXPECT_EQ(err, nullptr);
  EXPECT_EQ(Exec(db_, "INSERT INTO nowhere VALUES (1)", nullptr, nullptr, &err), SQLITE_ERROR);
  ASSERT_NE(err, nullptr);
  EXPECT_STREQ(err, "no such table: nowhere");
  sqlite3_free(err);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(Prepare(db_, "SELECT * FROM nowhere", -1, &stmt, nullptr), SQLITE_ERROR);
  EXPECT_EQ(PrepareV3(db_, "SELECT count(*) FROM pets", -1, 0, &stmt, nullptr), SQLITE_OK);
  EXPECT_EQ(Step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 4);
  EXPECT_EQ(Step(stmt), SQLITE_DONE);
  EXPECT_EQ(Finalize(stmt), SQLITE_OK);
}

TEST_F(SqliteTest, NullArgumentsDoNotCrash) {
  GlobalTracing tracing;
  sqlite3_stmt* stmt = reinterpret_cast<sqlite3_stmt*>(0x1);
  EXPECT_EQ(Prepare(nullptr, "SELECT 1", -1, &stmt, nullptr), SQLITE_MISUSE);
  EXPECT_EQ(stmt, nullptr);
  EXPECT_EQ(Prepare(db_, nullptr, -1, &stmt, nullptr), SQLITE_MISUSE);
  EXPECT_EQ(Prepare(db_, "SELECT 1", -1, nullptr, nullptr), SQLITE_MISUSE);
  EXPECT_EQ(Step(nullptr), SQLITE_MISUSE);
  EXPECT_EQ(Reset(nullptr), SQLITE_OK);
  EXPECT_EQ(Finalize(nullptr), SQLITE_OK);
  char* err = nullptr;
  EXPECT_EQ(Exec(nullptr, "SELECT 1", nullptr, nullptr, &err), SQLITE_MISUSE);
  ASSERT_NE(err, nullptr);
  sqlite3_free(err);
  EXPECT_EQ(Exec(db_, nullptr, nullptr, nullptr, nullptr), SQLITE_OK);  // sqlite3 runs nothing
  // An empty statement compiles to no statement at all.
  EXPECT_EQ(Prepare(db_, "  -- nothing", -1, &stmt, nullptr), SQLITE_OK);
  EXPECT_EQ(stmt, nullptr);
  EXPECT_EQ(Step(stmt), SQLITE_MISUSE);
  // A length bound stops at nByte: "SELECT 1" of "SELECT 1; garbage".
  const char* tail = nullptr;
  const char* text = "SELECT 1; garbage";
  EXPECT_EQ(Prepare(db_, text, 8, &stmt, &tail), SQLITE_OK);
  EXPECT_EQ(Step(stmt), SQLITE_ROW);
  Finalize(stmt);
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].name, "sqlite");  // Exec with no text
  EXPECT_EQ(spans[1].name, "SELECT");
  EXPECT_EQ(StrAttr(spans[1], "db.query.text"), "SELECT ?");
}

}  // namespace
}  // namespace adot::instrumentation::sqlite
