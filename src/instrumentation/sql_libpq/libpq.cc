#include "adot/instrumentation/libpq.h"

#include <atomic>
#include <charconv>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "instrumentation/sql_common/sql_span.h"

namespace adot::instrumentation::libpq {

namespace {

using api::trace::SpanPtr;
using sql::Dialect;
namespace internal = sql::internal;

constexpr std::string_view kDbSystem = "postgresql";
// Bounds on what is remembered, so a program that never calls Finish cannot grow without limit.
constexpr size_t kMaxPreparedPerConnection = 4096;
constexpr size_t kMaxConnections = 4096;

struct Pending {
  SpanPtr span;
  bool failed = false;
};

struct ConnectionState {
  std::unordered_map<std::string, std::string> prepared;  // statement name -> text
  std::deque<Pending> pending;                            // async queries not yet finished
};

struct Registry {
  std::mutex mutex;
  std::unordered_map<const PGconn*, ConnectionState> connections;
  // Spans waiting in some pending queue: GetResult skips the lock while this is zero.
  std::atomic<size_t> pending_count{0};
};

Registry& GetRegistry() {
  // Never destroyed: wrappers may run during static destruction.
  static Registry* registry = new Registry();
  return *registry;
}

// The state of conn, created if needed. Call with the registry locked. Null when the registry is
// full (the oldest connections are then assumed gone: those without pending spans are dropped).
ConnectionState* StateFor(Registry& r, const PGconn* conn) {
  auto it = r.connections.find(conn);
  if (it != r.connections.end()) return &it->second;
  if (r.connections.size() >= kMaxConnections) {
    std::erase_if(r.connections, [](const auto& entry) { return entry.second.pending.empty(); });
    if (r.connections.size() >= kMaxConnections) return nullptr;
  }
  return &r.connections[conn];
}

void RememberPrepared(const PGconn* conn, const char* name, const char* query) noexcept {
  if (!conn || !name || !query) return;
  try {
    Registry& r = GetRegistry();
    std::lock_guard<std::mutex> lock(r.mutex);
    ConnectionState* state = StateFor(r, conn);
    if (!state) return;
    auto it = state->prepared.find(name);
    if (it != state->prepared.end()) {
      it->second = query;
    } else if (state->prepared.size() < kMaxPreparedPerConnection) {
      state->prepared.emplace(name, query);
    }
  } catch (...) {
  }
}

std::optional<std::string> LookupPrepared(const PGconn* conn, const char* name) noexcept {
  if (!conn || !name) return std::nullopt;
  try {
    Registry& r = GetRegistry();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.connections.find(conn);
    if (it == r.connections.end()) return std::nullopt;
    auto st = it->second.prepared.find(name);
    if (st == it->second.prepared.end()) return std::nullopt;
    return st->second;
  } catch (...) {
    return std::nullopt;
  }
}

// The connection-level attributes: db.namespace, server.address, server.port.
void DescribeConnection(const PGconn* conn, internal::SpanSetup& setup) noexcept {
  if (!conn) return;
  if (const char* db = PQdb(conn)) setup.db_namespace = db;
  const char* host = PQhost(conn);
  if (!host || !*host) return;
  setup.server_address = host;
  // A host starting with '/' (or '@', the abstract namespace) is a Unix-domain socket directory:
  // it has no network port.
  if (host[0] == '/' || host[0] == '@') return;
  if (const char* port = PQport(conn); port && *port) {
    int value = 0;
    auto [end, ec] = std::from_chars(port, port + std::strlen(port), value);
    if (ec == std::errc() && *end == '\0' && value > 0 && value < 65536) setup.server_port = value;
  }
}

SpanPtr StartSpan(api::trace::Tracer& tracer, const PGconn* conn, const char* query,
                  bool parameterized, std::string_view operation = {}) noexcept {
  internal::SpanSetup setup;
  setup.db_system = kDbSystem;
  setup.dialect = Dialect::kPostgreSQL;
  if (query) {
    setup.query = query;
    setup.query_known = true;
    setup.parameterized = parameterized;
  }
  setup.operation = operation;
  DescribeConnection(conn, setup);
  return internal::StartDbSpan(tracer, setup);
}

bool IsParameterized(const char* query, int n_params) noexcept {
  if (n_params > 0) return true;
  if (!query) return false;
  try {
    return sql::HasPlaceholders(query, Dialect::kPostgreSQL);
  } catch (...) {
    return false;
  }
}

bool IsFailure(ExecStatusType status) noexcept {
  return status == PGRES_BAD_RESPONSE || status == PGRES_FATAL_ERROR ||
         status == PGRES_PIPELINE_ABORTED;
}

// Records the failure res (or, for a null result, the connection's error) on span.
void RecordResultFailure(api::trace::Span& span, const PGconn* conn, const PGresult* res) noexcept {
  internal::Failure failure;
  ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
  if (res) {
    if (const char* state = PQresultErrorField(res, PG_DIAG_SQLSTATE); state && *state) {
      failure.status_code = state;
      failure.error_type = state;
    }
    failure.message = internal::TrimMessage(PQresultErrorMessage(res));
  }
  if (failure.message.empty()) {
    if (status == PGRES_PIPELINE_ABORTED) {
      failure.message = "query not run: the pipeline was aborted by an earlier error";
    } else if (conn) {
      failure.message = internal::TrimMessage(PQerrorMessage(conn));
    } else {
      failure.message = "connection pointer is null";
    }
  }
  failure.exception_type = PQresStatus(status);
  internal::RecordFailure(span, failure);
}

// Ends a synchronous call's span from its result.
void EndWithResult(const SpanPtr& span, const PGconn* conn, const PGresult* res) noexcept {
  if (!res || IsFailure(PQresultStatus(res))) RecordResultFailure(*span, conn, res);
  span->End();
}

// After a Send* call: a refused send ends the span as failed; an accepted one waits in conn's
// queue for GetResult.
int AfterSend(const PGconn* conn, SpanPtr span, int ok) noexcept {
  if (!ok) {
    RecordResultFailure(*span, conn, nullptr);
    span->End();
    return ok;
  }
  if (!span->IsRecording()) return ok;  // nothing to end later
  std::vector<SpanPtr> stale;
  try {
    Registry& r = GetRegistry();
    std::lock_guard<std::mutex> lock(r.mutex);
    ConnectionState* state = StateFor(r, conn);
    if (!state) {
      stale.push_back(std::move(span));
    } else {
      // Outside pipeline mode libpq accepts a new query only once the previous one's results are
      // all read: spans still queued were read with PQgetResult directly and can end now.
      if (PQpipelineStatus(conn) == PQ_PIPELINE_OFF) {
        for (Pending& p : state->pending) stale.push_back(std::move(p.span));
        r.pending_count.fetch_sub(state->pending.size(), std::memory_order_relaxed);
        state->pending.clear();
      }
      state->pending.push_back(Pending{std::move(span), false});
      r.pending_count.fetch_add(1, std::memory_order_relaxed);
    }
  } catch (...) {
    if (span) stale.push_back(std::move(span));
  }
  for (const SpanPtr& s : stale) s->End();
  return ok;
}

}  // namespace

PGresult* Exec(PGconn* conn, const char* query) noexcept {
  auto tracer = internal::ActiveTracer(kInstrumentationScope);
  if (!tracer) return PQexec(conn, query);
  SpanPtr span = StartSpan(*tracer, conn, query, false);
  PGresult* res = PQexec(conn, query);
  EndWithResult(span, conn, res);
  return res;
}

PGresult* ExecParams(PGconn* conn, const char* command, int nParams, const Oid* paramTypes,
                     const char* const* paramValues, const int* paramLengths,
                     const int* paramFormats, int resultFormat) noexcept {
  auto tracer = internal::ActiveTracer(kInstrumentationScope);
  if (!tracer) {
    return PQexecParams(conn, command, nParams, paramTypes, paramValues, paramLengths, paramFormats,
                        resultFormat);
  }
  SpanPtr span = StartSpan(*tracer, conn, command, IsParameterized(command, nParams));
  PGresult* res = PQexecParams(conn, command, nParams, paramTypes, paramValues, paramLengths,
                               paramFormats, resultFormat);
  EndWithResult(span, conn, res);
  return res;
}

PGresult* Prepare(PGconn* conn, const char* stmtName, const char* query, int nParams,
                  const Oid* paramTypes) noexcept {
  auto tracer = internal::ActiveTracer(kInstrumentationScope);
  SpanPtr span;
  if (tracer) span = StartSpan(*tracer, conn, query, IsParameterized(query, nParams), "PREPARE");
  PGresult* res = PQprepare(conn, stmtName, query, nParams, paramTypes);
  if (res && PQresultStatus(res) == PGRES_COMMAND_OK) RememberPrepared(conn, stmtName, query);
  if (span) EndWithResult(span, conn, res);
  return res;
}

PGresult* ExecPrepared(PGconn* conn, const char* stmtName, int nParams,
                       const char* const* paramValues, const int* paramLengths,
                       const int* paramFormats, int resultFormat) noexcept {
  auto tracer = internal::ActiveTracer(kInstrumentationScope);
  if (!tracer) {
    return PQexecPrepared(conn, stmtName, nParams, paramValues, paramLengths, paramFormats,
                          resultFormat);
  }
  std::optional<std::string> text = LookupPrepared(conn, stmtName);
  SpanPtr span = StartSpan(*tracer, conn, text ? text->c_str() : nullptr,
                           text ? IsParameterized(text->c_str(), nParams) : false);
  PGresult* res = PQexecPrepared(conn, stmtName, nParams, paramValues, paramLengths, paramFormats,
                                 resultFormat);
  EndWithResult(span, conn, res);
  return res;
}

int SendQuery(PGconn* conn, const char* query) noexcept {
  auto tracer = internal::ActiveTracer(kInstrumentationScope);
  if (!tracer) return PQsendQuery(conn, query);
  SpanPtr span = StartSpan(*tracer, conn, query, false);
  return AfterSend(conn, std::move(span), PQsendQuery(conn, query));
}

int SendQueryParams(PGconn* conn, const char* command, int nParams, const Oid* paramTypes,
                    const char* const* paramValues, const int* paramLengths,
                    const int* paramFormats, int resultFormat) noexcept {
  auto tracer = internal::ActiveTracer(kInstrumentationScope);
  if (!tracer) {
    return PQsendQueryParams(conn, command, nParams, paramTypes, paramValues, paramLengths,
                             paramFormats, resultFormat);
  }
  SpanPtr span = StartSpan(*tracer, conn, command, IsParameterized(command, nParams));
  return AfterSend(conn, std::move(span),
                   PQsendQueryParams(conn, command, nParams, paramTypes, paramValues, paramLengths,
                                     paramFormats, resultFormat));
}

int SendPrepare(PGconn* conn, const char* stmtName, const char* query, int nParams,
                const Oid* paramTypes) noexcept {
  auto tracer = internal::ActiveTracer(kInstrumentationScope);
  SpanPtr span;
  if (tracer) span = StartSpan(*tracer, conn, query, IsParameterized(query, nParams), "PREPARE");
  int ok = PQsendPrepare(conn, stmtName, query, nParams, paramTypes);
  // Remembered once sent: if the server rejects the statement, executing the name fails anyway.
  if (ok) RememberPrepared(conn, stmtName, query);
  return span ? AfterSend(conn, std::move(span), ok) : ok;
}

int SendQueryPrepared(PGconn* conn, const char* stmtName, int nParams,
                      const char* const* paramValues, const int* paramLengths,
                      const int* paramFormats, int resultFormat) noexcept {
  auto tracer = internal::ActiveTracer(kInstrumentationScope);
  if (!tracer) {
    return PQsendQueryPrepared(conn, stmtName, nParams, paramValues, paramLengths, paramFormats,
                               resultFormat);
  }
  std::optional<std::string> text = LookupPrepared(conn, stmtName);
  SpanPtr span = StartSpan(*tracer, conn, text ? text->c_str() : nullptr,
                           text ? IsParameterized(text->c_str(), nParams) : false);
  return AfterSend(conn, std::move(span),
                   PQsendQueryPrepared(conn, stmtName, nParams, paramValues, paramLengths,
                                       paramFormats, resultFormat));
}

PGresult* GetResult(PGconn* conn) noexcept {
  PGresult* res = PQgetResult(conn);
  Registry& r = GetRegistry();
  if (!conn || r.pending_count.load(std::memory_order_relaxed) == 0) return res;
  SpanPtr finished;
  {
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.connections.find(conn);
    if (it == r.connections.end() || it->second.pending.empty()) return res;
    Pending& front = it->second.pending.front();
    if (res) {
      if (!front.failed && IsFailure(PQresultStatus(res))) {
        RecordResultFailure(*front.span, conn, res);
        front.failed = true;
      }
      return res;
    }
    finished = std::move(front.span);
    it->second.pending.pop_front();
    r.pending_count.fetch_sub(1, std::memory_order_relaxed);
  }
  finished->End();  // outside the lock: a simple processor exports right here
  return res;
}

void Finish(PGconn* conn) noexcept {
  if (conn) {
    std::deque<Pending> pending;
    {
      Registry& r = GetRegistry();
      std::lock_guard<std::mutex> lock(r.mutex);
      auto it = r.connections.find(conn);
      if (it != r.connections.end()) {
        pending = std::move(it->second.pending);
        r.pending_count.fetch_sub(pending.size(), std::memory_order_relaxed);
        r.connections.erase(it);
      }
    }
    for (Pending& p : pending) p.span->End();
  }
  PQfinish(conn);
}

}  // namespace adot::instrumentation::libpq
