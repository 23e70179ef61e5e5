// The span plumbing the SQL instrumentations share: whether to instrument at all, starting a
// database CLIENT span with the stable semantic-convention attributes, and recording a failure.
#pragma once

#include <memory>
#include <string_view>

#include "adot/api/trace.h"
#include "adot/instrumentation/sql.h"

namespace adot::instrumentation::sql::internal {

// The tracer of the global provider for scope_name, or nullptr while that provider is the API's
// no-op provider (no SDK installed): the wrappers then call straight through, parsing nothing.
std::shared_ptr<api::trace::Tracer> ActiveTracer(std::string_view scope_name) noexcept;

struct SpanSetup {
  std::string_view db_system;  // db.system.name: "postgresql", "sqlite"
  Dialect dialect = Dialect::kGeneric;
  // The statement text. When !query_known the statement is unknown: the span is named after
  // db_system (or operation) and has no db.query.text.
  std::string_view query;
  bool query_known = false;
  // When set, db.operation.name is this instead of the statement's command (e.g. "PREPARE" for a
  // span that prepares, rather than runs, a SELECT); the table still comes from the statement.
  std::string_view operation;
  // The statement carries bind placeholders and its values travel separately.
  bool parameterized = false;
  std::string_view db_namespace;    // empty: not recorded
  std::string_view server_address;  // empty: not recorded
  int server_port = 0;              // 0: not recorded
};

// Starts a CLIENT span, child of the current context, named from the statement. Attributes that
// samplers may want are given at start; db.query.text is only built for a recording span.
// Never throws; returns the invalid span if anything goes wrong.
api::trace::SpanPtr StartDbSpan(api::trace::Tracer& tracer, const SpanSetup& setup) noexcept;

struct Failure {
  std::string_view status_code;     // db.response.status_code; empty: not recorded
  std::string_view error_type;      // error.type (never empty: "_OTHER" when nothing better)
  std::string_view exception_type;  // the recorded exception event's exception.type
  std::string_view message;         // status description and exception.message
};

// Marks span as failed: error.type, db.response.status_code, status ERROR with the message, and an
// exception event.
void RecordFailure(api::trace::Span& span, const Failure& failure) noexcept;

// The message with trailing whitespace and newlines removed (libpq ends its messages with '\n').
std::string_view TrimMessage(const char* message) noexcept;

}  // namespace adot::instrumentation::sql::internal
