// resourcedetection processor: detects the resource of the host the collector runs on (env,
// system, ec2, ecs, eks, lambda, elastic_beanstalk) once, at Start, with the SDK's detectors
// (adot/sdk/resource/detectors.h), and adds the detected attributes to the resource of every
// batch. Mutates data.
#pragma once

#include "adot/sdk/resource/detectors.h"
#include "collector/core/component.h"

namespace adot::collector {

// base: the DetectorOptions every detection starts from (endpoints, file-system root,
// environment, HTTP transport); the config's timeout replaces base.timeout. The default is the
// production options; tests inject loopback endpoints and a fake root and environment.
Factory ResourceDetectionProcessorFactory(sdk::resource::DetectorOptions base = {});

}  // namespace adot::collector
