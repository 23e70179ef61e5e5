// The public detector functions, the OTEL_RESOURCE_DETECTORS registry and the parallel run.
#include <cstdlib>
#include <mutex>
#include <thread>

#include "sdk/resource/detectors/detector_support.h"

namespace adot::sdk::resource {

namespace {

using internal::Context;

// No detector may throw out of here (the only exception possible is std::bad_alloc).
template <typename T, typename Fn>
T Guarded(Fn&& fn) noexcept {
  try {
    return fn();
  } catch (...) {
    return T();
  }
}

struct Detector {
  std::string_view name;
  bool (*cheap_check)(const Context&);  // null: always applicable
  Resource (*detect)(const Context&);
  bool uses_network;
};

// Merge order: most specific last (ECS and EKS run on EC2; Beanstalk too).
const Detector kDetectors[] = {
    {"env", nullptr, [](const Context&) { return Resource::FromEnvironment(); }, false},
    {"host", nullptr, [](const Context&) { return Resource::Host(); }, false},
    {"os", nullptr, [](const Context&) { return Resource::Os(); }, false},
    {"process", nullptr, [](const Context&) { return Resource::Process(); }, false},
    {"container", nullptr, &internal::DetectContainer, false},
    {"aws_ec2", &internal::MayBeOnAwsEc2, &internal::DetectAwsEc2, true},
    {"aws_elastic_beanstalk", &internal::MayBeOnAwsElasticBeanstalk,
     &internal::DetectAwsElasticBeanstalk, false},
    {"aws_ecs", &internal::MayBeOnAwsEcs, &internal::DetectAwsEcs, true},
    {"aws_eks", &internal::MayBeOnAwsEks, &internal::DetectAwsEks, true},
    {"aws_lambda", &internal::IsOnAwsLambda, &internal::DetectAwsLambda, false},
};

bool Check(const DetectorOptions& options, bool (*check)(const Context&)) noexcept {
  return Guarded<bool>([&] { return check(Context::From(options)); });
}

Resource Run(const DetectorOptions& options, bool (*check)(const Context&),
             Resource (*detect)(const Context&)) noexcept {
  return Guarded<Resource>([&] {
    Context ctx = Context::From(options);
    return check(ctx) ? detect(ctx) : Resource();
  });
}

std::mutex autoconfigure_mutex;
bool autoconfigure_options_set = false;
DetectorOptions& AutoconfigureOptionsStorage() {
  static DetectorOptions options;
  return options;
}

}  // namespace

bool MayBeOnAwsEc2(const DetectorOptions& o) { return Check(o, &internal::MayBeOnAwsEc2); }
bool MayBeOnAwsEcs(const DetectorOptions& o) { return Check(o, &internal::MayBeOnAwsEcs); }
bool MayBeOnAwsEks(const DetectorOptions& o) { return Check(o, &internal::MayBeOnAwsEks); }
bool IsOnAwsLambda(const DetectorOptions& o) { return Check(o, &internal::IsOnAwsLambda); }
bool MayBeOnAwsElasticBeanstalk(const DetectorOptions& o) {
  return Check(o, &internal::MayBeOnAwsElasticBeanstalk);
}

Resource DetectContainer(const DetectorOptions& o) {
  return Guarded<Resource>([&] { return internal::DetectContainer(Context::From(o)); });
}
Resource DetectAwsEc2(const DetectorOptions& o) {
  return Run(o, &internal::MayBeOnAwsEc2, &internal::DetectAwsEc2);
}
Resource DetectAwsEcs(const DetectorOptions& o) {
  return Run(o, &internal::MayBeOnAwsEcs, &internal::DetectAwsEcs);
}
Resource DetectAwsEks(const DetectorOptions& o) {
  return Run(o, &internal::MayBeOnAwsEks, &internal::DetectAwsEks);
}
Resource DetectAwsLambda(const DetectorOptions& o) {
  return Run(o, &internal::IsOnAwsLambda, &internal::DetectAwsLambda);
}
Resource DetectAwsElasticBeanstalk(const DetectorOptions& o) {
  return Run(o, &internal::MayBeOnAwsElasticBeanstalk, &internal::DetectAwsElasticBeanstalk);
}

const std::vector<std::string_view>& DetectorNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const auto& d : kDetectors) v.push_back(d.name);
    return v;
  }();
  return names;
}

bool IsKnownDetector(std::string_view name) {
  if (name == "none") return true;
  for (const auto& d : kDetectors)
    if (d.name == name) return true;
  return false;
}

Resource DetectResources(const std::vector<std::string>& names, const DetectorOptions& options) {
  return Guarded<Resource>([&] {
    // One deadline for all: the detectors that get past their cheap check share the budget.
    Context ctx = Context::From(options);
    constexpr size_t kCount = std::size(kDetectors);
    Resource results[kCount];
    bool wanted[kCount] = {};
    std::vector<size_t> networked;
    for (size_t i = 0; i < kCount; ++i) {
      for (const auto& n : names) wanted[i] = wanted[i] || n == kDetectors[i].name;
      if (!wanted[i]) continue;
      const Detector& d = kDetectors[i];
      if (d.cheap_check != nullptr && !d.cheap_check(ctx)) continue;
      if (d.uses_network) {
        networked.push_back(i);
      } else {
        results[i] = d.detect(ctx);
      }
    }
    // The ones that call endpoints run in parallel (the last one on this thread).
    std::vector<std::thread> threads;
    threads.reserve(networked.size());  // no allocation failure once threads run
    for (size_t k = 0; k + 1 < networked.size(); ++k) {
      size_t i = networked[k];
      try {
        threads.emplace_back([&ctx, &results, i] {
          results[i] = Guarded<Resource>([&] { return kDetectors[i].detect(ctx); });
        });
      } catch (...) {
        results[i] = Guarded<Resource>([&] { return kDetectors[i].detect(ctx); });
      }
    }
    if (!networked.empty()) {
      size_t i = networked.back();
      results[i] = Guarded<Resource>([&] { return kDetectors[i].detect(ctx); });
    }
    for (auto& t : threads) t.join();

    Resource merged;
    for (size_t i = 0; i < kCount; ++i)
      if (wanted[i]) merged = merged.Merge(results[i]);
    return merged;
  });
}

void SetAutoconfigureDetectorOptions(DetectorOptions options) {
  std::lock_guard<std::mutex> lock(autoconfigure_mutex);
  AutoconfigureOptionsStorage() = std::move(options);
  autoconfigure_options_set = true;
}

DetectorOptions GetAutoconfigureDetectorOptions() {
  std::lock_guard<std::mutex> lock(autoconfigure_mutex);
  DetectorOptions options = AutoconfigureOptionsStorage();
  if (!autoconfigure_options_set) {
    // The deploy-time knob, for when the program does not set the options itself.
    if (const char* v = std::getenv("ADOT_RESOURCE_DETECTION_TIMEOUT_MS")) {
      char* end = nullptr;
      long long ms = std::strtoll(v, &end, 10);
      if (*v != '\0' && end != nullptr && *end == '\0' && ms > 0 && ms <= 60000) {
        options.timeout = std::chrono::milliseconds(ms);
      } else {
        internal::Warn("options", std::string("ADOT_RESOURCE_DETECTION_TIMEOUT_MS=\"") + v +
                                      "\" is not a number of milliseconds in 1..60000; using " +
                                      std::to_string(options.timeout.count()));
      }
    }
  }
  return options;
}

}  // namespace adot::sdk::resource
