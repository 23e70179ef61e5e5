// The metrics API in one include.
#pragma once

#include "adot/api/attributes.h"
#include "adot/api/context.h"
#include "adot/api/metrics/instruments.h"
#include "adot/api/metrics/meter.h"
