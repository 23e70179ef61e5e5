// attributes processor: applies attribute actions to span, log record and metric data point
// attributes. include/exclude matching is not implemented yet (an error). Mutates data.
#pragma once

#include "collector/core/component.h"

namespace adot::collector {

Factory AttributesProcessorFactory();

}  // namespace adot::collector
