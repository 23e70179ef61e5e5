// A small protobuf wire-format writer that appends to a std::string, and a bounds-checked reader.
//
// The writer works on a raw pointer into the string's buffer (growing it geometrically) instead of
// calling append() per field: a span is ~60 small writes and per-call capacity bookkeeping of
// std::string would dominate. Nested messages whose size is not known up front reserve a length
// placeholder and are backpatched; the output is always canonical (minimal varint lengths), so it
// is byte-identical to what libprotobuf produces for the same fields in field-number order.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace adot::common::proto {

enum class WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,  // deprecated groups: never written, rejected by the reader
  kEndGroup = 4,
  kFixed32 = 5,
};

inline constexpr uint32_t kMaxFieldNumber = (1u << 29) - 1;

constexpr uint32_t MakeTag(uint32_t field, WireType type) noexcept {
  return field << 3 | static_cast<uint32_t>(type);
}

// Bytes of the varint encoding of v (1..10).
constexpr size_t VarintSize(uint64_t v) noexcept {
  // 1 + floor(log2(v|1)) / 7, without a loop.
  return static_cast<size_t>((std::bit_width(v | 1) * 9 + 64) / 64);
}
constexpr size_t TagSize(uint32_t field) noexcept { return VarintSize(uint64_t{field} << 3); }

// Encoded size of a whole length-delimited field (tag, length, payload).
constexpr size_t LengthDelimitedFieldSize(uint32_t field, size_t payload) noexcept {
  return TagSize(field) + VarintSize(payload) + payload;
}

