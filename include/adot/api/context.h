// Immutable Context and the thread-local current context.
#pragma once

#include <memory>
#include <utility>
#include <variant>

#include "adot/api/export.h"

namespace adot::api {

// A key into a Context. Keys are compared by identity: define each one once, e.g. as a static.
// A key used by several shared objects must be defined (and exported) by one of them.
class ContextKey {
 public:
  explicit constexpr ContextKey(const char* name) noexcept : name_(name) {}
  ContextKey(const ContextKey&) = delete;
  ContextKey& operator=(const ContextKey&) = delete;
  const char* name() const noexcept { return name_; }

 private:
  const char* name_;
};

class Scope;

// An immutable set of key/value pairs carried through a request. Copying is cheap (one shared
// pointer); SetValue returns a new Context and leaves this one unchanged.
class Context {
 public:
  Context() noexcept = default;

  // The value stored under key, or nullptr when absent. T must match the type it was stored with.
  template <class T>
  std::shared_ptr<const T> GetValue(const ContextKey& key) const noexcept {
    for (const Node* n = head_.get(); n; n = n->next.get())
      if (n->key == &key) return std::static_pointer_cast<const T>(n->value);
    return nullptr;
  }
  // The same without taking a reference: valid while this Context (or a copy) is alive.
  template <class T>
  const T* GetValuePtr(const ContextKey& key) const noexcept {
    for (const Node* n = head_.get(); n; n = n->next.get())
      if (n->key == &key) return static_cast<const T*>(n->value.get());
    return nullptr;
  }
  template <class T>
  Context SetValue(const ContextKey& key, std::shared_ptr<const T> value) const {
    return Context(std::make_shared<const Node>(
        Node{&key, std::static_pointer_cast<const void>(std::move(value)), head_}));
  }
  // True for a context with no values at all.
  bool empty() const noexcept { return head_ == nullptr; }
  bool HasKey(const ContextKey& key) const noexcept {
    for (const Node* n = head_.get(); n; n = n->next.get())
      if (n->key == &key) return true;
    return false;
  }

  // The current context of this thread.
  static Context Current() noexcept;
  // Makes this the current context until the returned Scope is destroyed.
  [[nodiscard]] Scope Attach() const noexcept;

  friend bool operator==(const Context& a, const Context& b) noexcept {
    return a.head_ == b.head_;
  }

 private:
  struct Node {
    const ContextKey* key;
    std::shared_ptr<const void> value;
    std::shared_ptr<const Node> next;
  };
  explicit Context(std::shared_ptr<const Node> head) noexcept : head_(std::move(head)) {}

  std::shared_ptr<const Node> head_;
};

namespace internal {
// The current context slot of the calling thread. Defined once, in libadot_api.
ADOT_API_EXPORT Context& CurrentContextSlot() noexcept;
}  // namespace internal

inline Context Context::Current() noexcept { return internal::CurrentContextSlot(); }

// Restores the previous current context when destroyed. Scopes must end in reverse order of
// creation, on the thread that created them.
class [[nodiscard]] Scope {
 public:
  explicit Scope(const Context& context) noexcept
      : previous_(std::exchange(internal::CurrentContextSlot(), context)) {}
  Scope(Scope&& other) noexcept : previous_(std::move(other.previous_)), active_(other.active_) {
    other.active_ = false;
  }
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
  Scope& operator=(Scope&&) = delete;
  ~Scope() {
    if (active_) internal::CurrentContextSlot() = std::move(previous_);
  }

 private:
  Context previous_;
  bool active_ = true;
};

inline Scope Context::Attach() const noexcept { return Scope(*this); }

}  // namespace adot::api
