// health_check extension: GET <path> on localhost:13133 answers 200 {"status":"Server available"}
// while the pipelines run and 503 {"status":"Server not available"} before and during shutdown.
#pragma once

#include "collector/core/component.h"

namespace adot::collector {

Factory HealthCheckExtensionFactory();

}  // namespace adot::collector
