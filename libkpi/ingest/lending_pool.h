// LendingPool<T>: a fixed number of T, lent to one thread at a time.
//
// Why: kpid runs a worker thread per connection (64 by default), and a
// simdjson DOM parser sized for a 128 KiB body holds ~1.9 MiB (tape, string
// buffer, structural indexes). One parser per worker kept ~120 MiB of
// parsers alone under 64 forwarder connections, while only as many of them
// can run as there are cores. A pool of a few, lent for the parse, bounds
// that memory whatever the connection count.
//
// Contract: the pool makes `size` (at least 1) default-constructed T at
// once. Borrow returns a Lease holding one T, waiting while all are lent;
// the lease gives it back when it ends. Lent objects keep their state
// (buffers, capacity) from one lease to the next. Leases must end before
// the pool does.
//
// Thread-safety: Borrow from any number of threads; a Lease belongs to the
// thread that borrowed it.
#pragma once

#include <memory>
#include <vector>

#include "libkpi/util/mutex.h"

namespace kpi {

template <typename T>
class LendingPool {
 public:
  class Lease {
   public:
    Lease(LendingPool* pool, T* item) : pool_(pool), item_(item) {}
    ~Lease() {
      if (item_ != nullptr) pool_->GiveBack(item_);
    }
    Lease(Lease&& other) noexcept : pool_(other.pool_), item_(other.item_) {
      other.item_ = nullptr;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;

    T* get() const { return item_; }
    T* operator->() const { return item_; }
    T& operator*() const { return *item_; }

   private:
    LendingPool* pool_;
    T* item_;
  };

  explicit LendingPool(size_t size) : returned_(&mu_) {
    MutexLock lock(&mu_);
    free_.reserve(size == 0 ? 1 : size);  // GiveBack never allocates
    for (size_t i = 0; i < (size == 0 ? 1 : size); ++i) {
      owned_.push_back(std::make_unique<T>());
      free_.push_back(owned_.back().get());
    }
  }
  LendingPool(const LendingPool&) = delete;
  LendingPool& operator=(const LendingPool&) = delete;

  Lease Borrow() {
    MutexLock lock(&mu_);
    while (free_.empty()) returned_.Wait();
    T* item = free_.back();  // the most recently used: its pages are warm
    free_.pop_back();
    return Lease(this, item);
  }

  size_t size() const { return owned_.size(); }

 private:
  void GiveBack(T* item) {
    {
      MutexLock lock(&mu_);
      free_.push_back(item);
    }
    returned_.Signal();
  }

  Mutex mu_;
  CondVar returned_;
  std::vector<std::unique_ptr<T>> owned_;  // fixed after construction
  std::vector<T*> free_ GUARDED_BY(mu_);
};

}  // namespace kpi
