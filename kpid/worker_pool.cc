#include "kpid/worker_pool.h"

#include <algorithm>

namespace kpi {

WorkerPool::WorkerPool(size_t min_threads, size_t max_threads)
    : max_threads_(std::max<size_t>(1, std::max(min_threads, max_threads))) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (size_t i = 0; i < std::min(min_threads, max_threads_); ++i) StartWorker();
}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::StartWorker() {
  threads_.emplace_back([this] { Work(); });
}

void WorkerPool::enqueue(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back(std::move(task));
    // Tasks queued beyond the idle workers each get a new worker while
    // there is room: a connection never waits behind a slow one.
    if (!shutting_down_ && tasks_.size() > idle_ && threads_.size() < max_threads_) {
      StartWorker();
    }
  }
  wake_.notify_one();
}

void WorkerPool::Work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    ++idle_;
    wake_.wait(lock, [this] { return !tasks_.empty() || shutting_down_; });
    --idle_;
    if (tasks_.empty()) return;  // shutting down, nothing left to run
    std::function<void()> task = std::move(tasks_.front());
    tasks_.pop_front();
    lock.unlock();
    task();
    lock.lock();
  }
}

void WorkerPool::shutdown() {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (shutting_down_ && threads_.empty()) return;
    shutting_down_ = true;
    threads.swap(threads_);
  }
  wake_.notify_all();
  for (std::thread& t : threads) t.join();
}

}  // namespace kpi
