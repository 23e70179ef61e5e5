#include "sdk/trace/span_data_pool.h"

#include <algorithm>

#include "sdk/common/bounded_queue.h"

namespace adot::sdk::trace::internal {

namespace {

// Enough to cover one default queue's worth of spans in flight.
constexpr size_t kPoolSize = 2048;

sdk::internal::BoundedQueue<SpanData>& Pool() {
  // Leaked on purpose: spans may be recycled by threads still running during static destruction.
  static auto* pool = new sdk::internal::BoundedQueue<SpanData>(kPoolSize);
  return *pool;
}

void Clear(SpanData& s) {
  s.parent_span_id = {};
  s.parent_is_remote = false;
  s.name.clear();
  s.kind = api::trace::SpanKind::kInternal;
  s.start_time_unix_nano = s.end_time_unix_nano = 0;
  s.attributes.clear();
  s.dropped_attributes_count = 0;
  s.events.clear();
  s.dropped_events_count = 0;
  s.links.clear();
  s.dropped_links_count = 0;
  s.status_code = api::trace::StatusCode::kUnset;
  s.status_message.clear();
}

void DropReferences(SpanData& span) noexcept {
  span.instrumentation.reset();
  span.trace_state.reset();
}

}  // namespace

std::unique_ptr<SpanData> AcquireSpanData() {
  if (SpanData* recycled = Pool().Pop()) {
    Clear(*recycled);
    return std::unique_ptr<SpanData>(recycled);
  }
  return std::make_unique<SpanData>();
}

void RecycleSpanData(std::unique_ptr<SpanData> span) noexcept {
  DropReferences(*span);
  if (Pool().Push(span.get())) span.release();
}

void RecycleSpanData(std::vector<std::unique_ptr<SpanData>>& spans) noexcept {
  constexpr size_t kChunk = 64;
  SpanData* records[kChunk];
  for (size_t start = 0; start < spans.size(); start += kChunk) {
    const size_t n = std::min(kChunk, spans.size() - start);
    for (size_t i = 0; i < n; ++i) {
      DropReferences(*spans[start + i]);
      records[i] = spans[start + i].get();
    }
    const size_t pushed = Pool().PushBulk(records, n);
    for (size_t i = 0; i < pushed; ++i) spans[start + i].release();
  }
  spans.clear();  // deletes the records the pool had no room for
}

}  // namespace adot::sdk::trace::internal
