// FileSystem: kpi's Env (after LevelDB's): the one seam through which
// libkpi writes, syncs, renames, removes, reads, lists and locks files, asks
// for free space and reads the clock, so tests can inject faults (short
// writes, ENOSPC, EIO on write or fsync, failed listings or locks, a crash
// between two steps) and fix the time.
//
// Contract: components take the FileSystem they use from what they are
// given (a StoreLayout's fs(), or an options struct's `fs`), never from a
// global; FileSystem::Default() (POSIX, or what a test installed) is only
// the value those default to. Files are created without following a
// symbolic link at their path. A failed Sync is final: the caller must treat
// the file's unsynced contents as lost and never retry the sync as if it
// succeeded.
//
// Crash points: code calls CrashPoint("compact.published") between the
// steps of a multi-step change. The environment variable KPI_CRASH_AT=<name>
// (optionally <name>:<n> for the n-th time) makes the process _exit(86)
// there, which tests use to crash kpid or kpictl at every step.
// KPI_PAUSE_AT=<name>:<ms> sleeps there instead, every time, so a test can
// hold a process between two steps while it looks at the files.
//
// Thread-safety: FileSystem and WritableFile implementations are
// thread-compatible: distinct files may be used from distinct threads. The
// POSIX instance is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libkpi/util/status.h"

namespace kpi {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends all of `data` or fails; a failure may leave a prefix written.
  virtual Status Append(std::string_view data) = 0;
  virtual Status Sync() = 0;  // fdatasync
  virtual Status Truncate(uint64_t size) = 0;
  virtual Status Close() = 0;
  virtual uint64_t Size() const = 0;  // bytes appended so far, from the start of the file
  virtual int fd() const = 0;
};

// Permission bits for new files (the umask still applies).
inline constexpr uint32_t kStoreFileMode = 0640;    // the store: kpid and its readers' group
inline constexpr uint32_t kPrivateFileMode = 0600;  // exports, cursors: their owner only

struct DiskSpace {
  uint64_t free_bytes = 0;   // available to unprivileged writers
  uint64_t total_bytes = 0;
  uint64_t block_bytes = 512;  // the allocation unit
  uint64_t device = 0;         // which file system: equal for paths on the same one
};

// An advisory lock (flock on an open file description) held until this is
// destroyed; the file stays open meanwhile.
class FileLock {
 public:
  virtual ~FileLock() = default;
  virtual int fd() const = 0;  // the locked file, for the holder's own notes in it
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // The process-wide instance (POSIX unless a test installed another).
  static FileSystem* Default();
  // `fs`, or Default() when it is null: what an unset `fs` option means.
  static FileSystem* OrDefault(FileSystem* fs) { return fs != nullptr ? fs : Default(); }
  // Installs `fs` as Default() and returns the previous one; tests only.
  static FileSystem* SetDefaultForTesting(FileSystem* fs);

  // Creates `path` with permission bits `mode` (fails if it exists when
  // `exclusive`, truncating it otherwise); fails if `path` is a symbolic link.
  virtual Status NewWritableFile(const std::string& path, bool exclusive, uint32_t mode,
                                 std::unique_ptr<WritableFile>* file) = 0;
  // Opens an existing file for appending at its end.
  virtual Status NewAppendableFile(const std::string& path,
                                   std::unique_ptr<WritableFile>* file) = 0;
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  virtual Status SyncDir(const std::string& dir) = 0;
  virtual Status TruncateFile(const std::string& path, uint64_t size) = 0;

  // Reads n bytes at `offset` of the open `fd` into `dst`, retrying short
  // reads; *got < n only at the end of the file. `name` names the file in
  // errors.
  virtual Status ReadAt(int fd, uint64_t offset, size_t n, char* dst, size_t* got,
                        const std::string& name);
  // The space of the file system holding `path`.
  virtual Status GetDiskSpace(const std::string& path, DiskSpace* space);

  // Opens `path` read-only into *fd (the caller closes it); NotFound if it
  // does not exist.
  virtual Status OpenForReading(const std::string& path, int* fd);
  // The names in `dir` (not "." or ".."), in no order; NotFound if `dir`
  // does not exist.
  virtual Status GetChildren(const std::string& dir, std::vector<std::string>* names);
  // The size of `path` in bytes; NotFound if it does not exist.
  virtual Status GetFileSize(const std::string& path, uint64_t* size);
  // Creates `dir` and any missing parents (mode 0750 before the umask).
  virtual Status CreateDirs(const std::string& dir);
  // Removes the empty directory `dir` (fails if it holds anything).
  virtual Status RemoveDir(const std::string& dir);

  // Opens (creating with `mode` if missing, refusing a symbolic link) and
  // locks `path` exclusively without waiting: Busy, naming the path, when
  // another open description holds it.
  virtual Status LockFile(const std::string& path, uint32_t mode, std::unique_ptr<FileLock>* lock);
  // Whether another open description holds a lock on `path` (false when
  // `path` does not exist). Takes and drops a shared lock for a moment.
  virtual Status IsLocked(const std::string& path, bool* locked);

  // The wall clock in milliseconds since the epoch.
  virtual int64_t NowMs();
};

// Reads all of `path` through `fs` into *data, as LevelDB's
// ReadFileToString; Corruption, naming the file, when it is longer than
// `max_bytes` (so a stray file cannot make the reader allocate it whole).
Status ReadFileToString(FileSystem* fs, const std::string& path, size_t max_bytes,
                        std::string* data);
// The same where a missing file is no error: *found says whether it exists.
Status ReadFileIfPresent(FileSystem* fs, const std::string& path, size_t max_bytes,
                         std::string* data, bool* found);

// Exits the process with status 86 if KPI_CRASH_AT names this point.
void CrashPoint(std::string_view name);

// The directory part of a path ("." when there is none).
std::string DirName(const std::string& path);

}  // namespace kpi
