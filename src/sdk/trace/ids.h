// The built-in id generators' algorithms, inline so the tracer can draw ids without a virtual call
// per id when the provider uses one of them.
#pragma once

#include <time.h>

#include <cstdint>
#include <cstring>

#include "adot/sdk/trace/id_generator.h"
#include "sdk/common/random.h"

namespace adot::sdk::trace::internal {

enum class IdGeneratorKind : uint8_t { kCustom, kRandom, kXRay };

// Which built-in generator `generator` is (kCustom for any other implementation).
IdGeneratorKind KindOf(const IdGenerator& generator) noexcept;

inline void StoreBigEndian64(uint8_t* out, uint64_t v) noexcept {
  v = __builtin_bswap64(v);
  std::memcpy(out, &v, sizeof(v));
}

inline api::trace::SpanId RandomSpanId() noexcept {
  api::trace::SpanId id;
  uint64_t v;
  do {
    v = sdk::internal::Random64();
  } while (v == 0);
  StoreBigEndian64(id.data(), v);
  return id;
}

inline api::trace::TraceId RandomTraceId() noexcept {
  api::trace::TraceId id;
  uint64_t w[2];
  do {
    sdk::internal::RandomWords(w);
  } while ((w[0] | w[1]) == 0);
  StoreBigEndian64(id.data(), w[0]);
  StoreBigEndian64(id.data() + 8, w[1]);
  return id;
}

// A new trace's ids in one draw.
inline void RandomTraceAndSpanId(api::trace::TraceId& trace_id, api::trace::SpanId& span_id) noexcept {
  uint64_t w[3];
  sdk::internal::RandomWords(w);
  if ((w[0] | w[1]) == 0) [[unlikely]] {
    trace_id = RandomTraceId();
  } else {
    StoreBigEndian64(trace_id.data(), w[0]);
    StoreBigEndian64(trace_id.data() + 8, w[1]);
  }
  if (w[2] == 0) [[unlikely]] {
    span_id = RandomSpanId();
  } else {
    StoreBigEndian64(span_id.data(), w[2]);
  }
}

// The first 4 bytes are the Unix epoch seconds (big-endian), the other 12 random. The seconds come
// from the precise clock: time() is the tick-updated coarse clock and can lag a second boundary.
inline api::trace::TraceId XRayTraceId() noexcept {
  api::trace::TraceId id;
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t w[2];
  sdk::internal::RandomWords(w);
  StoreBigEndian64(id.data(), static_cast<uint64_t>(ts.tv_sec) << 32 | (w[0] & 0xffffffffu));
  StoreBigEndian64(id.data() + 8, w[1]);
  return id;
}

}  // namespace adot::sdk::trace::internal
