#include "sdk/trace/tracer.h"

#include <time.h>

#include <mutex>

#include "sdk/common/thread_cache.h"
#include "sdk/trace/ids.h"
#include "sdk/trace/span_data_pool.h"

namespace adot::sdk::trace {

using api::trace::SpanContext;
using api::trace::StatusCode;
using api::trace::TraceFlags;

uint64_t NowUnixNano() noexcept {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

namespace {

// Copies attributes within the given limits; returns how many were dropped.
uint32_t CopyAttributes(api::AttributeView in, OwnedAttributes& out, size_t max_count,
                        size_t max_length) {
  uint32_t dropped = 0;
  out.reserve(std::min(in.size(), max_count));
  for (const auto& kv : in) {
    if (!SetOwnedAttribute(out, kv.key, kv.value, max_count, max_length)) ++dropped;
  }
  return dropped;
}

constinit const api::Context kEmptyContext;
constinit const SpanContext kInvalidContext;

}  // namespace

Tracer::Tracer(std::shared_ptr<ProviderState> state, InstrumentationScope scope) {
  auto shared = std::make_shared<TracerShared>();
  shared->scope = std::move(scope);
  shared->resource = state->resource;
  shared->provider = std::move(state);
  shared_ = std::move(shared);
  state_ = shared_->provider.get();
}

namespace {

const api::Context& ParentContext(const api::trace::StartSpanOptions& options) noexcept {
  if (options.root) return kEmptyContext;
  return options.parent ? *options.parent : api::internal::CurrentContextSlot();
}

// The parent span's context (possibly invalid), or the invalid context when there is no span.
const SpanContext& ParentSpanContext(const api::Context& parent_context) noexcept {
  if (parent_context.empty()) return kInvalidContext;
  const auto* span = parent_context.GetValuePtr<api::trace::Span>(api::trace::SpanContextKey());
  return span ? span->GetContext() : kInvalidContext;
}

// A dropped span: only its SpanContext, in a block from the thread's cache.
[[gnu::always_inline]] inline api::trace::SpanPtr NonRecording(SpanContext context) noexcept {
  return std::allocate_shared<api::trace::NonRecordingSpan>(
      sdk::internal::ThreadCacheAllocator<api::trace::NonRecordingSpan>(), std::move(context));
}

}  // namespace

api::trace::SpanPtr Tracer::StartSpan(std::string_view name, api::AttributeView attributes,
                                      const api::trace::StartSpanOptions& options) noexcept {
  const ProviderState& state = *state_;
  if (!state.builtin_sampler_and_ids) [[unlikely]] return StartSpanGeneral(name, attributes, options);
  if (state.shut_down.load(std::memory_order_relaxed)) [[unlikely]] return api::trace::InvalidSpan();

  // A built-in sampler with built-in ids: the decision is a threshold on the trace id, ids have no
  // side effects, and a dropped span needs nothing but its SpanContext.
  const api::Context& parent_context = ParentContext(options);
  const SpanContext& parent = ParentSpanContext(parent_context);
  api::trace::TraceId trace_id;
  api::trace::SpanId span_id;
  uint8_t flags;
  if (!parent.IsValid()) {
    if (state.id_kind == internal::IdGeneratorKind::kRandom) {
      internal::RandomTraceAndSpanId(trace_id, span_id);
    } else {
      trace_id = internal::XRayTraceId();
      span_id = internal::RandomSpanId();
    }
    flags = TraceFlags::kRandom;  // both built-in generators' trace ids are random (W3C Level 2)
  } else {
    trace_id = parent.trace_id();
    span_id = internal::RandomSpanId();
    flags = parent.trace_flags().bits() & TraceFlags::kRandom;
  }
  if (!state.builtin_sampling.ShouldSample(parent, trace_id)) {
    return NonRecording(
        SpanContext(trace_id, span_id, TraceFlags(flags), false, parent.trace_state_ptr()));
  }
  return StartRecording(name, attributes, options, parent_context, parent,
                        SpanContext(trace_id, span_id, TraceFlags(flags | TraceFlags::kSampled),
                                    false, parent.trace_state_ptr()),
                        nullptr);
}

api::trace::SpanPtr Tracer::StartSpanGeneral(std::string_view name, api::AttributeView attributes,
                                             const api::trace::StartSpanOptions& options) noexcept {
  ProviderState& state = *state_;
  if (state.shut_down.load(std::memory_order_relaxed)) return api::trace::InvalidSpan();

  const api::Context& parent_context = ParentContext(options);
  const SpanContext& parent = ParentSpanContext(parent_context);
  const bool has_parent = parent.IsValid();

  // The generator is called in the specified order: trace id, sampler, span id.
  const internal::IdGeneratorKind id_kind = state.id_kind;
  IdGenerator& ids = *state.id_generator;
  api::trace::TraceId trace_id;
  if (has_parent) {
    trace_id = parent.trace_id();
  } else if (id_kind == internal::IdGeneratorKind::kRandom) {
    trace_id = internal::RandomTraceId();
  } else if (id_kind == internal::IdGeneratorKind::kXRay) {
    trace_id = internal::XRayTraceId();
  } else {
    trace_id = ids.GenerateTraceId();
  }
  SamplingResult sampling;
  if (state.sampler_is_builtin) {
    sampling.decision = state.builtin_sampling.ShouldSample(parent, trace_id)
                            ? Decision::kRecordAndSample
                            : Decision::kDrop;
  } else {
    sampling = state.sampler->ShouldSample(parent_context, parent, trace_id, name, options.kind,
                                           attributes, options.links);
  }
  const api::trace::SpanId span_id =
      id_kind == internal::IdGeneratorKind::kCustom ? ids.GenerateSpanId() : internal::RandomSpanId();

  uint8_t flags = 0;
  if (sampling.decision == Decision::kRecordAndSample) flags |= TraceFlags::kSampled;
  // Level 2: keep the parent's random bit; for a new trace, say whether our ids are random.
  if (has_parent ? parent.trace_flags().IsRandom()
                 : (id_kind != internal::IdGeneratorKind::kCustom || ids.TraceIdsAreRandom())) {
    flags |= TraceFlags::kRandom;
  }
  auto trace_state =
      sampling.replace_trace_state ? std::move(sampling.trace_state) : parent.trace_state_ptr();
  SpanContext context(trace_id, span_id, TraceFlags(flags), false, std::move(trace_state));
  if (sampling.decision == Decision::kDrop) return NonRecording(std::move(context));
  return StartRecording(name, attributes, options, parent_context, parent, std::move(context),
                        &sampling.attributes);
}

api::trace::SpanPtr Tracer::StartRecording(std::string_view name, api::AttributeView attributes,
                                           const api::trace::StartSpanOptions& options,
                                           const api::Context& parent_context,
                                           const SpanContext& parent, SpanContext context,
                                           const OwnedAttributes* sampler_attributes) noexcept {
  ProviderState& state = *state_;
  const SpanLimits& limits = state.limits;
  auto data = internal::AcquireSpanData();
  data->trace_id = context.trace_id();
  data->span_id = context.span_id();
  if (parent.IsValid()) {
    data->parent_span_id = parent.span_id();
    data->parent_is_remote = parent.IsRemote();
  }
  data->flags = context.trace_flags();
  data->trace_state = context.trace_state_ptr();
  data->name.assign(name);
  data->kind = options.kind;
  data->start_time_unix_nano = options.start_time_unix_nano ? options.start_time_unix_nano
                                                            : NowUnixNano();
  const bool sampler_added = sampler_attributes && !sampler_attributes->empty();
  if (!attributes.empty() || sampler_added) {
    data->dropped_attributes_count = CopyAttributes(attributes, data->attributes,
                                                    limits.attribute_count,
                                                    limits.attribute_value_length);
    if (sampler_added) {
      for (const auto& kv : *sampler_attributes) {
        // Sampler attributes are already owned; re-check the limits on insertion.
        bool stored = false;
        for (auto& existing : data->attributes) {
          if (existing.key == kv.key) {
            existing.value = kv.value;
            stored = true;
            break;
          }
        }
        if (!stored) {
          if (data->attributes.size() < limits.attribute_count) {
            data->attributes.push_back(kv);
          } else {
            ++data->dropped_attributes_count;
          }
        }
      }
    }
  }
  data->instrumentation = shared_;

  auto span = std::allocate_shared<Span>(sdk::internal::ThreadCacheAllocator<Span>(),
                                        std::move(data), std::move(context));
  for (const auto& link : options.links) {
    span->AddLink(link.context, link.attributes);
  }
  for (const auto& processor : state.processors) processor->OnStart(*span, parent_context);
  return span;
}

void Span::SetAttribute(std::string_view key, const api::AttributeValue& value) noexcept {
  std::lock_guard<SpinLock> lock(lock_);
  if (!data_) return;
  const SpanLimits& limits = state().limits;
  if (!SetOwnedAttribute(data_->attributes, key, value, limits.attribute_count,
                         limits.attribute_value_length)) {
    ++data_->dropped_attributes_count;
  }
}

void Span::AddEvent(std::string_view name, api::AttributeView attributes,
                    uint64_t time_unix_nano) noexcept {
  uint64_t time = time_unix_nano ? time_unix_nano : NowUnixNano();
  std::lock_guard<SpinLock> lock(lock_);
  if (!data_) return;
  const SpanLimits& limits = state().limits;
  if (data_->events.size() >= limits.event_count) {
    ++data_->dropped_events_count;
    return;
  }
  EventData& event = data_->events.emplace_back();
  event.name.assign(name);
  event.time_unix_nano = time;
  event.dropped_attributes_count = CopyAttributes(attributes, event.attributes,
                                                  limits.event_attribute_count,
                                                  limits.attribute_value_length);
}

void Span::AddLinkLocked(const SpanContext& context, api::AttributeView attributes) {
  if (!context.IsValid()) return;  // links to invalid contexts carry nothing (spec)
  const SpanLimits& limits = state().limits;
  if (data_->links.size() >= limits.link_count) {
    ++data_->dropped_links_count;
    return;
  }
  LinkData& link = data_->links.emplace_back();
  link.context = context;
  link.dropped_attributes_count = CopyAttributes(attributes, link.attributes,
                                                 limits.link_attribute_count,
                                                 limits.attribute_value_length);
}

void Span::AddLink(const SpanContext& context, api::AttributeView attributes) noexcept {
  std::lock_guard<SpinLock> lock(lock_);
  if (data_) AddLinkLocked(context, attributes);
}

void Span::SetStatus(StatusCode code, std::string_view description) noexcept {
  std::lock_guard<SpinLock> lock(lock_);
  // Unset is ignored, and Ok is final (specification "Set Status").
  if (!data_ || code == StatusCode::kUnset || data_->status_code == StatusCode::kOk) return;
  data_->status_code = code;
  if (code == StatusCode::kError) {
    data_->status_message.assign(description);
  } else {
    data_->status_message.clear();
  }
}

void Span::UpdateName(std::string_view name) noexcept {
  std::lock_guard<SpinLock> lock(lock_);
  if (data_) data_->name.assign(name);
}

void Span::RecordException(std::string_view type, std::string_view message,
                           std::string_view stacktrace, api::AttributeView attributes,
                           uint64_t time_unix_nano) noexcept {
  if (!IsRecording()) return;
  api::KeyValue kvs[3];
  size_t n = 0;
  if (!type.empty()) kvs[n++] = {"exception.type", type};
  if (!message.empty()) kvs[n++] = {"exception.message", message};
  if (!stacktrace.empty()) kvs[n++] = {"exception.stacktrace", stacktrace};
  std::vector<api::KeyValue> all(kvs, kvs + n);
  all.insert(all.end(), attributes.begin(), attributes.end());
  AddEvent("exception", api::AttributeView(all), time_unix_nano);
}

void Span::End(uint64_t end_time_unix_nano) noexcept {
  std::unique_ptr<SpanData> data;
  {
    std::lock_guard<SpinLock> lock(lock_);
    data = std::move(data_);
  }
  if (!data) return;  // already ended
  data->end_time_unix_nano = end_time_unix_nano ? end_time_unix_nano : NowUnixNano();
  // The tracer (and through it the provider state) stays alive while data references it.
  const auto& processors =
      static_cast<const TracerShared&>(*data->instrumentation).provider->processors;
  const size_t n = processors.size();
  for (size_t i = 0; i + 1 < n; ++i) processors[i]->OnEnd(std::make_unique<SpanData>(*data));
  if (n > 0) processors[n - 1]->OnEnd(std::move(data));
}

bool Span::IsRecording() const noexcept {
  std::lock_guard<SpinLock> lock(lock_);
  return data_ != nullptr;
}

}  // namespace adot::sdk::trace
