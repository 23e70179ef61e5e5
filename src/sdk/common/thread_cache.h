// A per-thread cache of fixed-size memory blocks, and an allocator over it for allocate_shared.
//
// Span handles are created and released at a high rate, usually on one thread. Taking their
// blocks from a thread-local list avoids malloc's call, checks and bookkeeping on both ends. A
// block released on another thread goes to that thread's list (or back to the heap when the
// list is full or the thread never allocated from it); a thread's blocks are freed when it exits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace adot::sdk::internal {

template <size_t kBlockSize>
class ThreadBlockCache {
 public:
  static constexpr uint32_t kMaxBlocks = 256;

  static void* Allocate() {
    Cache& c = cache_;
    if (Block* b = c.head) [[likely]] {
      c.head = b->next;
      --c.count;
      return b;
    }
    return AllocateSlow();
  }

  static void Deallocate(void* p) noexcept {
    Cache& c = cache_;
    if (c.state == kActive && c.count < kMaxBlocks) [[likely]] {
      Block* b = static_cast<Block*>(p);
      b->next = c.head;
      c.head = b;
      ++c.count;
      return;
    }
    ::operator delete(p);
  }

 private:
  struct Block {
    Block* next;
  };
  enum State : uint8_t { kUnused, kActive, kExited };
  struct Cache {
    Block* head;
    uint32_t count;
    State state;
  };
  // Frees the thread's blocks when it exits; blocks released after that go to the heap.
  struct Reaper {
    ~Reaper() {
      Cache& c = cache_;
      c.state = kExited;
      while (Block* b = c.head) {
        c.head = b->next;
        ::operator delete(b);
      }
      c.count = 0;
    }
  };

  [[gnu::noinline]] static void* AllocateSlow() {
    Cache& c = cache_;
    if (c.state == kUnused) {
      static thread_local Reaper reaper;  // registers the exit hook on first use only
      (void)reaper;
      c.state = kActive;
    }
    return ::operator new(kBlockSize);
  }

  // initial-exec and constinit: a direct TLS access with no initialisation guard (see random.h).
  static inline __attribute__((tls_model("initial-exec"))) constinit thread_local Cache cache_{};
};

// Allocates single objects from ThreadBlockCache; arrays go to the heap.
template <class T>
class ThreadCacheAllocator {
 public:
  using value_type = T;
  ThreadCacheAllocator() noexcept = default;
  template <class U>
  ThreadCacheAllocator(const ThreadCacheAllocator<U>&) noexcept {}

  T* allocate(size_t n) {
    static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__);
    if (n == 1) [[likely]]
      return static_cast<T*>(Cache::Allocate());
    return static_cast<T*>(::operator new(n * sizeof(T)));
  }
  void deallocate(T* p, size_t n) noexcept {
    if (n == 1) [[likely]] {
      Cache::Deallocate(p);
    } else {
      ::operator delete(p);
    }
  }

  template <class U>
  friend bool operator==(const ThreadCacheAllocator&, const ThreadCacheAllocator<U>&) noexcept {
    return true;
  }

 private:
  // Round to 16 bytes so types of similar size share a list.
  using Cache = ThreadBlockCache<(sizeof(T) + 15) / 16 * 16>;
};

}  // namespace adot::sdk::internal
