#include "instrumentation/sql_common/sql_span.h"

#include <cstring>
#include <string>
#include <typeinfo>

#ifndef ADOT_INSTRUMENTATION_VERSION
#define ADOT_INSTRUMENTATION_VERSION ""
#endif

namespace adot::instrumentation::sql::internal {

using api::KeyValue;
using api::trace::SpanKind;
using api::trace::SpanPtr;

std::shared_ptr<api::trace::Tracer> ActiveTracer(std::string_view scope_name) noexcept {
  std::shared_ptr<api::trace::TracerProvider> provider = api::trace::GetTracerProvider();
  if (!provider || typeid(*provider) == typeid(api::trace::NoopTracerProvider)) return nullptr;
  return provider->GetTracer(scope_name, ADOT_INSTRUMENTATION_VERSION,
                             "https://opentelemetry.io/schemas/1.33.0");
}

SpanPtr StartDbSpan(api::trace::Tracer& tracer, const SpanSetup& setup) noexcept {
  try {
    const std::string_view query = setup.query;
    StatementInfo info;
    if (setup.query_known) info = ParseStatement(query, setup.dialect);
    if (!setup.operation.empty()) info.operation = setup.operation;
    const std::string name = SpanName(info, setup.db_system);

    KeyValue attributes[7];
    size_t n = 0;
    attributes[n++] = {"db.system.name", setup.db_system};
    // The pre-stable key, still what X-Ray's SQL translation and Application Signals read.
    attributes[n++] = {"db.system", setup.db_system};
    if (!setup.db_namespace.empty()) attributes[n++] = {"db.namespace", setup.db_namespace};
    if (!info.operation.empty()) attributes[n++] = {"db.operation.name", info.operation};
    if (!info.collection.empty()) attributes[n++] = {"db.collection.name", info.collection};
    if (!setup.server_address.empty()) attributes[n++] = {"server.address", setup.server_address};
    if (setup.server_port > 0) attributes[n++] = {"server.port", setup.server_port};

    api::trace::StartSpanOptions options;
    options.kind = SpanKind::kClient;
    SpanPtr span = tracer.StartSpan(
        name, api::AttributeView(std::span<const KeyValue>(attributes, n)), options);
    if (!span) return api::trace::InvalidSpan();

    if (setup.query_known && span->IsRecording()) {
      switch (GetOptions().query_text) {
        case QueryTextMode::kOff:
          break;
        case QueryTextMode::kRaw:
          span->SetAttribute("db.query.text", query);
          break;
        case QueryTextMode::kSanitized:
          if (setup.parameterized) {
            span->SetAttribute("db.query.text", query);
            break;
          }
          [[fallthrough]];
        case QueryTextMode::kSanitizeAll:
          span->SetAttribute("db.query.text", SanitizeQuery(query, setup.dialect));
          break;
      }
    }
    return span;
  } catch (...) {
    return api::trace::InvalidSpan();
  }
}

void RecordFailure(api::trace::Span& span, const Failure& failure) noexcept {
  if (!span.IsRecording()) return;
  std::string_view error_type = failure.error_type.empty() ? "_OTHER" : failure.error_type;
  if (!failure.status_code.empty())
    span.SetAttribute("db.response.status_code", failure.status_code);
  span.SetAttribute("error.type", error_type);
  span.SetStatus(api::trace::StatusCode::kError, failure.message);
  span.RecordException(failure.exception_type.empty() ? error_type : failure.exception_type,
                       failure.message);
}

std::string_view TrimMessage(const char* message) noexcept {
  if (!message) return {};
  std::string_view m(message);
  while (!m.empty() && (m.back() == '\n' || m.back() == '\r' || m.back() == ' '))
    m.remove_suffix(1);
  return m;
}

}  // namespace adot::instrumentation::sql::internal
