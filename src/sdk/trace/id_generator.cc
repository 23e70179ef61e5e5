#include "adot/sdk/trace/id_generator.h"

#include <chrono>
#include <cstring>

#include "sdk/common/random.h"

namespace adot::sdk::trace {

namespace {

using api::trace::SpanId;
using api::trace::TraceId;
using internal::Random64;

inline void StoreBigEndian64(uint8_t* out, uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(out, &v, sizeof(v));
}

SpanId NewSpanId() {
  SpanId id;
  uint64_t v;
  do {
    v = Random64();
  } while (v == 0);
  StoreBigEndian64(id.data(), v);
  return id;
}

class RandomIdGenerator final : public IdGenerator {
 public:
  TraceId GenerateTraceId() noexcept override {
    TraceId id;
    uint64_t hi, lo;
    do {
      hi = Random64();
      lo = Random64();
    } while (hi == 0 && lo == 0);
    StoreBigEndian64(id.data(), hi);
    StoreBigEndian64(id.data() + 8, lo);
    return id;
  }
  SpanId GenerateSpanId() noexcept override { return NewSpanId(); }
  bool TraceIdsAreRandom() const noexcept override { return true; }
};

class XRayIdGenerator final : public IdGenerator {
 public:
  TraceId GenerateTraceId() noexcept override {
    TraceId id;
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
    uint64_t hi = static_cast<uint64_t>(seconds) << 32 | (Random64() & 0xffffffffu);
    StoreBigEndian64(id.data(), hi);
    StoreBigEndian64(id.data() + 8, Random64());
    return id;
  }
  SpanId GenerateSpanId() noexcept override { return NewSpanId(); }
  // The low 12 bytes are random, so the right-most 7 are.
  bool TraceIdsAreRandom() const noexcept override { return true; }
};

}  // namespace

std::unique_ptr<IdGenerator> CreateRandomIdGenerator() {
  return std::make_unique<RandomIdGenerator>();
}
std::unique_ptr<IdGenerator> CreateXRayIdGenerator() { return std::make_unique<XRayIdGenerator>(); }

}  // namespace adot::sdk::trace
