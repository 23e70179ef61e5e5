// Trace and span id generation.
#pragma once

#include <memory>

#include "adot/api/trace/span_context.h"

namespace adot::sdk::trace {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  virtual api::trace::TraceId GenerateTraceId() noexcept = 0;
  virtual api::trace::SpanId GenerateSpanId() noexcept = 0;
  // True when the right-most 7 bytes of every trace id are random (W3C Level 2 random flag).
  virtual bool TraceIdsAreRandom() const noexcept = 0;
};

// 16 random bytes per trace id, 8 per span id, never all zero.
std::unique_ptr<IdGenerator> CreateRandomIdGenerator();
// X-Ray: the first 4 bytes of a trace id are the Unix epoch seconds (big-endian), the other 12
// random; span ids as the random generator.
std::unique_ptr<IdGenerator> CreateXRayIdGenerator();

}  // namespace adot::sdk::trace
