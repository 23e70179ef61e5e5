// The tracing API in one include.
#pragma once

#include "adot/api/attributes.h"
#include "adot/api/context.h"
#include "adot/api/trace/span.h"
#include "adot/api/trace/span_context.h"
#include "adot/api/trace/tracer.h"
