#include "adot/sdk/trace/id_generator.h"

#include "sdk/trace/ids.h"

namespace adot::sdk::trace {

namespace {

using api::trace::SpanId;
using api::trace::TraceId;

class RandomIdGenerator final : public IdGenerator {
 public:
  TraceId GenerateTraceId() noexcept override { return internal::RandomTraceId(); }
  SpanId GenerateSpanId() noexcept override { return internal::RandomSpanId(); }
  bool TraceIdsAreRandom() const noexcept override { return true; }
};

class XRayIdGenerator final : public IdGenerator {
 public:
  TraceId GenerateTraceId() noexcept override { return internal::XRayTraceId(); }
  SpanId GenerateSpanId() noexcept override { return internal::RandomSpanId(); }
  // The low 12 bytes are random, so the right-most 7 are.
  bool TraceIdsAreRandom() const noexcept override { return true; }
};

}  // namespace

std::unique_ptr<IdGenerator> CreateRandomIdGenerator() {
  return std::make_unique<RandomIdGenerator>();
}
std::unique_ptr<IdGenerator> CreateXRayIdGenerator() { return std::make_unique<XRayIdGenerator>(); }

internal::IdGeneratorKind internal::KindOf(const IdGenerator& generator) noexcept {
  if (dynamic_cast<const RandomIdGenerator*>(&generator)) return IdGeneratorKind::kRandom;
  if (dynamic_cast<const XRayIdGenerator*>(&generator)) return IdGeneratorKind::kXRay;
  return IdGeneratorKind::kCustom;
}

}  // namespace adot::sdk::trace
