// The shared database span helpers: when to instrument, the attributes, the query text modes.
#include "instrumentation/sql_common/sql_span.h"

#include <gtest/gtest.h>

#include "instrumentation/sql_common/tracing_fixture.h"

namespace adot::instrumentation::sql::internal {
namespace {

using adot::testing::ExceptionAttr;
using adot::testing::GlobalTracing;
using adot::testing::HasAttr;
using adot::testing::IntAttr;
using adot::testing::StrAttr;

TEST(ActiveTracerTest, NullWithTheNoopProviderSetWithAnSdk) {
  api::trace::SetTracerProvider(nullptr);
  EXPECT_EQ(ActiveTracer("scope"), nullptr);
  {
    GlobalTracing tracing;
    EXPECT_NE(ActiveTracer("scope"), nullptr);
  }
  EXPECT_EQ(ActiveTracer("scope"), nullptr);
}

SpanSetup PgSetup(std::string_view query, bool parameterized = false) {
  SpanSetup setup;
  setup.db_system = "postgresql";
  setup.dialect = Dialect::kPostgreSQL;
  setup.query = query;
  setup.query_known = true;
  setup.parameterized = parameterized;
  setup.db_namespace = "shop";
  setup.server_address = "db.example";
  setup.server_port = 5433;
  return setup;
}

TEST(StartDbSpanTest, AttributesAndName) {
  GlobalTracing tracing;
  auto tracer = ActiveTracer("adot.instrumentation.test");
  ASSERT_NE(tracer, nullptr);
  StartDbSpan(*tracer, PgSetup("select * from public.orders where id = 42"))->End();
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 1u);
  const auto& s = spans[0];
  EXPECT_EQ(s.name, "SELECT public.orders");
  EXPECT_EQ(s.kind, api::trace::SpanKind::kClient);
  EXPECT_EQ(s.scope().name, "adot.instrumentation.test");
  EXPECT_EQ(StrAttr(s, "db.system.name"), "postgresql");
  EXPECT_EQ(StrAttr(s, "db.system"), "postgresql");
  EXPECT_EQ(StrAttr(s, "db.namespace"), "shop");
  EXPECT_EQ(StrAttr(s, "db.operation.name"), "SELECT");
  EXPECT_EQ(StrAttr(s, "db.collection.name"), "public.orders");
  EXPECT_EQ(StrAttr(s, "db.query.text"), "select * from public.orders where id = ?");
  EXPECT_EQ(StrAttr(s, "server.address"), "db.example");
  EXPECT_EQ(IntAttr(s, "server.port"), 5433);
  EXPECT_EQ(s.status_code, api::trace::StatusCode::kUnset);
}

TEST(StartDbSpanTest, UnknownStatementAndOperationOverride) {
  GlobalTracing tracing;
  auto tracer = ActiveTracer("t");
  SpanSetup unknown;
  unknown.db_system = "sqlite";
  StartDbSpan(*tracer, unknown)->End();
  SpanSetup garbage = PgSetup("this is not sql");
  StartDbSpan(*tracer, garbage)->End();
  SpanSetup prepare = PgSetup("INSERT INTO pets VALUES ($1)", true);
  prepare.operation = "PREPARE";
  StartDbSpan(*tracer, prepare)->End();
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0].name, "sqlite");
  EXPECT_FALSE(HasAttr(spans[0], "db.query.text"));
  EXPECT_FALSE(HasAttr(spans[0], "db.operation.name"));
  EXPECT_FALSE(HasAttr(spans[0], "db.namespace"));
  EXPECT_FALSE(HasAttr(spans[0], "server.port"));
  EXPECT_EQ(spans[1].name, "postgresql");
  EXPECT_EQ(StrAttr(spans[1], "db.query.text"), "this is not sql");
  EXPECT_EQ(spans[2].name, "PREPARE pets");
  EXPECT_EQ(StrAttr(spans[2], "db.operation.name"), "PREPARE");
}

TEST(StartDbSpanTest, QueryTextModes) {
  GlobalTracing tracing;
  auto tracer = ActiveTracer("t");
  const char* inline_values = "SELECT * FROM t WHERE name = 'bob' LIMIT 5";
  const char* parameterized = "SELECT * FROM t WHERE name = $1 LIMIT 5";
  auto texts = [&](QueryTextMode mode) {
    SetOptions(Options{mode});
    StartDbSpan(*tracer, PgSetup(inline_values))->End();
    StartDbSpan(*tracer, PgSetup(parameterized, true))->End();
    SetOptions(Options{});
    auto spans = tracing.Take();
    EXPECT_EQ(spans.size(), 2u);
    return std::make_pair(StrAttr(spans.at(0), "db.query.text"),
                          StrAttr(spans.at(1), "db.query.text"));
  };
  EXPECT_EQ(texts(QueryTextMode::kSanitized),
            std::make_pair(std::string("SELECT * FROM t WHERE name = ? LIMIT ?"),
                           std::string(parameterized)));
  EXPECT_EQ(texts(QueryTextMode::kSanitizeAll),
            std::make_pair(std::string("SELECT * FROM t WHERE name = ? LIMIT ?"),
                           std::string("SELECT * FROM t WHERE name = $1 LIMIT ?")));
  EXPECT_EQ(texts(QueryTextMode::kRaw),
            std::make_pair(std::string(inline_values), std::string(parameterized)));
  EXPECT_EQ(texts(QueryTextMode::kOff),
            std::make_pair(std::string("<absent>"), std::string("<absent>")));
}

TEST(RecordFailureTest, ErrorAttributesStatusAndEvent) {
  GlobalTracing tracing;
  auto tracer = ActiveTracer("t");
  auto span = StartDbSpan(*tracer, PgSetup("SELECT * FROM nope"));
  RecordFailure(*span,
                Failure{"42P01", "42P01", "PGRES_FATAL_ERROR", "relation \"nope\" does not exist"});
  span->End();
  auto no_type = StartDbSpan(*tracer, PgSetup("SELECT 1"));
  RecordFailure(*no_type, Failure{{}, {}, {}, "lost"});
  no_type->End();
  auto spans = tracing.Take();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0].status_code, api::trace::StatusCode::kError);
  EXPECT_EQ(spans[0].status_message, "relation \"nope\" does not exist");
  EXPECT_EQ(StrAttr(spans[0], "error.type"), "42P01");
  EXPECT_EQ(StrAttr(spans[0], "db.response.status_code"), "42P01");
  EXPECT_EQ(ExceptionAttr(spans[0], "exception.type"), "PGRES_FATAL_ERROR");
  EXPECT_EQ(ExceptionAttr(spans[0], "exception.message"), "relation \"nope\" does not exist");
  EXPECT_EQ(StrAttr(spans[1], "error.type"), "_OTHER");
  EXPECT_FALSE(HasAttr(spans[1], "db.response.status_code"));
  EXPECT_EQ(ExceptionAttr(spans[1], "exception.type"), "_OTHER");
}

TEST(TrimMessageTest, TrailingNewlines) {
  EXPECT_EQ(TrimMessage("ERROR:  boom\n"), "ERROR:  boom");
  EXPECT_EQ(TrimMessage(nullptr), "");
  EXPECT_EQ(TrimMessage("\n\n"), "");
}

}  // namespace
}  // namespace adot::instrumentation::sql::internal
