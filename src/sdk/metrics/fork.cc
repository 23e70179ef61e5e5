#include "sdk/metrics/fork.h"

#include <pthread.h>

#include <algorithm>
#include <mutex>
#include <vector>

#include "sdk/metrics/sync.h"

namespace adot::sdk::metrics::internal {

namespace {

std::mutex registry_mutex;
std::vector<std::weak_ptr<ForkAware>>& Registry() {
  static auto* registry = new std::vector<std::weak_ptr<ForkAware>>();
  return *registry;
}
// The objects locked by PrepareFork, kept alive until the fork is over.
std::vector<std::shared_ptr<ForkAware>>& Locked() {
  static auto* locked = new std::vector<std::shared_ptr<ForkAware>>();
  return *locked;
}

void PrepareFork() {
  registry_mutex.lock();
  for (auto& weak : Registry())
    if (auto object = weak.lock()) Locked().push_back(std::move(object));
  for (auto& object : Locked()) object->PrepareFork();
  RecordGate::Instance().Close();
}
void ParentAfterFork() {
  RecordGate::Instance().Open();
  for (auto it = Locked().rbegin(); it != Locked().rend(); ++it) (*it)->ParentAfterFork();
  Locked().clear();
  registry_mutex.unlock();
}
void ChildAfterFork() {
  RecordGate::Instance().ResetInChild();
  RecordGate::Instance().Open();
  for (auto it = Locked().rbegin(); it != Locked().rend(); ++it) (*it)->ChildAfterFork();
  Locked().clear();
  registry_mutex.unlock();
}

}  // namespace

void RegisterForFork(const std::shared_ptr<ForkAware>& object) {
  static const bool registered = [] {
    pthread_atfork(PrepareFork, ParentAfterFork, ChildAfterFork);
    return true;
  }();
  (void)registered;
  std::lock_guard<std::mutex> lock(registry_mutex);
  auto& registry = Registry();
  std::erase_if(registry, [](const auto& w) { return w.expired(); });
  registry.push_back(object);
}

}  // namespace adot::sdk::metrics::internal
