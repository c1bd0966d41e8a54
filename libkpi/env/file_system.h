// FileSystem: the seam through which libkpi writes, syncs, renames and
// removes files, so tests can inject faults (short writes, ENOSPC, EIO on
// write or fsync, a crash between two steps) as LevelDB's Env allows.
//
// Contract: every write path in libkpi (WAL, segment writer, compaction,
// purge, exports, cursors) goes through FileSystem::Default(), and so do
// positional reads (ReadAt) and free-space queries (GetDiskSpace). Files are
// created without following a symbolic link at their path. A failed Sync is
// final: the caller must treat the file's unsynced contents as lost and never
// retry the sync as if it succeeded.
//
// Crash points: code calls CrashPoint("compact.published") between the
// steps of a multi-step change. The environment variable KPI_CRASH_AT=<name>
// (optionally <name>:<n> for the n-th time) makes the process _exit(86)
// there, which tests use to crash kpid or kpictl at every step.
//
// Thread-safety: FileSystem and WritableFile implementations are
// thread-compatible: distinct files may be used from distinct threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

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

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // The process-wide instance (POSIX unless a test installed another).
  static FileSystem* Default();
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
};

// Exits the process with status 86 if KPI_CRASH_AT names this point.
void CrashPoint(std::string_view name);

// The directory part of a path ("." when there is none).
std::string DirName(const std::string& path);

}  // namespace kpi
