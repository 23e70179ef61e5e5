#include "adot/sdk/propagation/b3.h"

#include <cstring>

#include "sdk/propagation/util.h"

namespace adot::sdk::propagation {

namespace {

using api::trace::SpanContext;
using api::trace::SpanId;
using api::trace::TraceFlags;
using api::trace::TraceId;
using internal::TrimOws;

// B3 ids are lower hex; trace ids are 16 or 32 digits (64-bit ids are left-padded with zeros).
TraceId ParseTraceId(std::string_view s) noexcept {
  if ((s.size() != 32 && s.size() != 16) || !internal::AllLowerHex(s)) return {};
  return internal::PaddedIdFromHex<16>(s);
}
SpanId ParseSpanId(std::string_view s) noexcept {
  if (s.size() != 16 || !internal::AllLowerHex(s)) return {};
  return SpanId::FromHex(s);
}

api::Context WithSpan(const api::Context& context, TraceId trace_id, SpanId span_id, bool sampled,
                      bool debug) {
  api::Context result = internal::WithRemoteSpan(
      context, SpanContext(trace_id, span_id, TraceFlags(sampled ? TraceFlags::kSampled : 0), true));
  if (debug) {
    static const std::shared_ptr<const bool> kTrue = std::make_shared<const bool>(true);
    result = result.SetValue<bool>(api::propagation::internal::B3DebugContextKey(), kTrue);
  }
  return result;
}

// b3: {TraceId}-{SpanId}[-{SamplingState}[-{ParentSpanId}]]
api::Context ExtractSingle(const api::Context& context, std::string_view v) {
  v = TrimOws(v);
  std::string_view parts[5];
  size_t count = 0, pos = 0;
  while (pos <= v.size()) {
    if (count == 5) return context;
    size_t dash = v.find('-', pos);
    if (dash == std::string_view::npos) dash = v.size();
    parts[count++] = v.substr(pos, dash - pos);
    pos = dash + 1;
  }
  // "b3: 0" (deny) or a sampling state alone carries no ids: nothing to continue.
  if (count < 2 || count > 4) return context;
  TraceId trace_id = ParseTraceId(parts[0]);
  SpanId span_id = ParseSpanId(parts[1]);
  if (!trace_id.IsValid() || !span_id.IsValid()) return context;
  bool sampled = false, debug = false;
  if (count >= 3) {
    std::string_view state = parts[2];
    if (state == "1") {
      sampled = true;
    } else if (state == "d") {
      sampled = debug = true;
    } else if (state != "0") {
      return context;
    }
  }
  if (count == 4 && !ParseSpanId(parts[3]).IsValid()) return context;
  return WithSpan(context, trace_id, span_id, sampled, debug);
}

api::Context ExtractMulti(const api::Context& context,
                          const api::propagation::TextMapGetter& carrier) {
  auto tid = carrier.Get(B3Propagator::kTraceIdHeader);
  auto sid = carrier.Get(B3Propagator::kSpanIdHeader);
  if (!tid || !sid) return context;
  TraceId trace_id = ParseTraceId(TrimOws(*tid));
  SpanId span_id = ParseSpanId(TrimOws(*sid));
  if (!trace_id.IsValid() || !span_id.IsValid()) return context;
  bool sampled = false, debug = false;
  if (auto flags = carrier.Get(B3Propagator::kFlagsHeader); flags && TrimOws(*flags) == "1") {
    sampled = debug = true;
  } else if (auto s = carrier.Get(B3Propagator::kSampledHeader)) {
    std::string_view v = TrimOws(*s);
    if (v == "1" || api::propagation::internal::EqualsIgnoreCase(v, "true")) {
      sampled = true;
    } else if (v == "0" || api::propagation::internal::EqualsIgnoreCase(v, "false")) {
      sampled = false;
    } else {
      return context;
    }
  }
  return WithSpan(context, trace_id, span_id, sampled, debug);
}

}  // namespace

void B3Propagator::Inject(const api::Context& context,
                          api::propagation::TextMapSetter& carrier) const noexcept {
  const SpanContext& sc = internal::SpanContextOf(context);
  if (!sc.IsValid()) return;
  const bool* debug_value =
      context.GetValuePtr<bool>(api::propagation::internal::B3DebugContextKey());
  const bool debug = debug_value && *debug_value;
  char tid[32], sid[16];
  internal::EncodeHexId(sc.trace_id(), tid);
  internal::EncodeHexId(sc.span_id(), sid);
  if (encoding_ == InjectEncoding::kSingleHeader) {
    char buf[32 + 1 + 16 + 2];
    std::memcpy(buf, tid, 32);
    buf[32] = '-';
    std::memcpy(buf + 33, sid, 16);
    buf[49] = '-';
    buf[50] = debug ? 'd' : sc.IsSampled() ? '1' : '0';
    carrier.Set(kSingleHeader, std::string_view(buf, sizeof(buf)));
    return;
  }
  carrier.Set(kTraceIdHeader, std::string_view(tid, 32));
  carrier.Set(kSpanIdHeader, std::string_view(sid, 16));
  if (debug) {
    carrier.Set(kFlagsHeader, "1");  // debug implies sampled: X-B3-Sampled is not sent with it
  } else {
    carrier.Set(kSampledHeader, sc.IsSampled() ? "1" : "0");
  }
}

api::Context B3Propagator::Extract(const api::Context& context,
                                   const api::propagation::TextMapGetter& carrier) const noexcept {
  try {
    // The single header takes precedence when present, even when it is invalid.
    if (auto single = carrier.Get(kSingleHeader); single && !TrimOws(*single).empty())
      return ExtractSingle(context, *single);
    return ExtractMulti(context, carrier);
  } catch (...) {
    return context;
  }
}

std::vector<std::string_view> B3Propagator::Fields() const {
  if (encoding_ == InjectEncoding::kSingleHeader) return {kSingleHeader};
  return {kTraceIdHeader, kSpanIdHeader, kSampledHeader, kFlagsHeader};
}

}  // namespace adot::sdk::propagation
