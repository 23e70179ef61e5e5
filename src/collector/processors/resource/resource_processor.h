// resource processor: applies attribute actions (insert/update/upsert/delete/hash/extract/convert) to the
// resource attributes of every batch. Mutates data.
#pragma once

#include "collector/core/component.h"

namespace adot::collector {

Factory ResourceProcessorFactory();

}  // namespace adot::collector
