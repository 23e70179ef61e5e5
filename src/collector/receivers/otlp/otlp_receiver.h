// otlp receiver: OTLP/gRPC (default localhost:4317) and OTLP/HTTP (default localhost:4318,
// /v1/traces, /v1/metrics, /v1/logs; protobuf and JSON; gzip), one server of each kind for every
// signal. Received protobuf bytes are kept as they are (pass-through).
#pragma once

#include <memory>

#include "collector/core/component.h"

namespace adot::collector {

Factory OtlpReceiverFactory();

}  // namespace adot::collector
