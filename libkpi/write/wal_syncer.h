// WalSyncer: the committer's sync thread (committer.h). The commit thread
// writes each group's frames (write(2)) and hands the WALs it wrote to the
// syncer, which fdatasyncs them off the commit thread, so that the next
// group is written while a sync runs:
//   - `always`: each written group names its waiters (the requests it
//     wrote); a waiter is released once every WAL it wrote to has been
//     synced by an fdatasync that *started after* its write, so each sync
//     covers every group written before it began (group commit).
//   - `batch`: nothing waits; a WAL is synced at most window_us after its
//     first unsynced write (so a power loss loses at most that window).
//   - `none`: the thread is not started; only Detach syncs (at shutdown).
// A failed sync fails the waiters of that WAL, and the WAL stays failed:
// later syncs of it fail at once, and TakeFailed tells the commit thread to
// close it (its tail is unknown, wal.md §4).
//
// Thread-safety: AddWritten, Detach and TakeFailed are called by the commit
// thread only; the release callback runs on the sync thread or inside Detach.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "libkpi/write/committer.h"
#include "libkpi/util/status.h"
#include "libkpi/format/wal.h"

namespace kpi {

// A request waiting for the syncs of the WALs it wrote to.
struct SyncWaiter {
  Status status;     // the first failure of a write or sync it depends on
  int unsynced = 0;  // WALs it still waits for; guarded by the syncer
};

// One WAL a group wrote to, and the waiters that wrote to it (always mode).
struct WrittenWal {
  wal::WalWriter* writer = nullptr;
  std::vector<SyncWaiter*> waiters;
};

class WalSyncer {
 public:
  using ReleaseFn = std::function<void(const std::vector<SyncWaiter*>&)>;

  // `release` gets waiters whose WALs are all synced (their status says
  // whether a sync failed). `stats` gets the sync count and latencies.
  WalSyncer(SyncMode mode, int64_t window_us, CommitterStats* stats, ReleaseFn release);
  ~WalSyncer();  // Stop()
  WalSyncer(const WalSyncer&) = delete;
  WalSyncer& operator=(const WalSyncer&) = delete;

  void Start();  // the sync thread; not in mode `none`
  // Syncs what is pending, releases its waiters and joins the thread.
  void Stop();

  // The frames of one group were written (Flush done) to `wals`. Counts
  // every waiter of every WAL before any can be released.
  void AddWritten(const std::vector<WrittenWal>& wals);

  // Before the commit thread closes `writer`: waits until no sync of it
  // runs, syncs it when it holds unsynced writes or `force`, and releases
  // its waiters. Afterwards the syncer holds no reference to it. Returns the
  // sync's status (or the earlier failure).
  Status Detach(wal::WalWriter* writer, bool force);

  // WALs whose background sync failed since the last call; close them.
  std::vector<wal::WalWriter*> TakeFailed();

 private:
  struct Dirty {
    wal::WalWriter* writer = nullptr;
    int64_t first_write_us = 0;  // steady clock, of the oldest unsynced write
    std::vector<SyncWaiter*> waiters;
  };
  struct Failed {
    wal::WalWriter* writer = nullptr;
    Status status;
    bool reported = false;  // handed out by TakeFailed
  };

  void SyncLoop();
  bool WaitForWork(std::unique_lock<std::mutex>& lock);
  Status TimedSync(wal::WalWriter* writer, bool from_commit_thread);
  // Under mu_: applies `status` to `waiters`, appends those now free.
  static void Settle(const Status& status, const std::vector<SyncWaiter*>& waiters,
                     std::vector<SyncWaiter*>* released);
  const Status* FailureOf(const wal::WalWriter* writer) const;

  const SyncMode mode_;
  const int64_t window_us_;
  CommitterStats* const stats_;
  const ReleaseFn release_;

  std::mutex mu_;
  std::condition_variable work_cv_;  // sync thread: new dirty WALs, detach done, stop
  std::condition_variable idle_cv_;  // Detach: the running sync round ended
  std::vector<Dirty> dirty_;
  std::vector<Failed> failed_;
  bool syncing_ = false;  // a round runs outside mu_ with WALs taken from dirty_
  int detaching_ = 0;     // Detach calls waiting: start no new round
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace kpi
