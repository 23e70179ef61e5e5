#include "adot/sdk/propagation/xray.h"

#include <cstdlib>
#include <cstring>
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

constexpr std::string_view kRoot = "Root";
constexpr std::string_view kParent = "Parent";
constexpr std::string_view kSampled = "Sampled";
constexpr std::string_view kLineage = "Lineage";
constexpr size_t kRootSize = 35;  // 1-{8 hex}-{24 hex}

// Root=1-5759e988-bd862e3fe1be46a994272793 -> the 32-hex trace id. Invalid id on error.
TraceId ParseRoot(std::string_view root) noexcept {
  if (root.size() != kRootSize || root[0] != '1' || root[1] != '-' || root[10] != '-') return {};
  char hex[32];
  std::memcpy(hex, root.data() + 2, 8);
  std::memcpy(hex + 8, root.data() + 11, 24);
  TraceId id;
  if (!internal::DecodeHexId(hex, internal::kChars.any_hex, id)) return {};
  return id;
}

bool ParseDecimal(std::string_view s, int max, int& out) noexcept {
  if (s.empty() || s.size() > 5) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v > max) return false;
  out = v;
  return true;
}

}  // namespace

// Lineage (Lambda recursion detection): "counter:hash:loop" (counter 0..32767, hash 8 lower hex,
// loop 0..255, 12..18 characters, the form the Java propagator checks) or the older "hash:counter"
// seen in _X_AMZN_TRACE_ID (e.g. "12326a9d:0").
bool XrayPropagator::IsValidLineage(std::string_view lineage) noexcept {
  if (lineage.size() > 18) return false;
  size_t c1 = lineage.find(':');
  if (c1 == std::string_view::npos) return false;
  size_t c2 = lineage.find(':', c1 + 1);
  int n = 0;
  if (c2 == std::string_view::npos) {
    std::string_view hash = lineage.substr(0, c1);
    return hash.size() == 8 && internal::AllLowerHex(hash) &&
           ParseDecimal(lineage.substr(c1 + 1), 32767, n);
  }
  if (lineage.size() < 12 || lineage.find(':', c2 + 1) != std::string_view::npos) return false;
  std::string_view hash = lineage.substr(c1 + 1, c2 - c1 - 1);
  return ParseDecimal(lineage.substr(0, c1), 32767, n) && hash.size() == 8 &&
         internal::AllLowerHex(hash) && ParseDecimal(lineage.substr(c2 + 1), 255, n);
}

api::Context XrayPropagator::ExtractHeader(const api::Context& context,
                                           std::string_view header) noexcept {
  TraceId trace_id;
  SpanId span_id;
  int sampled = -1;  // -1 missing or "?"
  std::string_view lineage;
  size_t pos = 0;
  header = TrimOws(header);
  if (header.empty()) return context;
  // Fast path for the canonical form our inject and AWS services write,
  // "Root=1-{8}-{24};Parent={16};Sampled={0|1}": fixed offsets, then any further parts below.
  if (header.size() >= 74 && (header.size() == 74 || header[74] == ';') &&
      std::memcmp(header.data(), "Root=1-", 7) == 0 && header[15] == '-' &&
      std::memcmp(header.data() + 40, ";Parent=", 8) == 0 &&
      std::memcmp(header.data() + 64, ";Sampled=", 9) == 0 &&
      (header[73] == '0' || header[73] == '1')) {
    char hex[32];
    std::memcpy(hex, header.data() + 7, 8);
    std::memcpy(hex + 8, header.data() + 16, 24);
    if (!internal::DecodeHexId(hex, internal::kChars.any_hex, trace_id) || !trace_id.IsValid() ||
        !internal::DecodeHexId(header.data() + 48, internal::kChars.any_hex, span_id) ||
        !span_id.IsValid())
      return context;
    sampled = header[73] - '0';
    pos = 75;
  }
  while (pos <= header.size()) {
    size_t semi = header.find(';', pos);
    if (semi == std::string_view::npos) semi = header.size();
    std::string_view part = TrimOws(header.substr(pos, semi - pos));
    pos = semi + 1;
    if (part.empty()) continue;  // "a=1;;b=2" or a trailing ';'
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) return context;  // malformed: ignore the header
    std::string_view key = TrimOws(part.substr(0, eq)), value = TrimOws(part.substr(eq + 1));
    if (key == kRoot) {
      trace_id = ParseRoot(value);
      if (!trace_id.IsValid()) return context;
    } else if (key == kParent) {
      if (value.size() != 16 || !internal::DecodeHexId(value.data(), internal::kChars.any_hex, span_id) ||
          !span_id.IsValid())
        return context;
    } else if (key == kSampled) {
      if (value == "1") {
        sampled = 1;
      } else if (value == "0") {
        sampled = 0;
      } else if (value == "?") {
        sampled = -1;
      } else {
        return context;
      }
    } else if (key == kLineage) {
      if (IsValidLineage(value)) lineage = value;
    }
    // Self (added by load balancers) and any other key are ignored.
  }
  // Sampled=? or no Sampled: the caller leaves the decision to us. A context that says "not
  // sampled" would make a parent-based sampler drop the trace, so no parent is extracted and the
  // local sampler decides for a new trace (docs/propagation.md).
  const bool use_span = trace_id.IsValid() && span_id.IsValid() && sampled >= 0;
  if (!use_span && lineage.empty()) return context;
  try {
    // Keep a tracestate extracted earlier (e.g. by tracecontext): X-Ray has none of its own.
    SpanContext span_context;
    if (use_span) {
      span_context = SpanContext(trace_id, span_id,
                                 TraceFlags(sampled ? TraceFlags::kSampled : 0), true,
                                 internal::SpanContextOf(context).trace_state_ptr());
    }
    if (lineage.empty()) return internal::WithRemoteSpan(context, span_context);
    api::Context result = api::baggage::ContextWithBaggage(
        context, api::baggage::GetBaggage(context)->Set(kLineageBaggageKey, lineage));
    return use_span ? internal::WithRemoteSpan(result, span_context) : result;
  } catch (...) {
    return context;
  }
}

