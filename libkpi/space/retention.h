// Retention: kpid deletes its own old data, oldest sealed hours first.
//
//   --retention D       hours that ended more than D ago
//   --max-disk-bytes B  the oldest hours until the store uses at most B
//   --min-free-bytes F  the oldest hours until the data dir's file system
//                       has F free, but only when one of the two above is set:
//                       kpid's default floor (256M) must not turn a disk
//                       filled by someone else into silent deletion of
//                       analytics data. An operator who opted into retention
//                       has said old hours may go.
// Removal goes through Purger (purger.h) and never touches an open hour (one
// with a WAL, or the current hour), so kpid's own writes are safe. When the
// free-space floor still cannot be met, the committer's FreeSpaceFloor keeps
// answering 507 with Retry-After and, since it re-reads statvfs every 100 ms,
// resumes by itself as soon as space comes back.
//
// RetentionService runs RetentionPolicy::Apply on a background thread every
// interval (60 s) and, sooner, whenever the free space is below the floor
// (checked once a second, a statvfs) or Nudge() is called. Every removed
// hour is logged on one line (hour, files, bytes, limit; never payloads) and
// counted in RetentionStats, which /metrics renders.
//
// Thread-safety: RetentionStats may be read from any thread. Apply is called
// from one thread at a time (the service's). Start/Stop from one thread;
// Nudge from any.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "libkpi/env/file_system.h"
#include "libkpi/util/status.h"

namespace kpi {


struct RetentionOptions {
  std::string data_dir;
  int64_t max_age_ms = 0;       // 0: no age limit
  uint64_t max_bytes = 0;       // 0: no size cap
  uint64_t min_free_bytes = 0;  // 0: no free-space goal
  int64_t interval_ms = 60 * 1000;
  // Files, free space and the clock (not owned; null: FileSystem::Default()).
  FileSystem* fs = nullptr;

  bool enabled() const { return max_age_ms > 0 || max_bytes > 0 || min_free_bytes > 0; }
};

struct RetentionStats {
  std::atomic<uint64_t> runs{0};
  std::atomic<uint64_t> failures{0};  // passes that stopped on an error (logged)
  std::atomic<uint64_t> hours_removed{0};
  std::atomic<uint64_t> segments_removed{0};
  std::atomic<uint64_t> bytes_removed{0};

  // Prometheus text lines (kpi_retention_*), appended to `out`.
  void RenderPrometheus(std::string* out) const;
};

class RetentionPolicy {
 public:
  explicit RetentionPolicy(RetentionOptions options);

  // One pass at `now_ms`. Busy (nothing done) while a kpictl compact or
  // purge holds the data dir's maintenance lock.
  Status Apply(int64_t now_ms);

  const RetentionOptions& options() const { return options_; }
  const RetentionStats& stats() const { return stats_; }

 private:
  void ReportUnmet(const std::string& text);

  const RetentionOptions options_;
  RetentionStats stats_;
  std::string last_unmet_;  // logged once until it changes
};

class RetentionService {
 public:
  explicit RetentionService(RetentionOptions options);
  ~RetentionService();  // Stop()
  RetentionService(const RetentionService&) = delete;
  RetentionService& operator=(const RetentionService&) = delete;

  // Starts the thread (none when no limit is configured).
  void Start();
  // Asks for a pass soon (kpid calls it when it answered 507).
  void Nudge();
  // Stops and joins the thread. Idempotent.
  void Stop();

  const RetentionStats& stats() const { return policy_.stats(); }

 private:
  void Loop();
  bool SpaceShort() const;
  FileSystem* Fs() const { return FileSystem::OrDefault(policy_.options().fs); }

  RetentionPolicy policy_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;     // guarded by mu_
  bool nudged_ = false;   // guarded by mu_
  std::thread thread_;
};

}  // namespace kpi
