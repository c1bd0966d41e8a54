#include "libkpi/space/maintenance_lock.h"
#include "libkpi/env/file_system.h"
#include "libkpi/env/no_follow.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace kpi {
namespace {

// Opens (creating if needed) `path` and flocks it without waiting. *fd is -1
// when the disk was too full to create the file and `if_full` allows that.
Status LockFile(const std::string& dir, const std::string& path,
                MaintenanceLock::IfDiskFull if_full, int* fd) {
  *fd = -1;
  if (::mkdir(dir.c_str(), 0750) != 0 && errno != EEXIST) {
    const int err = errno;
    if ((err == ENOSPC || err == EDQUOT) &&
        if_full == MaintenanceLock::IfDiskFull::kProceedUnlocked) {
      return Status::OK();
    }
    return Status::FromErrno(err, "mkdir " + dir);
  }
  int f;
  Status opened = OpenNoFollow(path, O_RDWR | O_CREAT, kStoreFileMode, &f);
  if (!opened.ok()) {
    const bool full = opened.IsNoSpace();
    if (full && if_full == MaintenanceLock::IfDiskFull::kProceedUnlocked) return Status::OK();
    return opened;
  }
  if (::flock(f, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(f);
    if (err == EWOULDBLOCK) {
      return Status::Busy(path + " is held: another kpictl compact or purge, or kpid's "
                          "retention, is working on this data dir; retry when it is done");
    }
    return Status::FromErrno(err, "flock " + path);
  }
  *fd = f;
  return Status::OK();
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
    int fd = -1;
    KPI_RETURN_IF_ERROR(LockFile(layout.data_dir() + "/locks", LockPath(layout), if_full, &fd));
    if (fd >= 0) held->fds_.push_back(fd);
  }
  *lock = std::move(held);
  return Status::OK();
}

MaintenanceLock::~MaintenanceLock() {
  for (int fd : fds_) ::close(fd);  // closing the description releases the flock
}

Status WriterLockHeld(const StoreLayout& layout, const std::string& writer, bool* held) {
  *held = false;
  const std::string path = layout.WriterDir(writer) + "/lock";
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Status::OK();
    return Status::FromErrno(errno, "open " + path);
  }
  // A shared lock is enough to test for kpid's exclusive one; it is held for
  // microseconds, so a kpid starting in exactly that instant would be told
  // the writer is busy and can simply be started again.
  if (::flock(fd, LOCK_SH | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK) {
      *held = true;
      return Status::OK();
    }
    return Status::FromErrno(err, "flock " + path);
  }
  ::close(fd);  // we got it, so nobody held it; closing releases it again
  return Status::OK();
}

}  // namespace kpi
