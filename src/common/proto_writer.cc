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

bool ProtoReader::ReadVarint(const char*& p, const char* end, uint64_t& v) noexcept {
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

bool ProtoReader::Next(Field& field) noexcept {
  if (!ok_ || p_ == end_) return false;
  uint64_t tag;
  if (!ReadVarint(p_, end_, tag) || (tag >> 3) == 0 || (tag >> 3) > kMaxFieldNumber) {
    ok_ = false;
    return false;
  }
  field.number = static_cast<uint32_t>(tag >> 3);
  field.type = static_cast<WireType>(tag & 7);
  field.value = 0;
  field.bytes = {};
  const size_t left = static_cast<size_t>(end_ - p_);
  switch (field.type) {
    case WireType::kVarint:
      if (!ReadVarint(p_, end_, field.value)) break;
      return true;
    case WireType::kFixed64:
      if (left < 8) break;
      std::memcpy(&field.value, p_, 8);
      if constexpr (std::endian::native == std::endian::big)
        field.value = __builtin_bswap64(field.value);
      p_ += 8;
      return true;
    case WireType::kFixed32: {
      if (left < 4) break;
      uint32_t v;
      std::memcpy(&v, p_, 4);
      if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap32(v);
      field.value = v;
      p_ += 4;
      return true;
    }
    case WireType::kLengthDelimited: {
      uint64_t length;
      if (!ReadVarint(p_, end_, length)) break;
      if (length > static_cast<uint64_t>(end_ - p_)) break;
      field.bytes = std::string_view(p_, static_cast<size_t>(length));
      p_ += length;
      return true;
    }
    default:  // groups and the undefined wire types 6 and 7
      break;
  }
  ok_ = false;
  return false;
}

}  // namespace adot::common::proto