void XrayPropagator::Inject(const api::Context& context,
                            api::propagation::TextMapSetter& carrier) const noexcept {
  const SpanContext& sc = internal::SpanContextOf(context);
  if (!sc.IsValid()) return;
  // Root=1-{8}-{24};Parent={16};Sampled={1}  = 74 characters, then ;Lineage=...
  char buf[kMaxHeaderLength];
  char tid[32];
  internal::EncodeHexId(sc.trace_id(), tid);
  std::memcpy(buf, "Root=1-", 7);
  std::memcpy(buf + 7, tid, 8);
  buf[15] = '-';
  std::memcpy(buf + 16, tid + 8, 24);
  std::memcpy(buf + 40, ";Parent=", 8);
  internal::EncodeHexId(sc.span_id(), buf + 48);
  std::memcpy(buf + 64, sc.IsSampled() ? ";Sampled=1" : ";Sampled=0", 10);
  size_t n = 74;
  auto put = [&](std::string_view s) {
    std::memcpy(buf + n, s.data(), s.size());
    n += s.size();
  };
  const auto* baggage =
      context.GetValuePtr<api::baggage::Baggage>(api::baggage::BaggageContextKey());
  if (baggage) {
    std::string_view lineage;
    if (baggage->Get(kLineageBaggageKey, &lineage) && IsValidLineage(lineage) &&
        n + 9 + lineage.size() <= kMaxHeaderLength) {
      put(";Lineage=");
      put(lineage);
    }
  }
  carrier.Set(kHeader, std::string_view(buf, n));
}

api::Context XrayPropagator::Extract(const api::Context& context,
                                     const api::propagation::TextMapGetter& carrier) const noexcept {
  auto header = carrier.Get(kHeader);
  if (!header) return context;
  return ExtractHeader(context, *header);
}

XrayLambdaPropagator::XrayLambdaPropagator()
    : XrayLambdaPropagator([]() -> std::optional<std::string> {
        const char* v = std::getenv(kEnvironmentVariable);
        if (!v) return std::nullopt;
        return std::string(v);
      }) {}

XrayLambdaPropagator::XrayLambdaPropagator(EnvironmentReader reader)
    : reader_(std::move(reader)) {}

void XrayLambdaPropagator::Inject(const api::Context& context,
                                  api::propagation::TextMapSetter& carrier) const noexcept {
  xray_.Inject(context, carrier);
}

api::Context XrayLambdaPropagator::Extract(
    const api::Context& context, const api::propagation::TextMapGetter& carrier) const noexcept {
  api::Context xray_context = xray_.Extract(context, carrier);
  if (internal::SpanContextOf(context).IsValid() || !reader_) return xray_context;
  try {
    std::optional<std::string> env = reader_();
    if (!env || env->empty()) return xray_context;
    return XrayPropagator::ExtractHeader(xray_context, *env);
  } catch (...) {
    return xray_context;
  }
}

}  // namespace adot::sdk::propagation
