// Recycles SpanData records between the threads that end spans and the export thread.
//
// Without it every span costs a malloc on the application thread and a free on the export
// thread, and glibc serialises cross-thread frees on the allocating arena's lock. A recycled
// record also keeps the capacity of its vectors and strings, so steady-state spans allocate
// little or nothing. The export thread returns whole batches, claiming the shared queue once per
// group of records rather than once per span. (A per-thread stash on the acquiring side was
// tried: it made BM_EndToOtlpBytes slower, so records are still taken one at a time.)
#pragma once

#include <memory>
#include <vector>

#include "adot/sdk/trace/span_data.h"

namespace adot::sdk::trace::internal {

// A record ready to fill: every field at its default, capacity kept from earlier use.
std::unique_ptr<SpanData> AcquireSpanData();

// Takes back a record that nothing references any more. Drops its references to the provider
// and trace state at once; the rest is cleared by the thread that reuses it.
void RecycleSpanData(std::unique_ptr<SpanData> span) noexcept;

// The same for a whole batch; leaves `spans` empty.
void RecycleSpanData(std::vector<std::unique_ptr<SpanData>>& spans) noexcept;

}  // namespace adot::sdk::trace::internal
