#include "adot/sdk/propagation/jaeger.h"

#include <string>

#include "adot/api/baggage.h"
#include "sdk/propagation/util.h"

namespace adot::sdk::propagation {

namespace {

using api::trace::SpanContext;
using api::trace::SpanId;
using api::trace::TraceFlags;
using api::trace::TraceId;
using internal::TrimOws;

constexpr uint8_t kJaegerSampled = 0x01;

// RFC 3986 unreserved characters: everything else in a baggage value is percent-encoded.
struct Unreserved {
  bool keep[256];
  constexpr Unreserved() : keep() {
    for (int c = 0; c < 256; ++c)
      keep[c] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                c == '-' || c == '_' || c == '.' || c == '~';
  }
};
constexpr Unreserved kUnreserved{};

// {trace-id}:{span-id}:{parent-span-id}:{flags}; the value may arrive URL-encoded (%3A).
api::Context ExtractTrace(const api::Context& context, std::string_view raw) {
  std::string decoded;
  std::string_view v = TrimOws(raw);
  if (v.find('%') != std::string_view::npos) {
    internal::PercentDecodeUtf8(v, decoded);
    v = decoded;
  }
  std::string_view parts[4];
  size_t count = 0, pos = 0;
  while (pos <= v.size()) {
    if (count == 4) return context;
    size_t colon = v.find(':', pos);
    if (colon == std::string_view::npos) colon = v.size();
    parts[count++] = v.substr(pos, colon - pos);
    pos = colon + 1;
  }
  if (count != 4) return context;
  // Jaeger clients drop leading zeros: ids are left-padded.
  TraceId trace_id = internal::PaddedIdFromHex<16>(parts[0]);
  SpanId span_id = internal::PaddedIdFromHex<8>(parts[1]);
  if (!trace_id.IsValid() || !span_id.IsValid()) return context;
  std::string_view flags = parts[3];
  if (flags.empty() || flags.size() > 2 || !internal::AllHex(flags)) return context;
  int f = 0;
  for (char c : flags) f = f << 4 | api::trace::internal::HexValue(c);
  return internal::WithRemoteSpan(
      context, SpanContext(trace_id, span_id,
                           TraceFlags((f & kJaegerSampled) ? TraceFlags::kSampled : 0), true));
}

}  // namespace

void JaegerPropagator::Inject(const api::Context& context,
                              api::propagation::TextMapSetter& carrier) const noexcept {
  const SpanContext& sc = internal::SpanContextOf(context);
  if (sc.IsValid()) {
    // {32 hex}:{16 hex}:0:{1|0} (the parent span id is deprecated: always 0).
    char buf[32 + 1 + 16 + 3 + 1];
    internal::EncodeHexId(sc.trace_id(), buf);
    buf[32] = ':';
    internal::EncodeHexId(sc.span_id(), buf + 33);
    buf[49] = ':';
    buf[50] = '0';
    buf[51] = ':';
    buf[52] = sc.IsSampled() ? '1' : '0';
    carrier.Set(kHeader, std::string_view(buf, sizeof(buf)));
  }
  const auto* baggage =
      context.GetValuePtr<api::baggage::Baggage>(api::baggage::BaggageContextKey());
  if (!baggage || baggage->empty()) return;
  try {
    std::string key, value;
    for (const auto& e : *baggage) {
      if (!internal::IsToken(e.key)) continue;
      key.assign(kBaggagePrefix).append(e.key);
      value.clear();
      internal::PercentEncode(e.value, kUnreserved.keep, value);
      carrier.Set(key, value);
    }
  } catch (...) {
  }
}

api::Context JaegerPropagator::Extract(const api::Context& context,
                                       const api::propagation::TextMapGetter& carrier) const noexcept {
  try {
    api::Context result = context;
    if (auto header = carrier.Get(kHeader)) result = ExtractTrace(context, *header);
    std::shared_ptr<const api::baggage::Baggage> baggage;
    carrier.Keys([&](std::string_view key) {
      if (key.size() <= kBaggagePrefix.size() ||
          !api::propagation::internal::EqualsIgnoreCase(key.substr(0, kBaggagePrefix.size()),
                                                         kBaggagePrefix))
        return true;
      auto value = carrier.Get(key);
      if (!value) return true;
      std::string decoded;
      internal::PercentDecodeUtf8(TrimOws(*value), decoded);
      if (!baggage) baggage = api::baggage::GetBaggage(result);
      baggage = baggage->Set(key.substr(kBaggagePrefix.size()), decoded);
      return true;
    });
    if (baggage) result = api::baggage::ContextWithBaggage(result, std::move(baggage));
    return result;
  } catch (...) {
    return context;
  }
}

}  // namespace adot::sdk::propagation
