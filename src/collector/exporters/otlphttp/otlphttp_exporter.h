// otlphttp exporter: OTLP/HTTP (protobuf or JSON, gzip, headers, per-signal endpoints) over the
// shared libcurl client, with the exporter helper's queue, retry and timeout. Protobuf batches that
// nobody changed are sent as received (pass-through).
#pragma once

#include "collector/core/component.h"

namespace adot::collector {

Factory OtlpHttpExporterFactory();

}  // namespace adot::collector
