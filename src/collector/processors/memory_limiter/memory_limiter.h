// memory_limiter processor: every check_interval reads the process's resident memory; above the
// soft limit (limit - spike) every batch is refused with a retryable error, which the OTLP
// receiver turns into 503 / UNAVAILABLE so senders back off; above the hard limit it also asks
// malloc to return free memory (the C++ analogue of the Go collector's forced GC).
#pragma once

#include <cstdint>

#include "collector/core/component.h"
#include "collector/core/telemetry.h"  // ProcessRssBytes

namespace adot::collector {

Factory MemoryLimiterProcessorFactory();

// Memory available to this process: the cgroup limit if any, else physical memory.
uint64_t AvailableMemoryBytes();

}  // namespace adot::collector
