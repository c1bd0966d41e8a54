// WorkerPool: cpp-httplib's task queue for one kpid listener. httplib hands
// it one task per accepted connection, and a task holds its thread for the
// connection's life (keep-alive included).
//
// Contract: `min_threads` workers start at once; a task that finds no idle
// worker starts another, up to `max_threads`, so slow clients cannot starve
// a normal one while fewer than max_threads connections are open (httplib's
// own pool is fixed: 64 clients sending a byte every 2 s held every worker).
// Past max_threads tasks wait in order. Workers once started stay until
// shutdown (an idle one costs a blocked thread). shutdown runs the tasks
// already queued, then joins every worker.
//
// Thread-safety: enqueue from any thread; shutdown once, from the thread
// that owns the server.
#pragma once

#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kpi {

class WorkerPool : public httplib::TaskQueue {
 public:
  WorkerPool(size_t min_threads, size_t max_threads);
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void enqueue(std::function<void()> task) override;
  void shutdown() override;

 private:
  void StartWorker();  // with mutex_ held
  void Work();

  const size_t max_threads_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> tasks_;
  std::vector<std::thread> threads_;
  size_t idle_ = 0;
  bool shutting_down_ = false;
};

}  // namespace kpi
