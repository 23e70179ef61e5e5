// Fork handling for the metrics SDK: one pthread_atfork registration for every provider and
// periodic reader alive.
#pragma once

#include <memory>

namespace adot::sdk::metrics::internal {

class ForkAware {
 public:
  virtual ~ForkAware() = default;
  virtual void PrepareFork() = 0;
  virtual void ParentAfterFork() = 0;
  virtual void ChildAfterFork() = 0;
};

// Registers object for the fork hooks until it is destroyed.
void RegisterForFork(const std::shared_ptr<ForkAware>& object);

}  // namespace adot::sdk::metrics::internal
