// filter processor: drops spans, metrics and log records matching any of the configured OTTL
// conditions (a subset, see ottl_condition.h): traces.span, metrics.metric, logs.log_record.
#pragma once

#include "collector/core/component.h"

namespace adot::collector {

Factory FilterProcessorFactory();

}  // namespace adot::collector
