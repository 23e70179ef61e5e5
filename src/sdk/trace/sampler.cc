#include "adot/sdk/trace/sampler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "adot/sdk/common/env.h"
#include "sdk/trace/builtin_sampler.h"

namespace adot::sdk::trace {

namespace {

using api::trace::SpanContext;

class ConstantSampler final : public Sampler {
 public:
  explicit ConstantSampler(bool on) : on_(on) {}
  SamplingResult ShouldSample(const api::Context&, const SpanContext&, const api::trace::TraceId&,
                              std::string_view, api::trace::SpanKind, api::AttributeView,
                              std::span<const api::trace::Link>) noexcept override {
    SamplingResult result;
    result.decision = on_ ? Decision::kRecordAndSample : Decision::kDrop;
    return result;
  }
  std::string GetDescription() const override { return on_ ? "AlwaysOnSampler" : "AlwaysOffSampler"; }
  uint64_t threshold() const noexcept { return on_ ? UINT64_MAX : 0; }

 private:
  bool on_;
};

class TraceIdRatioSampler final : public Sampler {
 public:
  explicit TraceIdRatioSampler(double ratio) : ratio_(std::clamp(ratio, 0.0, 1.0)) {
    // Compare the low 63 bits of the trace id against ratio * 2^63.
    threshold_ = ratio_ >= 1.0 ? UINT64_MAX
                               : static_cast<uint64_t>(ratio_ * 9223372036854775808.0);
  }
  SamplingResult ShouldSample(const api::Context&, const SpanContext&,
                              const api::trace::TraceId& trace_id, std::string_view,
                              api::trace::SpanKind, api::AttributeView,
                              std::span<const api::trace::Link>) noexcept override {
    uint64_t low = 0;
    for (int i = 8; i < 16; ++i) low = low << 8 | trace_id.data()[i];
    low &= 0x7fffffffffffffffULL;
    SamplingResult result;
    result.decision = (ratio_ >= 1.0 || low < threshold_) ? Decision::kRecordAndSample
                                                          : Decision::kDrop;
    return result;
  }
  std::string GetDescription() const override {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "TraceIdRatioBased{%.6f}", ratio_);
    return buf;
  }
  uint64_t threshold() const noexcept { return threshold_; }

 private:
  double ratio_;
  uint64_t threshold_;
};

class ParentBasedSampler final : public Sampler {
 public:
  ParentBasedSampler(std::shared_ptr<Sampler> root, ParentBasedOptions options)
      : root_(std::move(root)), options_(std::move(options)) {
    if (!options_.remote_parent_sampled) options_.remote_parent_sampled = CreateAlwaysOnSampler();
    if (!options_.remote_parent_not_sampled)
      options_.remote_parent_not_sampled = CreateAlwaysOffSampler();
    if (!options_.local_parent_sampled) options_.local_parent_sampled = CreateAlwaysOnSampler();
    if (!options_.local_parent_not_sampled)
      options_.local_parent_not_sampled = CreateAlwaysOffSampler();
  }
  SamplingResult ShouldSample(const api::Context& context, const SpanContext& parent,
                              const api::trace::TraceId& trace_id, std::string_view name,
                              api::trace::SpanKind kind, api::AttributeView attributes,
                              std::span<const api::trace::Link> links) noexcept override {
    Sampler* delegate;
    if (!parent.IsValid()) {
      delegate = root_.get();
    } else if (parent.IsRemote()) {
      delegate = parent.IsSampled() ? options_.remote_parent_sampled.get()
                                    : options_.remote_parent_not_sampled.get();
    } else {
      delegate = parent.IsSampled() ? options_.local_parent_sampled.get()
                                    : options_.local_parent_not_sampled.get();
    }
    return delegate->ShouldSample(context, parent, trace_id, name, kind, attributes, links);
  }
  std::string GetDescription() const override {
    return "ParentBased{root:" + root_->GetDescription() +
           ",remoteParentSampled:" + options_.remote_parent_sampled->GetDescription() +
           ",remoteParentNotSampled:" + options_.remote_parent_not_sampled->GetDescription() +
           ",localParentSampled:" + options_.local_parent_sampled->GetDescription() +
           ",localParentNotSampled:" + options_.local_parent_not_sampled->GetDescription() + "}";
  }
  const Sampler* root() const noexcept { return root_.get(); }
  const ParentBasedOptions& options() const noexcept { return options_; }

