// SpanExporter: the interface between span processors and a protocol.
#pragma once

#include <chrono>
#include <memory>
#include <span>

#include "adot/sdk/trace/span_data.h"

namespace adot::sdk {

enum class ExportResult { kSuccess, kFailure };

namespace trace {

using SpanBatch = std::span<const std::unique_ptr<SpanData>>;

// Export is called by one thread at a time (processors serialise calls). Implementations must not
// throw and must return within their configured timeout.
class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  virtual ExportResult Export(SpanBatch spans) noexcept = 0;
  virtual bool ForceFlush(std::chrono::milliseconds timeout) noexcept { return true; }
  // After Shutdown, Export returns kFailure without sending. Shutdown may be called from another
  // thread while Export runs, and then makes it return promptly (retries and requests in
  // progress are abandoned).
  virtual bool Shutdown(std::chrono::milliseconds timeout) noexcept = 0;
};

}  // namespace trace
}  // namespace adot::sdk
