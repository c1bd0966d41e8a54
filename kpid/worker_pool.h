// WorkerPool: cpp-httplib's task queue for one kpid listener. httplib hands
// it one task per accepted connection, and a task holds its thread for the
// connection's life (keep-alive included).
//
// Contract: `min_threads` workers start at once and stay; a task that finds
// no idle worker starts another, up to `max_threads`, so slow clients cannot
// starve a normal one while fewer than max_threads connections are open
// (httplib's own pool is fixed: 64 clients sending a byte every 2 s held
// every worker). Past max_threads tasks wait in order. A worker beyond
// min_threads that stays idle for `idle_exit` ends, so the threads a burst
// or an attack started go away. shutdown runs the tasks already queued,
// then waits for every worker to end.
//
// Thread-safety: enqueue from any thread; shutdown once, from the thread
// that owns the server.
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace kpi {

class WorkerPool : public httplib::TaskQueue {
 public:
  WorkerPool(size_t min_threads, size_t max_threads,
             std::chrono::milliseconds idle_exit = std::chrono::seconds(30));
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void enqueue(std::function<void()> task) override;
  void shutdown() override;

  size_t threads() const;  // workers alive now

 private:
  void StartWorker(bool stays);  // with mutex_ held
  void Work(bool stays);

  const size_t max_threads_;
  const std::chrono::milliseconds idle_exit_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable all_ended_;
  std::deque<std::function<void()>> tasks_;
  size_t live_ = 0;
  size_t idle_ = 0;
  bool shutting_down_ = false;
};

}  // namespace kpi
