#include "libkpi/space/maintenance_lock.h"

namespace kpi {
namespace {

// Takes the lock at `path` (creating its directory and file if needed)
// without waiting. *lock stays empty when the disk was too full to create
// them and `if_full` allows that.
Status TakeLock(FileSystem* fs, const std::string& path, MaintenanceLock::IfDiskFull if_full,
                std::unique_ptr<FileLock>* lock) {
  Status s = fs->CreateDirs(DirName(path));
  if (s.ok()) s = fs->LockFile(path, kStoreFileMode, lock);
  if (s.IsNoSpace() && if_full == MaintenanceLock::IfDiskFull::kProceedUnlocked) return Status::OK();
  if (s.IsBusy()) {
    return Status::Busy(path + " is held: another kpictl compact or purge, or kpid's "
                        "retention, is working on this data dir; retry when it is done");
  }
  return s;
}

}  // namespace

std::string MaintenanceLock::LockPath(const StoreLayout& layout) {
  return layout.data_dir() + "/locks/compact.lock";
}

Status MaintenanceLock::Acquire(const std::vector<StoreLayout>& layouts, IfDiskFull if_full,
                                std::unique_ptr<MaintenanceLock>* lock) {
  std::unique_ptr<MaintenanceLock> held(new MaintenanceLock());
  held->expected_ = layouts.size();
  for (const StoreLayout& layout : layouts) {
    std::unique_ptr<FileLock> file_lock;
    KPI_RETURN_IF_ERROR(TakeLock(layout.fs(), LockPath(layout), if_full, &file_lock));
    if (file_lock != nullptr) held->locks_.push_back(std::move(file_lock));
  }
  *lock = std::move(held);
  return Status::OK();
}

MaintenanceLock::~MaintenanceLock() = default;  // destroying locks_ releases them

// A shared lock is enough to test for kpid's exclusive one; it is held for
// microseconds, so a kpid starting in exactly that instant would be told the
// writer is busy and can simply be started again.
Status WriterLockHeld(const StoreLayout& layout, const std::string& writer, bool* held) {
  return layout.fs()->IsLocked(layout.WriterDir(writer) + "/lock", held);
}

}  // namespace kpi
