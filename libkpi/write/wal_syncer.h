// WalSyncer: the background fdatasync of `--sync batch` (committer.h). The
// leader of a commit group writes the group's frames (write(2)), answers the
// group and hands the WALs it wrote to the syncer, which fdatasyncs each at
// most window_us after its first unsynced write (so a power loss loses at
// most that window). In `always` the leader syncs itself (SyncNow) and in
// `none` nothing syncs but Detach at shutdown: the thread runs only in batch.
// A failed background sync leaves the WAL failed: later syncs of it fail at
// once, and TakeFailed tells the leader to close it (its tail is unknown,
// wal.md §4).
//
// Thread-safety: AddWritten, SyncNow, Detach and TakeFailed are called only
// by the thread holding the committer's writer role (one at a time); they
// synchronise with the sync thread through mu_.
#pragma once

#include <cstdint>
#include <thread>
#include <vector>

#include "libkpi/format/wal.h"
#include "libkpi/util/mutex.h"
#include "libkpi/util/status.h"
#include "libkpi/util/thread_annotations.h"
#include "libkpi/write/committer_stats.h"
#include "libkpi/write/sync_mode.h"

namespace kpi {

class WalSyncer {
 public:
  // `stats` gets the sync count and latencies.
  WalSyncer(SyncMode mode, int64_t window_us, CommitterStats* stats);
  ~WalSyncer();  // Stop()
  WalSyncer(const WalSyncer&) = delete;
  WalSyncer& operator=(const WalSyncer&) = delete;

  void Start() EXCLUDES(mu_);  // the sync thread; batch mode only
  // Syncs what is pending and joins the thread.
  void Stop() EXCLUDES(mu_);

  // batch: `writer`'s frames were written (Flush done); sync them within
  // the window. Other modes: nothing.
  void AddWritten(wal::WalWriter* writer) EXCLUDES(mu_);

  // An fdatasync of `writer` now, timed into the stats (always mode).
  Status SyncNow(wal::WalWriter* writer);

  // Before `writer` is closed: waits until no sync of it runs, syncs it when
  // it holds unsynced writes or `force`. Afterwards the syncer holds no
  // reference to it. Returns the sync's status (or the earlier failure).
  Status Detach(wal::WalWriter* writer, bool force) EXCLUDES(mu_);

  // WALs whose background sync failed since the last call; close them.
  std::vector<wal::WalWriter*> TakeFailed() EXCLUDES(mu_);

 private:
  struct Dirty {
    wal::WalWriter* writer = nullptr;
    int64_t first_write_us = 0;  // steady clock, of the oldest unsynced write
  };
  struct Failed {
    wal::WalWriter* writer = nullptr;
    Status status;
    bool reported = false;  // handed out by TakeFailed
  };

  void SyncLoop() EXCLUDES(mu_);
  bool WaitForWork() REQUIRES(mu_);
  void SyncRound() REQUIRES(mu_);
  Status TimedSync(wal::WalWriter* writer, bool from_owner);
  const Status* FailureOf(const wal::WalWriter* writer) const REQUIRES(mu_);

  const SyncMode mode_;
  const int64_t window_us_;
  CommitterStats* const stats_;

  Mutex mu_;
  CondVar work_cv_{&mu_};  // sync thread: new dirty WALs, detach done, stop
  CondVar idle_cv_{&mu_};  // Detach: the running sync round ended
  std::vector<Dirty> dirty_ GUARDED_BY(mu_);
  std::vector<Failed> failed_ GUARDED_BY(mu_);
  bool syncing_ GUARDED_BY(mu_) = false;  // a round runs outside mu_
  int detaching_ GUARDED_BY(mu_) = 0;     // Detach calls waiting: start no new round
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace kpi
