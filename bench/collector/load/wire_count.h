// Counting spans in an encoded ExportTraceServiceRequest by walking the protobuf wire format,
// without decoding (the sink must stay cheap: it shares a core with the load generator).
//
//   ExportTraceServiceRequest.resource_spans = 1 → ResourceSpans.scope_spans = 2 → ScopeSpans.spans = 2
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace adot::bench::load {

namespace wire {

inline bool ReadVarint(const uint8_t*& p, const uint8_t* end, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && p < end; shift += 7) {
    uint8_t b = *p++;
    v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

// Calls on_len(field, bytes) for every length-delimited field of the message and skips every other
// field. Returns false when the message is malformed.
template <typename F>
bool ForEachLenField(std::string_view msg, F&& on_len) {
  auto* p = reinterpret_cast<const uint8_t*>(msg.data());
  auto* end = p + msg.size();
  while (p < end) {
    uint64_t key, v;
    if (!ReadVarint(p, end, key)) return false;
    uint32_t field = static_cast<uint32_t>(key >> 3);
    switch (key & 7) {
      case 0:
        if (!ReadVarint(p, end, v)) return false;
        break;
      case 1:
        if (end - p < 8) return false;
        p += 8;
        break;
      case 5:
        if (end - p < 4) return false;
        p += 4;
        break;
      case 2:
        if (!ReadVarint(p, end, v) || v > static_cast<uint64_t>(end - p)) return false;
        if (!on_len(field, std::string_view(reinterpret_cast<const char*>(p), v))) return false;
        p += v;
        break;
      default:
        return false;  // groups (3, 4) are not used by OTLP
    }
  }
  return true;
}

}  // namespace wire

// Number of spans in an encoded ExportTraceServiceRequest; false when it is malformed.
inline bool CountSpans(std::string_view request, uint64_t& spans) {
  spans = 0;
  return wire::ForEachLenField(request, [&](uint32_t f, std::string_view rs) {
    if (f != 1) return true;
    return wire::ForEachLenField(rs, [&](uint32_t f2, std::string_view ss) {
      if (f2 != 2) return true;
      return wire::ForEachLenField(ss, [&](uint32_t f3, std::string_view) {
        if (f3 == 2) ++spans;
        return true;
      });
    });
  });
}

}  // namespace adot::bench::load
