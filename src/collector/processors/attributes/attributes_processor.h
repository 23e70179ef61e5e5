// attributes processor: applies attribute actions to span, log record and metric data point
// attributes, for the records selected by include/exclude (Go filterconfig: strict or regexp on
// services, span names/kinds, attributes, resources, libraries, log bodies/severities, metric names).
// Mutates data.
#pragma once

#include "collector/core/component.h"

namespace adot::collector {

Factory AttributesProcessorFactory();

}  // namespace adot::collector
