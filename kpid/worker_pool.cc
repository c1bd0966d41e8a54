#include "kpid/worker_pool.h"

#include <algorithm>
#include <thread>

namespace kpi {

WorkerPool::WorkerPool(size_t min_threads, size_t max_threads,
                       std::chrono::milliseconds idle_exit)
    : max_threads_(std::max<size_t>(1, std::max(min_threads, max_threads))),
      idle_exit_(idle_exit) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < std::min(min_threads, max_threads_); ++i) StartWorker(true);
}

WorkerPool::~WorkerPool() { shutdown(); }

size_t WorkerPool::threads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return live_;
}

void WorkerPool::StartWorker(bool stays) {
  // Detached: a worker that ends on its own has nobody to join it;
  // shutdown waits for live_ to reach 0 instead.
  ++live_;
  std::thread([this, stays] { Work(stays); }).detach();
}

void WorkerPool::enqueue(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back(std::move(task));
    // Tasks queued beyond the idle workers each get a new worker while
    // there is room: a connection never waits behind a slow one.
    if (!shutting_down_ && tasks_.size() > idle_ && live_ < max_threads_) StartWorker(false);
  }
  wake_.notify_one();
}

void WorkerPool::Work(bool stays) {
  std::unique_lock<std::mutex> lock(mutex_);
  const auto ready = [this] { return !tasks_.empty() || shutting_down_; };
  for (;;) {
    ++idle_;
    const bool woken = stays ? (wake_.wait(lock, ready), true)
                             : wake_.wait_for(lock, idle_exit_, ready);
    --idle_;
    if (!woken || tasks_.empty()) break;  // idle too long, or shutting down
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
  // Notified with the lock held: shutdown cannot return, and the pool cannot
  // go, before this thread has let go of the mutex.
  if (--live_ == 0) all_ended_.notify_all();
}

void WorkerPool::shutdown() {
  std::unique_lock<std::mutex> lock(mutex_);
  shutting_down_ = true;
  wake_.notify_all();
  all_ended_.wait(lock, [this] { return live_ == 0; });
}

}  // namespace kpi