constexpr uint64_t ZigZag64(int64_t v) noexcept {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
constexpr uint32_t ZigZag32(int32_t v) noexcept {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
constexpr int64_t UnZigZag64(uint64_t v) noexcept {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

class ProtoWriter {
 public:
  // A nested message in progress (see BeginMessage).
  struct Mark {
    size_t content_start;     // offset of the first payload byte
    uint32_t reserved_bytes;  // length placeholder bytes in front of it
  };

  // Appends after the current contents of out. out must outlive the writer and must not be touched
  // until Finish() (or the destructor) has trimmed it to the written size.
  explicit ProtoWriter(std::string& out) noexcept
      : out_(out), base_(out.data()), pos_(base_ + out.size()), end_(pos_) {}
  ~ProtoWriter() { Finish(); }
  ProtoWriter(const ProtoWriter&) = delete;
  ProtoWriter& operator=(const ProtoWriter&) = delete;

  // Trims out to the bytes written so far. The writer stays usable.
  void Finish() {
    out_.resize(static_cast<size_t>(pos_ - base_));
    end_ = pos_;
  }

  // Bytes written, counting from the start of out (including what it held before).
  size_t size() const noexcept { return static_cast<size_t>(pos_ - base_); }
  // Those bytes (valid until the next write).
  const char* data() const noexcept { return base_; }
  // Drops what was written after the first `size` bytes (size <= size()): undoes a message that
  // turned out invalid half-way.
  void Truncate(size_t size) noexcept { pos_ = base_ + size; }

  // Makes room for at least n more bytes (a hint; every write checks on its own).
  void Reserve(size_t n) {
    if (static_cast<size_t>(end_ - pos_) < n) Grow(n);
  }

  // --- Fields. Nothing is omitted here: callers skip proto3 default values themselves. ---

  void WriteVarint(uint32_t field, uint64_t v) {
    Reserve(5 + 10);
    PutVarint(MakeTag(field, WireType::kVarint));
    PutVarint(v);
  }
  // int32/int64/enum: negative values take 10 bytes (two's complement), as protobuf specifies.
  void WriteInt64(uint32_t field, int64_t v) { WriteVarint(field, static_cast<uint64_t>(v)); }
  void WriteInt32(uint32_t field, int32_t v) {
    WriteVarint(field, static_cast<uint64_t>(static_cast<int64_t>(v)));
  }
  void WriteBool(uint32_t field, bool v) { WriteVarint(field, v ? 1 : 0); }
  void WriteSint64(uint32_t field, int64_t v) { WriteVarint(field, ZigZag64(v)); }
  void WriteSint32(uint32_t field, int32_t v) { WriteVarint(field, ZigZag32(v)); }

  void WriteFixed32(uint32_t field, uint32_t v) {
    Reserve(5 + 4);
    PutVarint(MakeTag(field, WireType::kFixed32));
    PutFixed32(v);
  }
  void WriteFixed64(uint32_t field, uint64_t v) {
    Reserve(5 + 8);
    PutVarint(MakeTag(field, WireType::kFixed64));
    PutFixed64(v);
  }
  void WriteSfixed64(uint32_t field, int64_t v) { WriteFixed64(field, static_cast<uint64_t>(v)); }
  void WriteDouble(uint32_t field, double v) { WriteFixed64(field, std::bit_cast<uint64_t>(v)); }
  void WriteFloat(uint32_t field, float v) { WriteFixed32(field, std::bit_cast<uint32_t>(v)); }

  void WriteBytes(uint32_t field, const void* data, size_t size) {
    Reserve(5 + 10 + size);
    PutVarint(MakeTag(field, WireType::kLengthDelimited));
    PutVarint(size);
    PutRaw(data, size);
  }
  void WriteString(uint32_t field, std::string_view s) { WriteBytes(field, s.data(), s.size()); }

  // Tag and length of a length-delimited field whose payload (exactly `size` bytes) the caller
  // writes next: the fastest way to nest when the size is cheap to compute.
  void WriteLengthDelimitedHeader(uint32_t field, size_t size) {
    Reserve(5 + 10);
    PutVarint(MakeTag(field, WireType::kLengthDelimited));
    PutVarint(size);
  }

  // Starts a nested message (or packed repeated field) of unknown size. reserved_bytes is the
  // expected size of its length varint (1: < 128 bytes, 2: < 16 KiB, 3: < 2 MiB); a wrong guess
  // costs one memmove of the payload in EndMessage, never a wrong encoding.
  Mark BeginMessage(uint32_t field, uint32_t reserved_bytes = 1) {
    Reserve(5 + reserved_bytes);
    PutVarint(MakeTag(field, WireType::kLengthDelimited));
    pos_ += reserved_bytes;
    return Mark{size(), reserved_bytes};
  }
  void EndMessage(Mark mark) { EndExtensibleMessage(mark); }
  // As EndMessage, and keeps mark up to date, so that a message that is still the last thing
  // written can be extended and ended again. Ending it may move its payload (when its length
  // needs another number of bytes): marks of messages inside it move by as much as
  // mark.content_start did.
  void EndExtensibleMessage(Mark& mark) {
    const size_t length = size() - mark.content_start;
    const size_t needed = VarintSize(length);
    if (needed != mark.reserved_bytes) ShiftPayload(mark, length, needed);
    mark.reserved_bytes = static_cast<uint32_t>(needed);
    EncodeVarint(base_ + mark.content_start - needed, length);
  }

  // --- Raw pieces, for callers composing fields themselves. ---

  void AppendTag(uint32_t field, WireType type) {
    Reserve(5);
    PutVarint(MakeTag(field, type));
  }
  void AppendVarint(uint64_t v) {
    Reserve(10);
    PutVarint(v);
  }
  void AppendFixed32(uint32_t v) {
    Reserve(4);
    PutFixed32(v);
  }
  void AppendFixed64(uint64_t v) {
    Reserve(8);
    PutFixed64(v);
  }
  void AppendRaw(const void* data, size_t size) {
    Reserve(size);
    PutRaw(data, size);
  }

  // Unchecked variants: the caller has Reserve()d enough room.
  void PutVarint(uint64_t v) noexcept { pos_ = EncodeVarint(pos_, v); }
  void PutFixed32(uint32_t v) noexcept {
    if constexpr (std::endian::native == std::endian::big) v = ByteSwap32(v);
    std::memcpy(pos_, &v, 4);
    pos_ += 4;
  }
  void PutFixed64(uint64_t v) noexcept {
    if constexpr (std::endian::native == std::endian::big) v = ByteSwap64(v);
    std::memcpy(pos_, &v, 8);
    pos_ += 8;
  }
  void PutRaw(const void* data, size_t size) noexcept {
    // Attribute keys and values are mostly short: copy them with two overlapping fixed-size
    // moves instead of a call to memcpy (which costs more than the copy itself at this size).
    const auto* src = static_cast<const char*>(data);
    if (size >= 8 && size <= 32) {
      if (size >= 16) {
        std::memcpy(pos_, src, 16);
        std::memcpy(pos_ + size - 16, src + size - 16, 16);
      } else {
        std::memcpy(pos_, src, 8);
        std::memcpy(pos_ + size - 8, src + size - 8, 8);
      }
    } else if (size != 0) {
      std::memcpy(pos_, src, size);
    }
    pos_ += size;
  }

  static char* EncodeVarint(char* p, uint64_t v) noexcept {
    while (v >= 0x80) {
      *p++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p++ = static_cast<char>(v);
    return p;
  }

 private:
  static uint32_t ByteSwap32(uint32_t v) noexcept { return __builtin_bswap32(v); }
  static uint64_t ByteSwap64(uint64_t v) noexcept { return __builtin_bswap64(v); }

  void Grow(size_t n);
  void ShiftPayload(Mark& mark, size_t length, size_t needed);

  std::string& out_;
  char* base_;  // out_.data(); the buffer's usable part is [base_, end_)
  char* pos_;
  char* end_;
};

// Reads fields of one message level. Never reads outside the given bytes: malformed input (a
// truncated varint or fixed value, a length past the end, field number 0, group wire types)
// stops the iteration with ok() == false.
class ProtoReader {
 public:
  struct Field {
    uint32_t number = 0;
    WireType type = WireType::kVarint;
    uint64_t value = 0;      // kVarint, kFixed64, kFixed32 (zero-extended)
    std::string_view bytes;  // kLengthDelimited
  };

  explicit ProtoReader(std::string_view data) noexcept
      : p_(data.data()), end_(data.data() + data.size()) {}

  // Reads the next field into field. Returns false at the end of the data or on malformed input.
  // Inline, as ReadVarint: decoders call them for every field, and most tags and lengths are one
  // byte.
  bool Next(Field& field) noexcept {
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
        if constexpr (std::endian::native == std::endian::big) field.value = __builtin_bswap64(field.value);
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
  bool ok() const noexcept { return ok_; }

  // Decodes one varint from [p, end), advancing p. False when truncated or longer than 10 bytes.
  static bool ReadVarint(const char*& p, const char* end, uint64_t& v) noexcept {
    if (p != end && static_cast<uint8_t>(*p) < 0x80) {
      v = static_cast<uint8_t>(*p++);
      return true;
    }
    return ReadLongVarint(p, end, v);
  }

 private:
  static bool ReadLongVarint(const char*& p, const char* end, uint64_t& v) noexcept;

  const char* p_;
  const char* end_;
  bool ok_ = true;
};

}  // namespace adot::common::proto
