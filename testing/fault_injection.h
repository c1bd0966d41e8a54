// FaultInjectingFileSystem: a FileSystem for tests that passes every call to
// another one (the POSIX default) unless a programmed fault matches it, in
// the manner of LevelDB's FaultInjectionTestEnv. It makes the disk fail the
// way real disks do: a short write followed by EIO or ENOSPC, ENOSPC or EIO
// on a write, EIO on fdatasync, a failed rename, unlink or directory sync, a
// failed open, read, listing, mkdir, rmdir, lock or statvfs. It also holds a
// clock a test can set (SetNowMs).
//
// Contract: Inject arms a fault on the `nth` matching call from now (1 =
// the next one); `repeat` keeps it failing every matching call after that.
// A short write appends the first `short_write_bytes` of the data through
// the wrapped file, then fails, as write(2) returning less than asked and
// the retry failing would. Injected errors go through Status::FromErrno, so
// ENOSPC is NoSpace and EIO is IOError exactly as from the kernel; their
// messages start with "injected fault: ". Every fault that fires is counted.
//
// Pass it to what a test exercises (a StoreLayout, an options struct's
// `fs`), or install it process-wide with ScopedFaultInjection.
//
// Thread-safety: thread-safe; the committer's threads may use it while a
// test thread arms faults.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "libkpi/env/file_system.h"

namespace kpi {

enum class FsOp {
  kAny,  // matches every call below
  kCreate,
  kAppend,
  kSync,
  kTruncate,
  kRename,
  kRemove,
  kSyncDir,
  kTruncateFile,
  kOpenRead,    // OpenForReading
  kRead,        // ReadAt (the path is the name given for the fd)
  kList,        // GetChildren
  kCreateDirs,
  kRemoveDir,
  kLock,        // LockFile and IsLocked
  kDiskSpace,   // GetDiskSpace
};
constexpr int kFsOpCount = 16;
const char* FsOpName(FsOp op);

struct FaultSpec {
  FsOp op = FsOp::kAppend;
  uint64_t nth = 1;       // fire on the nth matching call from now
  bool repeat = false;    // and on every matching call after it
  int error = 5;          // errno reported (EIO); ENOSPC = 28
  // Appends only: bytes of the data written before the error (0: none).
  size_t short_write_bytes = 0;
  // Only calls whose path contains this match ("" matches every path).
  std::string path_contains;
};

class FaultInjectingFileSystem final : public FileSystem {
 public:
  // `base` is not owned; nullptr means the process's current Default().
  explicit FaultInjectingFileSystem(FileSystem* base = nullptr);
  ~FaultInjectingFileSystem() override;

  void Inject(const FaultSpec& fault);
  void ClearFaults();  // disarms every pending fault; counters stay

  uint64_t faults_injected() const;
  uint64_t calls(FsOp op) const;  // every call seen, failed or not

  Status NewWritableFile(const std::string& path, bool exclusive, uint32_t mode,
                         std::unique_ptr<WritableFile>* file) override;
  Status NewAppendableFile(const std::string& path,
                           std::unique_ptr<WritableFile>* file) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status RemoveFile(const std::string& path) override;
  Status SyncDir(const std::string& dir) override;
  Status TruncateFile(const std::string& path, uint64_t size) override;
  Status ReadAt(int fd, uint64_t offset, size_t n, char* dst, size_t* got,
                const std::string& name) override;
  Status GetDiskSpace(const std::string& path, DiskSpace* space) override;
  Status OpenForReading(const std::string& path, int* fd) override;
  Status GetChildren(const std::string& dir, std::vector<std::string>* names) override;
  Status GetFileSize(const std::string& path, uint64_t* size) override;
  Status CreateDirs(const std::string& dir) override;
  Status RemoveDir(const std::string& dir) override;
  Status LockFile(const std::string& path, uint32_t mode, std::unique_ptr<FileLock>* lock) override;
  Status IsLocked(const std::string& path, bool* locked) override;
  // The set time, or the base's clock while none is set (0).
  int64_t NowMs() override;
  void SetNowMs(int64_t now_ms);

  // Counts the call and returns the fault to report, if one fires (used by
  // the files this file system hands out).
  bool ShouldFail(FsOp op, const std::string& path, FaultSpec* fired);

 private:
  // Runs `fn` on the base unless a fault fires for (op, path).
  template <typename Fn>
  Status Pass(FsOp op, const std::string& path, Fn&& fn);

  struct Armed {
    FaultSpec spec;
    uint64_t seen = 0;  // matching calls since armed
  };
  FileSystem* base_;
  mutable std::mutex mu_;
  std::vector<Armed> armed_;
  uint64_t calls_[kFsOpCount] = {};
  uint64_t faults_injected_ = 0;
  std::atomic<int64_t> now_ms_{0};
};

// Installs a FaultInjectingFileSystem as FileSystem::Default() for a scope.
class ScopedFaultInjection {
 public:
  ScopedFaultInjection();
  ~ScopedFaultInjection();
  ScopedFaultInjection(const ScopedFaultInjection&) = delete;
  ScopedFaultInjection& operator=(const ScopedFaultInjection&) = delete;

  FaultInjectingFileSystem* operator->() { return fs_.get(); }
  FaultInjectingFileSystem& fs() { return *fs_; }

 private:
  std::unique_ptr<FaultInjectingFileSystem> fs_;
  FileSystem* previous_;
};

}  // namespace kpi
