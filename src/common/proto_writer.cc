#include "common/proto_writer.h"

#include <algorithm>

namespace adot::common::proto {

void ProtoWriter::Grow(size_t n) {
  const size_t used = size();
  // Geometric growth of the capacity; a capacity the caller already reserved is used first.
  if (used + n > out_.capacity()) out_.reserve(std::max({used + n, 2 * out_.capacity(), size_t{256}}));
  // The string is lengthened only a step ahead of the writing: resize() zero-fills, and zeroing a
  // large reserved capacity at once costs about as much as writing it (each step stays in cache).
  constexpr size_t kStep = 4096;
  out_.resize(std::min(out_.capacity(), used + std::max(n, kStep)));
  base_ = out_.data();
  pos_ = base_ + used;
  end_ = base_ + out_.size();
}

void ProtoWriter::ShiftPayload(Mark& mark, size_t length, size_t needed) {
  if (needed > mark.reserved_bytes) Reserve(needed - mark.reserved_bytes);
  char* payload = base_ + mark.content_start;
  const ptrdiff_t delta =
      static_cast<ptrdiff_t>(needed) - static_cast<ptrdiff_t>(mark.reserved_bytes);
  std::memmove(payload + delta, payload, length);
  pos_ += delta;
  mark.content_start = static_cast<size_t>(static_cast<ptrdiff_t>(mark.content_start) + delta);
}

bool ProtoReader::ReadLongVarint(const char*& p, const char* end, uint64_t& v) noexcept {
  uint64_t result = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (p == end) return false;
    const uint8_t byte = static_cast<uint8_t>(*p++);
    // The 10th byte may only contribute the top bit.
    if (shift == 63 && byte > 1) return false;
    result |= uint64_t{byte & 0x7fu} << shift;
    if (byte < 0x80) {
      v = result;
      return true;
    }
  }
  return false;
}

}  // namespace adot::common::proto
