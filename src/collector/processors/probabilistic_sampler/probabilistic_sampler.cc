#include "collector/processors/probabilistic_sampler/probabilistic_sampler.h"

namespace adot::collector {
namespace {

constexpr uint32_t kBuckets = 0x4000;

struct SamplerConfig : ComponentConfig {
  double sampling_percentage = 0;
  uint32_t hash_seed = 0;
};

std::unique_ptr<ComponentConfig> Parse(ConfigReader& r) {
  auto c = std::make_unique<SamplerConfig>();
  c->sampling_percentage = r.Double("sampling_percentage", 0);
  if (c->sampling_percentage < 0 || c->sampling_percentage > 100)
    r.Error("sampling_percentage", "must be between 0 and 100");
  c->hash_seed = static_cast<uint32_t>(r.Int("hash_seed", 0, 0, UINT32_MAX));
  std::string mode = r.String("mode", "hash_seed");
  if (mode != "hash_seed") r.Error("mode", "only hash_seed is supported yet, got \"" + mode + "\"");
  r.Bool("fail_closed", true);
  std::string source = r.String("attribute_source", "traceID");
  if (source != "traceID") r.Error("attribute_source", "only traceID is supported yet");
  r.Finish();
  return c;
}

class Sampler : public Processor {
 public:
  Sampler(const SamplerConfig& c, std::shared_ptr<Consumer> next)
      : seed_(c.hash_seed),
        threshold_(static_cast<uint32_t>(c.sampling_percentage * (kBuckets / 100.0))),
        next_(std::move(next)) {}
  bool MutatesData() const override { return true; }

  Status Consume(PData data) override {
    if (threshold_ >= kBuckets) return next_->Consume(std::move(data));
    if (data.read_only()) data = data.Clone();
    auto keep = [&](const std::string& tid) { return SamplingBucket(seed_, tid) < threshold_; };
    if (auto* t = data.signal() == Signal::kTraces ? data.MutableTraces() : nullptr) {
      auto* rss = t->mutable_resource_spans();
      for (int r = rss->size() - 1; r >= 0; --r) {
        auto* sss = rss->Mutable(r)->mutable_scope_spans();
        for (int s = sss->size() - 1; s >= 0; --s) {
          auto* spans = sss->Mutable(s)->mutable_spans();
          int out = 0;
          for (int i = 0; i < spans->size(); ++i)
            if (keep(spans->Get(i).trace_id())) spans->SwapElements(out++, i);
          spans->DeleteSubrange(out, spans->size() - out);
          if (spans->empty()) sss->DeleteSubrange(s, 1);
        }
        if (sss->empty()) rss->DeleteSubrange(r, 1);
      }
    } else if (auto* l = data.signal() == Signal::kLogs ? data.MutableLogs() : nullptr) {
      auto* rls = l->mutable_resource_logs();
      for (int r = rls->size() - 1; r >= 0; --r) {
        auto* sls = rls->Mutable(r)->mutable_scope_logs();
        for (int s = sls->size() - 1; s >= 0; --s) {
          auto* recs = sls->Mutable(s)->mutable_log_records();
          int out = 0;
          for (int i = 0; i < recs->size(); ++i)
            if (keep(recs->Get(i).trace_id())) recs->SwapElements(out++, i);
          recs->DeleteSubrange(out, recs->size() - out);
          if (recs->empty()) sls->DeleteSubrange(s, 1);
        }
        if (sls->empty()) rls->DeleteSubrange(r, 1);
      }
    }
    data.MarkModified();
    if (data.ItemCount() == 0) return Status::Ok();
    return next_->Consume(std::move(data));
  }

 private:
  uint32_t seed_;
  uint32_t threshold_;
  std::shared_ptr<Consumer> next_;
};

}  // namespace

uint32_t SamplingBucket(uint32_t seed, std::string_view trace_id) {
  uint32_t h = 2166136261u;
  auto mix = [&](unsigned char c) {
    h ^= c;
    h *= 16777619u;
  };
  for (int i = 0; i < 4; ++i) mix(static_cast<unsigned char>(seed >> (8 * i)));
  for (char c : trace_id) mix(static_cast<unsigned char>(c));
  return h & (kBuckets - 1);
}

Factory ProbabilisticSamplerProcessorFactory() {
  Factory f;
  f.kind = Kind::kProcessor;
  f.type = "probabilistic_sampler";
  f.stability = "alpha";
  f.signals = {Signal::kTraces, Signal::kLogs};
  f.parse = Parse;
  f.create_processor = [](const ComponentConfig& c, const CreateSettings&,
                          std::shared_ptr<Consumer> next) -> std::shared_ptr<Processor> {
    return std::make_shared<Sampler>(static_cast<const SamplerConfig&>(c), std::move(next));
  };
  return f;
}

}  // namespace adot::collector
