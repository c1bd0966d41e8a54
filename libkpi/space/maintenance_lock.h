// MaintenanceLock: one compaction or purge at a time per data directory.
//
//   <data-dir>/locks/compact.lock   flock()ed by kpictl compact, kpictl purge
//                                   and kpid's retention while they change
//                                   the segment tree
//
// Why: a purge that deletes an hour while a compaction of it is between
// "publish the output" and "unlink the inputs" would resurrect the hour, and
// compaction's leftover ".compact-*.tmp" files may only be deleted when no
// compaction can be writing them. Readers and kpid's sealer never take it:
// they cope with files appearing and going (hour_snapshot.h).
//
// Also here: the test whether a kpid holds a writer's lock
// (writer_state.h), which purge --include-open needs before it touches WALs.
//
// Thread-safety: a MaintenanceLock is owned by one thread; flock locks are
// per open file description, so a second Acquire for the same directory is
// refused even within one process.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "libkpi/util/status.h"
#include "libkpi/format/store_layout.h"

namespace kpi {

class MaintenanceLock {
 public:
  enum class IfDiskFull {
    kFail,            // creating the lock file failed: fail (compaction writes anyway)
    kProceedUnlocked  // purge on a full disk must still work; a compaction
                      // cannot run there (it could not write its output)
  };

  // Takes the lock of every data dir of `layouts` without waiting; Busy
  // naming the lock file when another compaction or purge holds one.
  static Status Acquire(const std::vector<StoreLayout>& layouts, IfDiskFull if_full,
                        std::unique_ptr<MaintenanceLock>* lock);
  ~MaintenanceLock();  // releases
  MaintenanceLock(const MaintenanceLock&) = delete;
  MaintenanceLock& operator=(const MaintenanceLock&) = delete;

  static std::string LockPath(const StoreLayout& layout);  // <data-dir>/locks/compact.lock

  // False when IfDiskFull::kProceedUnlocked went ahead without a lock file.
  bool held() const { return locks_.size() == expected_; }

 private:
  MaintenanceLock() = default;
  std::vector<std::unique_ptr<FileLock>> locks_;
  size_t expected_ = 0;
};

// Whether a live process holds <data-dir>/writers/<writer>/lock: a
// non-blocking flock attempt that is released at once (FileSystem::IsLocked). A missing lock file
// means no. IOError only when the file exists but cannot be opened.
Status WriterLockHeld(const StoreLayout& layout, const std::string& writer, bool* held);

}  // namespace kpi