 private:
  std::shared_ptr<Sampler> root_;
  ParentBasedOptions options_;
};

std::string Lowercase(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

// OTEL_TRACES_SAMPLER_ARG as a ratio in [0, 1]; 1.0 (after a warning) when invalid.
double RatioFromEnvironment() {
  auto arg = env::GetString("OTEL_TRACES_SAMPLER_ARG");
  if (!arg) return 1.0;
  char* end = nullptr;
  double ratio = std::strtod(arg->c_str(), &end);
  if (end == arg->c_str() || *end != '\0' || !(ratio >= 0.0 && ratio <= 1.0)) {
    env::WarnInvalid("OTEL_TRACES_SAMPLER_ARG", *arg, "1.0");
    return 1.0;
  }
  return ratio;
}

// The threshold of a constant or ratio sampler.
bool LeafThreshold(const Sampler& sampler, uint64_t& out) noexcept {
  if (auto* constant = dynamic_cast<const ConstantSampler*>(&sampler)) {
    out = constant->threshold();
    return true;
  }
  if (auto* ratio = dynamic_cast<const TraceIdRatioSampler*>(&sampler)) {
    out = ratio->threshold();
    return true;
  }
  return false;
}

}  // namespace

bool internal::DescribeBuiltinSampler(const Sampler& sampler, BuiltinSampling& out) noexcept {
  BuiltinSampling s;
  if (auto* parent_based = dynamic_cast<const ParentBasedSampler*>(&sampler)) {
    const ParentBasedOptions& o = parent_based->options();
    if (!parent_based->root() || !LeafThreshold(*parent_based->root(), s.root) ||
        !LeafThreshold(*o.remote_parent_sampled, s.remote_parent_sampled) ||
        !LeafThreshold(*o.remote_parent_not_sampled, s.remote_parent_not_sampled) ||
        !LeafThreshold(*o.local_parent_sampled, s.local_parent_sampled) ||
        !LeafThreshold(*o.local_parent_not_sampled, s.local_parent_not_sampled)) {
      return false;
    }
  } else {
    if (!LeafThreshold(sampler, s.root)) return false;
    s.remote_parent_sampled = s.remote_parent_not_sampled = s.local_parent_sampled =
        s.local_parent_not_sampled = s.root;
  }
  out = s;
  return true;
}

std::unique_ptr<Sampler> CreateAlwaysOnSampler() { return std::make_unique<ConstantSampler>(true); }
std::unique_ptr<Sampler> CreateAlwaysOffSampler() {
  return std::make_unique<ConstantSampler>(false);
}
std::unique_ptr<Sampler> CreateTraceIdRatioSampler(double ratio) {
  if (std::isnan(ratio)) ratio = 0.0;
  return std::make_unique<TraceIdRatioSampler>(ratio);
}
std::unique_ptr<Sampler> CreateParentBasedSampler(std::shared_ptr<Sampler> root,
                                                  ParentBasedOptions options) {
  return std::make_unique<ParentBasedSampler>(std::move(root), std::move(options));
}

std::unique_ptr<Sampler> CreateSamplerFromEnvironment() {
  std::string name = Lowercase(env::GetString("OTEL_TRACES_SAMPLER").value_or("parentbased_always_on"));
  if (name == "always_on") return CreateAlwaysOnSampler();
  if (name == "always_off") return CreateAlwaysOffSampler();
  if (name == "traceidratio") return CreateTraceIdRatioSampler(RatioFromEnvironment());
  if (name == "parentbased_always_off") return CreateParentBasedSampler(CreateAlwaysOffSampler());
  if (name == "parentbased_traceidratio")
    return CreateParentBasedSampler(CreateTraceIdRatioSampler(RatioFromEnvironment()));
  if (name != "parentbased_always_on") {
    env::WarnInvalid("OTEL_TRACES_SAMPLER", name, "parentbased_always_on");
  }
  return CreateParentBasedSampler(CreateAlwaysOnSampler());
}

}  // namespace adot::sdk::trace
