// otlp exporter: OTLP/gRPC with the exporter helper's queue, retry and timeout. Requests are sent
// through grpc's generic stub, so batches nobody changed go out as the bytes that came in.
#pragma once

#include "collector/core/component.h"

namespace adot::collector {

Factory OtlpExporterFactory();

}  // namespace adot::collector
