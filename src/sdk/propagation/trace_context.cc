#include "adot/sdk/propagation/trace_context.h"

#include <string>

#include "sdk/propagation/util.h"

namespace adot::sdk::propagation {

namespace {

using api::trace::SpanContext;
using api::trace::SpanId;
using api::trace::TraceFlags;
using api::trace::TraceId;
using api::trace::TraceState;

constexpr size_t kTraceParentSize = 55;  // version 00: 2+1+32+1+16+1+2

int LowerHexByte(char hi, char lo) noexcept {
  int h = internal::kChars.lower_hex[static_cast<unsigned char>(hi)];
  int l = internal::kChars.lower_hex[static_cast<unsigned char>(lo)];
  return (h | l) < 0 ? -1 : h << 4 | l;
}

// Parses a traceparent value (OWS already trimmed). False when the header must be ignored.
bool ParseTraceParent(std::string_view v, TraceId& trace_id, SpanId& span_id,
                      uint8_t& flags) noexcept {
  if (v.size() < kTraceParentSize) return false;
  int version = LowerHexByte(v[0], v[1]);
  if (version < 0 || version == 0xff) return false;
  if (v[2] != '-' || v[35] != '-' || v[52] != '-') return false;
  if (version == 0) {
    if (v.size() != kTraceParentSize) return false;
  } else if (v.size() > kTraceParentSize && v[kTraceParentSize] != '-') {
    // A future version may append fields, but only after a '-'.
    return false;
  }
  const int8_t* lower = internal::kChars.lower_hex;
  if (!internal::DecodeHexId(v.data() + 3, lower, trace_id) ||
      !internal::DecodeHexId(v.data() + 36, lower, span_id))
    return false;
  int f = LowerHexByte(v[53], v[54]);
  if (f < 0) return false;
  if (!trace_id.IsValid() || !span_id.IsValid()) return false;
  // Only the sampled and random bits are defined; reserved bits are not propagated.
  flags = static_cast<uint8_t>(f & (TraceFlags::kSampled | TraceFlags::kRandom));
  return true;
}

// The tracestate value to send: whole entries, at most 512 characters; entries over 128 characters
// go first, then entries from the right end (W3C trace context "tracestate limits").
void SerializeTraceState(const TraceState& state, std::string& out) {
  const auto& entries = state.entries();
  size_t total = 0;
  for (const auto& [k, v] : entries) total += k.size() + 1 + v.size();
  total += entries.empty() ? 0 : entries.size() - 1;
  if (total <= TraceContextPropagator::kMaxTraceStateLength) {
    out.reserve(total);
    for (const auto& [k, v] : entries) {
      if (!out.empty()) out.push_back(',');
      out.append(k).append(1, '=').append(v);
    }
    return;
  }
  // Keep entries of at most 128 characters, from the left, while they fit.
  size_t size = 0;
  for (const auto& [k, v] : entries) {
    size_t len = k.size() + 1 + v.size();
    if (len > TraceContextPropagator::kLongEntryLength) continue;
    size_t added = len + (size ? 1 : 0);
    if (size + added > TraceContextPropagator::kMaxTraceStateLength) break;
    size += added;
    if (!out.empty()) out.push_back(',');
    out.append(k).append(1, '=').append(v);
  }
}

}  // namespace

void TraceContextPropagator::Inject(const api::Context& context,
                                    api::propagation::TextMapSetter& carrier) const noexcept {
  const SpanContext& sc = internal::SpanContextOf(context);
  if (!sc.IsValid()) return;
  char buf[kTraceParentSize];
  buf[0] = '0';
  buf[1] = '0';
  buf[2] = '-';
  internal::EncodeHexId(sc.trace_id(), buf + 3);
  buf[35] = '-';
  internal::EncodeHexId(sc.span_id(), buf + 36);
  buf[52] = '-';
  uint8_t flags = sc.trace_flags().bits() & (TraceFlags::kSampled | TraceFlags::kRandom);
  buf[53] = api::trace::internal::kHexDigits[flags >> 4];
  buf[54] = api::trace::internal::kHexDigits[flags & 0xf];
  carrier.Set(kTraceParent, std::string_view(buf, kTraceParentSize));
  if (!sc.trace_state().empty()) {
    try {
      std::string state;
      SerializeTraceState(sc.trace_state(), state);
      if (!state.empty()) carrier.Set(kTraceState, state);
    } catch (...) {
    }
  }
}

api::Context TraceContextPropagator::Extract(
    const api::Context& context, const api::propagation::TextMapGetter& carrier) const noexcept {
  std::string_view traceparent;
  int count = 0;
  carrier.GetAll(kTraceParent, [&](std::string_view v) {
    traceparent = v;
    return ++count < 2;
  });
  // More than one traceparent header: ignore them all.
  if (count != 1) return context;
  TraceId trace_id;
  SpanId span_id;
  uint8_t flags = 0;
  if (!ParseTraceParent(internal::TrimOws(traceparent), trace_id, span_id, flags)) return context;
  try {
    std::shared_ptr<const TraceState> state;
    std::string_view first_state;
    std::string combined;
    int states = 0;
    carrier.GetAll(kTraceState, [&](std::string_view v) {
      if (states++ == 0) {
        first_state = v;
      } else {
        // Several tracestate headers are one list, joined with ',' (RFC 9110 section 5.3).
        if (states == 2) combined.assign(first_state);
        combined.append(1, ',').append(v);
      }
      return true;
    });
    if (states > 0) {
      auto parsed = TraceState::FromHeader(states == 1 ? first_state : std::string_view(combined));
      if (!parsed->empty()) state = std::move(parsed);
    }
    return internal::WithRemoteSpan(
        context, SpanContext(trace_id, span_id, TraceFlags(flags), true, std::move(state)));
  } catch (...) {
    return context;
  }
}

}  // namespace adot::sdk::propagation
